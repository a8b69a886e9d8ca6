/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_RULESET_H
#define PBR_RULESET_H

#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * pbr's own nftables table, "inet pbr": what is in it (read once per
 * invocation, under the lock) and the changes planned to it, committed as
 * one transaction after every rtnetlink change of the plan succeeded.
 *
 * Every rule pbr makes carries userdata: a comment with the words that made
 * it (nft list shows it) and a tag saying what it is and whose it is.
 */

#define RS_TABLE "pbr"

/* Chains: base chains are made when first needed (see ruleset.c). */
#define CH_PREROUTING "prerouting"
#define CH_OUTPUT "output"
#define CH_MARKS "marks"
#define CH_NAT_PREROUTING "nat_prerouting"
#define CH_NAT_POSTROUTING "nat_postrouting"

enum tag_kind {
	TAG_NONE = 0,
	TAG_MARK = 1,	 /* a mark policy (one rule per family instance) */
	TAG_NAT = 2,	 /* a NAT rule */
	TAG_JUMP = 3,	 /* plumbing: a base chain's jump to a policy chain */
	TAG_STICKY = 4,	 /* plumbing: ct mark & M vmap @sticky_M */
	TAG_RESTORE = 5, /* plumbing: the restore rule of one sticky mark value */
	TAG_ANYIP = 6,	 /* an anyip rule */
};

#define TAG_F_STICKY 1
#define TAG_F_AUTOMARK 2

struct pbr_tag {
	uint32_t version;
	uint32_t kind;
	uint64_t id;	  /* hash of the words that made it */
	uint32_t mark;
	uint32_t mask;
	uint32_t table;
	uint32_t flags;
	uint64_t content; /* hash of the contents of its sets */
	uint32_t family;  /* the instance: 0 (any), AF_INET, AF_INET6 */
	uint32_t aux;
};

struct rs_rule {
	char chain[64];
	uint64_t handle;
	bool tagged;
	bool gone; /* deleted by this plan */
	struct pbr_tag tag;
	char comment[200];
};

/* Read the table (genid first: the commit is refused if it moved). */
int rs_load(void);
bool rs_exists(void);
struct rs_rule *rs_rules(size_t *n);
bool rs_has_chain(const char *name);
bool rs_has_set(const char *name);

/* Make sure a known chain (and the table) exists. */
void rs_ensure_chain(const char *name);
/* A regular chain of any name (sticky restore chains). */
void rs_add_chain(const char *name, const char *text);
void rs_del_chain(const char *name, const char *text);

/* Takes r. prepend: before the chain's other rules (else appended). */
void rs_add_rule(struct nftnl_rule *r, const struct pbr_tag *tag, const char *comment,
		 const char *text, bool prepend);
/* Takes r: replaces old at its position. old may move (the array grows). */
void rs_replace_rule(struct rs_rule *old, struct nftnl_rule *r, const struct pbr_tag *tag,
		     const char *comment, const char *text);
void rs_del_rule(struct rs_rule *x, const char *text);

/* Takes s. */
void rs_add_set(struct nftnl_set *s, const char *text);
void rs_refill_set(const char *name, struct nftnl_set *elems, const char *text);
void rs_del_set(const char *name, const char *text);
/* Takes s: elements to add to / delete from an existing set or map. */
void rs_add_elems(struct nftnl_set *s, const char *text);
void rs_del_elems(struct nftnl_set *s, const char *text);

/* Policies still there after the plan (kinds that are content, not plumbing). */
int rs_content_count(void);
/* Call after planning: drops the table if nothing of pbr's is left in it,
 * and hands the transaction to the plan as its final step. */
void rs_finish(void);
void rs_reset(void);

/* "nft" or "ip netns exec NS nft", for command texts. */
const char *nft_cmd(void);

#endif
