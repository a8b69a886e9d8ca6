/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_INSTANCE_H
#define PBR_INSTANCE_H

#include "policy.h"
#include "ruleset.h"
#include "sbuf.h"

/*
 * A policy (a mark policy, a NAT rule) as nftables rules: one rule per
 * family instance, found again by its identity (a hash of its words), with
 * the named sets its lists live in. Re-running the same words changes
 * nothing; a changed @FILE refills the set and replaces the rule in place.
 */

struct inst_want {
	uint32_t kind;
	uint64_t id;
	const char *chain;
	const char *words; /* shown by nft(8) as the rule's comment */
	const struct selectors *sel;
	int fams; /* FAM_V4 | FAM_V6, or 0: one rule for any family */
	struct pbr_tag tag; /* mark, mask, table, flags, aux: the caller's */
	/* Append what the rule does (mark set, snat, ...) and its nft text. */
	void (*action)(struct nftnl_rule *r, int family, struct sbuf *text, const void *ctx);
	const void *ctx;
};

int inst_ensure(const struct inst_want *w, int *changed);
/* Remove every instance of kind/id and its sets. */
void inst_remove(uint32_t kind, uint64_t id, int *changed);
/* "p" and 12 hex digits of id: the name stem of a policy's sets. */
void inst_prefix(uint64_t id, char out[16]);

#endif
