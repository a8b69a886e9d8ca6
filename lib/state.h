/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_STATE_H
#define PBR_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"

/*
 * What the kernel holds, read once per invocation (one dump per family for
 * rules, one per family and table for routes) and kept current as the plan
 * grows, so every line of a batch sees the lines before it.
 *
 * The ensure and remove functions are the diff: they compare what is wanted
 * with what exists and plan only the difference. They count what they plan
 * in *changed.
 */

struct rules {
	struct rule *v;
	size_t n, cap;
};

struct routes {
	int family;
	uint32_t table;
	struct route *v;
	size_t n, cap;
};

int state_rules(int family, struct rules **out);
int state_routes(int family, uint32_t table, struct routes **out);
/* Forget everything read (tests; after applying). */
void state_reset(void);

/* Where pbr numbers rules it is not given a pref for. */
enum pref_class {
	PREF_SOURCE, /* source-address rules of DHCP uplinks: first, base+0..99 */
	PREF_POLICY, /* everything else, in order of creation: base+100..base+999 */
};

/* Make sure a pbr rule with want's selectors and table exists (any pref). */
int rule_ensure(struct rule *want, enum pref_class cls, int *changed);
/* Remove pbr's rules with sel's selectors and table (and pref if has_pref). */
int rule_remove(const struct rule *sel, int *changed);
/* Remove every pbr rule pointing at table. */
int rule_remove_table(int family, uint32_t table, int *changed);
/* Pbr rules in family matching pred; for callers that select by other fields. */
int rule_remove_if(int family, bool (*pred)(const struct rule *r, void *data), void *data,
		   int *changed);

/*
 * Make sure the route exists exactly as wanted. A route with the same key
 * that pbr did not make is a conflict unless takeover is set.
 */
int route_ensure(const struct route *want, bool takeover, int *changed);
/* Remove pbr's route with key's family, table, dst, tos and metric. */
int route_remove(const struct route *key, int *changed);
/* Remove every pbr route in the table. */
int route_flush_table(int family, uint32_t table, int *changed);

/* Does the table hold any route, or is it named by any rule (any owner)? */
int table_in_use(uint32_t table, bool *used);
/* A table number for pbr to name: in PBR_TABLE_AUTO_LO..HI, no name, no routes or rules. */
int table_free_id(uint32_t *id);



/* The families a command covers: fam itself, or IPv4 and (if the kernel has it) IPv6. */
int state_families(int fam, int out[2]);
/* Every route of family in every table (uncached; for listings). */
int routes_dump_all(int family, struct routes *out);
#endif
