// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr check: lint the live system for what breaks policy routing. Each
 * finding says what is wrong, with the kernel's own answer where one can
 * be had, and the commands that fix it. Exit 1 when there is a finding.
 *
 *   mark_bits   mark bits pbr uses that other rules or nftables tables use too
 *   rp_filter   strict reverse-path filtering on an interface that receives
 *               what pbr's tables send out of it
 *   forwarding  forwarding off while policies for forwarded traffic exist
 *   empty_table a rule that looks up a table without routes
 *   unused_mark a policy's mark that no rule (nor another table) consumes
 *   shadowed    a policy that never matches: an earlier one takes its packets
 *   reply_route a sticky policy's table that sends what is for a connected
 *               subnet out the wrong way (a marked connection's replies, and
 *               its packets to that subnet, are routed by that table)
 *   priority    another tool's rule among pbr's priorities
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "link.h"
#include "markscan.h"
#include "names.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "policy.h"
#include "rt.h"
#include "ruleset.h"
#include "sbuf.h"
#include "state.h"
#include "sysctl.h"

void check_usage(void)
{
	printf("Usage: pbr check\n"
	       "\n"
	       "Lints the live setup: shared mark bits, strict rp_filter against pbr's\n"
	       "routes, forwarding off, rules to empty tables, marks no rule uses,\n"
	       "shadowed policies, other tools' rules among pbr's priorities.\n"
	       "Exit 1 when something is found; each finding comes with its fix.\n");
}

#define MAX_FIX 16

struct finding {
	const char *kind;
	char *subject;
	char *problem;
	char *fix[MAX_FIX];
	int nfix;
	char *hint;
};

static struct {
	struct finding *v;
	int n;
} found;

static struct finding *finding(const char *kind, const char *subject, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct finding *finding(const char *kind, const char *subject, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	found.v = xrealloc(found.v, (size_t)(found.n + 1) * sizeof(*found.v));
	f = &found.v[found.n++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->subject = xstrdup(subject);
	va_start(ap, fmt);
	if (vasprintf(&f->problem, fmt, ap) < 0)
		abort();
	va_end(ap);
	return f;
}

static void fix(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fix(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	if (f->nfix == MAX_FIX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&f->fix[f->nfix++], fmt, ap) < 0)
		abort();
	va_end(ap);
}

static void hint(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hint(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	free(f->hint);
	va_start(ap, fmt);
	if (vasprintf(&f->hint, fmt, ap) < 0)
		abort();
	va_end(ap);
}

/* ---- pbr's own marks and policies ---- */

struct pol {
	char *words;
	struct selectors sel;
	struct pbr_tag tag;
	int index;
};

static struct {
	struct pol *v;
	int n;
	uint32_t bits; /* every mask pbr's policies and anyip use */
} pols;

static void copy_prefixes(struct prefix_list *l)
{
	struct ipaddr *v = l->v;

	if (!v)
		return;
	l->v = xmalloc((size_t)l->n * sizeof(*v));
	memcpy(l->v, v, (size_t)l->n * sizeof(*v));
	l->file = l->file ? xstrdup(l->file) : NULL;
}

static void keep_policy(const char *words, const struct selectors *sel, const struct pbr_tag *tag,
			int index, void *data)
{
	struct pol *p;

	(void)data;
	pols.v = xrealloc(pols.v, (size_t)(pols.n + 1) * sizeof(*pols.v));
	p = &pols.v[pols.n++];
	p->words = xstrdup(words);
	p->sel = *sel;
	copy_prefixes(&p->sel.from);
	copy_prefixes(&p->sel.to);
	p->tag = *tag;
	p->index = index;
}

static int load_policies(void)
{
	size_t n;
	struct rs_rule *x;
	int rc;

	if ((rc = mark_policies(keep_policy, NULL)) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged &&
		    (x[i].tag.kind == TAG_MARK || x[i].tag.kind == TAG_ANYIP))
			pols.bits |= x[i].tag.mask;
	return 0;
}

/* The commands that put pbr's marks inside mask m. */
static void fix_remask(struct finding *f, uint32_t m)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (int i = 0; i < pols.n; i++)
		if (pols.v[i].tag.flags & TAG_F_AUTOMARK)
			fix(f, "PBR_MARK_MASK=0x%08x %s mark add %s", m, pbr_cmd(), pols.v[i].words);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_ANYIP &&
		    ((x[i].tag.flags >> 8) & 0xff) == 3 /* its mark rule */)
			fix(f, "PBR_MARK_MASK=0x%08x %s anyip add %s", m, pbr_cmd(), x[i].comment);
}

/* ---- mark bits ---- */

struct others {
	uint32_t bits;
};

static int note_use(const struct mark_use *u, void *data)
{
	struct others *o = data;
	char subject[160];
	struct finding *f;

	o->bits |= u->bits;
	if (!(u->bits & pols.bits))
		return 0;
	snprintf(subject, sizeof(subject), "table %s %s",
		 u->family == 1 ? "inet" : u->family == 2 ? "ip" : u->family == 10 ? "ip6"
				: u->family == 3 ? "arp" : u->family == 5 ? "netdev" : "bridge",
		 u->table);
	f = finding("mark_bits", subject,
		    "chain %s %s %s bits 0x%08x, which overlap pbr's 0x%08x", u->chain,
		    u->sets ? "sets" : "compares", u->ct ? "connection mark" : "packet mark",
		    u->bits, pols.bits);
	(void)f;
	return 0;
}

static uint32_t free_mask(uint32_t used)
{
	static const uint32_t candidates[] = {0x7f000000, 0x70000000, 0x0f000000, 0x00f00000,
					      0x000f0000, 0x0000f000, 0x00000f00, 0x000000f0};

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (!(candidates[i] & used))
			return candidates[i];
	return 0;
}

static int check_mark_bits(void)
{
	struct others o = {0};
	int fams[2], nf = state_families(AF_UNSPEC, fams), first = found.n, rc;

	if (!pols.bits)
		return 0;
	for (int fi = 0; fi < nf; fi++) {
		struct rules *rs;

		if ((rc = state_rules(fams[fi], &rs)) < 0)
			return rc;
		for (size_t i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->v[i];
			char subject[32];

			if (r->protocol == PBR_PROTO || !r->has_fwmark)
				continue;
			o.bits |= r->fwmask;
			if (!(r->fwmask & pols.bits))
				continue;
			snprintf(subject, sizeof(subject), "rule %u", r->pref);
			char *w = rule_words(r);
			finding("mark_bits", subject,
				"\"%s\" compares mark bits 0x%08x, which overlap pbr's 0x%08x", w,
				r->fwmask, pols.bits);
			free(w);
		}
	}
	if ((rc = mark_uses(note_use, &o)) < 0)
		return rc;
	for (int i = first; i < found.n; i++) {
		uint32_t m = free_mask(o.bits);

		if (m) {
			fix_remask(&found.v[i], m);
			hint(&found.v[i], "moves pbr's marks to 0x%08x, which no one else uses; put "
					  "PBR_MARK_MASK=0x%08x where pbr runs (hooks, firewall includes)",
			     m, m);
		} else {
			hint(&found.v[i], "no free mask of 4 bits or more is left: make the other "
					  "rule change and compare only its own bits");
		}
	}
	return 0;
}

/* ---- rp_filter ---- */

static bool ipv4_host(const struct ipaddr *prefix, uint32_t n, const struct ipaddr *not,
		      struct ipaddr *out)
{
	uint32_t base, v;

	memcpy(&base, prefix->a, 4);
	base = ntohl(base) & (prefix->len ? ~0u << (32 - prefix->len) : 0);
	for (; n < 4; n++) {
		v = htonl(base + n);
		*out = (struct ipaddr){.family = AF_INET, .len = 32};
		memcpy(out->a, &v, 4);
		if (ipaddr_in_prefix(out, prefix) && memcmp(out->a, not->a, 4))
			return true;
	}
	return false;
}

/* Marks of sticky policies that send to table t (their replies carry them). */
static uint32_t sticky_mark_for(uint32_t t, uint32_t *mask)
{
	for (int i = 0; i < pols.n; i++)
		if (pols.v[i].tag.table == t && (pols.v[i].tag.flags & TAG_F_STICKY)) {
			*mask = pols.v[i].tag.mask;
			return pols.v[i].tag.mark;
		}
	return 0;
}

static const struct ipaddr far = {.family = AF_INET, .len = 32, .a = {198, 51, 100, 7}};

/*
 * Would what arrives on dev from far for dst be dropped by rp_filter? The
 * kernel refuses the lookup, and its reverse path says why.
 */
static bool dropped(int ifindex, const struct ipaddr *dst, bool local, uint32_t mark)
{
	struct route_query q = {.family = AF_INET, .dst = *dst, .src = far, .iif = ifindex,
				.mark = mark};
	struct route_answer a;
	struct rp_verdict v;

	if (route_get(&q, &a) < 0 || !a.error)
		return false;
	return rp_filter_verdict(ifindex, &far, dst, local, mark, &v) == 0 && v.drops;
}

/*
 * Whose replies come back through table t's routes: a host of each "from"
 * prefix of the rules that look t up (a SNATed reply is un-NATed to that
 * host before the reverse-path check). *other: a rule without "from"
 * (fwmark, iif, all) selects t too, or none does.
 */
static int table_sources(struct rules *rs, uint32_t t, struct ipaddr *out, int max, bool *other)
{
	int n = 0, rules = 0;

	*other = false;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];

		if (r->table != t || r->action != FR_ACT_TO_TBL)
			continue;
		rules++;
		if (r->invert || r->src.family != AF_INET || !r->src.len) {
			*other = true;
		} else if (n < max) {
			out[n] = r->src;
			if (r->src.len == 32 || ipv4_host(&r->src, 1, &r->src, &out[n])) {
				out[n].len = 32;
				n++;
			}
		}
	}
	if (!rules)
		*other = true;
	return n;
}

static int check_rp_filter(void)
{
	struct routes all = {0};
	struct ifa_entry *addrs = NULL;
	struct rules *rs;
	size_t na = 0;
	bool forwarding = sc_get4("forwarding", NULL);
	int rc, seen[64], nseen = 0;

	if ((rc = routes_dump_all(AF_INET, &all)) < 0 || (rc = addr_dump(AF_INET, &addrs, &na)) < 0 ||
	    (rc = state_rules(AF_INET, &rs)) < 0)
		goto out;
	for (size_t r = 0; r < all.n; r++) {
		const struct route *rt = &all.v[r];

		/* A default route: what it sends goes far, and far answers come back. */
		if (rt->protocol != PBR_PROTO || rt->table == RT_TABLE_MAIN ||
		    rt->table == RT_TABLE_LOCAL || rt->type != RTN_UNICAST || rt->dst.len)
			continue;
		for (int h = 0; h < rt->nh_n; h++) {
			int ifi = rt->nh[h].ifindex;
			char dev[IF_NAMESIZE] = "", tb[16], dsts[IPADDR_STRLEN];
			struct ipaddr cand[4];
			bool loc[4] = {false}, other;
			int nc;
			bool dup = false;
			uint32_t mask = 0, mark;

			for (int k = 0; k < nseen; k++)
				dup |= seen[k] == ifi;
			/* Every table is tried; a device is reported once. */
			if (dup || !ifi || !if_indextoname((unsigned)ifi, dev) || nseen == 64)
				continue;
			/* The hosts the table's "from" rules send through it. */
			nc = table_sources(rs, rt->table, cand, 2, &other);
			for (int c = 0; c < nc; c++)
				loc[c] = addr_list_has(addrs, na, &cand[c]);
			/* Else replies for this machine, and (forwarding) for a host behind another interface. */
			for (size_t k = 0; k < na && other && nc < 3; k++)
				if (addrs[k].ifindex == ifi && addrs[k].scope == RT_SCOPE_UNIVERSE) {
					cand[nc] = addrs[k].addr;
					cand[nc].len = 32;
					loc[nc++] = true;
					break;
				}
			for (size_t k = 0; k < na && other && forwarding && nc < 4; k++)
				if (addrs[k].ifindex != ifi && addrs[k].scope == RT_SCOPE_UNIVERSE &&
				    addrs[k].addr.len < 31 &&
				    ipv4_host(&addrs[k].addr, 1, &addrs[k].addr, &cand[nc])) {
					nc++;
					break;
				}
			mark = sticky_mark_for(rt->table, &mask);
			for (int c = 0; c < nc; c++) {
				struct finding *f;
				struct route_query q = {.family = AF_INET, .dst = far};
				struct route_answer back;

				if (!dropped(ifi, &cand[c], loc[c], 0) ||
				    (mark && !dropped(ifi, &cand[c], loc[c], mark)))
					continue;
				ipaddr_addr_str(&cand[c], dsts, sizeof(dsts));
				if (loc[c])
					q.src = cand[c];
				{
					struct rp_verdict v;
					char back_dev[IF_NAMESIZE] = "";

					rp_filter_verdict(ifi, &far, &cand[c], loc[c], 0, &v);
					if (v.back_oif)
						if_indextoname((unsigned)v.back_oif, back_dev);
					seen[nseen++] = ifi;
					f = finding("rp_filter", dev,
						    "%s rp_filter on %s drops what comes back for what "
						    "table %s sends out of it: a reply from 198.51.100.7 "
						    "to %s is refused, the way back being %s%s",
						    v.mode == 1 ? "strict" : "loose", dev,
						    names_table_str(rt->table, tb, sizeof(tb)), dsts,
						    v.back_oif ? "out " : "nowhere",
						    v.back_oif ? back_dev : "");
				}
				/* With a sticky mark, the reverse lookup could use it. */
				if (mark && !sc_get4("src_valid_mark", dev) &&
				    !sc_get4("src_valid_mark", "all")) {
					q.mark = mark;
					if (route_get(&q, &back) == 0 && !back.error && back.oif == ifi) {
						fix(f, "%s sysctl set dev %s src_valid_mark=1", pbr_cmd(), dev);
						hint(f, "the replies carry the sticky mark 0x%08x/0x%08x, "
							"which leads back out %s once the check uses it",
						     mark, mask, dev);
						break;
					}
				}
				q.mark = 0;
				if (route_get(&q, &back) == 0 && !back.error) {
					fix(f, "%s sysctl set dev %s rp_filter=2", pbr_cmd(), dev);
					hint(f, "loose mode accepts a source that is routable at all");
				} else {
					fix(f, "%s sysctl set dev %s rp_filter=0", pbr_cmd(), dev);
					if (sc_get4("rp_filter", "all"))
						fix(f, "%s sysctl set all rp_filter=0", pbr_cmd());
					hint(f, "nothing routes 198.51.100.7 back, so only no check at all "
						"lets these in");
				}
				break;
			}
		}
	}
	rc = 0;
out:
	free(all.v);
	free(addrs);
	return rc;
}

/* ---- forwarding ---- */

static int check_forwarding(void)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);
	const char *why = NULL;
	char what[240];

	if (sc_get4("forwarding", NULL))
		return 0;
	for (int i = 0; i < pols.n && !why; i++)
		if (pols.v[i].sel.iif[0])
			why = pols.v[i].words, snprintf(what, sizeof(what), "mark policy \"%s\"", why);
	for (size_t i = 0; i < n && !why; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_NAT && x[i].tag.aux != 3)
			why = x[i].comment, snprintf(what, sizeof(what), "nat rule \"%s\"", why);
	if (!why)
		return 0;
	fix(finding("forwarding", "net.ipv4.ip_forward",
		    "forwarding is off, so the %s has no forwarded traffic to act on", what),
	    "%s sysctl set forwarding=1", pbr_cmd());
	return 0;
}

/* ---- rules ---- */

static bool table_has_routes(int family, uint32_t t)
{
	struct routes *rs;

	return state_routes(family, t, &rs) == 0 && rs->n > 0;
}

/* One finding for a rule pbr makes in both families (same priority and table). */
static bool reported(const struct rule *r)
{
	static struct {
		uint32_t pref, table;
	} seen[64];
	static int n;

	for (int i = 0; i < n; i++)
		if (seen[i].pref == r->pref && seen[i].table == r->table)
			return true;
	if (n < 64) {
		seen[n].pref = r->pref;
		seen[n++].table = r->table;
	}
	return false;
}

static int check_rules(void)
{
	int fams[2], nf = state_families(AF_UNSPEC, fams), rc;
	uint32_t lo = opt.pref_base, hi = opt.pref_base + PBR_PREF_SPAN - 1;

	for (int fi = 0; fi < nf; fi++) {
		struct rules *rs;

		if ((rc = state_rules(fams[fi], &rs)) < 0)
			return rc;
		for (size_t i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->v[i];
			bool kernel = r->protocol == RTPROT_KERNEL &&
				      (r->table == RT_TABLE_LOCAL || r->table == RT_TABLE_MAIN ||
				       r->table == RT_TABLE_DEFAULT);
			char subject[32], tb[16], *w;
			struct finding *f;

			if (kernel || r->action != FR_ACT_TO_TBL)
				continue;
			snprintf(subject, sizeof(subject), "rule %u", r->pref);
			w = rule_words(r);
			if (!table_has_routes(AF_INET, r->table) &&
			    !table_has_routes(AF_INET6, r->table) && !reported(r)) {
				bool policy = false;

				f = finding("empty_table", subject,
					    "\"%s\" looks up table %s, which has no routes: what it "
					    "matches falls through to the next rule",
					    w, names_table_str(r->table, tb, sizeof(tb)));
				for (int k = 0; k < pols.n && r->protocol == PBR_PROTO; k++)
					if (r->has_fwmark && pols.v[k].tag.table == r->table &&
					    pols.v[k].tag.mark == r->fwmark &&
					    pols.v[k].tag.mask == r->fwmask) {
						fix(f, "%s mark del %s", pbr_cmd(), pols.v[k].words);
						policy = true;
					}
				if (!policy) {
					char *c = rule_cmd("del", r);

					fix(f, "%s", c);
					free(c);
				}
				hint(f, "or give the table its routes: %s table route add %s default "
					"via GATEWAY",
				     pbr_cmd(), names_table_str(r->table, tb, sizeof(tb)));
			}
			if (r->protocol != PBR_PROTO && r->pref >= lo && r->pref <= hi) {
				struct rule moved = *r;
				char *del = rule_cmd("del", r), *add;

				f = finding("priority", subject,
					    "\"%s\" (proto %u, another tool's) sits among pbr's "
					    "priorities %u-%u; a rule added without a priority lands "
					    "just before the first rule after the local one",
					    w, r->protocol, lo, hi);
				moved.pref = lo > 1 ? lo - 1 : hi + 1;
				add = rule_cmd("add", &moved);
				fix(f, "%s", del);
				fix(f, "%s", add);
				hint(f, "gives it an explicit priority outside pbr's range; or move "
					"pbr's with PBR_PREF_BASE");
				free(del);
				free(add);
			}
			free(w);
		}
	}
	return 0;
}

/* ---- policies ---- */

static bool consumed(uint32_t v, uint32_t m, uint32_t others_match)
{
	int fams[2], nf = state_families(AF_UNSPEC, fams);

	if (others_match & m)
		return true;
	for (int fi = 0; fi < nf; fi++) {
		struct rules *rs;

		if (state_rules(fams[fi], &rs) < 0)
			continue;
		for (size_t i = 0; i < rs->n; i++)
			if (rs->v[i].has_fwmark && (rs->v[i].fwmask & m) &&
			    (rs->v[i].fwmark & rs->v[i].fwmask) == (v & rs->v[i].fwmask))
				return true;
	}
	return false;
}

static int match_only(const struct mark_use *u, void *data)
{
	if (!u->sets && !u->ct)
		*(uint32_t *)data |= u->bits;
	return 0;
}

static int check_policies(void)
{
	uint32_t others_match = 0;
	int rc;

	if (pols.n && (rc = mark_uses(match_only, &others_match)) < 0)
		return rc;
	for (int j = 0; j < pols.n; j++) {
		const struct pol *b = &pols.v[j];
		char subject[32];

		snprintf(subject, sizeof(subject), "policy %d", b->index);
		for (int i = 0; i < j; i++) {
			const struct pol *a = &pols.v[i];
			struct finding *f;

			if (!sel_covers(&a->sel, &b->sel))
				continue;
			f = finding("shadowed", subject,
				    "\"%s\" never matches: policy %d, \"%s\", comes first and matches "
				    "all its packets",
				    b->words, a->index, a->words);
			fix(f, "%s mark del %s", pbr_cmd(), a->words);
			fix(f, "%s mark add %s", pbr_cmd(), a->words);
			hint(f, "moves policy %d after it (policies are tried in the order they "
				"were added); or remove policy %d if it is not needed",
			     a->index, b->index);
			break;
		}
		if (!b->tag.table && !consumed(b->tag.mark, b->tag.mask, others_match)) {
			struct finding *f = finding(
				"unused_mark", subject,
				"\"%s\" sets mark 0x%08x/0x%08x, which no rule and no other table "
				"uses: the packets route as if unmarked",
				b->words, b->tag.mark, b->tag.mask);

			fix(f, "%s mark del %s", pbr_cmd(), b->words);
			hint(f, "or send the mark to a table: %s table rule add TABLE fwmark "
				"0x%08x/0x%08x",
			     pbr_cmd(), b->tag.mark, b->tag.mask);
		}
	}
	return 0;
}

/* ---- sticky policies' tables and the connected subnets ---- */

/* Does a default route (main's, or one of pbr's tables') leave by ifindex? */
static bool uplink(int ifindex)
{
	struct routes all = {0};
	bool up = false;

	if (routes_dump_all(AF_INET, &all) < 0) {
		err_clear();
		return false;
	}
	for (size_t i = 0; i < all.n && !up; i++)
		if (all.v[i].dst.len == 0 && all.v[i].type == RTN_UNICAST &&
		    (all.v[i].table == RT_TABLE_MAIN || all.v[i].protocol == PBR_PROTO))
			for (int h = 0; h < all.v[i].nh_n && !up; h++)
				up = all.v[i].nh[h].ifindex == ifindex;
	free(all.v);
	return up;
}

static int check_reply_routes(void)
{
	struct routes *main_rt;
	int rc;

	if ((rc = state_routes(AF_INET, RT_TABLE_MAIN, &main_rt)) < 0)
		return rc;
	for (int i = 0; i < pols.n; i++) {
		const struct pol *pl = &pols.v[i];
		char subject[32];

		if (!(pl->tag.flags & TAG_F_STICKY) || !pl->tag.table)
			continue;
		snprintf(subject, sizeof(subject), "policy %d", pl->index);
		for (size_t k = 0; k < main_rt->n; k++) {
			const struct route *c = &main_rt->v[k];
			struct route_query q = {.family = AF_INET, .mark = pl->tag.mark};
			struct route_answer a;
			struct ipaddr none = {0};
			char dev[IF_NAMESIZE], got[IF_NAMESIZE], pfx[IPADDR_STRLEN], tb[16];

			if (uplink(c->nh[0].ifindex) || c->protocol != RTPROT_KERNEL ||
			    c->scope != RT_SCOPE_LINK || c->dst.len == 0 || c->dst.len > 29 ||
			    c->nh_n != 1 || !if_indextoname((unsigned)c->nh[0].ifindex, dev))
				continue;
			/* A host of the subnet that is not this machine. */
			memset(&a, 0, sizeof(a));
			for (uint32_t h = 1; h < 4; h++)
				if (ipv4_host(&c->dst, h, &none, &q.dst) &&
				    route_get(&q, &a) == 0 && !a.error && a.type != RTN_LOCAL)
					break;
			if (a.error || a.type != RTN_UNICAST || a.table != pl->tag.table ||
			    a.oif == c->nh[0].ifindex)
				continue;
			if (!a.oif || !if_indextoname((unsigned)a.oif, got))
				snprintf(got, sizeof(got), "nowhere");
			ipaddr_str(&c->dst, pfx, sizeof(pfx));
			{
				const char *tn = names_table_str(pl->tag.table, tb, sizeof(tb));

				fix(finding("reply_route", subject,
					    "\"%s\" marks connections both ways, and table %s sends "
					    "what is for %s (on %s) out %s: replies of forwarded "
					    "connections, and their packets to that subnet, go the "
					    "wrong way",
					    pl->words, tn, pfx, dev, got),
				    "%s table route add %s %s dev %s", pbr_cmd(), tn, pfx, dev);
			}
		}
	}
	return 0;
}

/* ---- the command ---- */

static void print_findings(const char *key)
{
	out_arr_open(key);
	for (int i = 0; i < found.n; i++) {
		const struct finding *f = &found.v[i];

		out_obj_open(NULL);
		out_str("kind", "%s: ", f->kind);
		out_str("subject", "%s: ", f->subject);
		out_str("problem", "%s", f->problem);
		out_nl();
		out_arr_open("fix");
		for (int k = 0; k < f->nfix; k++) {
			out_str("fix", "  fix: %s", f->fix[k]);
			out_nl();
		}
		out_arr_close();
		if (f->hint) {
			out_str("hint", "  (%s)", f->hint);
			out_nl();
		} else {
			out_null("hint");
		}
		out_obj_close();
	}
	out_arr_close();
}

static void free_all(void)
{
	for (int i = 0; i < found.n; i++) {
		free(found.v[i].subject);
		free(found.v[i].problem);
		free(found.v[i].hint);
		for (int k = 0; k < found.v[i].nfix; k++)
			free(found.v[i].fix[k]);
	}
	free(found.v);
	found.v = NULL;
	found.n = 0;
	for (int i = 0; i < pols.n; i++) {
		free(pols.v[i].words);
		free(pols.v[i].sel.from.v);
		free(pols.v[i].sel.to.v);
		free(pols.v[i].sel.from.file);
		free(pols.v[i].sel.to.file);
	}
	free(pols.v);
	memset(&pols, 0, sizeof(pols));
}

/* All checks; the findings go under key (pbr show) or make the whole output. */
int check_findings(const char *key, int *count)
{
	int rc;

	if ((rc = rs_load()) < 0 || (rc = load_policies()) < 0 || (rc = check_mark_bits()) < 0 ||
	    (rc = check_rp_filter()) < 0 || (rc = check_forwarding()) < 0 ||
	    (rc = check_rules()) < 0 || (rc = check_policies()) < 0 ||
	    (rc = check_reply_routes()) < 0) {
		free_all();
		return rc;
	}
	print_findings(key);
	*count = found.n;
	free_all();
	return 0;
}

int check_main(int argc, char **argv)
{
	int rc, n = 0;

	if (argc > 1 && is_help(argv[1])) {
		check_usage();
		return 0;
	}
	if (argc > 1)
		return err_usage("unknown keyword", argv[1], NULL);
	if ((rc = parsed()) < 0 || (rc = check_findings(NULL, &n)) < 0)
		return rc;
	if (!n) {
		if (!out_json())
			printf("no problems found\n");
		return 0;
	}
	/* The findings are the answer, not an error: exit 1 without a message. */
	return 1;
}
