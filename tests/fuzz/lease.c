// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for DHCP client hook environments (udhcpc, dhclient,
 * dhcpcd), which come from whatever a DHCP server sent. Input: the event on
 * the first line, then NAME=VALUE lines.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "lease.h"

#define MAX_VARS 64

struct env {
	char *name[MAX_VARS], *value[MAX_VARS];
	int n;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *get(const char *name, void *ctx)
{
	const struct env *e = ctx;

	for (int i = 0; i < e->n; i++)
		if (!strcmp(e->name[i], name))
			return e->value[i];
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *line, *next, *event;
	struct env e = {.n = 0};
	struct lease l;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	event = buf;
	next = strchr(buf, '\n');
	if (next)
		*next++ = 0;
	for (line = next; line && *line && e.n < MAX_VARS; line = next) {
		char *eq;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = 0;
		e.name[e.n] = line;
		e.value[e.n++] = eq + 1;
	}
	lease_parse(*event ? event : NULL, get, &e, &l);
	err_clear();
	free(buf);
	return 0;
}
