// SPDX-License-Identifier: GPL-2.0-or-later
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "names.h"
#include "nl.h"
#include "out.h"
#include "pbr.h"
#include "rt.h"
#include "sbuf.h"

void rule_init(struct rule *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->action = FR_ACT_TO_TBL;
	r->protocol = PBR_PROTO;
	r->suppress_prefixlen = -1;
}

/*
 * Port masks (Linux 6.15) are newer than the uapi headers pbr may be built
 * with; the kernel dumps an all-ones mask for a single port, which is no mask.
 */
#define FRA_SPORT_MASK_NR 28
#define FRA_DPORT_MASK_NR 29
#define FRA_KNOWN_MAX 31
#define PORT_MASK_EXACT 0xffff

struct attrs {
	const struct nlattr *tb[FRA_KNOWN_MAX + 1];
	bool unknown;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type == FRA_SPORT_MASK_NR || type == FRA_DPORT_MASK_NR) {
		if (mnl_attr_get_payload_len(a) != 2 || mnl_attr_get_u16(a) != PORT_MASK_EXACT)
			at->unknown = true;
	} else if (type > FRA_MAX || type > FRA_KNOWN_MAX) {
		at->unknown = true;
	} else {
		at->tb[type] = a;
	}
	return MNL_CB_OK;
}

static void get_ports(const struct nlattr *a, struct port_range *p)
{
	const struct fib_rule_port_range *r;

	if (!a || mnl_attr_get_payload_len(a) < sizeof(*r))
		return;
	r = mnl_attr_get_payload(a);
	p->lo = r->start;
	p->hi = r->end;
}

static void get_name(const struct nlattr *a, char *dst)
{
	if (a && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(dst, IFNAMSIZ, "%s", mnl_attr_get_str(a));
}

int rule_from_msg(const struct nlmsghdr *nlh, struct rule *r)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {0};

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*frh)))
		return -1;
	rule_init(r, frh->family);
	r->protocol = 0;
	r->tos = frh->tos;
	r->action = frh->action;
	r->invert = frh->flags & FIB_RULE_INVERT;
	r->table = frh->table;
	mnl_attr_parse(nlh, sizeof(*frh), attr_cb, &at);
	r->foreign = at.unknown || at.tb[FRA_GOTO] || at.tb[FRA_FLOW] || at.tb[FRA_TUN_ID] ||
		     at.tb[FRA_SUPPRESS_IFGROUP] || at.tb[FRA_L3MDEV] || at.tb[FRA_UID_RANGE] ||
		     frh->action != FR_ACT_TO_TBL;
	if (at.tb[FRA_TABLE])
		r->table = mnl_attr_get_u32(at.tb[FRA_TABLE]);
	if (at.tb[FRA_PRIORITY]) {
		r->pref = mnl_attr_get_u32(at.tb[FRA_PRIORITY]);
		r->has_pref = true;
	}
	if (frh->src_len || at.tb[FRA_SRC])
		nl_attr_ipaddr(at.tb[FRA_SRC], frh->family, frh->src_len, &r->src);
	if (frh->dst_len || at.tb[FRA_DST])
		nl_attr_ipaddr(at.tb[FRA_DST], frh->family, frh->dst_len, &r->dst);
	if (r->src.family && r->src.len == 0)
		memset(&r->src, 0, sizeof(r->src));
	if (r->dst.family && r->dst.len == 0)
		memset(&r->dst, 0, sizeof(r->dst));
	if (at.tb[FRA_FWMARK] || at.tb[FRA_FWMASK]) {
		r->fwmark = at.tb[FRA_FWMARK] ? mnl_attr_get_u32(at.tb[FRA_FWMARK]) : 0;
		r->fwmask = at.tb[FRA_FWMASK] ? mnl_attr_get_u32(at.tb[FRA_FWMASK]) : 0xffffffffu;
		r->has_fwmark = r->fwmark || r->fwmask;
	}
	get_name(at.tb[FRA_IIFNAME], r->iif);
	get_name(at.tb[FRA_OIFNAME], r->oif);
	if (at.tb[FRA_IP_PROTO])
		r->ipproto = mnl_attr_get_u8(at.tb[FRA_IP_PROTO]);
	get_ports(at.tb[FRA_SPORT_RANGE], &r->sport);
	get_ports(at.tb[FRA_DPORT_RANGE], &r->dport);
	if (at.tb[FRA_SUPPRESS_PREFIXLEN])
		r->suppress_prefixlen = (int32_t)mnl_attr_get_u32(at.tb[FRA_SUPPRESS_PREFIXLEN]);
	if (at.tb[FRA_PROTOCOL])
		r->protocol = mnl_attr_get_u8(at.tb[FRA_PROTOCOL]);
	return 0;
}

static void put_ports(struct nlmsghdr *nlh, uint16_t type, const struct port_range *p)
{
	struct fib_rule_port_range r = {.start = p->lo, .end = p->hi};

	if (p->lo || p->hi)
		mnl_attr_put(nlh, type, sizeof(r), &r);
}

struct nlmsghdr *rule_msg(void *buf, uint16_t type, uint16_t flags, const struct rule *r)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, flags, sizeof(struct fib_rule_hdr));
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	size_t alen = (size_t)ipaddr_bytes(r->family);

	frh->family = r->family;
	frh->tos = r->tos;
	frh->action = r->action;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	frh->flags = r->invert ? FIB_RULE_INVERT : 0;
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->has_pref)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, r->pref);
	if (r->src.family && r->src.len) {
		frh->src_len = r->src.len;
		mnl_attr_put(nlh, FRA_SRC, alen, r->src.a);
	}
	if (r->dst.family && r->dst.len) {
		frh->dst_len = r->dst.len;
		mnl_attr_put(nlh, FRA_DST, alen, r->dst.a);
	}
	if (r->has_fwmark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	if (r->iif[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, r->iif);
	if (r->oif[0])
		mnl_attr_put_strz(nlh, FRA_OIFNAME, r->oif);
	if (r->ipproto)
		mnl_attr_put_u8(nlh, FRA_IP_PROTO, r->ipproto);
	put_ports(nlh, FRA_SPORT_RANGE, &r->sport);
	put_ports(nlh, FRA_DPORT_RANGE, &r->dport);
	if (r->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, (uint32_t)r->suppress_prefixlen);
	if (r->protocol)
		mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
	return nlh;
}

bool rule_same(const struct rule *a, const struct rule *b)
{
	return !a->foreign && !b->foreign && a->family == b->family && a->table == b->table &&
	       a->action == b->action && a->invert == b->invert && a->tos == b->tos &&
	       a->ipproto == b->ipproto && a->has_fwmark == b->has_fwmark &&
	       (!a->has_fwmark || (a->fwmark == b->fwmark && a->fwmask == b->fwmask)) &&
	       a->suppress_prefixlen == b->suppress_prefixlen && ipaddr_equal(&a->src, &b->src) &&
	       ipaddr_equal(&a->dst, &b->dst) && !strcmp(a->iif, b->iif) &&
	       !strcmp(a->oif, b->oif) && a->sport.lo == b->sport.lo &&
	       a->sport.hi == b->sport.hi && a->dport.lo == b->dport.lo &&
	       a->dport.hi == b->dport.hi;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint64_t rule_hash(const struct rule *r)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t mark[2] = {r->has_fwmark ? r->fwmark : 0, r->has_fwmark ? r->fwmask : 0};
	uint8_t flags[5] = {r->family, r->action, r->invert, r->tos, r->ipproto};

	h = fnv(h, flags, sizeof(flags));
	h = fnv(h, &r->table, sizeof(r->table));
	h = fnv(h, mark, sizeof(mark));
	h = fnv(h, &r->suppress_prefixlen, sizeof(r->suppress_prefixlen));
	h = fnv(h, &r->src.len, 1);
	h = fnv(h, r->src.a, r->src.family ? (size_t)ipaddr_bytes(r->src.family) : 0);
	h = fnv(h, &r->dst.len, 1);
	h = fnv(h, r->dst.a, r->dst.family ? (size_t)ipaddr_bytes(r->dst.family) : 0);
	h = fnv(h, r->iif, strlen(r->iif));
	h = fnv(h, r->oif, strlen(r->oif) + 1);
	h = fnv(h, &r->sport, sizeof(r->sport));
	return fnv(h, &r->dport, sizeof(r->dport));
}

static void ports_words(struct sbuf *b, const char *kw, const struct port_range *p)
{
	if (!p->lo && !p->hi)
		return;
	if (p->lo == p->hi)
		sb_add(b, " %s %u", kw, p->lo);
	else
		sb_add(b, " %s %u-%u", kw, p->lo, p->hi);
}

char *rule_words(const struct rule *r)
{
	char a[IPADDR_STRLEN], t[16], pb[8];
	struct sbuf b = {0};

	if (r->invert)
		sb_add(&b, "not ");
	sb_add(&b, "from %s", r->src.family ? ipaddr_str(&r->src, a, sizeof(a)) : "all");
	if (r->dst.family)
		sb_add(&b, " to %s", ipaddr_str(&r->dst, a, sizeof(a)));
	if (r->tos)
		sb_add(&b, " tos 0x%02x", r->tos);
	if (r->has_fwmark) {
		if (r->fwmask == 0xffffffffu)
			sb_add(&b, " fwmark 0x%x", r->fwmark);
		else
			sb_add(&b, " fwmark 0x%x/0x%x", r->fwmark, r->fwmask);
	}
	if (r->iif[0])
		sb_add(&b, " iif %s", r->iif);
	if (r->oif[0])
		sb_add(&b, " oif %s", r->oif);
	if (r->ipproto)
		sb_add(&b, " ipproto %s", l4proto_name(r->ipproto, pb, sizeof(pb)));
	ports_words(&b, "sport", &r->sport);
	ports_words(&b, "dport", &r->dport);
	sb_add(&b, " lookup %s", names_table_str(r->table, t, sizeof(t)));
	if (r->suppress_prefixlen >= 0)
		sb_add(&b, " suppress_prefixlength %d", r->suppress_prefixlen);
	return sb_take(&b);
}

char *rule_cmd(const char *verb, const struct rule *r)
{
	struct sbuf b = {0};
	char *w = rule_words(r);

	sb_add(&b, "%s rule %s %s", ip_cmd(r->family), verb, w);
	if (r->has_pref)
		sb_add(&b, " pref %u", r->pref);
	if (r->protocol == PBR_PROTO)
		sb_add(&b, " proto %s", PBR_PROTO_NAME);
	free(w);
	return sb_take(&b);
}

const char *ip_cmd(int family)
{
	static char buf[300];

	snprintf(buf, sizeof(buf), "ip%s%s%s", opt.netns ? " -n " : "", opt.netns ? opt.netns : "",
		 family == AF_INET6 ? " -6" : "");
	return buf;
}

/* Names iproute2 knows without its rt_protos file, and pbr's own. */
static const char *proto_name(uint8_t p, char *buf, size_t n)
{
	static const char *const names[256] = {
		[0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot", [4] = "static",
		[8] = "gated", [9] = "ra", [10] = "mrt", [11] = "zebra", [12] = "bird",
		[13] = "dnrouted", [14] = "xorp", [15] = "ntk", [16] = "dhcp",
		[18] = "keepalived", [42] = "babel", [99] = "openr", [PBR_PROTO] = PBR_PROTO_NAME,
		[186] = "bgp", [187] = "isis", [188] = "ospf", [189] = "rip", [192] = "eigrp",
	};

	if (names[p])
		return names[p];
	snprintf(buf, n, "%u", p);
	return buf;
}

const char *rt_proto_str(uint8_t p, char *buf, size_t n)
{
	return proto_name(p, buf, n);
}

static void print_ports(const char *key, const struct port_range *p)
{
	char buf[16];

	if (!p->lo && !p->hi)
		return;
	if (p->lo == p->hi)
		snprintf(buf, sizeof(buf), "%u", p->lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", p->lo, p->hi);
	out_str(key, NULL, buf);
}

void rule_print(const struct rule *r)
{
	char a[IPADDR_STRLEN], t[16], pb[8], mk[32];
	char *w;

	out_obj_open(NULL);
	out_str("family", NULL, r->family == AF_INET6 ? "inet6" : "inet");
	out_uint("priority", "%llu:\t", r->pref);
	w = rule_words(r);
	out_text("%s", w);
	free(w);
	out_bool("not", NULL, r->invert);
	out_str("src", NULL, r->src.family ? ipaddr_prefix_str(&r->src, a, sizeof(a)) : "all");
	if (r->dst.family)
		out_str("dst", NULL, ipaddr_prefix_str(&r->dst, a, sizeof(a)));
	if (r->tos)
		out_uint("tos", NULL, r->tos);
	if (r->has_fwmark) {
		snprintf(mk, sizeof(mk), "0x%x", r->fwmark);
		out_str("fwmark", NULL, mk);
		snprintf(mk, sizeof(mk), "0x%x", r->fwmask);
		out_str("fwmask", NULL, mk);
	}
	if (r->iif[0])
		out_str("iif", NULL, r->iif);
	if (r->oif[0])
		out_str("oif", NULL, r->oif);
	if (r->ipproto)
		out_str("ipproto", NULL, l4proto_name(r->ipproto, pb, sizeof(pb)));
	print_ports("sport", &r->sport);
	print_ports("dport", &r->dport);
	out_str("table", NULL, names_table_str(r->table, t, sizeof(t)));
	out_uint("table_id", NULL, r->table);
	if (r->suppress_prefixlen >= 0)
		out_int("suppress_prefixlength", NULL, r->suppress_prefixlen);
	out_str("protocol", " proto %s", proto_name(r->protocol, pb, sizeof(pb)));
	out_nl();
	out_obj_close();
}
