/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_NFT_H
#define PBR_NFT_H

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * nftables over libnftnl and libmnl: reading one table, building
 * expressions, and one transaction per invocation committed against the
 * generation it was planned on (NFNL_BATCH_GENID), so a change someone else
 * made in between is noticed (-ERESTART) instead of overwritten.
 */

#define NFT_FAMILY NFPROTO_INET

/* ---- reading ---- */

int nft_genid(uint32_t *genid);
/* Does table exist in family? */
int nft_table_exists(int family, const char *table, bool *exists);

struct nft_rule_info {
	const char *chain;
	uint64_t handle;
	const void *udata;
	uint32_t udata_len;
	const struct nlmsghdr *nlh; /* for a full parse when needed */
};
/* Every rule of table (one chain if chain != NULL); only handle, chain and
 * userdata are decoded, which keeps large chains cheap to read. */
int nft_dump_rules(int family, const char *table, const char *chain,
		   int (*cb)(const struct nft_rule_info *ri, void *data), void *data);
int nft_dump_chains(int family, const char *table,
		    int (*cb)(const struct nftnl_chain *c, void *data), void *data);
int nft_dump_sets(int family, const char *table,
		  int (*cb)(const struct nftnl_set *s, void *data), void *data);
/* Does one set exist? (A single query, not a dump.) */
int nft_set_exists(int family, const char *table, const char *name, bool *exists);
/* Does one stateful object (NFT_OBJECT_*) exist? */
int nft_obj_exists(int family, const char *table, const char *name, uint32_t type,
		   bool *exists);
/* One element by key: *found, and its userdata copied into udata (up to *len). */
int nft_get_elem(int family, const char *table, const char *set, const void *key,
		 uint32_t keylen, void *udata, uint32_t *len, bool *found);
/* Elements of one set, as libnftnl parses them into s. */
int nft_dump_elems(int family, const char *table, const char *set, struct nftnl_set **out);

/* ---- expressions (they go into an nftnl_rule, which owns them) ---- */

void nx_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void nx_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
void nx_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
void nx_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg);
void nx_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
void nx_cmp(struct nftnl_rule *r, uint32_t op, uint32_t sreg, const void *data, uint32_t len);
void nx_bitwise(struct nftnl_rule *r, uint32_t reg, const void *mask, const void *xor,
		uint32_t len);
void nx_range(struct nftnl_rule *r, uint32_t op, uint32_t reg, const void *from, const void *to,
	      uint32_t len);
void nx_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg, bool invert);
void nx_vmap(struct nftnl_rule *r, const char *set, uint32_t sreg);
void nx_imm(struct nftnl_rule *r, uint32_t dreg, const void *data, uint32_t len);
void nx_verdict(struct nftnl_rule *r, int verdict, const char *chain);
void nx_nat(struct nftnl_rule *r, uint32_t type, uint32_t family, uint32_t reg_min,
	    uint32_t reg_max, uint32_t reg_pmin, uint32_t reg_pmax);
void nx_masq(struct nftnl_rule *r, uint32_t reg_pmin, uint32_t reg_pmax);
void nx_redir(struct nftnl_rule *r, uint32_t reg_pmin, uint32_t reg_pmax);
/* Use the named object of type NFT_OBJECT_* ("ct helper set NAME"). */
void nx_objref(struct nftnl_rule *r, uint32_t type, const char *name);

/* ---- the transaction ---- */

void txn_add_table(int family, const char *table);
void txn_del_table(int family, const char *table);
/* A base chain when hook >= 0 (type "filter", "route" or "nat"), else regular. */
void txn_add_chain(int family, const char *table, const char *name, const char *type, int hook,
		   int prio);
void txn_del_chain(int family, const char *table, const char *name);
/* Takes ownership of r. handle != 0 replaces that rule in place; prepend
 * puts it before the chain's other rules (else it is appended). */
void txn_add_rule(struct nftnl_rule *r, uint64_t replace_handle, bool prepend);
void txn_del_rule(int family, const char *table, const char *chain, uint64_t handle);
/* Takes ownership of s (with its elements, if any, added after the set). */
void txn_add_set(struct nftnl_set *s);
void txn_del_set(int family, const char *table, const char *name);
/* Takes ownership of s: adds (or deletes) the elements it carries. */
void txn_add_elems(struct nftnl_set *s);
void txn_del_elems(struct nftnl_set *s);
void txn_flush_set(int family, const char *table, const char *name);
/* Takes ownership of o. */
void txn_add_obj(struct nftnl_obj *o);
void txn_del_obj(int family, const char *table, const char *name, uint32_t type);
int txn_count(void);
/* Commit everything against genid; -ERESTART if the ruleset changed since. */
int txn_commit(uint32_t genid);
void txn_reset(void);
/* After a failed commit: the operation the kernel refused ("add set NAME"). */
const char *txn_failed_op(void);

/* Tell nft(8) how to print a set's keys: host order (marks, integers) or
 * network order (addresses, ports). */
void nft_set_key_order(struct nftnl_set *s, bool host);

/* A new rule for family/table/chain with pbr's userdata blob attached. */
struct nftnl_rule *nft_rule_new(int family, const char *table, const char *chain);

#endif
