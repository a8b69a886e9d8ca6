// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr table: routing tables, their routes, and the rules that select them.
 *
 * Each command parses its words into plain rules and routes, then asks
 * lib/state.c to make the kernel match them; only pbr's own objects
 * (protocol pbr) are ever changed or deleted.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "link.h"
#include "names.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "rt.h"
#include "sbuf.h"
#include "state.h"

void table_usage(void)
{
	printf("Usage: pbr table add NAME [id ID]\n"
	       "       pbr table del NAME\n"
	       "       pbr table flush NAME\n"
	       "       pbr table list | show [NAME]\n"
	       "       pbr table route {add|del|replace} NAME ROUTE\n"
	       "       pbr table rule {add|del} NAME [not] SELECTOR... [pref N]\n"
	       "       pbr table dhcp [EVENT] [balance] [weight W] [table NAME] [dns]\n"
	       "\n"
	       "ROUTE    := {PREFIX|default} [via ADDR] [dev DEV] [src ADDR] [metric N] [onlink]\n"
	       "          | {PREFIX|default} nexthop via ADDR [dev DEV] [weight W] [nexthop ...]\n"
	       "          | local PREFIX [dev DEV]\n"
	       "          | {blackhole|unreachable|prohibit} {PREFIX|default}\n"
	       "SELECTOR := from PREFIX | to PREFIX | fwmark MARK[/MASK] | iif DEV | oif DEV\n"
	       "          | ipproto PROTO | sport PORT[-PORT] | dport PORT[-PORT] | tos TOS\n"
	       "          | suppress_prefixlength N\n");
}

/* Remember the family the first address fixed; later ones must agree. */
static int take_family(int *fam, const struct ipaddr *a)
{
	if (!*fam)
		*fam = a->family;
	return 0;
}

/* ---- routes ---- */

/* via ADDR, dev DEV, onlink and (in a nexthop group) weight W, in any order. */
static int nexthop_word(struct words *w, int *fam, struct nexthop *nh, bool multipath, bool *took)
{
	const char *v;
	uint32_t n;
	int rc;

	*took = true;
	if (w_accept(w, "via")) {
		if ((rc = w_value(w, "via", &v)) < 0 || (rc = parse_addr(v, *fam, &nh->gw)) < 0)
			return rc;
		take_family(fam, &nh->gw);
	} else if (w_accept(w, "dev")) {
		if ((rc = w_value(w, "dev", &v)) < 0 || (rc = dev_index(v, &nh->ifindex)) < 0)
			return rc;
	} else if (w_accept(w, "onlink")) {
		nh->onlink = true;
	} else if (multipath && w_accept(w, "weight")) {
		if ((rc = w_value(w, "weight", &v)) < 0 ||
		    (rc = parse_num("weight", v, 1, 256, &n)) < 0)
			return rc;
		nh->weight = (uint16_t)n;
	} else {
		*took = false;
	}
	return 0;
}

static int check_nexthop(const struct nexthop *nh, bool multipath)
{
	if (!nh->gw.family && !nh->ifindex)
		return err_usagef(multipath ? "nexthop needs via or dev" : "route needs via or dev");
	/* onlink says the gateway is on the link although no address says so. */
	if (nh->onlink && !nh->ifindex)
		return err_usage("onlink needs dev", "onlink", NULL);
	if (nh->onlink && !nh->gw.family)
		return err_usage("onlink needs via", "onlink", NULL);
	return 0;
}

/*
 * ROUTE words into one route, or two (IPv4 and IPv6) when no address fixes
 * the family ("default dev wg0"). Keywords come in any order, as in ip(8);
 * "nexthop" starts a group that runs to the next "nexthop".
 */
static int parse_route(struct words *w, uint32_t table, bool del, struct route *out, int *nout)
{
	struct route r;
	const char *v, *dstw;
	int fam = opt.family, rc;
	bool metric_set = false, single = false, took;
	uint32_t metric = 0;

	route_init(&r, AF_UNSPEC);
	r.table = table;
	r.nh[0].weight = 1;
	if (w_accept(w, "local"))
		r.type = RTN_LOCAL;
	else if (w_accept(w, "blackhole"))
		r.type = RTN_BLACKHOLE;
	else if (w_accept(w, "unreachable"))
		r.type = RTN_UNREACHABLE;
	else if (w_accept(w, "prohibit"))
		r.type = RTN_PROHIBIT;
	dstw = w_next(w);
	if (!dstw)
		return err_usagef("missing ROUTE (PREFIX or default)");
	if (r.type == RTN_LOCAL && !strcmp(dstw, "default"))
		return err_usage("local needs a prefix, not", dstw, NULL);
	if ((rc = parse_prefix_or_default(dstw, fam, &r.dst)) < 0)
		return rc;
	if (r.dst.len)
		take_family(&fam, &r.dst);

	while (w_more(w)) {
		if (w_accept(w, "metric")) {
			if ((rc = w_value(w, "metric", &v)) < 0 ||
			    (rc = parse_num("metric", v, 0, 0xffffffffu, &metric)) < 0)
				return rc;
			metric_set = true;
		} else if (r.type == RTN_UNICAST && w_accept(w, "src")) {
			if ((rc = w_value(w, "src", &v)) < 0 || (rc = parse_addr(v, fam, &r.src)) < 0)
				return rc;
			take_family(&fam, &r.src);
		} else if (r.type == RTN_LOCAL && w_accept(w, "dev")) {
			if ((rc = w_value(w, "dev", &v)) < 0 ||
			    (rc = dev_index(v, &r.nh[0].ifindex)) < 0)
				return rc;
			r.nh_n = 1;
		} else if (r.type == RTN_UNICAST && w_accept(w, "nexthop")) {
			struct nexthop *nh;

			if (single)
				return err_usage("nexthop cannot follow a single via/dev", "nexthop",
						 NULL);
			if (r.nh_n >= RT_MAX_NH)
				return err_usage("too many nexthops", "nexthop", "at most %d",
						 RT_MAX_NH);
			nh = &r.nh[r.nh_n++];
			memset(nh, 0, sizeof(*nh));
			nh->weight = 1;
			r.multipath = true;
			do {
				if ((rc = nexthop_word(w, &fam, nh, true, &took)) < 0)
					return rc;
			} while (took && w_more(w));
			if ((rc = check_nexthop(nh, true)) < 0)
				return rc;
		} else if (r.type == RTN_UNICAST && !r.multipath) {
			if ((rc = nexthop_word(w, &fam, &r.nh[0], false, &took)) < 0)
				return rc;
			if (!took)
				return w_unknown(w);
			single = true;
			r.nh_n = 1;
		} else {
			return w_unknown(w);
		}
	}
	/* A delete names the route by its key (prefix, metric); nexthops may be left out. */
	if (r.type == RTN_UNICAST && !r.nh_n && !del)
		return err_usage("route needs via, dev or nexthop", dstw, NULL);
	if (single && (rc = check_nexthop(&r.nh[0], false)) < 0)
		return rc;
	if (r.type == RTN_LOCAL && !r.nh_n) {
		/* A local route says "this is us"; the loopback device carries it. */
		if ((rc = dev_index("lo", &r.nh[0].ifindex)) < 0)
			return rc;
		r.nh_n = 1;
	}
	if (r.nh_n == 1)
		r.multipath = false;

	int fams[2], nf = state_families(fam, fams);

	*nout = 0;
	for (int i = 0; i < nf; i++) {
		struct route *x = &out[(*nout)++];

		*x = r;
		x->family = (uint8_t)fams[i];
		x->dst.family = (uint8_t)fams[i];
		x->metric = metric_set ? metric : route_default_metric(fams[i]);
	}
	return 0;
}

/* The table of a route or rule command; for del, a name nobody registered is *absent. */
static int table_word(const char *verb, const char *word, uint32_t *id, bool *absent)
{
	*absent = false;
	if (!strcmp(verb, "del"))
		return names_table_id_del(word, id, absent);
	return names_table_id(word, id);
}

static int cmd_route(struct words *w)
{
	const char *verb = w_next(w), *tname;
	struct route rs[2];
	uint32_t table;
	bool absent;
	int n = 0, rc, changed = 0;

	if (!verb || is_help(verb)) {
		table_usage();
		return verb ? 0 : err_usagef("missing route command (add, del or replace)");
	}
	if (strcmp(verb, "add") && strcmp(verb, "del") && strcmp(verb, "replace"))
		return err_usage("unknown route command", verb, "add, del or replace");
	if ((rc = w_value(w, verb, &tname)) < 0 || (rc = table_word(verb, tname, &table, &absent)) < 0)
		return rc;
	if ((rc = parse_route(w, table, !strcmp(verb, "del"), rs, &n)) < 0)
		return rc;
	if ((rc = begin_change()) < 0 || absent)
		return rc;
	for (int i = 0; i < n; i++) {
		if (!strcmp(verb, "del"))
			rc = route_remove(&rs[i], &changed);
		else
			rc = route_ensure(&rs[i], !strcmp(verb, "replace"), &changed);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- rules ---- */

/* The kernel's FIB rules take ports 1-65534 (fib_rule_port_range_valid()). */
#define RULE_PORT_MAX 65534

static int parse_rule(struct words *w, uint32_t table, bool del, struct rule *out, int *nout)
{
	struct rule r;
	const char *v, *kw;
	int fam = opt.family, rc;
	uint32_t n;
	int ifindex;

	rule_init(&r, AF_UNSPEC);
	r.table = table;
	if (w_accept(w, "not"))
		r.invert = true;
	while ((kw = w_next(w))) {
		if (!strcmp(kw, "from") || !strcmp(kw, "to")) {
			struct ipaddr *p = kw[0] == 'f' ? &r.src : &r.dst;

			if ((rc = w_value(w, kw, &v)) < 0)
				return rc;
			if (!strcmp(v, "all")) {
				memset(p, 0, sizeof(*p));
				continue;
			}
			if ((rc = parse_prefix(v, fam, p)) < 0)
				return rc;
			take_family(&fam, p);
		} else if (!strcmp(kw, "fwmark")) {
			bool has_mask;

			if ((rc = w_value(w, kw, &v)) < 0 ||
			    (rc = parse_mark(v, &r.fwmark, &r.fwmask, &has_mask)) < 0)
				return rc;
			r.has_fwmark = true;
		} else if (!strcmp(kw, "iif") || !strcmp(kw, "oif")) {
			/* A rule outlives its device (ppp0 gone): del only needs the name. */
			if ((rc = w_value(w, kw, &v)) < 0 ||
			    (rc = del ? parse_ifname(v) : dev_index(v, &ifindex)) < 0)
				return rc;
			snprintf(kw[0] == 'i' ? r.iif : r.oif, IFNAMSIZ, "%s", v);
		} else if (!strcmp(kw, "ipproto")) {
			if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_l4proto(v, &r.ipproto)) < 0)
				return rc;
		} else if (!strcmp(kw, "sport") || !strcmp(kw, "dport")) {
			struct port_range *pr = kw[0] == 's' ? &r.sport : &r.dport;

			if ((rc = w_value(w, kw, &v)) < 0)
				return rc;
			if (parse_port_range(v, pr) < 0 || !pr->lo || pr->hi > RULE_PORT_MAX) {
				err_clear();
				return err_usage("invalid port", v, "1-%d in rules", RULE_PORT_MAX);
			}
		} else if (!strcmp(kw, "tos") || !strcmp(kw, "dsfield")) {
			if ((rc = w_value(w, kw, &v)) < 0)
				return rc;
			/* FIB rules take the TOS bits only (IPTOS_RT_MASK); ECN bits are refused. */
			if (parse_u32(v, &n) < 0 || n > 0xff || (n & ~0x1cu))
				return err_usage("invalid tos", v, "0x00-0x1c, TOS bits 0x1c only");
			r.tos = (uint8_t)n;
		} else if (!strcmp(kw, "suppress_prefixlength")) {
			if ((rc = w_value(w, kw, &v)) < 0 ||
			    (rc = parse_num("suppress_prefixlength", v, 0, 128, &n)) < 0)
				return rc;
			r.suppress_prefixlen = (int32_t)n;
		} else if (!strcmp(kw, "pref") || !strcmp(kw, "priority") ||
			   !strcmp(kw, "preference")) {
			if ((rc = w_value(w, kw, &v)) < 0 ||
			    (rc = parse_num("priority", v, 1, 0xffffffffu, &r.pref)) < 0)
				return rc;
			r.has_pref = true;
		} else if (!strcmp(kw, "not")) {
			return err_usage("misplaced", kw,
					 "it inverts the whole rule and goes before the selectors");
		} else {
			w->i--;
			return w_unknown(w);
		}
	}
	/* Ports without ipproto match any protocol that has them (as in the kernel). */
	if (r.ipproto && r.ipproto != 6 && r.ipproto != 17 && r.ipproto != 132 &&
	    r.ipproto != 33 && r.ipproto != 136 && (r.sport.hi || r.dport.hi))
		return err_usage("ports need ipproto tcp, udp, sctp, dccp or udplite",
				 r.sport.hi ? "sport" : "dport", NULL);
	/* Beyond 32 only means something for IPv6; a rule for both would be wrong for one. */
	if (fam != AF_INET6 && r.suppress_prefixlen > 32)
		return err_usage("invalid suppress_prefixlength", "suppress_prefixlength",
				 "0-32 for IPv4; 33-128 need -6 or an IPv6 address");

	int fams[2], nf = state_families(fam, fams);

	*nout = 0;
	for (int i = 0; i < nf; i++) {
		struct rule *x = &out[(*nout)++];

		*x = r;
		x->family = (uint8_t)fams[i];
		if (x->src.family)
			x->src.family = (uint8_t)fams[i];
		if (x->dst.family)
			x->dst.family = (uint8_t)fams[i];
	}
	return 0;
}

static int cmd_rule(struct words *w)
{
	const char *verb = w_next(w), *tname;
	struct rule rs[2];
	uint32_t table;
	bool absent;
	int n = 0, rc, changed = 0;

	if (!verb || is_help(verb)) {
		table_usage();
		return verb ? 0 : err_usagef("missing rule command (add or del)");
	}
	if (strcmp(verb, "add") && strcmp(verb, "del"))
		return err_usage("unknown rule command", verb, "add or del");
	if ((rc = w_value(w, verb, &tname)) < 0 || (rc = table_word(verb, tname, &table, &absent)) < 0)
		return rc;
	if ((rc = parse_rule(w, table, !strcmp(verb, "del"), rs, &n)) < 0)
		return rc;
	if ((rc = begin_change()) < 0 || absent)
		return rc;
	for (int i = 0; i < n; i++) {
		rc = !strcmp(verb, "add") ? rule_ensure(&rs[i], PREF_POLICY, &changed)
					  : rule_remove(&rs[i], &changed);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- tables ---- */

static int check_own_name(const char *name)
{
	int rc = parse_table_name(name);

	if (rc < 0)
		return rc;
	if (names_reserved_name(name))
		return err_usage("reserved table name", name, "main, local and default are the kernel's");
	return 0;
}

static int cmd_add(struct words *w)
{
	const struct table_name *t, *other;
	const char *name = w_next(w), *v;
	uint32_t id = 0;
	bool has_id = false;
	int rc;

	if (!name)
		return err_usagef("missing table NAME");
	if ((rc = check_own_name(name)) < 0)
		return rc;
	if (w_accept(w, "id")) {
		if ((rc = w_value(w, "id", &v)) < 0 ||
		    (rc = parse_num("table id", v, 1, 0xffffffffu, &id)) < 0)
			return rc;
		if (names_reserved_id(id))
			return err_usage("reserved table id", v, "253-255 are default, main, local");
		has_id = true;
	}
	if (w_more(w))
		return w_unknown(w);
	if ((rc = begin_change()) < 0)
		return rc;
	t = names_find(name);
	if (t) {
		if (has_id && t->id != id)
			return err_usage("table already registered with another id", name,
					 "id %u in %s", t->id, t->file ? t->file : "iproute2");
		return 0;
	}
	if (has_id) {
		other = names_by_id(id);
		if (other)
			return err_usage("table id already has a name", v, "\"%s\" in %s",
					 other->name, other->file ? other->file : "iproute2");
	}
	/* A free number: no name anywhere, and no routes or rules using it. */
	if (!has_id && (rc = table_free_id(&id)) < 0)
		return rc;
	return names_pbr_add(name, id);
}

/* The table a del/flush names: registered name or number; reserved ones refused. */
static int target_table(const char *word, uint32_t *id, bool absent_ok, bool *absent)
{
	int rc;

	if (names_reserved_name(word))
		return err_usage("reserved table name", word, "main, local and default are the kernel's");
	if ((rc = names_table_id_del(word, id, absent)) < 0)
		return rc;
	if (*absent && !absent_ok)
		return err_usage("no such table", word, NULL);
	if (!*absent && word[0] >= '0' && word[0] <= '9' && names_reserved_id(*id))
		return err_usage("reserved table id", word, "253-255 are default, main, local");
	return 0;
}

static int clear_table(uint32_t id, bool rules)
{
	int fams[2], nf = state_families(opt.family, fams), changed = 0, rc;

	for (int i = 0; i < nf; i++) {
		if ((rc = route_flush_table(fams[i], id, &changed)) < 0)
			return rc;
		if (rules && (rc = rule_remove_table(fams[i], id, &changed)) < 0)
			return rc;
	}
	return 0;
}

static int cmd_del(struct words *w, bool flush)
{
	const char *name = w_next(w);
	const struct table_name *t;
	char words[200];
	bool absent;
	uint32_t id = 0;
	int rc;

	if (!name)
		return err_usagef("missing table NAME");
	if (w_more(w))
		return w_unknown(w);
	if ((rc = target_table(name, &id, !flush, &absent)) < 0)
		return rc;
	if ((rc = begin_change()) < 0 || absent)
		return rc;
	/* Its rules go with it: a policy left marking for it would route by main. */
	if (!flush && (rc = mark_table_user(id, words, sizeof(words))) != 0)
		return rc < 0 ? rc
			      : err_conflict("table \"%s\" is in use by mark policy \"%s\" "
					     "(delete it first: pbr mark del %s)",
					     name, words, words);
	if (!flush && (rc = anyip_table_user(id, words, sizeof(words))) != 0)
		return rc < 0 ? rc
			      : err_conflict("table \"%s\" is in use by anyip %s "
					     "(delete it first: pbr anyip del %s)",
					     name, words, words);
	if ((rc = clear_table(id, !flush)) < 0)
		return rc;
	t = names_find(name);
	if (!t && !flush)
		t = names_by_id(id); /* "table del 7375" removes the name pbr gave 7375 */
	if (!flush && t && t->pbr && opt.family == AF_UNSPEC)
		names_pbr_del(t->name);
	else if (!flush && t && !t->pbr && opt.verbose)
		printf("table %s: name kept, it is registered in %s\n", name,
		       t->file ? t->file : "iproute2");
	return 0;
}

/* ---- list / show ---- */

struct tinfo {
	uint32_t id;
	const struct table_name *name;
	size_t routes, rules;
};

struct tset {
	struct tinfo *v;
	size_t n;
	struct routes all[2];
	struct rules *rules[2];
	int nf;
};

static struct tinfo *tset_get(struct tset *s, uint32_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].id == id)
			return &s->v[i];
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	s->v[s->n].id = id;
	s->v[s->n].name = names_by_id(id);
	return &s->v[s->n++];
}

static void add_pbr_name(const struct table_name *t, void *data)
{
	if (t->pbr)
		tset_get(data, t->id);
}

static int by_id(const void *a, const void *b)
{
	const struct tinfo *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Tables pbr knows: names it registered, tables its routes and rules use. */
static int collect(struct tset *s, const uint32_t *only)
{
	int fams[2], rc;

	memset(s, 0, sizeof(*s));
	s->nf = state_families(opt.family, fams);
	for (int f = 0; f < s->nf; f++) {
		if ((rc = routes_dump_all(fams[f], &s->all[f])) < 0)
			return rc;
		if ((rc = state_rules(fams[f], &s->rules[f])) < 0)
			return rc;
	}
	if (only) {
		tset_get(s, *only);
	} else {
		names_foreach(add_pbr_name, s);
		for (int f = 0; f < s->nf; f++) {
			for (size_t i = 0; i < s->all[f].n; i++)
				if (s->all[f].v[i].protocol == PBR_PROTO)
					tset_get(s, s->all[f].v[i].table);
			for (size_t i = 0; i < s->rules[f]->n; i++)
				if (s->rules[f]->v[i].protocol == PBR_PROTO)
					tset_get(s, s->rules[f]->v[i].table);
		}
	}
	for (size_t t = 0; t < s->n; t++)
		for (int f = 0; f < s->nf; f++) {
			for (size_t i = 0; i < s->all[f].n; i++)
				s->v[t].routes += s->all[f].v[i].table == s->v[t].id;
			for (size_t i = 0; i < s->rules[f]->n; i++)
				s->v[t].rules += s->rules[f]->v[i].table == s->v[t].id;
		}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), by_id);
	return 0;
}

static void print_head(const struct tinfo *t)
{
	char buf[16];

	out_str("name", "table %s", t->name ? t->name->name : names_table_str(t->id, buf, sizeof(buf)));
	out_uint("id", " id %llu", t->id);
	if (t->name && t->name->file)
		out_str("registered", " (%s)", t->name->file);
	else if (t->name)
		out_str("registered", " (%s)", "built-in");
	else
		out_null("registered");
}

static int list_tables(const uint32_t *only, bool detail, const char *key)
{
	struct tset s;
	int rc;

	if ((rc = collect(&s, only)) < 0)
		return rc;
	out_arr_open(key);
	for (size_t t = 0; t < s.n; t++) {
		out_obj_open(NULL);
		print_head(&s.v[t]);
		out_uint("routes", " routes %llu", s.v[t].routes);
		out_uint("rules", " rules %llu", s.v[t].rules);
		out_nl();
		if (detail) {
			out_arr_open("route_list");
			for (int f = 0; f < s.nf; f++)
				for (size_t i = 0; i < s.all[f].n; i++)
					if (s.all[f].v[i].table == s.v[t].id) {
						out_text("\t%s", s.all[f].v[i].family == AF_INET6
									  ? "-6 "
									  : "");
						route_print(&s.all[f].v[i]);
					}
			out_arr_close();
			out_arr_open("rule_list");
			for (int f = 0; f < s.nf; f++)
				for (size_t i = 0; i < s.rules[f]->n; i++)
					if (s.rules[f]->v[i].table == s.v[t].id) {
						out_text("\trule%s ", s.rules[f]->v[i].family == AF_INET6
										? " -6"
										: "");
						rule_print(&s.rules[f]->v[i]);
					}
			out_arr_close();
		}
		out_obj_close();
	}
	out_arr_close();
	for (int f = 0; f < s.nf; f++)
		free(s.all[f].v);
	free(s.v);
	return (int)s.n;
}

int table_print(const char *key)
{
	return list_tables(NULL, true, key);
}

static int cmd_list(struct words *w, bool detail)
{
	const char *name = w_next(w);
	uint32_t id;
	int rc;

	if (name) {
		if (w_more(w))
			return w_unknown(w);
		if ((rc = names_table_id(name, &id)) < 0)
			return rc;
	}
	if ((rc = parsed()) < 0)
		return rc;
	rc = list_tables(name ? &id : NULL, detail, NULL);
	return rc < 0 ? rc : 0;
}

int table_main(int argc, char **argv)
{
	struct words w = {argc, argv, 1};
	const char *cmd = w_next(&w);

	if (!cmd || !strcmp(cmd, "list"))
		return cmd_list(&w, false);
	if (!strcmp(cmd, "show"))
		return cmd_list(&w, true);
	if (is_help(cmd)) {
		table_usage();
		return 0;
	}
	if (!strcmp(cmd, "add"))
		return cmd_add(&w);
	if (!strcmp(cmd, "del") || !strcmp(cmd, "delete"))
		return cmd_del(&w, false);
	if (!strcmp(cmd, "flush"))
		return cmd_del(&w, true);
	if (!strcmp(cmd, "route"))
		return cmd_route(&w);
	if (!strcmp(cmd, "rule"))
		return cmd_rule(&w);
	if (!strcmp(cmd, "dhcp"))
		return table_dhcp(&w);
	return err_usage("unknown command", cmd, "add, del, flush, list, show, route, rule, dhcp");
}
