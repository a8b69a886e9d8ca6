/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_RULESET_H
#define PBR_RULESET_H

#include <libnftnl/object.h>
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
#define CH_ANYIP "anyip"
#define CH_ANYIP_NAT "anyip_nat"

enum tag_kind {
	TAG_NONE = 0,
	TAG_MARK = 1,	 /* a mark policy (one rule per family instance) */
	TAG_NAT = 2,	 /* a NAT rule */
	TAG_JUMP = 3,	 /* plumbing: a base chain's jump to a policy chain */
	TAG_STICKY = 4,	 /* plumbing: ct mark & M vmap @sticky_M */
	TAG_RESTORE = 5, /* plumbing: the restore rule of one sticky mark value */
	TAG_ANYIP = 6,	 /* an anyip rule */
	TAG_ANYIP_JUMP = 7, /* plumbing: prerouting's jump to chain anyip */
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
	bool arp;  /* in table arp pbr (chain input), not inet pbr */
	struct pbr_tag tag;
	char comment[200];
};

/*
 * Read what every command needs: the generation (the commit is refused if
 * it moved), whether the table exists, its chains. Rules and sets are read
 * when asked for, so adding the 2001st policy reads no other policy.
 */
int rs_load(void);
bool rs_exists(void);
/* Every rule of the table (one dump, the first time). */
struct rs_rule *rs_rules(size_t *n);
/*
 * A policy or NAT rule has one rule per family, all with the same tag kind
 * and id. x[i] is its first (print it once) when no earlier rule shares
 * them; *v4 and *v6 say which families it has.
 */
bool rs_first_instance(const struct rs_rule *x, size_t i);
void rs_instance_families(const struct rs_rule *x, size_t n, size_t i, bool *v4, bool *v6);
/* The rules read so far, without reading more. */
struct rs_rule *rs_known(size_t *n);
/* The rules of one chain only (for the small base chains). */
int rs_load_chain(const char *chain);
bool rs_has_chain(const char *name);
/* One query per name, remembered. */
bool rs_has_set(const char *name);

/*
 * The index: set "index" holds one element per policy, keyed by its
 * identity, whose userdata is the policy's tags. It answers "does this
 * policy exist, and as what?" without reading the rules, and changes in the
 * same transaction as them.
 */
#define RS_MAX_INST 2
struct rs_entry {
	uint32_t kind;
	uint32_t ninst;
	char bucket[32]; /* the chain its rules are in */
	struct pbr_tag inst[RS_MAX_INST];
};
int rs_index_get(uint64_t id, struct rs_entry *e, bool *found);
void rs_index_put(uint64_t id, const struct rs_entry *e, const char *comment);
void rs_index_del(uint64_t id);

/*
 * Policies live in bucket chains of at most RS_BUCKET rules ("marks_1",
 * "marks_2", ...), jumped to in order from their parent chain: the kernel
 * rebuilds only the bucket that changed, and order (first match wins) holds.
 * The last bucket is found by name and counted by reading it alone: adding a
 * policy reads at most RS_BUCKET rules and deletes nothing (a deletion makes
 * closing the netlink socket wait for an RCU grace period, ~10 ms).
 */
#define RS_BUCKET 64
int rs_bucket(const char *parent, char out[32]);
/* Remove a parent chain's jumps and its bucket chains (when no policy is
 * left in them). Needs every rule read. */
void rs_drop_buckets(const char *parent);

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
/* text NULL: "nft delete rule inet pbr CHAIN handle N". */
void rs_del_rule(struct rs_rule *x, const char *text);

/* A set object of pbr's table named name, to describe it or carry elements. */
struct nftnl_set *rs_set_new(const char *name);
/* Takes s. */
void rs_add_set(struct nftnl_set *s, const char *text);
void rs_refill_set(const char *name, struct nftnl_set *elems, const char *text);
void rs_del_set(const char *name, const char *text);
/* Takes s: elements to add to / delete from an existing set or map. */
void rs_add_elems(struct nftnl_set *s, const char *text);
void rs_del_elems(struct nftnl_set *s, const char *text);

/* Policies still there after the plan (kinds that are content, not plumbing). */
int rs_content_count(void);

/* Stateful objects of table inet pbr (NFT_OBJECT_*), e.g. a ct helper. */
bool rs_has_obj(const char *name, uint32_t type);
void rs_add_obj(struct nftnl_obj *o, const char *text);
void rs_del_obj(const char *name, uint32_t type, const char *text);

/*
 * Table arp pbr: ARP has no inet family. Its one chain "input" (filter hook
 * input) holds tagged rules; they are listed by rs_arp_rules() and added
 * with rs_arp_add_rule(), deleted with rs_del_rule(). The table is made
 * with its first rule and goes with its last.
 */
#define RS_ARP_CHAIN "input"
int rs_arp_load(void);
struct rs_rule *rs_arp_rules(size_t *n);
void rs_arp_add_rule(struct nftnl_rule *r, const struct pbr_tag *tag, const char *comment,
		     const char *text);
/* Call after planning: drops the table if nothing of pbr's is left in it,
 * and hands the transaction to the plan as its final step. */
void rs_finish(void);
void rs_reset(void);

/* "nft" or "ip netns exec NS nft", for command texts. */
const char *nft_cmd(void);

#endif
