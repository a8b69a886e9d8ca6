// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/object.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "nft.h"
#include "nl.h"
#include "sbuf.h"

/*
 * A set element message grows to 64 KB (the netlink nest limit) plus its
 * header. libnftnl moves a message that overflows a page to a fresh page,
 * so a page must hold the largest message whole, or it is silently lost.
 */
#define BATCH_PAGE (128 * 1024)
#define BATCH_OVERRUN (128 * 1024)

static struct nl nfnl;

static int nfnl_sock(struct nl **out)
{
	int rc;

	if (!nfnl.sk) {
		rc = nl_open(&nfnl, NETLINK_NETFILTER);
		if (rc < 0)
			return rc;
	}
	*out = &nfnl;
	return 0;
}

/* ---- reading ---- */

static int gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int nft_genid(uint32_t *genid)
{
	char buf[128];
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	/* With an ACK after the reply, the read loop knows when it is done. */
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, 0);

	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return err_sys(errno, "cannot read the nftables generation");
	for (;;) {
		char rbuf[4096];
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));

		if (n < 0)
			return err_sys(errno, "cannot read the nftables generation");
		rc = mnl_cb_run(rbuf, (size_t)n, nlh->nlmsg_seq, nl->portid, gen_cb, genid);
		if (rc <= MNL_CB_STOP) {
			if (rc < 0 && errno == EPERM)
				return -EPERM;
			return rc < 0 ? err_sys(errno, "cannot read the nftables generation") : 0;
		}
	}
}

static struct nlmsghdr *get_req(void *buf, uint16_t type, int family, const char *table,
				const char *name_attr_val, uint16_t name_attr, bool dump)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, (uint16_t)family,
						     dump ? NLM_F_DUMP : NLM_F_ACK, 0);

	if (table)
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
	if (name_attr_val)
		mnl_attr_put_strz(nlh, name_attr, name_attr_val);
	return nlh;
}

int nft_table_exists(int family, const char *table, bool *exists)
{
	char buf[256];
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, 0, 0);

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	rc = nl_talk(nl, nlh);
	*exists = rc == 0;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables table %s", table) : 0;
}

struct rule_walk {
	int (*cb)(const struct nft_rule_info *ri, void *data);
	void *data;
	int rc;
};

static int rule_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= NFTA_RULE_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_walk *w = data;
	const struct nlattr *tb[NFTA_RULE_MAX + 1] = {0};
	struct nft_rule_info ri = {.nlh = nlh};

	/* Attributes only: the expressions stay unparsed unless a caller asks. */
	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), rule_attr_cb, tb);
	if (tb[NFTA_RULE_CHAIN])
		ri.chain = mnl_attr_get_str(tb[NFTA_RULE_CHAIN]);
	if (tb[NFTA_RULE_HANDLE])
		ri.handle = be64toh(mnl_attr_get_u64(tb[NFTA_RULE_HANDLE]));
	if (tb[NFTA_RULE_USERDATA]) {
		ri.udata = mnl_attr_get_payload(tb[NFTA_RULE_USERDATA]);
		ri.udata_len = mnl_attr_get_payload_len(tb[NFTA_RULE_USERDATA]);
	}
	w->rc = w->cb(&ri, w->data);
	return w->rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int nft_dump_rules(int family, const char *table, const char *chain,
		   int (*cb)(const struct nft_rule_info *ri, void *data), void *data)
{
	char buf[512];
	struct rule_walk w = {cb, data, 0};
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh =
			get_req(buf, NFT_MSG_GETRULE, family, table, chain, NFTA_RULE_CHAIN, true);

		rc = nl_dump(nl, nlh, rule_cb, &w);
	} while (rc == -EINTR);
	if (w.rc < 0)
		return w.rc;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables rules") : 0;
}

struct obj_walk {
	int (*chain_cb)(const struct nftnl_chain *c, void *data);
	int (*set_cb)(const struct nftnl_set *s, void *data);
	void *data;
	int rc;
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct obj_walk *w = data;
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) == 0)
		w->rc = w->chain_cb(c, w->data);
	nftnl_chain_free(c);
	return w->rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int nft_dump_chains(int family, const char *table,
		    int (*cb)(const struct nftnl_chain *c, void *data), void *data)
{
	char buf[512];
	struct obj_walk w = {.chain_cb = cb, .data = data};
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh = get_req(buf, NFT_MSG_GETCHAIN, family, table, NULL, 0, true);

		rc = nl_dump(nl, nlh, chain_cb, &w);
	} while (rc == -EINTR);
	if (w.rc < 0)
		return w.rc;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables chains") : 0;
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct obj_walk *w = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, s) == 0)
		w->rc = w->set_cb(s, w->data);
	nftnl_set_free(s);
	return w->rc < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int nft_dump_sets(int family, const char *table,
		  int (*cb)(const struct nftnl_set *s, void *data), void *data)
{
	char buf[512];
	struct obj_walk w = {.set_cb = cb, .data = data};
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh = get_req(buf, NFT_MSG_GETSET, family, table, NULL, 0, true);

		rc = nl_dump(nl, nlh, set_cb, &w);
	} while (rc == -EINTR);
	if (w.rc < 0)
		return w.rc;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables sets") : 0;
}

int nft_set_exists(int family, const char *table, const char *name, bool *exists)
{
	char buf[512];
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, (uint16_t)family, 0, 0);

	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, name);
	rc = nl_query(nl, nlh, NULL, NULL);
	*exists = rc == 0;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables set %s", name) : 0;
}

int nft_obj_exists(int family, const char *table, const char *name, uint32_t type,
		   bool *exists)
{
	char buf[512];
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, (uint16_t)family, 0, 0);

	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_OBJ_NAME, name);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(type));
	rc = nl_query(nl, nlh, NULL, NULL);
	*exists = rc == 0;
	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? err_sys(rc, "cannot read nftables object %s", name) : 0;
}

struct elem_get {
	void *udata;
	uint32_t *len;
	bool *found;
};

static int elem_udata_cb(struct nftnl_set_elem *e, void *data)
{
	struct elem_get *g = data;
	uint32_t n = 0;
	const void *u = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &n);

	*g->found = true;
	if (!u)
		n = 0;
	if (n > *g->len)
		n = *g->len;
	if (n)
		memcpy(g->udata, u, n);
	*g->len = n;
	return 0;
}

static int elem_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
		nftnl_set_elem_foreach(s, elem_udata_cb, data);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int nft_get_elem(int family, const char *table, const char *set, const void *key,
		 uint32_t keylen, void *udata, uint32_t *len, bool *found)
{
	char buf[1024];
	struct elem_get g = {udata, len, found};
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nl *nl;
	int rc = nfnl_sock(&nl);

	*found = false;
	if (rc < 0 || !s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		return rc < 0 ? rc : -ENOMEM;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, keylen);
	nftnl_set_elem_add(s, e);
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)family, 0, 0);

	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	rc = nl_query(nl, nlh, elem_get_cb, &g);
	if (rc == -ENOENT) {
		*found = false;
		return 0;
	}
	return rc < 0 ? err_sys(rc, "cannot read nftables set %s", set) : 0;
}

static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	nftnl_set_elems_nlmsg_parse(nlh, data);
	return MNL_CB_OK;
}

int nft_dump_elems(int family, const char *table, const char *set, struct nftnl_set **out)
{
	char buf[512];
	struct nl *nl;
	struct nftnl_set *s;
	int rc = nfnl_sock(&nl);

	if (rc < 0)
		return rc;
	s = nftnl_set_alloc();
	if (!s)
		return -ENOMEM;
	do {
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM,
							     (uint16_t)family, NLM_F_DUMP, 0);

		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		rc = nl_dump(nl, nlh, elem_cb, s);
	} while (rc == -EINTR);
	if (rc < 0 && rc != -ENOENT) {
		nftnl_set_free(s);
		return err_sys(rc, "cannot read nftables set %s", set);
	}
	*out = s;
	return 0;
}

/* ---- expressions ---- */

static struct nftnl_expr *expr(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		abort();
	nftnl_rule_add_expr(r, e);
	return e;
}

void nx_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

void nx_meta_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = expr(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_SREG, sreg);
}

void nx_ct(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
}

void nx_ct_set(struct nftnl_rule *r, uint32_t key, uint32_t sreg)
{
	struct nftnl_expr *e = expr(r, "ct");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_SREG, sreg);
}

void nx_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
}

void nx_cmp(struct nftnl_rule *r, uint32_t op, uint32_t sreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set_data(e, NFTNL_EXPR_CMP_DATA, data, len);
}

void nx_bitwise(struct nftnl_rule *r, uint32_t reg, const void *mask, const void *xor,
		uint32_t len)
{
	struct nftnl_expr *e = expr(r, "bitwise");

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set_data(e, NFTNL_EXPR_BITWISE_XOR, xor, len);
}

void nx_range(struct nftnl_rule *r, uint32_t op, uint32_t reg, const void *from, const void *to,
	      uint32_t len)
{
	struct nftnl_expr *e = expr(r, "range");

	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, reg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, op);
	nftnl_expr_set_data(e, NFTNL_EXPR_RANGE_FROM_DATA, from, len);
	nftnl_expr_set_data(e, NFTNL_EXPR_RANGE_TO_DATA, to, len);
}

void nx_lookup(struct nftnl_rule *r, const char *set, uint32_t sreg, bool invert)
{
	struct nftnl_expr *e = expr(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	if (invert)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
}

void nx_vmap(struct nftnl_rule *r, const char *set, uint32_t sreg)
{
	struct nftnl_expr *e = expr(r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, sreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
}

void nx_imm(struct nftnl_rule *r, uint32_t dreg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, dreg);
	nftnl_expr_set_data(e, NFTNL_EXPR_IMM_DATA, data, len);
}

void nx_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = expr(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

void nx_nat(struct nftnl_rule *r, uint32_t type, uint32_t family, uint32_t reg_min,
	    uint32_t reg_max, uint32_t reg_pmin, uint32_t reg_pmax)
{
	struct nftnl_expr *e = expr(r, "nat");

	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, type);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, family);
	if (reg_min)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, reg_min);
	if (reg_max)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MAX, reg_max);
	if (reg_pmin)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, reg_pmin);
	if (reg_pmax)
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, reg_pmax);
}

void nx_masq(struct nftnl_rule *r, uint32_t reg_pmin, uint32_t reg_pmax)
{
	struct nftnl_expr *e = expr(r, "masq");

	if (reg_pmin)
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MIN, reg_pmin);
	if (reg_pmax)
		nftnl_expr_set_u32(e, NFTNL_EXPR_MASQ_REG_PROTO_MAX, reg_pmax);
}

void nx_redir(struct nftnl_rule *r, uint32_t reg_pmin, uint32_t reg_pmax)
{
	struct nftnl_expr *e = expr(r, "redir");

	if (reg_pmin)
		nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_REG_PROTO_MIN, reg_pmin);
	if (reg_pmax)
		nftnl_expr_set_u32(e, NFTNL_EXPR_REDIR_REG_PROTO_MAX, reg_pmax);
}

/* nftables' set userdata (NFTNL_UDATA_SET_KEYBYTEORDER) and byteorder values. */
#define UDATA_SET_KEYBYTEORDER 0
#define BYTEORDER_HOST 1
#define BYTEORDER_BIG 2

void nx_objref(struct nftnl_rule *r, uint32_t type, const char *name)
{
	struct nftnl_expr *e = expr(r, "objref");

	nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, type);
	nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
}

void nft_set_key_order(struct nftnl_set *s, bool host)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	if (!ud)
		abort();
	nftnl_udata_put_u32(ud, UDATA_SET_KEYBYTEORDER, host ? BYTEORDER_HOST : BYTEORDER_BIG);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

struct nftnl_rule *nft_rule_new(int family, const char *table, const char *chain)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		abort();
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, (uint32_t)family);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	return r;
}

/* ---- the transaction ---- */

enum txkind { TX_TABLE, TX_CHAIN, TX_RULE, TX_SET, TX_ELEMS, TX_OBJ };

struct txop {
	enum txkind kind;
	uint16_t type, flags;
	int family;
	void *obj;
	uint32_t seq_first, seq_last; /* its messages in the batch */
};

static struct {
	struct txop *v;
	int n, cap;
} tx;

static void push(enum txkind kind, uint16_t type, uint16_t flags, int family, void *obj)
{
	if (tx.n == tx.cap) {
		tx.cap = tx.cap ? tx.cap * 2 : 32;
		tx.v = xrealloc(tx.v, (size_t)tx.cap * sizeof(*tx.v));
	}
	tx.v[tx.n++] = (struct txop){kind, type, flags, family, obj, 0, 0};
}

static struct nftnl_table *table_obj(int family, const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		abort();
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, (uint32_t)family);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	return t;
}

void txn_add_table(int family, const char *table)
{
	push(TX_TABLE, NFT_MSG_NEWTABLE, NLM_F_CREATE, family, table_obj(family, table));
}

void txn_del_table(int family, const char *table)
{
	push(TX_TABLE, NFT_MSG_DELTABLE, 0, family, table_obj(family, table));
}

static struct nftnl_chain *chain_obj(int family, const char *table, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		abort();
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, (uint32_t)family);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	return c;
}

void txn_add_chain(int family, const char *table, const char *name, const char *type, int hook,
		   int prio)
{
	struct nftnl_chain *c = chain_obj(family, table, name);

	if (hook >= 0) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	push(TX_CHAIN, NFT_MSG_NEWCHAIN, NLM_F_CREATE, family, c);
}

void txn_del_chain(int family, const char *table, const char *name)
{
	push(TX_CHAIN, NFT_MSG_DELCHAIN, 0, family, chain_obj(family, table, name));
}

void txn_add_rule(struct nftnl_rule *r, uint64_t replace_handle, bool prepend)
{
	/* Without NLM_F_APPEND and without a position the kernel inserts first. */
	uint16_t flags = NLM_F_CREATE | (prepend ? 0 : NLM_F_APPEND);

	if (replace_handle) {
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, replace_handle);
		flags = NLM_F_REPLACE;
	}
	push(TX_RULE, NFT_MSG_NEWRULE, flags, (int)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY), r);
}

void txn_del_rule(int family, const char *table, const char *chain, uint64_t handle)
{
	struct nftnl_rule *r = nft_rule_new(family, table, chain);

	nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, handle);
	push(TX_RULE, NFT_MSG_DELRULE, 0, family, r);
}

void txn_add_set(struct nftnl_set *s)
{
	push(TX_SET, NFT_MSG_NEWSET, NLM_F_CREATE, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY), s);
}

static struct nftnl_set *set_obj(int family, const char *table, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		abort();
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	return s;
}

void txn_del_set(int family, const char *table, const char *name)
{
	push(TX_SET, NFT_MSG_DELSET, 0, family, set_obj(family, table, name));
}

void txn_add_elems(struct nftnl_set *s)
{
	push(TX_ELEMS, NFT_MSG_NEWSETELEM, NLM_F_CREATE,
	     (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY), s);
}

void txn_del_elems(struct nftnl_set *s)
{
	push(TX_ELEMS, NFT_MSG_DELSETELEM, 0, (int)nftnl_set_get_u32(s, NFTNL_SET_FAMILY), s);
}

void txn_flush_set(int family, const char *table, const char *name)
{
	/* A DELSETELEM with no element list flushes the set. */
	push(TX_ELEMS, NFT_MSG_DELSETELEM, 0, family, set_obj(family, table, name));
}

void txn_add_obj(struct nftnl_obj *o)
{
	push(TX_OBJ, NFT_MSG_NEWOBJ, NLM_F_CREATE, (int)nftnl_obj_get_u32(o, NFTNL_OBJ_FAMILY), o);
}

void txn_del_obj(int family, const char *table, const char *name, uint32_t type)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (!o)
		abort();
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, (uint32_t)family);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, type);
	push(TX_OBJ, NFT_MSG_DELOBJ, 0, family, o);
}

int txn_count(void)
{
	return tx.n;
}

static void free_op(struct txop *o)
{
	switch (o->kind) {
	case TX_TABLE:
		nftnl_table_free(o->obj);
		break;
	case TX_CHAIN:
		nftnl_chain_free(o->obj);
		break;
	case TX_RULE:
		nftnl_rule_free(o->obj);
		break;
	case TX_SET:
	case TX_ELEMS:
		nftnl_set_free(o->obj);
		break;
	case TX_OBJ:
		nftnl_obj_free(o->obj);
		break;
	}
}

void txn_reset(void)
{
	for (int i = 0; i < tx.n; i++)
		free_op(&tx.v[i]);
	free(tx.v);
	memset(&tx, 0, sizeof(tx));
}

/*
 * No NLM_F_ACK: a transaction of thousands of rules would queue thousands
 * of ACKs, more than a socket's receive buffer holds. The kernel reports
 * every error without being asked, and it handles the whole batch inside
 * sendmsg(), so what it has to say is waiting when sendmsg() returns.
 */
static struct nlmsghdr *hdr(struct nftnl_batch *b, uint16_t type, int family, uint16_t flags,
			    uint32_t seq)
{
	return nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b), type, (uint16_t)family, flags, seq);
}

/* Build every op into the batch; returns the number of messages. */
static int build(struct nftnl_batch *b, uint32_t *seq)
{
	int n = 0;

	for (int i = 0; i < tx.n; i++) {
		struct txop *o = &tx.v[i];
		struct nlmsghdr *nlh;

		o->seq_first = *seq;
		o->seq_last = *seq;
		if (o->kind == TX_ELEMS && nftnl_set_is_set(o->obj, NFTNL_SET_NAME)) {
			struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(o->obj);
			bool any = nftnl_set_elems_iter_cur(it) != NULL;
			int more;

			if (!any && o->type == NFT_MSG_NEWSETELEM) {
				nftnl_set_elems_iter_destroy(it);
				continue; /* nothing to add */
			}
			if (!any) { /* DELSETELEM without elements: flush */
				nlh = hdr(b, o->type, o->family, o->flags, (*seq)++);
				nftnl_set_elems_nlmsg_build_payload(nlh, o->obj);
				nftnl_batch_update(b);
				n++;
			}
			while (any) {
				nlh = hdr(b, o->type, o->family, o->flags, (*seq)++);
				more = nftnl_set_elems_nlmsg_build_payload_iter(nlh, it);
				nftnl_batch_update(b);
				n++;
				if (more <= 0)
					break;
			}
			nftnl_set_elems_iter_destroy(it);
			o->seq_last = *seq - 1;
			continue;
		}
		nlh = hdr(b, o->type, o->family, o->flags, (*seq)++);
		switch (o->kind) {
		case TX_TABLE:
			nftnl_table_nlmsg_build_payload(nlh, o->obj);
			break;
		case TX_CHAIN:
			nftnl_chain_nlmsg_build_payload(nlh, o->obj);
			break;
		case TX_RULE:
			nftnl_rule_nlmsg_build_payload(nlh, o->obj);
			break;
		case TX_SET:
			nftnl_set_nlmsg_build_payload(nlh, o->obj);
			break;
		case TX_OBJ:
			nftnl_obj_nlmsg_build_payload(nlh, o->obj);
			break;
		case TX_ELEMS:
			break;
		}
		nftnl_batch_update(b);
		n++;
	}
	return n;
}

static int send_batch(struct nl *nl, struct nftnl_batch *b)
{
	int iovlen = nftnl_batch_iovec_len(b);
	struct iovec *iov = xcalloc((size_t)iovlen, sizeof(*iov));
	struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
	struct msghdr msg = {.msg_name = &snl, .msg_namelen = sizeof(snl)};
	size_t total = 0;
	ssize_t r;
	int fd = mnl_socket_get_fd(nl->sk);

	nftnl_batch_iovec(b, iov, (uint32_t)iovlen);
	for (int i = 0; i < iovlen; i++)
		total += iov[i].iov_len;
	/* The whole transaction is one sendmsg(); make room for it. */
	if (total > 200 * 1024) {
		int sz = (int)total + 4096;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		/* A refused transaction reports an error per message: room for them. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)iovlen;
	r = sendmsg(fd, &msg, 0);
	free(iov);
	return r < 0 ? -errno : 0;
}

static int ack_attr_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* Drain what the kernel answered; the first error, its extack and its message. */
static int read_errors(struct nl *nl, uint32_t begin_seq, uint32_t *bad_seq)
{
	static char buf[NL_RECV_SIZE];
	int err = 0;
	char ext[512] = "";

	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl->sk), buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *h = (const void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			const char *msg = NULL;
			size_t off = sizeof(*e);

			if (h->nlmsg_type != NLMSG_ERROR || !e->error || err)
				continue;
			/* Refused as a whole (the generation changed): no message is to blame. */
			if (h->nlmsg_seq == begin_seq)
				return e->error;
			if (!(h->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
			if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && mnl_nlmsg_size(off) <= h->nlmsg_len)
				mnl_attr_parse(h, (unsigned int)off, ack_attr_cb, &msg);
			snprintf(ext, sizeof(ext), "%s", msg ? msg : "");
			err = e->error;
			*bad_seq = h->nlmsg_seq;
		}
	}
	err_set_extack(ext);
	return err;
}

static char what[160];

/* Which op a failing message belonged to, in nft's words. */
static void describe_seq(uint32_t seq, char *buf, size_t n)
{
	static const char *const verbs[] = {
		[NFT_MSG_NEWTABLE] = "add table", [NFT_MSG_DELTABLE] = "delete table",
		[NFT_MSG_NEWCHAIN] = "add chain", [NFT_MSG_DELCHAIN] = "delete chain",
		[NFT_MSG_NEWRULE] = "add rule",	  [NFT_MSG_DELRULE] = "delete rule",
		[NFT_MSG_NEWSET] = "add set",	  [NFT_MSG_DELSET] = "delete set",
		[NFT_MSG_NEWSETELEM] = "add element", [NFT_MSG_DELSETELEM] = "delete element",
		[NFT_MSG_NEWOBJ] = "add object", [NFT_MSG_DELOBJ] = "delete object",
	};

	for (int i = 0; i < tx.n; i++) {
		struct txop *o = &tx.v[i];
		const char *name = "";

		if (seq < o->seq_first || seq > o->seq_last)
			continue;
		switch (o->kind) {
		case TX_TABLE:
			name = nftnl_table_get_str(o->obj, NFTNL_TABLE_NAME);
			break;
		case TX_CHAIN:
			name = nftnl_chain_get_str(o->obj, NFTNL_CHAIN_NAME);
			break;
		case TX_RULE:
			name = nftnl_rule_get_str(o->obj, NFTNL_RULE_CHAIN);
			break;
		case TX_SET:
		case TX_ELEMS:
			name = nftnl_set_get_str(o->obj, NFTNL_SET_NAME);
			break;
		case TX_OBJ:
			name = nftnl_obj_get_str(o->obj, NFTNL_OBJ_NAME);
			break;
		}
		snprintf(buf, n, "%s %s", o->type < sizeof(verbs) / sizeof(verbs[0]) &&
						   verbs[o->type] ? verbs[o->type] : "change",
			 name ? name : "");
		return;
	}
}

const char *txn_failed_op(void)
{
	return what;
}

int txn_commit(uint32_t genid)
{
	struct nftnl_batch *b;
	struct nl *nl;
	uint32_t seq, begin_seq, bad = 0;
	struct nlmsghdr *nlh;
	int rc;

	what[0] = 0;
	if (!tx.n)
		return 0;
	rc = nfnl_sock(&nl);
	if (rc < 0)
		return rc;
	b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
	if (!b)
		return -ENOMEM;
	seq = nl->seq + 1;
	begin_seq = seq++;
	nlh = nftnl_batch_begin(nftnl_batch_buffer(b), begin_seq);
	/* Refuse the batch if anyone changed the ruleset since it was read. */
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	nftnl_batch_update(b);
	build(b, &seq);
	nftnl_batch_end(nftnl_batch_buffer(b), seq++);
	nftnl_batch_update(b);
	nl->seq = seq;
	err_set_extack(NULL);
	rc = send_batch(nl, b);
	if (rc == 0)
		rc = read_errors(nl, begin_seq, &bad);
	nftnl_batch_free(b);
	if (rc < 0 && rc != -ERESTART)
		describe_seq(bad, what, sizeof(what));
	return rc;
}
