// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr: policy routing for Linux, one stateless idempotent change per call.
 *
 * This file holds the global options, the table of objects, argv[0]
 * dispatch (pbr-table == pbr table), batches, and the one place where the
 * planned changes are applied or printed.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "names.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "plan.h"
#include "ruleset.h"
#include "sbuf.h"
#include "state.h"
#include "sys.h"

#ifndef PBR_VERSION
#define PBR_VERSION "0.0"
#endif

#define BATCH_MAX_WORDS 512
/* How often to plan again when the ruleset changed under us. */
#define RESTART_TRIES 5

static void main_usage(void);
static int help_main(int argc, char **argv);
static int version_main(int argc, char **argv);

static const struct object objects[] = {
	{"table", table_main, "routing tables, their routes and the rules that select them",
	 table_usage},
	{"mark", mark_main, "marks that steer packets and connections", mark_usage},
	{"nat", nat_main, "masquerade, source and destination NAT, redirect", nat_usage},
	{"sysctl", sysctl_main, "the kernel settings that make or break policy routing",
	 sysctl_usage},
	{"anyip", anyip_main, "answer for every address of a subnet on one interface",
	 anyip_usage},
	{"show", show_main, "everything pbr owns, and what pbr check finds", show_usage},
	{"explain", explain_main, "one packet's way: policies, NAT, rule, route, rp_filter",
	 explain_usage},
	{"check", check_main, "lint the live setup for what breaks policy routing", check_usage},
	{"relay", relay_main, "DHCPv4 relay agent (the one daemon)", relay_usage},
	{"help", help_main, "this help, or an object's", NULL},
	{"version", version_main, "print the version", NULL},
};

static const struct object *find_object(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(objects[i].name, name))
			return &objects[i];
	return NULL;
}

static void main_usage(void)
{
	printf("Usage: pbr [OPTIONS] OBJECT [COMMAND] [ARGUMENTS]\n"
	       "       pbr-OBJECT [COMMAND] [ARGUMENTS]\n"
	       "\n"
	       "OPTIONS := -n NETNS | -j | -p | -4 | -6 | -b FILE | --dry-run | -v | -q |\n"
	       "           --force | -V | -h\n"
	       "\n"
	       "Objects:\n");
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++)
		printf("  %-8s %s\n", objects[i].name, objects[i].summary);
	printf("\nSee pbr(8) and pbr OBJECT help.\n");
}

static int help_main(int argc, char **argv)
{
	const struct object *o;

	if (argc < 2) {
		main_usage();
		return 0;
	}
	o = find_object(argv[1]);
	if (!o || !o->usage)
		return err_usage("unknown object", argv[1], NULL);
	o->usage();
	return 0;
}

static int version_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("pbr %s\n", PBR_VERSION);
	return 0;
}

static struct {
	bool changing;
	bool locked;
} run;

const char *pbr_cmd(void)
{
	static char buf[300];

	snprintf(buf, sizeof(buf), "pbr%s%s", opt.netns ? " -n " : "", opt.netns ? opt.netns : "");
	return buf;
}

int crud_main(int argc, char **argv, const struct crud *c)
{
	struct words w = {argc, argv, 1};
	const char *cmd = w_next(&w);

	if (!cmd || !strcmp(cmd, "list") || !strcmp(cmd, "show")) {
		int rc;

		if (w_more(&w))
			return w_unknown(&w);
		if ((rc = parsed()) < 0 || (rc = c->print(NULL)) < 0)
			return rc;
		return 0;
	}
	if (is_help(cmd)) {
		c->usage();
		return 0;
	}
	if (!strcmp(cmd, "add"))
		return c->addel(&w, true);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete"))
		return c->addel(&w, false);
	if (!strcmp(cmd, "flush"))
		return c->flush(&w);
	return err_usage("unknown command", cmd, "add, del, flush, list, show");
}

int parsed(void)
{
	return opt.parse_only ? PARSED : 0;
}

int begin_change(void)
{
	int rc;

	if (opt.parse_only)
		return PARSED;
	run.changing = true;
	if (run.locked)
		return 0;
	if (!opt.dry_run) {
		rc = caps_need_net_admin();
		if (rc < 0)
			return rc;
	}
	/* A dry run locks too when it can, to read a state nobody is changing. */
	rc = lock_take();
	if (rc < 0 && !opt.dry_run)
		return rc;
	err_clear();
	run.locked = true;
	/* What was read before the lock may be stale; read it again under it. */
	names_reload();
	state_reset();
	return 0;
}

static void print_line(const char *text)
{
	printf("%s\n", text);
}

/* Apply (or print) what the commands planned. */
static int finish(void)
{
	int rc;

	rs_finish(); /* the nftables part of the plan, if any, goes last */
	if (opt.dry_run) {
		plan_describe(print_line);
		if (!plan_count() && run.changing && opt.verbose)
			printf("unchanged\n");
		return 0;
	}
	if (!plan_count()) {
		if (run.changing && opt.verbose)
			printf("unchanged\n");
		return 0;
	}
	rc = plan_apply();
	if (rc < 0)
		return rc;
	if (opt.verbose)
		plan_describe(print_line);
	return 0;
}

static int dispatch(int argc, char **argv, const char **object)
{
	const struct object *o;

	if (argc < 1) {
		*object = NULL;
		return err_usagef("missing OBJECT (try: pbr help)");
	}
	o = find_object(argv[0]);
	if (!o) {
		*object = NULL;
		return err_usage("unknown object", argv[0], "try: pbr help");
	}
	*object = o->name;
	return o->fn(argc, argv);
}

static char *read_all(FILE *f)
{
	struct sbuf b = {0};
	char buf[8192];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&b, "%.*s", (int)n, buf);
	return sb_take(&b);
}

/*
 * Without --force a batch is all or nothing: every line is checked and
 * planned against the state the lines before it leave, then the whole plan
 * is applied. With --force each good line is applied on its own and each bad
 * one reported.
 */
/* Every line of a batch; PARSED (fuzzing) counts as a line that is fine. */
int pbr_batch_text(char *text)
{
	int lineno = 0, worst = 0, rc = 0;
	char *line, *next;

	for (line = text; *line; line = next) {
		char *words[BATCH_MAX_WORDS];
		const char *object = NULL;
		char *eol = strchr(line, '\n');
		int n;

		next = eol ? eol + 1 : line + strlen(line);
		if (eol)
			*eol = 0;
		err_set_line(++lineno);
		n = split_words(line, words, BATCH_MAX_WORDS);
		if (n == 0)
			continue;
		if (n > 0 && !strcmp(words[0], "pbr"))
			rc = err_usage("batch lines leave out the leading", "pbr", NULL);
		else
			rc = n < 0 ? n : dispatch(n, words, &object);
		if (rc == PARSED) {
			rc = 0;
			err_clear();
			continue;
		}
		if (rc >= 0 && opt.force) {
			/* Line by line: applied (or printed) now; read the kernel afresh after. */
			rc = finish();
			plan_reset();
			rs_reset();
			if (rc < 0 || !opt.dry_run)
				state_reset();
		}
		if (rc < 0) {
			err_print(object);
			if (!opt.force) {
				err_set_line(0);
				return err_status(rc) + 1000;
			}
			if (err_status(rc) > worst)
				worst = err_status(rc);
			plan_reset();
			state_reset();
			rs_reset();
			err_clear();
			continue;
		}
	}
	err_set_line(0);
	if (opt.force)
		return worst + 1000; /* applied and reported line by line */
	return 0;
}

static int run_batch(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *text;
	int rc;

	if (!f)
		return err_sys(errno, "cannot open batch file \"%s\"", path);
	text = read_all(f);
	if (f != stdin)
		fclose(f);
	rc = pbr_batch_text(text);
	free(text);
	return rc;
}

static int global_opt(int argc, char **argv, int *i)
{
	const char *a = argv[*i];

#define NEED_ARG(name)                                                                             \
	do {                                                                                       \
		if (*i + 1 >= argc)                                                                \
			return err_usage("missing value for option", name, NULL);                  \
	} while (0)

	if (!strcmp(a, "-n") || !strcmp(a, "--netns")) {
		NEED_ARG(a);
		opt.netns = argv[++*i];
	} else if (!strncmp(a, "--netns=", 8)) {
		opt.netns = a + 8;
	} else if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
		opt.json = true;
	} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
		opt.json = opt.pretty = true;
	} else if (!strcmp(a, "-4")) {
		opt.family = AF_INET;
	} else if (!strcmp(a, "-6")) {
		opt.family = AF_INET6;
	} else if (!strcmp(a, "-b") || !strcmp(a, "--batch")) {
		NEED_ARG(a);
		(*i)++;
	} else if (!strcmp(a, "--dry-run")) {
		opt.dry_run = true;
	} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
		opt.verbose = true;
	} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
		opt.quiet = true;
	} else if (!strcmp(a, "--force")) {
		opt.force = true;
	} else {
		return err_usage("unknown option", a, "try: pbr help");
	}
	return 0;
#undef NEED_ARG
}

int pbr_main(int argc, char **argv)
{
	const char *batch = NULL, *object = NULL;
	char *base = basename(argv[0]);
	char *objv0 = NULL;
	int i, rc;

	/* pbr-table ARGS is pbr table ARGS. */
	if (!strncmp(base, "pbr-", 4) && find_object(base + 4))
		objv0 = base + 4;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version"))
			return version_main(0, NULL);
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			main_usage();
			return 0;
		}
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		rc = global_opt(argc, argv, &i);
		if (rc < 0)
			goto fail;
		if (!strcmp(argv[i - 1], "-b") || !strcmp(argv[i - 1], "--batch"))
			batch = argv[i];
	}
	if (opt.verbose && opt.quiet) {
		rc = err_usage("-v and -q exclude each other:", "-q", NULL);
		goto fail;
	}
	rc = opts_from_env();
	if (rc < 0)
		goto fail;
	out_init(opt.json, opt.pretty);
	if (opt.netns && !opt.parse_only) {
		rc = netns_enter(opt.netns);
		if (rc < 0)
			goto fail;
	}
	if (batch && i < argc) {
		rc = err_usage("unexpected word after -b FILE", argv[i], NULL);
		goto fail;
	}
	if (objv0)
		argv[i - 1] = objv0;
	/*
	 * The nftables commit is refused (-ERESTART) when someone else changed
	 * the ruleset between pbr's read and its commit; everything applied
	 * before it was undone, so read again and plan again.
	 */
	for (int attempt = 0;; attempt++) {
		if (batch && opt.parse_only) {
			rc = 0; /* a file to read: the batch fuzzer feeds texts instead */
		} else if (batch) {
			rc = run_batch(batch);
			if (rc >= 1000)
				return rc - 1000; /* already reported, line by line */
		} else if (objv0) {
			rc = dispatch(argc - i + 1, argv + i - 1, &object);
		} else {
			rc = dispatch(argc - i, argv + i, &object);
		}
		if (rc == PARSED) {
			out_flush();
			err_clear();
			return 0;
		}
		if (rc < 0)
			goto fail;
		if (rc > 0) {
			out_flush();
			return rc;
		}
		rc = finish();
		if (rc != -ERESTART || attempt == RESTART_TRIES)
			break;
		plan_reset();
		state_reset();
		rs_reset();
		names_reload();
		err_clear();
	}
	out_flush();
	if (rc == -ERESTART)
		err_conflict("the nftables ruleset kept changing; nothing was changed");
	if (rc < 0)
		goto fail;
	return 0;
fail:
	out_flush();
	err_print(object);
	return err_status(rc);
}
