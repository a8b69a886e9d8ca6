// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <stdio.h>
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
};

static struct {
	bool loaded, exists, create_table;
	uint32_t genid;
	char **chains;
	size_t nchains;
	char **sets;
	size_t nsets;
	struct rs_rule *rules;
	size_t nrules, cap;
	char **texts;
	size_t ntexts;
	bool final_set;
} rs;

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
	if (rs.nrules == rs.cap) {
		rs.cap = rs.cap ? rs.cap * 2 : 64;
		rs.rules = xrealloc(rs.rules, rs.cap * sizeof(*rs.rules));
	}
	rs.rules[rs.nrules++] = *x;
}

static int rule_cb(const struct nft_rule_info *ri, void *data)
{
	struct rs_rule x = {0};

	(void)data;
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

static int set_cb(const struct nftnl_set *s, void *data)
{
	(void)data;
	strv_add(&rs.sets, &rs.nsets, nftnl_set_get_str(s, NFTNL_SET_NAME));
	return 0;
}

int rs_load(void)
{
	int rc;

	if (rs.loaded)
		return 0;
	if ((rc = nft_genid(&rs.genid)) < 0)
		return rc;
	if ((rc = nft_table_exists(NFT_FAMILY, RS_TABLE, &rs.exists)) < 0)
		return rc;
	if (rs.exists) {
		if ((rc = nft_dump_chains(NFT_FAMILY, RS_TABLE, chain_cb, NULL)) < 0 ||
		    (rc = nft_dump_sets(NFT_FAMILY, RS_TABLE, set_cb, NULL)) < 0 ||
		    (rc = nft_dump_rules(NFT_FAMILY, RS_TABLE, NULL, rule_cb, NULL)) < 0)
			return rc;
	}
	rs.loaded = true;
	return 0;
}

bool rs_exists(void)
{
	return rs.exists;
}

struct rs_rule *rs_rules(size_t *n)
{
	*n = rs.nrules;
	return rs.rules;
}

bool rs_has_chain(const char *name)
{
	return strv_has(rs.chains, rs.nchains, name);
}

bool rs_has_set(const char *name)
{
	return strv_has(rs.sets, rs.nsets, name);
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
	text(t);
}

void rs_del_chain(const char *name, const char *t)
{
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
	txn_del_rule(NFT_FAMILY, RS_TABLE, x->chain, x->handle);
	x->gone = true;
	text(t);
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
	return h;
}

void rs_add_set(struct nftnl_set *s, const char *t)
{
	ensure_table();
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

static int final_apply(void *ctx)
{
	int rc;

	(void)ctx;
	rc = txn_commit(rs.genid);
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

	if (!rs.loaded || (!txn_count() && !rs.exists))
		return;
	/* Nothing of pbr's left: the table goes, with all its plumbing. */
	if (rs_content_count() == 0 && (rs.exists || rs.create_table)) {
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
	free(rs.chains);
	free(rs.sets);
	free(rs.texts);
	free(rs.rules);
	memset(&rs, 0, sizeof(rs));
	txn_reset();
}
