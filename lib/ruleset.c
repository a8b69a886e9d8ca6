// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter_arp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "nft.h"
#include "pbr.h"
#include "plan.h"
#include "ruleset.h"
#include "sbuf.h"

/*
 * Rule userdata: nft(8) shows type 0 as the rule's comment and ignores
 * types it does not know, so the tag rides along in its own type.
 */
#define UDATA_COMMENT 0 /* NFTNL_UDATA_RULE_COMMENT */
#define UDATA_PBR_TAG 0x70
#define TAG_VERSION 1
#define COMMENT_MAX 196 /* what fits next to the tag in the kernel's 256 bytes of userdata */

/* mangle, dstnat and srcnat priorities (nft's named ones). */
#define PRIO_MANGLE (-150)
#define PRIO_DSTNAT (-100)
#define PRIO_SRCNAT 100

static const struct {
	const char *name, *type;
	int hook, prio;
} chain_defs[] = {
	/* Marks set before routing, for forwarded and incoming packets. */
	{CH_PREROUTING, "filter", NF_INET_PRE_ROUTING, PRIO_MANGLE},
	/* A "route" chain: the kernel routes the machine's own packet again
	 * when this chain changed its mark. */
	{CH_OUTPUT, "route", NF_INET_LOCAL_OUT, PRIO_MANGLE},
	{CH_MARKS, NULL, -1, 0},
	{CH_NAT_PREROUTING, "nat", NF_INET_PRE_ROUTING, PRIO_DSTNAT},
	{CH_NAT_POSTROUTING, "nat", NF_INET_POST_ROUTING, PRIO_SRCNAT},
	/* Before nat_prerouting: every address of an anyip prefix is this machine's. */
	{CH_ANYIP, NULL, -1, 0},
	{CH_ANYIP_NAT, "nat", NF_INET_PRE_ROUTING, PRIO_DSTNAT - 1},
};

#define INDEX_SET "index"
#define INDEX_KEY_LEN 8
#define NFT_TYPE_INTEGER 4
#define UDATA_ELEM_COMMENT 0 /* NFTNL_UDATA_SET_ELEM_COMMENT */
#define UDATA_PBR_ENTRY 0x70
#define ENTRY_COMMENT_MAX 96

/*
 * What the index said about an id, and what it should say after this plan.
 * Elements are written once, when the plan is complete: deleting an element
 * added earlier in the same transaction is refused (EBUSY).
 */
struct idx_cache {
	uint64_t id;
	bool existed; /* in the kernel when read */
	bool found;   /* present after the plan */
	bool dirty;   /* changed by the plan */
	struct rs_entry e;
	char comment[ENTRY_COMMENT_MAX];
};

static struct {
	bool loaded, exists, create_table, rules_all;
	uint32_t genid;
	char **chains;
	size_t nchains;
	char **chains_loaded; /* chains whose rules are in rules[] */
	size_t nloaded;
	char **sets; /* sets known to exist */
	size_t nsets;
	char **nosets; /* sets known not to exist */
	size_t nnosets;
	struct rs_rule *rules;
	size_t nrules, cap;
	char **texts;
	size_t ntexts;
	bool final_set;
	struct idx_cache *idx;
	size_t nidx;
	char **objs; /* objects known to exist ("type:name") */
	size_t nobjs;
	char **noobjs; /* known not to */
	size_t nnoobjs;
} rs;

static struct {
	bool loaded, exists, create;
	struct rs_rule *rules;
	size_t nrules, cap;
} arp;



static void strv_add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i], s))
			return true;
	return false;
}

static void strv_del(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] && !strcmp(v[i], s)) {
			free(v[i]);
			v[i] = NULL;
		}
}

const char *nft_cmd(void)
{
	static char buf[300];

	snprintf(buf, sizeof(buf), "%s%s%snft", opt.netns ? "ip netns exec " : "",
		 opt.netns ? opt.netns : "", opt.netns ? " " : "");
	return buf;
}

static void text(const char *t)
{
	if (t && *t)
		strv_add(&rs.texts, &rs.ntexts, t);
}

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	struct rs_rule *x = data;
	uint8_t len = nftnl_udata_len(attr);

	switch (nftnl_udata_type(attr)) {
	case UDATA_COMMENT:
		snprintf(x->comment, sizeof(x->comment), "%.*s", (int)len,
			 (const char *)nftnl_udata_get(attr));
		break;
	case UDATA_PBR_TAG:
		if (len == sizeof(x->tag)) {
			memcpy(&x->tag, nftnl_udata_get(attr), sizeof(x->tag));
			x->tagged = x->tag.version == TAG_VERSION;
		}
		break;
	}
	return 0;
}

static void push_rule(const struct rs_rule *x)
{
	if (x->arp) {
		if (arp.nrules == arp.cap) {
			arp.cap = arp.cap ? arp.cap * 2 : 8;
			arp.rules = xrealloc(arp.rules, arp.cap * sizeof(*arp.rules));
		}
		arp.rules[arp.nrules++] = *x;
		return;
	}
	if (rs.nrules == rs.cap) {
		rs.cap = rs.cap ? rs.cap * 2 : 64;
		rs.rules = xrealloc(rs.rules, rs.cap * sizeof(*rs.rules));
	}
	rs.rules[rs.nrules++] = *x;
}

static int rule_cb(const struct nft_rule_info *ri, void *data)
{
	struct rs_rule x = {0};

	x.arp = data != NULL;
	snprintf(x.chain, sizeof(x.chain), "%s", ri->chain ? ri->chain : "");
	x.handle = ri->handle;
	if (ri->udata)
		nftnl_udata_parse(ri->udata, ri->udata_len, udata_cb, &x);
	push_rule(&x);
	return 0;
}

static int chain_cb(const struct nftnl_chain *c, void *data)
{
	(void)data;
	strv_add(&rs.chains, &rs.nchains, nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	return 0;
}

int rs_load(void)
{
	int rc;

	if (rs.loaded)
		return 0;
	/* Reading nftables needs the capability too (nfnetlink checks it for every message). */
	if ((rc = nft_genid(&rs.genid)) == -EPERM) {
		err_conflict("needs CAP_NET_ADMIN (run as root) to read nftables");
		return -EPERM;
	}
	if (rc < 0)
		return rc;
	if ((rc = nft_table_exists(NFT_FAMILY, RS_TABLE, &rs.exists)) < 0)
		return rc;
	if (rs.exists && (rc = nft_dump_chains(NFT_FAMILY, RS_TABLE, chain_cb, NULL)) < 0)
		return rc;
	rs.loaded = true;
	return 0;
}

static bool chain_loaded(const char *chain)
{
	return rs.rules_all || strv_has(rs.chains_loaded, rs.nloaded, chain);
}

int rs_load_chain(const char *chain)
{
	int rc;

	if (!rs.exists || chain_loaded(chain) || !rs_has_chain(chain))
		return 0;
	if ((rc = nft_dump_rules(NFT_FAMILY, RS_TABLE, chain, rule_cb, NULL)) < 0)
		return rc;
	strv_add(&rs.chains_loaded, &rs.nloaded, chain);
	return 0;
}

bool rs_exists(void)
{
	return rs.exists;
}

struct rs_rule *rs_known(size_t *n)
{
	*n = rs.nrules;
	return rs.rules;
}

struct rs_rule *rs_rules(size_t *n)
{
	if (!rs.rules_all && rs.exists) {
		/* Chain by chain, skipping those read already; in the table's chain order. */
		for (size_t i = 0; i < rs.nchains; i++)
			if (rs.chains[i] && rs_load_chain(rs.chains[i]) < 0)
				break;
		rs.rules_all = true;
	}
	*n = rs.nrules;
	return rs.rules;
}

bool rs_has_chain(const char *name)
{
	return strv_has(rs.chains, rs.nchains, name);
}

bool rs_has_set(const char *name)
{
	bool exists = false;

	if (strv_has(rs.sets, rs.nsets, name))
		return true;
	if (!rs.exists || strv_has(rs.nosets, rs.nnosets, name))
		return false;
	if (nft_set_exists(NFT_FAMILY, RS_TABLE, name, &exists) < 0)
		return false;
	if (exists)
		strv_add(&rs.sets, &rs.nsets, name);
	else
		strv_add(&rs.nosets, &rs.nnosets, name);
	return exists;
}

static void ensure_table(void)
{
	struct sbuf b = {0};
	char *t;

	if (rs.exists || rs.create_table)
		return;
	rs.create_table = true;
	txn_add_table(NFT_FAMILY, RS_TABLE);
	sb_add(&b, "%s add table inet %s", nft_cmd(), RS_TABLE);
	t = sb_take(&b);
	text(t);
	free(t);
}

void rs_ensure_chain(const char *name)
{
	struct sbuf b = {0};
	char *t;

	ensure_table();
	if (rs_has_chain(name))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(chain_defs); i++) {
		if (strcmp(chain_defs[i].name, name))
			continue;
		txn_add_chain(NFT_FAMILY, RS_TABLE, name, chain_defs[i].type, chain_defs[i].hook,
			      chain_defs[i].prio);
		if (chain_defs[i].hook >= 0)
			sb_add(&b,
			       "%s add chain inet %s %s '{ type %s hook %s priority %d; policy "
			       "accept; }'",
			       nft_cmd(), RS_TABLE, name, chain_defs[i].type,
			       chain_defs[i].hook == NF_INET_PRE_ROUTING    ? "prerouting"
			       : chain_defs[i].hook == NF_INET_LOCAL_OUT   ? "output"
			       : chain_defs[i].hook == NF_INET_POST_ROUTING ? "postrouting"
									    : "input",
			       chain_defs[i].prio);
		else
			sb_add(&b, "%s add chain inet %s %s", nft_cmd(), RS_TABLE, name);
		t = sb_take(&b);
		text(t);
		free(t);
		strv_add(&rs.chains, &rs.nchains, name);
		strv_add(&rs.chains_loaded, &rs.nloaded, name);
		return;
	}
}

void rs_add_chain(const char *name, const char *t)
{
	ensure_table();
	if (rs_has_chain(name))
		return;
	txn_add_chain(NFT_FAMILY, RS_TABLE, name, NULL, -1, 0);
	strv_add(&rs.chains, &rs.nchains, name);
	strv_add(&rs.chains_loaded, &rs.nloaded, name);
	text(t);
}

void rs_del_chain(const char *chain, const char *t)
{
	char name[64];

	/* chain may be one of the names strv_del() below frees. */
	snprintf(name, sizeof(name), "%s", chain);
	txn_del_chain(NFT_FAMILY, RS_TABLE, name);
	strv_del(rs.chains, rs.nchains, name);
	for (size_t i = 0; i < rs.nrules; i++)
		if (!strcmp(rs.rules[i].chain, name))
			rs.rules[i].gone = true;
	text(t);
}

static void add_rule(struct nftnl_rule *r, const struct pbr_tag *tag, const char *comment,
		     const char *t, bool prepend, uint64_t replace)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	struct rs_rule x = {0};
	char c[COMMENT_MAX];

	if (!ud)
		abort();
	/* Long word lists are cut for the comment; the tag holds the identity. */
	snprintf(c, sizeof(c), "%s", comment);
	if (strlen(comment) >= sizeof(c))
		memcpy(c + sizeof(c) - 4, "...", 4);
	nftnl_udata_put_strz(ud, UDATA_COMMENT, c);
	x.tag = *tag;
	x.tag.version = TAG_VERSION;
	nftnl_udata_put(ud, UDATA_PBR_TAG, sizeof(x.tag), &x.tag);
	nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	snprintf(x.chain, sizeof(x.chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	snprintf(x.comment, sizeof(x.comment), "%s", c);
	x.arp = nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFPROTO_ARP;
	x.tagged = true;
	x.handle = replace;
	push_rule(&x);
	txn_add_rule(r, replace, prepend);
	text(t);
}

void rs_add_rule(struct nftnl_rule *r, const struct pbr_tag *tag, const char *comment,
		 const char *t, bool prepend)
{
	add_rule(r, tag, comment, t, prepend, 0);
}

void rs_replace_rule(struct rs_rule *old, struct nftnl_rule *r, const struct pbr_tag *tag,
		     const char *comment, const char *t)
{
	uint64_t handle = old->handle;

	/* In place: the policy keeps its position, so its precedence. */
	old->gone = true;
	add_rule(r, tag, comment, t, false, handle);
}

void rs_del_rule(struct rs_rule *x, const char *t)
{
	if (x->gone)
		return;
	txn_del_rule(x->arp ? NFPROTO_ARP : NFT_FAMILY, RS_TABLE, x->chain, x->handle);
	x->gone = true;
	if (t) {
		text(t);
	} else {
		char *d = xasprintf("%s delete rule %s %s %s handle %llu", nft_cmd(),
				    x->arp ? "arp" : "inet", RS_TABLE, x->chain,
				    (unsigned long long)x->handle);

		text(d);
		free(d);
	}
}

/* A copy of s's definition without its elements (libnftnl 1.2 has no clone). */
static struct nftnl_set *set_head(const struct nftnl_set *s)
{
	static const uint16_t attrs[] = {NFTNL_SET_FAMILY,    NFTNL_SET_FLAGS,	 NFTNL_SET_KEY_TYPE,
					 NFTNL_SET_KEY_LEN,   NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN,
					 NFTNL_SET_POLICY};
	struct nftnl_set *h = nftnl_set_alloc();

	if (!h)
		abort();
	nftnl_set_set_str(h, NFTNL_SET_TABLE, nftnl_set_get_str(s, NFTNL_SET_TABLE));
	nftnl_set_set_str(h, NFTNL_SET_NAME, nftnl_set_get_str(s, NFTNL_SET_NAME));
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++)
		if (nftnl_set_is_set(s, attrs[i]))
			nftnl_set_set_u32(h, attrs[i], nftnl_set_get_u32(s, attrs[i]));
	if (nftnl_set_is_set(s, NFTNL_SET_USERDATA)) {
		uint32_t len = 0;
		const void *u = nftnl_set_get_data(s, NFTNL_SET_USERDATA, &len);

		nftnl_set_set_data(h, NFTNL_SET_USERDATA, u, len);
	}
	return h;
}

void rs_add_set(struct nftnl_set *s, const char *t)
{
	ensure_table();
	strv_del(rs.nosets, rs.nnosets, nftnl_set_get_str(s, NFTNL_SET_NAME));
	strv_add(&rs.sets, &rs.nsets, nftnl_set_get_str(s, NFTNL_SET_NAME));
	struct nftnl_set *head = set_head(s);
	static uint32_t set_id;

	/* The kernel wants every new set to carry an id unique in its transaction. */
	nftnl_set_set_u32(head, NFTNL_SET_ID, ++set_id);
	/* The set, then its elements: two messages, two objects. */
	txn_add_set(head);
	txn_add_elems(s);
	text(t);
}

void rs_refill_set(const char *name, struct nftnl_set *elems, const char *t)
{
	txn_flush_set(NFT_FAMILY, RS_TABLE, name);
	txn_add_elems(elems);
	text(t);
}

void rs_del_set(const char *name, const char *t)
{
	txn_del_set(NFT_FAMILY, RS_TABLE, name);
	strv_del(rs.sets, rs.nsets, name);
	text(t);
}

void rs_add_elems(struct nftnl_set *s, const char *t)
{
	txn_add_elems(s);
	text(t);
}

void rs_del_elems(struct nftnl_set *s, const char *t)
{
	txn_del_elems(s);
	text(t);
}

/* ---- objects ---- */

static void obj_key(const char *name, uint32_t type, char *buf, size_t n)
{
	snprintf(buf, n, "%u:%s", type, name);
}

bool rs_has_obj(const char *name, uint32_t type)
{
	char key[80];
	bool exists = false;

	obj_key(name, type, key, sizeof(key));
	if (strv_has(rs.objs, rs.nobjs, key))
		return true;
	if (!rs.exists || strv_has(rs.noobjs, rs.nnoobjs, key))
		return false;
	if (nft_obj_exists(NFT_FAMILY, RS_TABLE, name, type, &exists) < 0)
		return false;
	strv_add(exists ? &rs.objs : &rs.noobjs, exists ? &rs.nobjs : &rs.nnoobjs, key);
	return exists;
}

void rs_add_obj(struct nftnl_obj *o, const char *t)
{
	char key[80];

	ensure_table();
	obj_key(nftnl_obj_get_str(o, NFTNL_OBJ_NAME), nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE), key,
		sizeof(key));
	strv_del(rs.noobjs, rs.nnoobjs, key);
	strv_add(&rs.objs, &rs.nobjs, key);
	txn_add_obj(o);
	text(t);
}

void rs_del_obj(const char *name, uint32_t type, const char *t)
{
	char key[80];

	obj_key(name, type, key, sizeof(key));
	txn_del_obj(NFT_FAMILY, RS_TABLE, name, type);
	strv_del(rs.objs, rs.nobjs, key);
	text(t);
}

/* ---- table arp pbr ---- */

int rs_arp_load(void)
{
	int rc;

	if (arp.loaded)
		return 0;
	if ((rc = nft_table_exists(NFPROTO_ARP, RS_TABLE, &arp.exists)) < 0)
		return rc;
	/* Any non-NULL data marks the rules as arp's. */
	if (arp.exists && (rc = nft_dump_rules(NFPROTO_ARP, RS_TABLE, NULL, rule_cb, &arp)) < 0)
		return rc;
	arp.loaded = true;
	return 0;
}

struct rs_rule *rs_arp_rules(size_t *n)
{
	*n = arp.nrules;
	return arp.rules;
}

void rs_arp_add_rule(struct nftnl_rule *r, const struct pbr_tag *tag, const char *comment,
		     const char *t)
{
	if (!arp.exists && !arp.create) {
		char *d;

		arp.create = true;
		txn_add_table(NFPROTO_ARP, RS_TABLE);
		txn_add_chain(NFPROTO_ARP, RS_TABLE, RS_ARP_CHAIN, "filter", NF_ARP_IN, 0);
		d = xasprintf("%s add table arp %s", nft_cmd(), RS_TABLE);
		text(d);
		free(d);
		d = xasprintf("%s add chain arp %s %s '{ type filter hook input priority 0; policy "
			      "accept; }'",
			      nft_cmd(), RS_TABLE, RS_ARP_CHAIN);
		text(d);
		free(d);
	}
	add_rule(r, tag, comment, t, false, 0);
}

/* The arp table goes with its last rule. */
static void arp_finish(void)
{
	char *d;

	if (!arp.exists)
		return;
	for (size_t i = 0; i < arp.nrules; i++)
		if (!arp.rules[i].gone)
			return;
	txn_del_table(NFPROTO_ARP, RS_TABLE);
	d = xasprintf("%s delete table arp %s", nft_cmd(), RS_TABLE);
	text(d);
	free(d);
}

/* ---- the index ---- */

static struct idx_cache *idx_find(uint64_t id)
{
	for (size_t i = 0; i < rs.nidx; i++)
		if (rs.idx[i].id == id)
			return &rs.idx[i];
	return NULL;
}

static int entry_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == UDATA_PBR_ENTRY &&
	    nftnl_udata_len(attr) == sizeof(struct rs_entry))
		memcpy(data, nftnl_udata_get(attr), sizeof(struct rs_entry));
	return 0;
}

int rs_index_get(uint64_t id, struct rs_entry *e, bool *found)
{
	struct idx_cache *c = idx_find(id);
	char ud[256];
	uint32_t len = sizeof(ud);
	int rc;

	if (!c) {
		struct idx_cache n = {.id = id};

		if (rs.exists && rs_has_set(INDEX_SET)) {
			rc = nft_get_elem(NFT_FAMILY, RS_TABLE, INDEX_SET, &id, INDEX_KEY_LEN, ud, &len,
					  &n.found);
			if (rc < 0)
				return rc;
			if (n.found)
				nftnl_udata_parse(ud, len, entry_cb, &n.e);
			n.existed = n.found;
		}
		rs.idx = xrealloc(rs.idx, (rs.nidx + 1) * sizeof(*rs.idx));
		rs.idx[rs.nidx++] = n;
		c = &rs.idx[rs.nidx - 1];
	}
	*found = c->found;
	if (c->found)
		*e = c->e;
	return 0;
}

struct nftnl_set *rs_set_new(const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		abort();
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFT_FAMILY);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, RS_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	return s;
}

static struct nftnl_set *index_elem(uint64_t id, const void *udata, uint32_t ulen)
{
	struct nftnl_set *s = rs_set_new(INDEX_SET);
	struct nftnl_set_elem *el = nftnl_set_elem_alloc();

	if (!el)
		abort();
	nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, &id, INDEX_KEY_LEN);
	if (udata)
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_USERDATA, udata, ulen);
	nftnl_set_elem_add(s, el);
	return s;
}

static void ensure_index(void)
{
	struct nftnl_set *s;
	struct sbuf b = {0};
	char *t;

	if (rs_has_set(INDEX_SET))
		return;
	s = rs_set_new(INDEX_SET);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_INTEGER);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, INDEX_KEY_LEN);
	nft_set_key_order(s, true);
	sb_add(&b, "%s add set inet %s %s '{ type integer; }'  # pbr's index of its policies",
	       nft_cmd(), RS_TABLE, INDEX_SET);
	t = sb_take(&b);
	rs_add_set(s, t);
	free(t);
}

static void index_del_elem(uint64_t id)
{
	struct sbuf b = {0};
	char *t;

	sb_add(&b, "%s delete element inet %s %s '{ 0x%016llx }'", nft_cmd(), RS_TABLE, INDEX_SET,
	       (unsigned long long)id);
	t = sb_take(&b);
	txn_del_elems(index_elem(id, NULL, 0));
	text(t);
	free(t);
}

void rs_index_put(uint64_t id, const struct rs_entry *e, const char *comment)
{
	struct idx_cache *c = idx_find(id);

	ensure_index();
	if (!c) {
		rs.idx = xrealloc(rs.idx, (rs.nidx + 1) * sizeof(*rs.idx));
		c = &rs.idx[rs.nidx++];
		memset(c, 0, sizeof(*c));
		c->id = id;
	}
	c->found = true;
	c->dirty = true;
	c->e = *e;
	snprintf(c->comment, sizeof(c->comment), "%s", comment);
}

void rs_index_del(uint64_t id)
{
	struct idx_cache *c = idx_find(id);

	if (!c || !c->found)
		return;
	c->found = false;
	c->dirty = true;
}

/* Write the index changes of the plan: per key one delete and one add at most. */
static void index_flush(void)
{
	for (size_t i = 0; i < rs.nidx; i++) {
		struct idx_cache *c = &rs.idx[i];
		struct nftnl_udata_buf *ud;
		struct sbuf b = {0};
		char *t;

		if (!c->dirty)
			continue;
		c->dirty = false;
		/* An element's userdata cannot change in place: out with the old one first. */
		if (c->existed)
			index_del_elem(c->id);
		if (!c->found)
			continue;
		ud = nftnl_udata_buf_alloc(256);
		if (!ud)
			abort();
		nftnl_udata_put_strz(ud, UDATA_ELEM_COMMENT, c->comment);
		nftnl_udata_put(ud, UDATA_PBR_ENTRY, sizeof(c->e), &c->e);
		txn_add_elems(index_elem(c->id, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud)));
		nftnl_udata_buf_free(ud);
		sb_add(&b, "%s add element inet %s %s '{ 0x%016llx comment \"%s\" }'", nft_cmd(),
		       RS_TABLE, INDEX_SET, (unsigned long long)c->id, c->comment);
		t = sb_take(&b);
		text(t);
		free(t);
	}
}

/* The number N of a bucket chain "PARENT_N", or 0. */
static unsigned int bucket_no(const char *chain, const char *parent)
{
	size_t plen = strlen(parent);
	const char *d = chain + plen + 1;

	if (strncmp(chain, parent, plen) || chain[plen] != '_' || !*d ||
	    strspn(d, "0123456789") != strlen(d))
		return 0;
	return (unsigned int)strtoul(d, NULL, 10);
}

int rs_bucket(const char *parent, char out[32])
{
	unsigned int last = 0;
	struct pbr_tag tag = {.kind = TAG_JUMP};
	struct nftnl_rule *r;
	struct sbuf b = {0};
	char *t;
	int rc;

	for (size_t i = 0; i < rs.nchains; i++)
		if (rs.chains[i] && bucket_no(rs.chains[i], parent) > last)
			last = bucket_no(rs.chains[i], parent);
	if (last) {
		size_t used = 0;

		snprintf(out, 32, "%s_%u", parent, last);
		if ((rc = rs_load_chain(out)) < 0)
			return rc;
		for (size_t i = 0; i < rs.nrules; i++)
			used += !rs.rules[i].gone && !strcmp(rs.rules[i].chain, out);
		if (used < RS_BUCKET)
			return 0;
	}
	snprintf(out, 32, "%s_%u", parent, last + 1);
	sb_add(&b, "%s add chain inet %s %s", nft_cmd(), RS_TABLE, out);
	t = sb_take(&b);
	rs_add_chain(out, t);
	free(t);
	r = nft_rule_new(NFT_FAMILY, RS_TABLE, parent);
	nx_verdict(r, NFT_JUMP, out);
	tag.aux = last + 1;
	sb_add(&b, "%s add rule inet %s %s jump %s comment \"bucket\"", nft_cmd(), RS_TABLE, parent,
	       out);
	t = sb_take(&b);
	rs_add_rule(r, &tag, "bucket", t, false);
	free(t);
	return 0;
}

void rs_drop_buckets(const char *parent)
{
	for (size_t i = 0; i < rs.nrules; i++) {
		struct sbuf b = {0};
		char *t;

		if (rs.rules[i].gone || strcmp(rs.rules[i].chain, parent))
			continue;
		sb_add(&b, "%s delete rule inet %s %s handle %llu", nft_cmd(), RS_TABLE, parent,
		       (unsigned long long)rs.rules[i].handle);
		t = sb_take(&b);
		rs_del_rule(&rs.rules[i], t);
		free(t);
	}
	/* Buckets after the jumps to them: a chain someone jumps to cannot go. */
	for (size_t i = 0; i < rs.nchains; i++) {
		const char *c = rs.chains[i];
		struct sbuf b = {0};
		char *t;

		if (!c || !bucket_no(c, parent))
			continue;
		sb_add(&b, "%s delete chain inet %s %s", nft_cmd(), RS_TABLE, c);
		t = sb_take(&b);
		rs_del_chain(c, t);
		free(t);
	}
}

int rs_content_count(void)
{
	int n = 0;

	for (size_t i = 0; i < rs.nrules; i++) {
		struct rs_rule *x = &rs.rules[i];

		if (!x->gone && x->tagged &&
		    (x->tag.kind == TAG_MARK || x->tag.kind == TAG_NAT || x->tag.kind == TAG_ANYIP))
			n++;
	}
	return n;
}

/*
 * Testing aid: PBR_TEST_BEFORE_COMMIT runs a command between pbr's read and
 * its commit (the first attempt only), to make another tool's change land
 * there, as it can in real life (a firewall reload during a DHCP hook).
 */
static void test_hook(void)
{
	static bool ran;
	const char *cmd = getenv("PBR_TEST_BEFORE_COMMIT");

	if (cmd && *cmd && !ran) {
		ran = true;
		if (system(cmd) != 0)
			fprintf(stderr, "pbr: PBR_TEST_BEFORE_COMMIT failed\n");
	}
}

static int final_apply(void *ctx)
{
	int rc;

	(void)ctx;
	test_hook();
	/* Testing aid: the commit fails, so the rtnetlink part must be undone. */
	rc = getenv("PBR_TEST_FAIL_COMMIT") ? -ENOBUFS : txn_commit(rs.genid);
	if (rc == -ERESTART)
		return rc; /* cmd/pbr.c plans again from a fresh read */
	if (rc < 0)
		return err_sys(rc, "nft %s in table inet %s", txn_failed_op(), RS_TABLE);
	return 0;
}

static void final_describe(void *ctx, void (*line)(const char *text))
{
	(void)ctx;
	for (size_t i = 0; i < rs.ntexts; i++)
		line(rs.texts[i]);
}

void rs_finish(void)
{
	static const struct plan_final f = {final_apply, final_describe, NULL};

	if (!rs.loaded)
		return;
	index_flush();
	if (arp.loaded)
		arp_finish();
	if (!txn_count() && !rs.exists)
		return;
	/* Nothing of pbr's left: the table goes, with all its plumbing. Only a
	 * command that read every rule (a removal) can know that. */
	if (rs.rules_all && rs_content_count() == 0 && (rs.exists || rs.create_table)) {
		struct sbuf b = {0};
		char *t;

		txn_reset();
		for (size_t i = 0; i < rs.ntexts; i++)
			free(rs.texts[i]);
		rs.ntexts = 0;
		rs.create_table = false;
		if (!rs.exists)
			return;
		txn_del_table(NFT_FAMILY, RS_TABLE);
		sb_add(&b, "%s delete table inet %s", nft_cmd(), RS_TABLE);
		t = sb_take(&b);
		text(t);
		free(t);
		/* What is in table arp pbr exists for what was in inet pbr. */
		if (arp.exists) {
			for (size_t i = 0; i < arp.nrules; i++)
				arp.rules[i].gone = true;
			arp.exists = false;
			t = xasprintf("%s delete table arp %s", nft_cmd(), RS_TABLE);
			txn_del_table(NFPROTO_ARP, RS_TABLE);
			text(t);
			free(t);
		}
	}
	if (txn_count() && !rs.final_set) {
		plan_set_final(&f);
		rs.final_set = true;
	}
}

void rs_reset(void)
{
	for (size_t i = 0; i < rs.nchains; i++)
		free(rs.chains[i]);
	for (size_t i = 0; i < rs.nsets; i++)
		free(rs.sets[i]);
	for (size_t i = 0; i < rs.ntexts; i++)
		free(rs.texts[i]);
	for (size_t i = 0; i < rs.nloaded; i++)
		free(rs.chains_loaded[i]);
	for (size_t i = 0; i < rs.nnosets; i++)
		free(rs.nosets[i]);
	for (size_t i = 0; i < rs.nobjs; i++)
		free(rs.objs[i]);
	for (size_t i = 0; i < rs.nnoobjs; i++)
		free(rs.noobjs[i]);
	free(rs.objs);
	free(rs.noobjs);
	free(arp.rules);
	memset(&arp, 0, sizeof(arp));
	free(rs.chains);
	free(rs.chains_loaded);
	free(rs.sets);
	free(rs.nosets);
	free(rs.texts);
	free(rs.rules);
	free(rs.idx);
	memset(&rs, 0, sizeof(rs));
	txn_reset();
}

static bool same_instance(const struct rs_rule *a, const struct rs_rule *b)
{
	return a->tagged && b->tagged && a->tag.kind == b->tag.kind && a->tag.id == b->tag.id;
}

bool rs_first_instance(const struct rs_rule *x, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (same_instance(&x[j], &x[i]))
			return false;
	return true;
}

void rs_instance_families(const struct rs_rule *x, size_t n, size_t i, bool *v4, bool *v6)
{
	*v4 = *v6 = false;
	for (size_t j = i; j < n; j++)
		if (same_instance(&x[j], &x[i])) {
			*v4 |= x[j].tag.family != AF_INET6;
			*v6 |= x[j].tag.family != AF_INET;
		}
}
