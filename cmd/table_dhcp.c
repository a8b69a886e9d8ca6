// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr table dhcp: an uplink's table from its DHCP client's hook.
 *
 * On bound/renew the uplink's table holds exactly the lease's subnet route
 * and "default via ROUTER"; exactly one rule "from IP lookup TABLE" sends
 * the machine's own traffic from that address out of that uplink (a stale
 * one from an earlier address goes); with "dns", host routes in main send
 * the DNS servers' traffic through it; with "balance", main's default is one
 * multipath route over every uplink bound that way. On deconfig and friends
 * all of that goes again for this uplink, and only for it.
 *
 * Nothing is remembered outside the kernel, so each hook needs only its own
 * event (seed 002's script rebuilt the default from both tables and piled up
 * a duplicate rule on every renew): which uplinks are balanced is read from
 * main's default route itself; an uplink's weight is the metric of its own
 * table's default route plus one. That table holds one default, so the
 * metric decides nothing there, and unlike a nexthop's weight it survives
 * main's default shrinking to a single uplink (the kernel then keeps no
 * weight).
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "lease.h"
#include "link.h"
#include "names.h"
#include "parse.h"
#include "pbr.h"
#include "rt.h"
#include "sbuf.h"
#include "state.h"

static const char *env_get(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* The uplink's table: "table NAME", else named after the interface; registered if needed. */
static int uplink_table(const char *word, bool create, uint32_t *id, bool *exists)
{
	const struct table_name *t;
	uint32_t v;
	int rc;

	*exists = true;
	if (names_reserved_name(word))
		return err_usage("an uplink needs its own table, not", word, NULL);
	t = names_find(word);
	if (t) {
		*id = t->id;
		return 0;
	}
	if (word[0] >= '0' && word[0] <= '9') {
		if (parse_u32(word, &v) < 0 || v == 0 || names_reserved_id(v))
			return err_usage("invalid table", word, "1-4294967295 but not 253-255");
		*id = v;
		return 0;
	}
	if (parse_table_name(word) < 0) {
		err_clear();
		return err_usage("cannot name a table after", word, "give table NAME");
	}
	*exists = false;
	if (!create)
		return 0;
	if ((rc = table_free_id(&v)) < 0)
		return rc;
	*id = v;
	return names_pbr_add(word, v);
}

/* A source rule of table dhcp: "from HOST lookup TABLE", nothing else. */
static bool is_source_rule(const struct rule *r, void *data)
{
	const struct rule *keep = data;

	return r->table == keep->table && r->src.family == AF_INET && r->src.len == 32 &&
	       !r->dst.family && !r->has_fwmark && !r->iif[0] && !r->oif[0] && !r->ipproto &&
	       !r->invert && !r->tos && r->suppress_prefixlen < 0 && !r->sport.hi &&
	       !r->dport.hi && (!keep->src.family || !ipaddr_equal(&r->src, &keep->src)) &&
	       r->pref >= opt.pref_base && r->pref < opt.pref_base + 100;
}

/* pbr's host routes in main through ifindex: the DNS routes of this uplink. */
static int dns_routes(int ifindex, const struct lease *keep, int *changed)
{
	struct routes *rs;
	struct route gone[LEASE_MAX_DNS * 4];
	int n = 0, rc;

	if ((rc = state_routes(AF_INET, RT_TABLE_MAIN, &rs)) < 0)
		return rc;
	for (size_t i = 0; i < rs->n && n < (int)ARRAY_SIZE(gone); i++) {
		const struct route *r = &rs->v[i];
		bool wanted = false;

		if (r->protocol != PBR_PROTO || r->dst.len != 32 || r->nh_n != 1 ||
		    r->nh[0].ifindex != ifindex || r->type != RTN_UNICAST)
			continue;
		for (int d = 0; keep && d < keep->ndns; d++)
			wanted |= !memcmp(r->dst.a, keep->dns[d].a, 4);
		if (!wanted)
			gone[n++] = *r;
	}
	for (int i = 0; i < n; i++)
		if ((rc = route_remove(&gone[i], changed)) < 0)
			return rc;
	return 0;
}

/* A balanced uplink's weight: from its table's default route (metric + 1). */
static uint16_t member_weight(int ifindex)
{
	struct rules *ru;

	if (state_rules(AF_INET, &ru) < 0)
		return 1;
	for (size_t i = 0; i < ru->n; i++) {
		const struct rule *r = &ru->v[i];
		struct routes *rt;

		if (r->protocol != PBR_PROTO || r->pref < opt.pref_base ||
		    r->pref >= opt.pref_base + 100 || state_routes(AF_INET, r->table, &rt) < 0)
			continue;
		for (size_t j = 0; j < rt->n; j++)
			if (rt->v[j].protocol == PBR_PROTO && rt->v[j].dst.len == 0 &&
			    rt->v[j].nh_n == 1 && rt->v[j].nh[0].ifindex == ifindex)
				return rt->v[j].metric < 256 ? (uint16_t)(rt->v[j].metric + 1) : 256;
	}
	return 1;
}

static int cmp_nh(const void *a, const void *b)
{
	return ((const struct nexthop *)a)->ifindex - ((const struct nexthop *)b)->ifindex;
}

/*
 * main's default as a multipath route over the balanced uplinks: the members
 * are its own nexthops, this uplink's taken out and, if nh, put back.
 */
static int rebalance(int ifindex, const struct nexthop *nh, int *changed)
{
	struct routes *rs;
	struct route want, *cur = NULL;
	int rc;

	route_init(&want, AF_INET);
	want.table = RT_TABLE_MAIN;
	parse_prefix_or_default("default", AF_INET, &want.dst);
	if ((rc = state_routes(AF_INET, RT_TABLE_MAIN, &rs)) < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++)
		if (route_same_key(&rs->v[i], &want))
			cur = &rs->v[i];
	if (cur && cur->protocol == PBR_PROTO)
		for (int i = 0; i < cur->nh_n && want.nh_n < RT_MAX_NH; i++)
			if (cur->nh[i].ifindex != ifindex) {
				want.nh[want.nh_n] = cur->nh[i];
				want.nh[want.nh_n].weight = member_weight(cur->nh[i].ifindex);
				want.nh_n++;
			}
	if (nh && want.nh_n < RT_MAX_NH)
		want.nh[want.nh_n++] = *nh;
	if (!want.nh_n) {
		if (cur && cur->protocol == PBR_PROTO)
			return route_remove(&want, changed);
		return 0;
	}
	/* In ifindex order, so the same members always make the same route. */
	qsort(want.nh, (size_t)want.nh_n, sizeof(want.nh[0]), cmp_nh);
	want.multipath = want.nh_n > 1;
	if (!want.multipath)
		want.nh[0].weight = 1;
	if (!cur && !nh)
		return 0;
	return route_ensure(&want, false, changed);
}

static int up(const struct lease *l, const char *tword, bool balance, uint16_t weight, bool dns)
{
	struct ipaddr net = l->ip, host = l->ip;
	const struct ipaddr *gw = &l->routers[0];
	struct route sub, def;
	struct rule src;
	struct routes *rs;
	struct route stale[16];
	uint32_t table;
	bool exists, onlink;
	int ifindex, changed = 0, rc, nstale = 0;

	if ((rc = dev_index(l->ifname, &ifindex)) < 0)
		return rc;
	if (!l->nrouters)
		return err_usage("no router in the lease of", l->ifname, "set router or new_routers");
	for (int i = 4; i > 0; i--) {
		int keep = (int)net.len - (i - 1) * 8;

		net.a[i - 1] &= (uint8_t)(keep >= 8 ? 0xff : keep <= 0 ? 0 : 0xff << (8 - keep));
	}
	onlink = l->ip.len == 32 || !ipaddr_in_prefix(gw, &net);
	if (onlink && l->ip.len != 32) {
		char nb[IPADDR_STRLEN], gb[IPADDR_STRLEN];

		return err_usage("router outside the lease's subnet", ipaddr_addr_str(gw, gb, sizeof(gb)),
				 "%s; only a /32 lease gets an onlink gateway",
				 ipaddr_prefix_str(&net, nb, sizeof(nb)));
	}
	if ((rc = begin_change()) < 0 || (rc = uplink_table(tword, true, &table, &exists)) < 0)
		return rc;

	/* The table: the subnet and the default, nothing else of pbr's. */
	route_init(&sub, AF_INET);
	sub.table = table;
	sub.dst = net;
	sub.src = host;
	sub.src.len = 32;
	sub.nh_n = 1;
	sub.nh[0].ifindex = ifindex;
	route_init(&def, AF_INET);
	def.table = table;
	parse_prefix_or_default("default", AF_INET, &def.dst);
	def.nh_n = 1;
	def.nh[0].gw = *gw;
	def.nh[0].ifindex = ifindex;
	def.nh[0].onlink = onlink;
	/* The uplink's weight, kept where it decides nothing (see the top of this file). */
	def.metric = balance ? weight - 1u : 0;
	if ((rc = state_routes(AF_INET, table, &rs)) < 0)
		return rc;
	for (size_t i = 0; i < rs->n && nstale < (int)ARRAY_SIZE(stale); i++)
		if (rs->v[i].protocol == PBR_PROTO && !route_same_key(&rs->v[i], &def) &&
		    (l->ip.len == 32 || !route_same_key(&rs->v[i], &sub)))
			stale[nstale++] = rs->v[i];
	for (int i = 0; i < nstale; i++)
		if ((rc = route_remove(&stale[i], &changed)) < 0)
			return rc;
	if (l->ip.len < 32 && (rc = route_ensure(&sub, false, &changed)) < 0)
		return rc;
	if ((rc = route_ensure(&def, false, &changed)) < 0)
		return rc;

	/* Exactly one source rule, for this address. */
	rule_init(&src, AF_INET);
	src.table = table;
	src.src = host;
	src.src.len = 32;
	if ((rc = rule_remove_if(AF_INET, is_source_rule, &src, &changed)) < 0 ||
	    (rc = rule_ensure(&src, PREF_SOURCE, &changed)) < 0)
		return rc;

	/* The DNS servers through this uplink, from main too. */
	if ((rc = dns_routes(ifindex, dns ? l : NULL, &changed)) < 0)
		return rc;
	for (int d = 0; dns && d < l->ndns; d++) {
		struct route r;

		route_init(&r, AF_INET);
		r.table = RT_TABLE_MAIN;
		r.dst = l->dns[d];
		r.nh_n = 1;
		r.nh[0].ifindex = ifindex;
		if (ipaddr_in_prefix(&l->dns[d], &net) && l->ip.len < 32)
			r.src = sub.src;
		else
			r.nh[0].gw = *gw, r.nh[0].onlink = onlink;
		if ((rc = route_ensure(&r, false, &changed)) < 0)
			return rc;
	}

	if (balance) {
		struct nexthop nh = {.gw = *gw, .ifindex = ifindex, .weight = weight, .onlink = onlink};

		return rebalance(ifindex, &nh, &changed);
	}
	return rebalance(ifindex, NULL, &changed);
}

static int down(const struct lease *l, const char *tword)
{
	struct rule src;
	uint32_t table;
	bool exists;
	int ifindex = 0, changed = 0, rc;

	/* The device may be gone already (ppp0): what hung on it went with it. */
	if (parse_ifname(l->ifname) < 0)
		return -EINVAL;
	ifindex = (int)if_nametoindex(l->ifname);
	if ((rc = begin_change()) < 0 || (rc = uplink_table(tword, false, &table, &exists)) < 0)
		return rc;
	if (exists) {
		if ((rc = route_flush_table(AF_INET, table, &changed)) < 0)
			return rc;
		rule_init(&src, AF_INET);
		src.table = table;
		if ((rc = rule_remove_if(AF_INET, is_source_rule, &src, &changed)) < 0)
			return rc;
	}
	if (ifindex && (rc = dns_routes(ifindex, NULL, &changed)) < 0)
		return rc;
	return ifindex ? rebalance(ifindex, NULL, &changed) : 0;
}

int table_dhcp(struct words *w)
{
	const char *event = NULL, *tword = NULL, *v;
	bool balance = false, dns = false;
	uint32_t weight = 1;
	struct lease l;
	int rc;

	while (w_more(w)) {
		if (w_accept(w, "balance")) {
			balance = true;
		} else if (w_accept(w, "dns")) {
			dns = true;
		} else if (w_accept(w, "weight")) {
			if ((rc = w_value(w, "weight", &v)) < 0 ||
			    (rc = parse_num("weight", v, 1, 256, &weight)) < 0)
				return rc;
		} else if (w_accept(w, "table")) {
			if ((rc = w_value(w, "table", &tword)) < 0)
				return rc;
		} else if (!event && w->i == 2) {
			event = w_next(w);
		} else {
			return w_unknown(w);
		}
	}
	if (opt.family == AF_INET6)
		return err_usage("DHCPv4 leases only; no", "-6", NULL);
	if ((rc = lease_parse(event, env_get, NULL, &l)) < 0)
		return rc;
	if (!tword)
		tword = l.ifname;
	switch (l.kind) {
	case LEASE_UP:
		return up(&l, tword, balance, (uint16_t)weight, dns);
	case LEASE_DOWN:
		return down(&l, tword);
	case LEASE_IGNORE:
		break;
	}
	return 0;
}
