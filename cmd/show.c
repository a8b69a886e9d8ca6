// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr show: everything pbr owns, grouped by object, and what pbr check
 * finds wrong with it.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "out.h"

void show_usage(void)
{
	printf("Usage: pbr show\n"
	       "\n"
	       "Tables (with their routes and the rules that select them), mark policies,\n"
	       "NAT rules, anyip prefixes, the running relay's counters, and the problems\n"
	       "pbr check finds. -j for JSON.\n");
}

/* Text only: a section with nothing in it says so. */
static void none(void)
{
	out_text("none");
	out_nl();
}

static void heading(const char *h)
{
	static bool first = true;

	out_text("%s%s:", first ? "" : "\n", h);
	out_nl();
	first = false;
}

int show_main(int argc, char **argv)
{
	int rc, n = 0;

	if (argc > 1 && is_help(argv[1])) {
		show_usage();
		return 0;
	}
	if (argc > 1)
		return err_usage("unknown keyword", argv[1], NULL);
	if ((rc = parsed()) < 0)
		return rc;
	out_obj_open(NULL);
	heading("Tables");
	if ((rc = table_print("tables")) < 0)
		goto out;
	if (!rc)
		none();
	heading("Mark policies");
	if ((rc = mark_print("marks")) < 0)
		goto out;
	if (!rc)
		none();
	heading("NAT");
	if ((rc = nat_print("nat")) < 0)
		goto out;
	if (!rc)
		none();
	heading("Anyip");
	if ((rc = anyip_print("anyip")) < 0)
		goto out;
	if (!rc)
		none();
	heading("Relay");
	if ((rc = relay_print("relay")) < 0)
		goto out;
	if (rc == 1) {
		out_text("not running");
		out_nl();
	}
	heading("Problems (pbr check)");
	if ((rc = check_findings("problems", &n)) < 0)
		goto out;
	if (!n)
		none();
	rc = 0;
out:
	out_obj_close();
	return rc;
}
