// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr anyip: hosts on DEV reach this machine at every address of PREFIX.
 *
 * The obvious recipe, "ip route add local PREFIX dev lo table T" with an
 * "iif DEV" rule, fails in ways that are all kernel facts:
 *
 *  - a reply from an address that is local only through table T is refused
 *    by the output route lookup, which checks the source against the local
 *    table alone;
 *  - rp_filter (even loose) drops what arrives on DEV from an address the
 *    main table routes elsewhere, or on a DEV without an IPv4 address;
 *  - a TFTP server answers from a new port: a new connection, not a reply.
 *
 * So, for each PREFIX on DEV (seed 000 is 192.168.1.0/24 on br-lan, while
 * the uplink is 192.168.1.0/24 too):
 *
 *   inet pbr, chain anyip (jumped to first from prerouting):
 *     iifname DEV ip daddr 127.0.0.0/8 drop         route_localnet's guard
 *     iifname DEV ip daddr PREFIX udp dport 69 ct helper set "tftp"
 *     iifname DEV ip daddr PREFIX meta mark set M ct mark set M accept
 *   inet pbr, chain anyip_nat (dstnat - 1):
 *     iifname DEV ip daddr PREFIX dnat ip to 127.77.X.Y (or the redirect ADDR)
 *   arp pbr, chain input:
 *     iifname DEV arp daddr ip PREFIX meta mark set M
 *   FIB: iif DEV to PREFIX lookup L      L: local PREFIX dev lo  (ARP answers)
 *        from 127.77.X.Y lookup R        R: default dev DEV      (replies)
 *        fwmark M lookup R
 *   DEV's own sysctls: src_valid_mark 1 (rp_filter looks up with the mark,
 *   finds R, passes: strict rp_filter stays on), route_localnet 1 (127.77/16
 *   on DEV), arp_ignore 0, arp_filter 0.
 *
 * The packet is delivered to 127.77.X.Y, an address the local table has
 * (127/8 on lo), so the socket's replies are ordinary local traffic: the
 * source rule sends them out DEV, conntrack turns the source back into the
 * address the host asked for, and the mark (restored from the connection,
 * also on related TFTP data connections, which inherit it) keeps them there.
 * One 127.77.X.Y per DEV (from its reply table's number) tells the DEVs'
 * replies apart. Nothing foreign changes: the kernel's local rule and table,
 * all/default sysctls and other devices keep what they have.
 *
 * What pbr did is recorded in its objects: every rule of an instance carries
 * the tag (mark, tables, the DEV's sysctl values before the first anyip on
 * it), so "del" restores them exactly, with no state file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "link.h"
#include "marking.h"
#include "names.h"
#include "nft.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "plan.h"
#include "policy.h"
#include "rt.h"
#include "ruleset.h"
#include "sbuf.h"
#include "state.h"
#include "sysctl.h"

void anyip_usage(void)
{
	printf("Usage: pbr anyip add PREFIX dev DEV [table NAME] [redirect ADDR]\n"
	       "       pbr anyip del PREFIX dev DEV\n"
	       "       pbr anyip flush | list | show\n"
	       "\n"
	       "PREFIX is IPv4. table NAME holds the local route (default anyip-DEV);\n"
	       "redirect ADDR delivers to one address of this machine instead of any.\n");
}

#define HELPER_NAME "tftp"
#define TFTP_PORT 69
#define LOOP_NET 0x7f4d0000u /* 127.77.0.0: one address per DEV */

/* What a rule of an instance is, in tag.flags above the TAG_F_* bits. */
enum role { ROLE_GUARD = 1, ROLE_HELPER, ROLE_MARK, ROLE_NAT, ROLE_ARP };
#define ROLE_SHIFT 8
#define ROLE_OF(t) (((t)->flags >> ROLE_SHIFT) & 0xff)
#define F_NAMED_LOCAL (1u << 16) /* anyip registered the local table's name */
#define F_NAMED_REPLY (1u << 17) /* ... and the reply table's */
#define F_REDIRECT (1u << 18)

/* DEV's own settings anyip needs, and the value each must have. */
static const struct {
	const char *key;
	uint32_t want;
} dev_settings[] = {
	{"src_valid_mark", 1},
	{"route_localnet", 1},
	{"arp_ignore", 0},
	{"arp_filter", 0},
};

/*
 * The DEV's values before anyip, one byte per setting above: bit 7 set
 * when anyip changed it, bits 0-6 the value it had.
 */
#define SAVED_CHANGED 0x80u

struct anyip {
	struct ipaddr prefix;
	char dev[IFNAMSIZ];
	bool has_table;
	const char *table_word;
	uint32_t local; /* L: the table with "local PREFIX dev lo" */
	bool redirect;
	struct ipaddr addr;
	uint64_t id;
	char *words;
	/* Planned or read from the kernel. */
	uint32_t reply; /* R: the DEV's table with "default dev DEV" */
	uint32_t mark, mask;
	uint32_t target; /* host order: where the DNAT sends packets */
	uint32_t flags;	 /* F_* */
	uint64_t saved;
};

/* ---- words ---- */

/* An IPv4 address in host order. */
static uint32_t addr_u32(const struct ipaddr *a)
{
	uint32_t v;

	memcpy(&v, a->a, 4);
	return ntohl(v);
}

static int parse_anyip(struct words *w, struct anyip *a)
{
	const char *v, *pw;
	int rc;

	memset(a, 0, sizeof(*a));
	if (opt.family == AF_INET6)
		return err_usage("works on IPv4 only, not", "-6", NULL);
	if (!(pw = w_next(w)))
		return err_usage("missing PREFIX after", w->argv[w->i - 1], NULL);
	if ((rc = parse_prefix(pw, 0, &a->prefix)) < 0)
		return rc;
	if (a->prefix.family != AF_INET)
		return err_usage("not an IPv4 prefix:", pw, "anyip is IPv4 only");
	{
		uint8_t first = a->prefix.a[0];

		if (a->prefix.len == 0)
			return err_usage("not a subnet:", pw, "every address of DEV's hosts would be "
							   "this machine's");
		if (first == 127 || first >= 224 || first == 0)
			return err_usage("not a unicast subnet:", pw, NULL);
	}
	while (w_more(w)) {
		if (w_accept(w, "dev")) {
			if (a->dev[0])
				return err_usage("given twice:", "dev", NULL);
			if ((rc = w_value(w, "dev", &v)) < 0 || (rc = parse_ifname(v)) < 0)
				return rc;
			if (!strcmp(v, "lo"))
				return err_usage("answers hosts on a network device, not", v, NULL);
			snprintf(a->dev, sizeof(a->dev), "%s", v);
		} else if (w_accept(w, "table")) {
			if (a->has_table)
				return err_usage("given twice:", "table", NULL);
			if ((rc = w_value(w, "table", &a->table_word)) < 0 ||
			    (rc = names_table_id(a->table_word, &a->local)) < 0)
				return rc;
			if (names_reserved_id(a->local))
				return err_usage("needs a table of its own, not", a->table_word,
						 "main, local and default are the kernel's");
			a->has_table = true;
		} else if (w_accept(w, "redirect")) {
			if (a->redirect)
				return err_usage("given twice:", "redirect", NULL);
			if ((rc = w_value(w, "redirect", &v)) < 0 || (rc = parse_addr(v, 0, &a->addr)) < 0)
				return rc;
			if (a->addr.family != AF_INET)
				return err_usage("redirect needs an IPv4 address:", v, NULL);
			a->redirect = true;
		} else {
			return w_unknown(w);
		}
	}
	if (!a->dev[0])
		return err_usage("missing \"dev DEV\" for", pw, NULL);
	return 0;
}

static void anyip_words(struct anyip *a)
{
	struct sbuf b = {0}, id = {0};
	char p[IPADDR_STRLEN], r[IPADDR_STRLEN];

	ipaddr_str(&a->prefix, p, sizeof(p));
	sb_add(&b, "%s dev %s", p, a->dev);
	if (a->has_table)
		sb_add(&b, " table %s", a->table_word);
	if (a->redirect)
		sb_add(&b, " redirect %s", ipaddr_addr_str(&a->addr, r, sizeof(r)));
	a->words = sb_take(&b);
	/* One instance per prefix and device; table and redirect are its settings. */
	sb_add(&id, "anyip|%s|%s", p, a->dev);
	a->id = hash64(HASH64_INIT, id.s, id.len);
	sb_free(&id);
}

/* Back from a rule's comment, which is the words: "PREFIX dev DEV ...". */
static int from_comment(const char *comment, struct anyip *a)
{
	char buf[200], *argv[16];
	struct words w;

	if (!w_from_comment(&w, "anyip", comment, buf, sizeof(buf), argv, 16))
		return -EINVAL;
	if (parse_anyip(&w, a) < 0) {
		err_clear();
		return -EINVAL;
	}
	anyip_words(a); /* while table_word still points into buf */
	a->table_word = NULL;
	return 0;
}

/* ---- the instances in the kernel ---- */

#define MAX_INST 256

struct inst {
	struct anyip a;
	struct rs_rule *mark_rule;
};

static struct inst insts[MAX_INST];
static int ninsts;

/* Every instance, from the mark rules of chain anyip (tag and comment). */
static int load_instances(void)
{
	size_t n;
	struct rs_rule *x;
	int rc;

	ninsts = 0;
	if ((rc = rs_load()) < 0 || (rc = rs_arp_load()) < 0)
		return rc;
	static const char *const chains[] = {CH_PREROUTING, CH_OUTPUT, CH_ANYIP, CH_ANYIP_NAT};
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		if ((rc = rs_load_chain(chains[i])) < 0)
			return rc;
	x = rs_known(&n);
	for (size_t i = 0; i < n && ninsts < MAX_INST; i++) {
		struct inst *in = &insts[ninsts];

		if (x[i].gone || !x[i].tagged || x[i].tag.kind != TAG_ANYIP ||
		    ROLE_OF(&x[i].tag) != ROLE_MARK || from_comment(x[i].comment, &in->a) < 0)
			continue;
		in->a.local = x[i].tag.aux;
		in->a.reply = x[i].tag.table;
		in->a.mark = x[i].tag.mark;
		in->a.mask = x[i].tag.mask;
		in->a.flags = x[i].tag.flags & (F_NAMED_LOCAL | F_NAMED_REPLY | F_REDIRECT);
		in->a.saved = x[i].tag.content;
		in->a.target = in->a.redirect ? addr_u32(&in->a.addr)
					      : LOOP_NET | (in->a.reply & 0xffff);
		in->mark_rule = &x[i];
		ninsts++;
	}
	return 0;
}

static void free_instances(void)
{
	for (int i = 0; i < ninsts; i++)
		free(insts[i].a.words);
	ninsts = 0;
}

static struct inst *find_inst(uint64_t id)
{
	for (int i = 0; i < ninsts; i++)
		if (insts[i].a.id == id)
			return &insts[i];
	return NULL;
}

/* Another instance on dev (not id), or NULL. */
static struct inst *sibling(const char *dev, uint64_t not_id)
{
	for (int i = 0; i < ninsts; i++)
		if (insts[i].a.id != not_id && !strcmp(insts[i].a.dev, dev))
			return &insts[i];
	return NULL;
}

/* The source that replies of a loopback target come from: it needs a rule. */
static bool loopback_target(const struct anyip *a)
{
	return (a->target >> 24) == 127;
}

/* ---- names of anyip's tables ---- */

static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return false;
	return true;
}

/*
 * The table called anyip-DEV[-reply]: registered already (by anyip before,
 * or by the admin) or registered now with a free number. A device whose
 * name cannot be in a table name gets a number only.
 */
static int dev_table(const char *dev, const char *suffix, uint32_t *id, bool *named)
{
	char name[64];
	const struct table_name *t;
	int rc;

	*named = false;
	snprintf(name, sizeof(name), "anyip-%s%s", dev, suffix);
	if (name_ok(dev) && (t = names_find(name))) {
		*id = t->id;
		return 0;
	}
	if ((rc = table_free_id(id)) < 0)
		return rc;
	if (!name_ok(dev))
		return 0;
	*named = true;
	return names_pbr_add(name, *id);
}

/* ---- FIB ---- */

static void rule_iif_to(struct rule *r, const struct anyip *a)
{
	rule_init(r, AF_INET);
	snprintf(r->iif, sizeof(r->iif), "%s", a->dev);
	r->dst = a->prefix;
	r->table = a->local;
}

static void rule_from(struct rule *r, const struct anyip *a)
{
	uint32_t t = htonl(a->target);

	rule_init(r, AF_INET);
	r->src.family = AF_INET;
	r->src.len = 32;
	memcpy(r->src.a, &t, 4);
	r->table = a->reply;
}

static void rule_fwmark(struct rule *r, const struct anyip *a)
{
	rule_init(r, AF_INET);
	r->has_fwmark = true;
	r->fwmark = a->mark;
	r->fwmask = a->mask;
	r->table = a->reply;
}

static int route_local(struct route *r, const struct anyip *a)
{
	int lo, rc;

	route_init(r, AF_INET);
	r->type = RTN_LOCAL;
	r->scope = RT_SCOPE_HOST;
	r->table = a->local;
	r->dst = a->prefix;
	if ((rc = dev_index("lo", &lo)) < 0)
		return rc;
	r->nh_n = 1;
	r->nh[0].ifindex = lo;
	return 0;
}

static void route_reply(struct route *r, const struct anyip *a, int ifindex)
{
	route_init(r, AF_INET);
	r->scope = RT_SCOPE_LINK;
	r->table = a->reply;
	r->dst.family = AF_INET;
	r->nh_n = 1;
	r->nh[0].ifindex = ifindex;
}

/* ---- nftables ---- */

static void sel_of(struct selectors *s, const struct anyip *a, const struct ipaddr *to)
{
	sel_init(s);
	snprintf(s->iif, sizeof(s->iif), "%s", a->dev);
	s->to.v = xmalloc(sizeof(*s->to.v));
	s->to.v[0] = *to;
	s->to.n = 1;
	s->to.fams = FAM_V4;
}

static void tag_of(struct pbr_tag *t, const struct anyip *a, enum role role)
{
	memset(t, 0, sizeof(*t));
	t->kind = TAG_ANYIP;
	t->id = a->id;
	t->mark = a->mark;
	t->mask = a->mask;
	t->table = a->reply;
	t->aux = a->local;
	t->family = AF_INET;
	t->flags = ((uint32_t)role << ROLE_SHIFT) | a->flags;
	if (role == ROLE_MARK) {
		t->flags |= TAG_F_STICKY;
		t->content = a->saved;
	} else if (role == ROLE_NAT) {
		t->content = a->target;
	}
}

/* One rule of an instance in chain, matching iifname DEV and ip daddr to. */
static struct nftnl_rule *inet_rule(const char *chain, const struct anyip *a,
				    const struct ipaddr *to, bool tftp, struct sbuf *text)
{
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, RS_TABLE, chain);
	struct sel_sets none;
	struct selectors s;

	memset(&none, 0, sizeof(none));
	sel_of(&s, a, to);
	if (tftp) {
		s.has_proto = true;
		s.proto = IPPROTO_UDP;
		s.dport.n = 1;
		s.dport.r[0].lo = s.dport.r[0].hi = TFTP_PORT;
	}
	sel_exprs(r, &s, AF_INET, &none);
	sb_add(text, "%s add rule inet %s %s", nft_cmd(), RS_TABLE, chain);
	sel_nft_text(&s, AF_INET, &none, text);
	sel_free(&s);
	return r;
}

static void add_tagged(struct nftnl_rule *r, const struct anyip *a, enum role role,
		       struct sbuf *text)
{
	struct pbr_tag tag;
	char *t;

	tag_of(&tag, a, role);
	sb_add(text, " comment \"%s\"", a->words);
	t = sb_take(text);
	if (role == ROLE_ARP)
		rs_arp_add_rule(r, &tag, a->words, t);
	else
		rs_add_rule(r, &tag, a->words, t, false);
	free(t);
}

/* The three rules of chain anyip, in their order (the mark rule accepts). */
static void add_chain_rules(const struct anyip *a)
{
	struct ipaddr loop = {.family = AF_INET, .len = 8, .a = {127}};
	struct sbuf b = {0};
	struct nftnl_rule *r;

	r = inet_rule(CH_ANYIP, a, &loop, false, &b);
	nx_verdict(r, NF_DROP, NULL);
	sb_add(&b, " drop");
	add_tagged(r, a, ROLE_GUARD, &b);

	r = inet_rule(CH_ANYIP, a, &a->prefix, true, &b);
	nx_objref(r, NFT_OBJECT_CT_HELPER, HELPER_NAME);
	sb_add(&b, " ct helper set \"%s\"", HELPER_NAME);
	add_tagged(r, a, ROLE_HELPER, &b);

	r = inet_rule(CH_ANYIP, a, &a->prefix, false, &b);
	mk_set_mark(r, false, a->mark, a->mask, &b);
	mk_set_mark(r, true, a->mark, a->mask, &b);
	nx_verdict(r, NF_ACCEPT, NULL);
	sb_add(&b, " accept");
	add_tagged(r, a, ROLE_MARK, &b);
}

static void add_nat_rule(const struct anyip *a)
{
	struct sbuf b = {0};
	struct nftnl_rule *r = inet_rule(CH_ANYIP_NAT, a, &a->prefix, false, &b);
	uint32_t t = htonl(a->target);
	char ts[INET_ADDRSTRLEN];

	nx_imm(r, NFT_REG_1, &t, 4);
	nx_nat(r, NFT_NAT_DNAT, NFPROTO_IPV4, NFT_REG_1, 0, 0, 0);
	inet_ntop(AF_INET, &t, ts, sizeof(ts));
	sb_add(&b, " dnat ip to %s", ts);
	add_tagged(r, a, ROLE_NAT, &b);
}

/*
 * ARP requests on DEV for an address of PREFIX get the mark, so that the
 * kernel's reverse-path check of the asking host (ARP has one too) finds
 * the route back out DEV.
 */
static void add_arp_rule(const struct anyip *a)
{
	struct nftnl_rule *r = nft_rule_new(NFPROTO_ARP, RS_TABLE, RS_ARP_CHAIN);
	struct selectors s;
	struct sel_sets none;
	struct sbuf b = {0};
	uint8_t hlen = 6, plen = 4;
	uint32_t mask = a->prefix.len ? htonl(~0u << (32 - a->prefix.len)) : 0, zero = 0;
	char p[IPADDR_STRLEN];

	memset(&none, 0, sizeof(none));
	sel_init(&s);
	snprintf(s.iif, sizeof(s.iif), "%s", a->dev);
	sel_exprs(r, &s, 0, &none);
	sel_free(&s);
	/* Ethernet and IPv4 sizes, then the target protocol address (offset 24). */
	nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 4, 1, NFT_REG_1);
	nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &hlen, 1);
	nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 5, 1, NFT_REG_1);
	nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &plen, 1);
	nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 4, NFT_REG_1);
	if (a->prefix.len < 32)
		nx_bitwise(r, NFT_REG_1, &mask, &zero, 4);
	nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, a->prefix.a, 4);
	sb_add(&b, "%s add rule arp %s %s iifname \"%s\" arp hlen 6 arp plen 4 arp daddr ip %s",
	       nft_cmd(), RS_TABLE, RS_ARP_CHAIN, a->dev, ipaddr_str(&a->prefix, p, sizeof(p)));
	mk_set_mark(r, false, a->mark, a->mask, &b);
	add_tagged(r, a, ROLE_ARP, &b);
}

static void ensure_plumbing(void)
{
	rs_ensure_chain(CH_ANYIP);
	rs_ensure_chain(CH_ANYIP_NAT);
	rs_ensure_chain(CH_PREROUTING);
	if (!mk_find_tag(TAG_ANYIP_JUMP, CH_PREROUTING, 0, 0)) {
		struct pbr_tag tag = {.kind = TAG_ANYIP_JUMP};
		struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, RS_TABLE, CH_PREROUTING);
		char *t;

		/* First: before the policies, which must not re-mark these packets. */
		nx_verdict(r, NFT_JUMP, CH_ANYIP);
		t = xasprintf("%s insert rule inet %s %s jump %s comment \"anyip\"", nft_cmd(),
			      RS_TABLE, CH_PREROUTING, CH_ANYIP);
		rs_add_rule(r, &tag, "anyip", t, true);
		free(t);
	}
	if (!rs_has_obj(HELPER_NAME, NFT_OBJECT_CT_HELPER)) {
		struct nftnl_obj *o = nftnl_obj_alloc();
		char *t;

		if (!o)
			abort();
		nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, RS_TABLE);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, HELPER_NAME);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_CT_HELPER);
		nftnl_obj_set_str(o, NFTNL_OBJ_CT_HELPER_NAME, "tftp");
		nftnl_obj_set_u16(o, NFTNL_OBJ_CT_HELPER_L3PROTO, NFPROTO_IPV4);
		nftnl_obj_set_u8(o, NFTNL_OBJ_CT_HELPER_L4PROTO, IPPROTO_UDP);
		t = xasprintf("%s add ct helper inet %s %s '{ type \"tftp\" protocol udp; l3proto "
			      "ip; }'",
			      nft_cmd(), RS_TABLE, HELPER_NAME);
		rs_add_obj(o, t);
		free(t);
	}
}

/* The rules of instance id in both tables (all of them, or one role). */
static void del_rules(uint64_t id, enum role only)
{
	size_t n;
	struct rs_rule *x = rs_known(&n);

	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_ANYIP && x[i].tag.id == id &&
		    (!only || ROLE_OF(&x[i].tag) == (uint32_t)only))
			rs_del_rule(&x[i], NULL);
	x = rs_arp_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_ANYIP && x[i].tag.id == id &&
		    (!only || ROLE_OF(&x[i].tag) == (uint32_t)only))
			rs_del_rule(&x[i], NULL);
}

static bool same_tag(const struct pbr_tag *x, const struct pbr_tag *y)
{
	return x->kind == y->kind && x->id == y->id && x->mark == y->mark && x->mask == y->mask &&
	       x->table == y->table && x->flags == y->flags && x->content == y->content &&
	       x->family == y->family && x->aux == y->aux;
}

/* Is the rule of role there, exactly as a would make it? */
static bool has_rule(const struct anyip *a, enum role role)
{
	struct pbr_tag want;
	size_t n;
	struct rs_rule *x = role == ROLE_ARP ? rs_arp_rules(&n) : rs_known(&n);

	tag_of(&want, a, role);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && same_tag(&x[i].tag, &want) &&
		    !strcmp(x[i].comment, a->words))
			return true;
	return false;
}

static void ensure_rules(const struct anyip *a)
{
	if (!has_rule(a, ROLE_GUARD) || !has_rule(a, ROLE_HELPER) || !has_rule(a, ROLE_MARK)) {
		del_rules(a->id, ROLE_GUARD);
		del_rules(a->id, ROLE_HELPER);
		del_rules(a->id, ROLE_MARK);
		add_chain_rules(a);
	}
	if (!has_rule(a, ROLE_NAT)) {
		del_rules(a->id, ROLE_NAT);
		add_nat_rule(a);
	}
	if (!has_rule(a, ROLE_ARP)) {
		del_rules(a->id, ROLE_ARP);
		add_arp_rule(a);
	}
}

/* ---- DEV's settings ---- */

static int setting_read(const char *key, const char *scope, uint32_t *v, char *path, size_t n)
{
	const struct sc_key *k = sc_key_find(key, AF_INET);
	char buf[32];
	int rc;

	sc_path(k, scope, path, n);
	if ((rc = sc_read(path, buf, sizeof(buf))) < 0)
		return rc;
	return parse_u32(buf, v) < 0 ? -EINVAL : 0;
}

static void plan_setting(const char *path, uint32_t val, uint32_t old)
{
	char v[16], o[16], dotted[256], *t;

	snprintf(v, sizeof(v), "%u", val);
	snprintf(o, sizeof(o), "%u", old);
	sc_dotted(path, dotted, sizeof(dotted));
	t = xasprintf("%s%s%ssysctl -w %s=%s", opt.netns ? "ip netns exec " : "",
		      opt.netns ? opt.netns : "", opt.netns ? " " : "", dotted, v);
	plan_sysctl(path, v, o, t);
	free(t);
}

/*
 * arp_ignore and arp_filter count machine-wide too (max, or): with "all"
 * set, no setting of DEV's own lets it answer ARP for PREFIX.
 */
static int check_all(const struct anyip *a)
{
	static const char *const keys[] = {"arp_ignore", "arp_filter"};
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		uint32_t v;

		if (setting_read(keys[i], "all", &v, path, sizeof(path)) == 0 && v)
			return err_conflict("net.ipv4.conf.all.%s is %u, so %s would answer no ARP "
					    "for %s; set it to 0 (pbr changes only %s's own "
					    "settings)",
					    keys[i], v, a->dev, a->words, a->dev);
	}
	return 0;
}

/* Make DEV's settings what anyip needs; *saved gets what they were (first time). */
static int apply_settings(const struct anyip *a, bool first, uint64_t *saved)
{
	if (first)
		*saved = 0;
	for (size_t i = 0; i < ARRAY_SIZE(dev_settings); i++) {
		char path[256];
		uint32_t v;
		int rc;

		if ((rc = setting_read(dev_settings[i].key, a->dev, &v, path, sizeof(path))) < 0)
			return err_sys(-rc, "cannot read net.ipv4.conf.%s.%s", a->dev,
				       dev_settings[i].key);
		if (v == dev_settings[i].want)
			continue;
		plan_setting(path, dev_settings[i].want, v);
		if (first)
			*saved |= (uint64_t)(SAVED_CHANGED | (v & 0x7f)) << (8 * i);
	}
	return 0;
}

/* Put back what anyip changed, unless someone has changed it since. */
static void restore_settings(const struct anyip *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_settings); i++) {
		uint32_t b = (uint32_t)(a->saved >> (8 * i)) & 0xff, v;
		char path[256];

		if (!(b & SAVED_CHANGED))
			continue;
		if (setting_read(dev_settings[i].key, a->dev, &v, path, sizeof(path)) < 0)
			continue; /* the device is gone, and its settings with it */
		if (v == dev_settings[i].want)
			plan_setting(path, b & 0x7f, v);
	}
}

/* ---- add, del ---- */

/* Does any instance but not_id use the local table for prefix / the from rule? */
static bool local_route_used(const struct anyip *a, uint64_t not_id, const struct anyip *keep)
{
	if (keep && keep->local == a->local && ipaddr_equal(&keep->prefix, &a->prefix))
		return true;
	for (int i = 0; i < ninsts; i++)
		if (insts[i].a.id != not_id && insts[i].a.local == a->local &&
		    ipaddr_equal(&insts[i].a.prefix, &a->prefix))
			return true;
	return false;
}

static bool table_used(uint32_t table, uint64_t not_id, const struct anyip *keep)
{
	if (keep && (keep->local == table || keep->reply == table))
		return true;
	for (int i = 0; i < ninsts; i++)
		if (insts[i].a.id != not_id &&
		    (insts[i].a.local == table || insts[i].a.reply == table))
			return true;
	return false;
}

static bool from_rule_used(const struct anyip *a, uint64_t not_id, const struct anyip *keep)
{
	if (keep && !strcmp(keep->dev, a->dev) && loopback_target(keep) &&
	    keep->target == a->target)
		return true;
	for (int i = 0; i < ninsts; i++)
		if (insts[i].a.id != not_id && !strcmp(insts[i].a.dev, a->dev) &&
		    loopback_target(&insts[i].a) && insts[i].a.target == a->target)
			return true;
	return false;
}

static void unname(uint32_t table)
{
	const struct table_name *t = names_by_id(table);

	if (t && t->pbr)
		names_pbr_del(t->name);
}

/*
 * Remove instance a: its rules, and what no other instance (nor keep, its
 * replacement) uses: the local route, the source rule, the names.
 */
static int remove_instance(const struct anyip *a, const struct anyip *keep, int *changed)
{
	struct rule r;
	struct route rt;
	int rc;

	del_rules(a->id, 0);
	if (!keep || keep->local != a->local) {
		rule_iif_to(&r, a);
		if ((rc = rule_remove(&r, changed)) < 0)
			return rc;
	}
	if (!local_route_used(a, a->id, keep)) {
		if ((rc = route_local(&rt, a)) < 0 || (rc = route_remove(&rt, changed)) < 0)
			return rc;
	}
	if (loopback_target(a) && !from_rule_used(a, a->id, keep)) {
		rule_from(&r, a);
		if ((rc = rule_remove(&r, changed)) < 0)
			return rc;
	}
	if ((a->flags & F_NAMED_LOCAL) && !table_used(a->local, a->id, keep))
		unname(a->local);
	return 0;
}

/* The last instance on DEV went: its reply table, mark rule and settings too. */
static int remove_dev(const struct anyip *a, int *changed)
{
	struct rule r;
	struct route rt;
	int rc;

	rule_fwmark(&r, a);
	if ((rc = rule_remove(&r, changed)) < 0)
		return rc;
	route_reply(&rt, a, 0);
	if ((rc = route_remove(&rt, changed)) < 0)
		return rc;
	if ((a->flags & F_NAMED_REPLY) && !table_used(a->reply, a->id, NULL))
		unname(a->reply);
	restore_settings(a);
	return 0;
}

/* Nothing of anyip left: its chains, jump and helper go. */
static void remove_plumbing(void)
{
	struct rs_rule *j = mk_find_tag(TAG_ANYIP_JUMP, CH_PREROUTING, 0, 0);
	char *t;

	if (j)
		rs_del_rule(j, NULL);
	if (rs_has_chain(CH_ANYIP)) {
		t = xasprintf("%s delete chain inet %s %s", nft_cmd(), RS_TABLE, CH_ANYIP);
		rs_del_chain(CH_ANYIP, t);
		free(t);
	}
	if (rs_has_chain(CH_ANYIP_NAT)) {
		t = xasprintf("%s delete chain inet %s %s", nft_cmd(), RS_TABLE, CH_ANYIP_NAT);
		rs_del_chain(CH_ANYIP_NAT, t);
		free(t);
	}
	if (rs_has_obj(HELPER_NAME, NFT_OBJECT_CT_HELPER)) {
		t = xasprintf("%s delete ct helper inet %s %s", nft_cmd(), RS_TABLE, HELPER_NAME);
		rs_del_obj(HELPER_NAME, NFT_OBJECT_CT_HELPER, t);
		free(t);
	}
}

/* Is the redirect address one of this machine's? */
static int check_redirect(const struct anyip *a)
{
	struct ifa_entry *v;
	size_t n;
	bool found = a->addr.a[0] == 127;
	char s[IPADDR_STRLEN];
	int rc;

	if (found)
		return 0;
	ipaddr_addr_str(&a->addr, s, sizeof(s));
	if ((rc = addr_dump(AF_INET, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && !found; i++)
		found = !memcmp(v[i].addr.a, a->addr.a, 4);
	free(v);
	if (!found)
		return err_usage("redirect address is not this machine's:", s,
				 "see ip -4 addr");
	/*
	 * A reply from a real address is routed once by the main table before
	 * the connection's mark sends it out DEV: that first lookup needs a
	 * route. (From 127/8 a source rule does it, which for a real address
	 * would take the machine's own traffic from it too.)
	 */
	{
		struct routes *rt;
		bool dflt = false;

		if ((rc = state_routes(AF_INET, RT_TABLE_MAIN, &rt)) < 0)
			return rc;
		for (size_t i = 0; i < rt->n && !dflt; i++)
			dflt = rt->v[i].dst.len == 0;
		if (!dflt)
			warnx_obj("anyip",
				  "no default route: replies from %s to hosts on %s need a route "
				  "(any) for their first lookup; a 127.0.0.0/8 address needs none",
				  s, a->dev);
	}
	return 0;
}

static int plan_add(struct anyip *a)
{
	struct inst *have, *sib;
	struct rule r;
	struct route rt;
	int ifindex, rc, changed = 0;
	bool named;

	if ((rc = dev_index(a->dev, &ifindex)) < 0)
		return rc;
	if (a->redirect && (rc = check_redirect(a)) < 0)
		return rc;
	if ((rc = check_all(a)) < 0)
		return rc;
	have = find_inst(a->id);
	sib = sibling(a->dev, a->id);
	for (int i = 0; i < ninsts; i++) {
		const struct anyip *o = &insts[i].a;
		char p[IPADDR_STRLEN];

		if (o->id != a->id && !strcmp(o->dev, a->dev) &&
		    (ipaddr_in_prefix(&a->prefix, &o->prefix) ||
		     ipaddr_in_prefix(&o->prefix, &a->prefix)))
			return err_conflict("%s overlaps %s, which anyip answers on %s already",
					    ipaddr_str(&a->prefix, p, sizeof(p)), o->words, a->dev);
	}

	/* The DEV's reply table, mark and saved settings are shared by its instances. */
	if (have || sib) {
		const struct anyip *o = have ? &have->a : &sib->a;

		a->reply = o->reply;
		a->flags |= o->flags & F_NAMED_REPLY;
		a->saved = o->saved;
	} else {
		if ((rc = dev_table(a->dev, "-reply", &a->reply, &named)) < 0)
			return rc;
		if (named)
			a->flags |= F_NAMED_REPLY;
	}
	if (!a->has_table) {
		if (have && !(have->a.has_table)) {
			a->local = have->a.local;
			a->flags |= have->a.flags & F_NAMED_LOCAL;
		} else if (sib && !sib->a.has_table) {
			a->local = sib->a.local;
			a->flags |= sib->a.flags & F_NAMED_LOCAL;
		} else {
			if ((rc = dev_table(a->dev, "", &a->local, &named)) < 0)
				return rc;
			if (named)
				a->flags |= F_NAMED_LOCAL;
		}
	}
	for (int i = -1; i < ninsts; i++)
		if (a->local == (i < 0 ? a->reply : insts[i].a.reply))
			return err_usage("replies have a table of their own, not", a->table_word,
					 NULL);
	if ((rc = mk_auto_mark(a->reply, &a->mark)) < 0)
		return rc;
	a->mask = opt.mark_mask;
	if (a->redirect)
		a->flags |= F_REDIRECT;
	a->target = a->redirect ? addr_u32(&a->addr)
				: LOOP_NET | (a->reply & 0xffff);

	/* A changed instance (other table, other redirect): the old one goes first. */
	if (have && (strcmp(have->a.words, a->words) || have->a.local != a->local ||
		     have->a.target != a->target) &&
	    (rc = remove_instance(&have->a, a, &changed)) < 0)
		return rc;

	if ((rc = apply_settings(a, !have && !sib, &a->saved)) < 0)
		return rc;
	ensure_plumbing();
	mk_ensure_sticky(a->mask, a->mark);
	ensure_rules(a);

	if ((rc = route_local(&rt, a)) < 0 || (rc = route_ensure(&rt, false, &changed)) < 0)
		return rc;
	route_reply(&rt, a, ifindex);
	if ((rc = route_ensure(&rt, false, &changed)) < 0)
		return rc;
	rule_iif_to(&r, a);
	if ((rc = rule_ensure(&r, PREF_SOURCE, &changed)) < 0)
		return rc;
	if (loopback_target(a)) {
		rule_from(&r, a);
		if ((rc = rule_ensure(&r, PREF_SOURCE, &changed)) < 0)
			return rc;
	}
	rule_fwmark(&r, a);
	return rule_ensure(&r, PREF_POLICY, &changed);
}

static int plan_del(const struct anyip *want)
{
	struct inst *in = find_inst(want->id);
	int rc, changed = 0;

	if (!in) {
		del_rules(want->id, 0); /* stray pieces of a half-removed instance */
		return 0;
	}
	if ((rc = remove_instance(&in->a, NULL, &changed)) < 0)
		return rc;
	if (!sibling(in->a.dev, in->a.id) && (rc = remove_dev(&in->a, &changed)) < 0)
		return rc;
	/* Gone from the list: later instances of this plan no longer count it. */
	in->a.id = 0;
	in->a.dev[0] = 0;
	in->a.local = in->a.reply = 0;
	return 0;
}

static int finish_removal(void)
{
	int changed = 0;
	bool any = false;

	for (int i = 0; i < ninsts; i++)
		any |= insts[i].a.id != 0;
	rs_rules(&(size_t){0}); /* every rule: the sticky tidy needs all users */
	if (!any)
		remove_plumbing();
	mk_tidy_sticky(&changed);
	return 0;
}

static int cmd_addel(struct words *w, bool add)
{
	struct anyip a;
	int rc;

	if ((rc = parse_anyip(w, &a)) < 0)
		return rc;
	anyip_words(&a);
	if ((rc = begin_change()) < 0 || (rc = load_instances()) < 0)
		goto out;
	if (add) {
		rc = plan_add(&a);
	} else if ((rc = plan_del(&a)) == 0) {
		rc = finish_removal();
	}
out:
	free_instances();
	free(a.words);
	return rc;
}

static int cmd_flush(struct words *w)
{
	int rc;

	if (w_more(w))
		return w_unknown(w);
	if ((rc = begin_change()) < 0 || (rc = load_instances()) < 0)
		goto out;
	for (int i = 0; i < ninsts; i++) {
		struct anyip a = insts[i].a;

		if (a.id && (rc = plan_del(&a)) < 0)
			goto out;
	}
	rc = finish_removal();
out:
	free_instances();
	return rc;
}

int anyip_table_user(uint32_t table, char *words, size_t len)
{
	int rc, found = 0;

	if ((rc = load_instances()) < 0)
		return rc;
	for (int i = 0; i < ninsts && !found; i++)
		if (insts[i].a.local == table || insts[i].a.reply == table) {
			char p[IPADDR_STRLEN];

			snprintf(words, len, "%s dev %s",
				 ipaddr_str(&insts[i].a.prefix, p, sizeof(p)), insts[i].a.dev);
			found = 1;
		}
	free_instances();
	return found;
}

int anyip_print(const char *key)
{
	int rc, n;

	if ((rc = load_instances()) < 0)
		return rc;
	n = ninsts;
	out_arr_open(key);
	for (int i = 0; i < ninsts; i++) {
		const struct anyip *a = &insts[i].a;
		char p[IPADDR_STRLEN], t[INET_ADDRSTRLEN], tb[16], buf[16];
		uint32_t tn = htonl(a->target);

		out_obj_open(NULL);
		out_uint("index", "%llu: ", (unsigned long long)(i + 1));
		out_str("prefix", "%s", ipaddr_str(&a->prefix, p, sizeof(p)));
		out_str("dev", " dev %s", a->dev);
		inet_ntop(AF_INET, &tn, t, sizeof(t));
		out_str("target", "  [to %s", t);
		out_bool("redirect", NULL, a->redirect);
		out_str("local_table", ", local routes in table %s",
			names_table_str(a->local, tb, sizeof(tb)));
		out_str("reply_table", ", replies via table %s",
			names_table_str(a->reply, tb, sizeof(tb)));
		snprintf(buf, sizeof(buf), "0x%08x", a->mark);
		out_str("mark", ", mark %s", buf);
		snprintf(buf, sizeof(buf), "0x%08x", a->mask);
		out_str("mask", "/%s]", buf);
		out_nl();
		out_obj_close();
	}
	out_arr_close();
	free_instances();
	return n;
}

int anyip_explain(const struct pkt *p, struct hit *h)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if (!p->iif[0] || p->family != AF_INET)
		return 0;
	if ((rc = load_instances()) < 0)
		return rc;
	for (int i = 0; i < ninsts; i++) {
		const struct anyip *a = &insts[i].a;
		uint32_t t = htonl(a->target);

		if (strcmp(a->dev, p->iif) || !ipaddr_in_prefix(&p->dst, &a->prefix))
			continue;
		h->found = true;
		h->index = i + 1;
		snprintf(h->words, sizeof(h->words), "%s", a->words);
		h->mark = a->mark;
		h->mask = a->mask;
		inet_ntop(AF_INET, &t, h->addr, sizeof(h->addr));
		break;
	}
	free_instances();
	return 0;
}

int anyip_main(int argc, char **argv)
{
	static const struct crud c = {anyip_usage, cmd_addel, cmd_flush, anyip_print};

	return crud_main(argc, argv, &c);
}
