// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "link.h"
#include "names.h"
#include "nl.h"
#include "out.h"
#include "pbr.h"
#include "rt.h"
#include "sysctl.h"
#include "sbuf.h"

/* The kernel's default route metric: 0 for IPv4, IP6_RT_PRIO_USER for IPv6. */
#define IP6_RT_PRIO_USER 1024

uint32_t route_default_metric(int family)
{
	return family == AF_INET6 ? IP6_RT_PRIO_USER : 0;
}

void route_init(struct route *r, int family)
{
	memset(r, 0, sizeof(*r));
	r->family = (uint8_t)family;
	r->type = RTN_UNICAST;
	r->protocol = PBR_PROTO;
	r->metric = route_default_metric(family);
}

struct attrs {
	const struct nlattr *tb[RTA_MAX + 1];
	bool unknown;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *at = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type > RTA_MAX)
		at->unknown = true;
	else
		at->tb[type] = a;
	return MNL_CB_OK;
}

static int nh_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

static bool parse_multipath(const struct nlattr *mp, struct route *r)
{
	const char *p = mnl_attr_get_payload(mp);
	int left = (int)mnl_attr_get_payload_len(mp);
	bool foreign = false;

	while (left >= (int)sizeof(struct rtnexthop)) {
		const struct rtnexthop *rtnh = (const void *)p;
		const struct nlattr *tb[RTA_MAX + 1] = {0};
		struct nexthop *nh;

		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > left)
			break;
		if (r->nh_n >= RT_MAX_NH)
			return true;
		nh = &r->nh[r->nh_n++];
		nh->ifindex = rtnh->rtnh_ifindex;
		nh->weight = (uint16_t)(rtnh->rtnh_hops + 1);
		nh->onlink = rtnh->rtnh_flags & RTNH_F_ONLINK;
		mnl_attr_parse_payload(p + RTNH_LENGTH(0), rtnh->rtnh_len - RTNH_LENGTH(0),
				       nh_attr_cb, tb);
		nl_attr_ipaddr(tb[RTA_GATEWAY], r->family, r->family == AF_INET ? 32 : 128, &nh->gw);
		if (tb[RTA_VIA] || tb[RTA_ENCAP] || tb[RTA_FLOW])
			foreign = true;
		left -= RTNH_ALIGN(rtnh->rtnh_len);
		p += RTNH_ALIGN(rtnh->rtnh_len);
	}
	return foreign;
}

int route_from_msg(const struct nlmsghdr *nlh, struct route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attrs at = {0};

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*rtm)))
		return -1;
	route_init(r, rtm->rtm_family);
	r->type = rtm->rtm_type;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->tos = rtm->rtm_tos;
	r->table = rtm->rtm_table;
	r->metric = 0;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &at);
	if (at.tb[RTA_TABLE])
		r->table = mnl_attr_get_u32(at.tb[RTA_TABLE]);
	if (at.tb[RTA_PRIORITY])
		r->metric = mnl_attr_get_u32(at.tb[RTA_PRIORITY]);
	r->dst.family = rtm->rtm_family;
	if (at.tb[RTA_DST])
		nl_attr_ipaddr(at.tb[RTA_DST], rtm->rtm_family, rtm->rtm_dst_len, &r->dst);
	r->dst.len = rtm->rtm_dst_len;
	nl_attr_ipaddr(at.tb[RTA_PREFSRC], rtm->rtm_family, rtm->rtm_family == AF_INET ? 32 : 128,
		 &r->src);
	r->foreign = at.unknown || at.tb[RTA_ENCAP] || at.tb[RTA_NH_ID] || at.tb[RTA_VIA] ||
		     at.tb[RTA_FLOW] || at.tb[RTA_SRC] || at.tb[RTA_EXPIRES] ||
		     (at.tb[RTA_METRICS] && mnl_attr_get_payload_len(at.tb[RTA_METRICS]) > 0);
	if (at.tb[RTA_MULTIPATH]) {
		r->multipath = true;
		if (parse_multipath(at.tb[RTA_MULTIPATH], r))
			r->foreign = true;
		if (r->nh_n == 1)
			r->multipath = false;
	} else if (at.tb[RTA_GATEWAY] || at.tb[RTA_OIF]) {
		r->nh_n = 1;
		nl_attr_ipaddr(at.tb[RTA_GATEWAY], r->family, r->family == AF_INET ? 32 : 128,
			 &r->nh[0].gw);
		r->nh[0].ifindex = at.tb[RTA_OIF] ? (int)mnl_attr_get_u32(at.tb[RTA_OIF]) : 0;
		r->nh[0].weight = 1;
		r->nh[0].onlink = rtm->rtm_flags & RTNH_F_ONLINK;
	}
	return 0;
}

static uint8_t route_scope(const struct route *r)
{
	/* As ip(8) chooses: host for local, link for a device route without a gateway. */
	if (r->type == RTN_LOCAL)
		return RT_SCOPE_HOST;
	if (r->type == RTN_UNICAST && r->nh_n == 1 && !r->nh[0].gw.family)
		return RT_SCOPE_LINK;
	return RT_SCOPE_UNIVERSE;
}

struct nlmsghdr *route_msg(void *buf, uint16_t type, uint16_t flags, const struct route *r)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, flags, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t alen = (size_t)ipaddr_bytes(r->family);

	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_tos = r->tos;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_type = r->type;
	mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst.len)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst.a);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (type == RTM_DELROUTE) {
		/* Delete by the kernel's key only; any scope matches. */
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
		return nlh;
	}
	rtm->rtm_scope = route_scope(r);
	if (r->src.family)
		mnl_attr_put(nlh, RTA_PREFSRC, alen, r->src.a);
	if (r->nh_n == 1) {
		if (r->nh[0].gw.family)
			mnl_attr_put(nlh, RTA_GATEWAY, alen, r->nh[0].gw.a);
		if (r->nh[0].ifindex)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->nh[0].ifindex);
		if (r->nh[0].onlink)
			rtm->rtm_flags |= RTNH_F_ONLINK;
	} else if (r->nh_n > 1) {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (int i = 0; i < r->nh_n; i++) {
			struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

			memset(rtnh, 0, sizeof(*rtnh));
			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
			rtnh->rtnh_ifindex = r->nh[i].ifindex;
			rtnh->rtnh_hops = (uint8_t)(r->nh[i].weight ? r->nh[i].weight - 1 : 0);
			rtnh->rtnh_flags = r->nh[i].onlink ? RTNH_F_ONLINK : 0;
			if (r->nh[i].gw.family)
				mnl_attr_put(nlh, RTA_GATEWAY, alen, r->nh[i].gw.a);
			rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
							  (char *)rtnh);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nlh;
}

bool route_same_key(const struct route *a, const struct route *b)
{
	return a->family == b->family && a->table == b->table && a->tos == b->tos &&
	       a->metric == b->metric && ipaddr_equal(&a->dst, &b->dst);
}

static bool nh_same(const struct nexthop *a, const struct nexthop *b, bool weights)
{
	return ipaddr_equal(&a->gw, &b->gw) && a->ifindex == b->ifindex && a->onlink == b->onlink &&
	       (!weights || a->weight == b->weight);
}

bool route_same(const struct route *a, const struct route *b)
{
	bool mp = a->nh_n > 1;

	if (!route_same_key(a, b) || a->type != b->type || a->nh_n != b->nh_n || a->foreign ||
	    b->foreign || !ipaddr_equal(&a->src, &b->src))
		return false;
	/* The kernel keeps nexthops in the order given; so does pbr. */
	for (int i = 0; i < a->nh_n; i++)
		if (!nh_same(&a->nh[i], &b->nh[i], mp))
			return false;
	return true;
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case RTN_UNICAST:
		return "unicast";
	case RTN_LOCAL:
		return "local";
	case RTN_BLACKHOLE:
		return "blackhole";
	case RTN_UNREACHABLE:
		return "unreachable";
	case RTN_PROHIBIT:
		return "prohibit";
	case RTN_BROADCAST:
		return "broadcast";
	case RTN_MULTICAST:
		return "multicast";
	case RTN_THROW:
		return "throw";
	case RTN_ANYCAST:
		return "anycast";
	default:
		return "other";
	}
}

static const char *dev_name(int ifindex, char *buf)
{
	if (!if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IFNAMSIZ, "if%d", ifindex);
	return buf;
}

static void nh_words(struct sbuf *b, const struct nexthop *nh, bool weight)
{
	char a[IPADDR_STRLEN], d[IFNAMSIZ];

	if (nh->gw.family)
		sb_add(b, " via %s", ipaddr_addr_str(&nh->gw, a, sizeof(a)));
	if (nh->ifindex)
		sb_add(b, " dev %s", dev_name(nh->ifindex, d));
	if (weight)
		sb_add(b, " weight %u", nh->weight);
	if (nh->onlink)
		sb_add(b, " onlink");
}

char *route_words(const struct route *r)
{
	char a[IPADDR_STRLEN];
	struct sbuf b = {0};

	if (r->type != RTN_UNICAST)
		sb_add(&b, "%s ", type_name(r->type));
	sb_add(&b, "%s", ipaddr_str(&r->dst, a, sizeof(a)));
	if (r->nh_n == 1)
		nh_words(&b, &r->nh[0], false);
	if (r->src.family)
		sb_add(&b, " src %s", ipaddr_addr_str(&r->src, a, sizeof(a)));
	if (r->metric != route_default_metric(r->family))
		sb_add(&b, " metric %u", r->metric);
	if (r->nh_n > 1)
		for (int i = 0; i < r->nh_n; i++) {
			sb_add(&b, " nexthop");
			nh_words(&b, &r->nh[i], true);
		}
	return sb_take(&b);
}

char *route_cmd(const char *verb, const struct route *r)
{
	char t[16];
	struct sbuf b = {0};
	char *w = route_words(r);

	sb_add(&b, "%s route %s %s table %s", ip_cmd(r->family), verb, w,
	       names_table_str(r->table, t, sizeof(t)));
	if (r->protocol == PBR_PROTO)
		sb_add(&b, " proto %s", PBR_PROTO_NAME);
	free(w);
	return sb_take(&b);
}

static void nh_print(const struct nexthop *nh, bool weight)
{
	char a[IPADDR_STRLEN], d[IFNAMSIZ];

	if (nh->gw.family)
		out_str("gateway", NULL, ipaddr_addr_str(&nh->gw, a, sizeof(a)));
	if (nh->ifindex)
		out_str("dev", NULL, dev_name(nh->ifindex, d));
	if (weight)
		out_uint("weight", NULL, nh->weight);
	out_bool("onlink", NULL, nh->onlink);
}

void route_print(const struct route *r)
{
	char a[IPADDR_STRLEN], t[16], pb[8];
	char *w = route_words(r);

	out_obj_open(NULL);
	out_text("%s", w);
	free(w);
	out_str("family", NULL, r->family == AF_INET6 ? "inet6" : "inet");
	out_str("type", NULL, type_name(r->type));
	out_str("dst", NULL, r->dst.len ? ipaddr_prefix_str(&r->dst, a, sizeof(a)) : "default");
	if (r->nh_n == 1)
		nh_print(&r->nh[0], false);
	if (r->src.family)
		out_str("prefsrc", NULL, ipaddr_addr_str(&r->src, a, sizeof(a)));
	out_uint("metric", NULL, r->metric);
	if (r->nh_n > 1) {
		out_arr_open("nexthops");
		for (int i = 0; i < r->nh_n; i++) {
			out_obj_open(NULL);
			nh_print(&r->nh[i], true);
			out_obj_close();
		}
		out_arr_close();
	}
	out_str("table", NULL, names_table_str(r->table, t, sizeof(t)));
	out_uint("table_id", NULL, r->table);
	out_str("protocol", " proto %s", rt_proto_str(r->protocol, pb, sizeof(pb)));
	out_nl();
	out_obj_close();
}

/* ---- route get ---- */

static int get_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= RTA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static void attr_addr(const struct nlattr *a, int family, struct ipaddr *out)
{
	size_t n = (size_t)ipaddr_bytes(family);

	memset(out, 0, sizeof(*out));
	if (!a || mnl_attr_get_payload_len(a) < n)
		return;
	out->family = (uint8_t)family;
	out->len = (uint8_t)(n * 8);
	memcpy(out->a, mnl_attr_get_payload(a), n);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_answer *a = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), get_attr_cb, tb);
	a->type = rtm->rtm_type;
	a->table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	a->oif = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	attr_addr(tb[RTA_GATEWAY], rtm->rtm_family, &a->gw);
	attr_addr(tb[RTA_PREFSRC], rtm->rtm_family, &a->prefsrc);
	return MNL_CB_OK;
}

int route_get(const struct route_query *q, struct route_answer *a)
{
	char buf[RT_MSG_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	size_t n = (size_t)ipaddr_bytes(q->family);
	struct nl *nl;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = nl_rtnl(&nl)) < 0)
		return rc;
	rtm->rtm_family = (uint8_t)q->family;
	/* The table the lookup ended in, not the cache's idea of it. */
	rtm->rtm_flags = RTM_F_LOOKUP_TABLE;
	rtm->rtm_dst_len = (uint8_t)(n * 8);
	mnl_attr_put(nlh, RTA_DST, n, q->dst.a);
	if (q->src.family) {
		rtm->rtm_src_len = (uint8_t)(n * 8);
		mnl_attr_put(nlh, RTA_SRC, n, q->src.a);
	}
	if (q->iif)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)q->iif);
	if (q->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)q->oif);
	if (q->mark)
		mnl_attr_put_u32(nlh, RTA_MARK, q->mark);
	if (q->proto)
		mnl_attr_put_u8(nlh, RTA_IP_PROTO, q->proto);
	if (q->sport)
		mnl_attr_put_u16(nlh, RTA_SPORT, htons(q->sport));
	if (q->dport)
		mnl_attr_put_u16(nlh, RTA_DPORT, htons(q->dport));
	rc = nl_query(nl, nlh, get_cb, a);
	if (rc < 0 && rc != -ENOMEM && rc != -EPERM)
		a->error = rc; /* the kernel's verdict on this packet */
	else if (rc < 0)
		return err_sys(-rc, "cannot ask the kernel for a route");
	return 0;
}

int rp_filter_verdict(int iif, const struct ipaddr *src, const struct ipaddr *dst, bool dst_local,
		      uint32_t mark, struct rp_verdict *v)
{
	char dev[IF_NAMESIZE];
	struct route_query q = {.family = AF_INET, .dst = *src};
	struct route_answer back;
	uint32_t all, own;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!if_indextoname((unsigned)iif, dev))
		return 0;
	all = sc_get4("rp_filter", "all");
	own = sc_get4("rp_filter", dev);
	v->mode = (int)(all > own ? all : own);
	v->used_mark = sc_get4("src_valid_mark", "all") || sc_get4("src_valid_mark", dev);
	/* The kernel's reverse lookup: to the source, from the destination if it is ours. */
	if (dst_local)
		q.src = *dst;
	q.mark = v->used_mark ? mark : 0;
	if ((rc = route_get(&q, &back)) < 0)
		return rc;
	v->back_oif = back.error || back.type != RTN_UNICAST ? 0 : back.oif;
	if (!v->mode)
		return 0;
	/* Loose mode too drops a mismatch on an interface without an IPv4 address. */
	if (v->back_oif && v->back_oif != iif && v->mode != 1) {
		struct ifa_entry *a;
		size_t n;
		bool has = false;

		if ((rc = addr_dump(AF_INET, &a, &n)) < 0)
			return rc;
		for (size_t i = 0; i < n && !has; i++)
			has = a[i].ifindex == iif;
		free(a);
		v->drops = !has;
		return 0;
	}
	v->drops = !v->back_oif || (v->mode == 1 && v->back_oif != iif);
	return 0;
}
