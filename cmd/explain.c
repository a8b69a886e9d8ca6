// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr explain: one packet's way through this machine, step by step. pbr
 * evaluates its own policies (anyip, marks, NAT) from their words; the
 * route, and whether reverse-path filtering drops the packet, are the
 * kernel's answer to RTM_GETROUTE with the packet's mark, input interface,
 * protocol and ports - what "ip route get" asks - not a guess.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
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
#include "policy.h"
#include "rt.h"
#include "sbuf.h"
#include "state.h"
#include "sysctl.h"

void explain_usage(void)
{
	printf("Usage: pbr explain [iif DEV] [from ADDR] to ADDR [proto P] [sport N] [dport N]\n"
	       "                   [mark M] [mac-source MAC] [state new|established|related]\n"
	       "                   [reply]\n"
	       "\n"
	       "Follows one packet: the anyip and mark policy that match, the NAT, the rule\n"
	       "and route the kernel picks, reverse-path filtering. Without iif the packet\n"
	       "is this machine's own. With reply, the answer to it as well.\n");
}

struct req {
	struct pkt p;
	int iif;
	bool has_mark, reply;
};

static bool port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP || p == 33 ||
	       p == IPPROTO_UDPLITE;
}

static int parse_req(struct words *w, struct req *r)
{
	const char *v, *sport_word = NULL, *dport_word = NULL, *from_word = NULL;
	uint32_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	r->p.dscp = -1;
	r->p.state = sel_state_bit("new");
	while (w_more(w)) {
		static const char *const known[] = {"iif",  "from",  "to",	   "proto", "sport",
						    "dport", "mark", "mac-source", "state"};
		const char *kw = w_peek(w);
		bool ok = false;

		if (!strcmp(kw, "reply")) {
			if (r->reply)
				return err_usage("given twice:", kw, NULL);
			r->reply = true;
			w->i++;
			continue;
		}
		for (size_t k = 0; k < ARRAY_SIZE(known) && !ok; k++)
			ok = !strcmp(kw, known[k]);
		if (!ok)
			return w_unknown(w);
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0)
			return rc;
		if (!strcmp(kw, "iif")) {
			if (r->iif)
				return err_usage("given twice:", kw, NULL);
			if ((rc = dev_index(v, &r->iif)) < 0)
				return rc;
			snprintf(r->p.iif, sizeof(r->p.iif), "%s", v);
		} else if (!strcmp(kw, "from") || !strcmp(kw, "to")) {
			struct ipaddr *a = kw[0] == 'f' ? &r->p.src : &r->p.dst;

			if (a->family)
				return err_usage("given twice:", kw, NULL);
			if ((rc = parse_addr(v, 0, a)) < 0)
				return rc;
			if (kw[0] == 'f')
				from_word = v;
		} else if (!strcmp(kw, "proto")) {
			if (r->p.proto)
				return err_usage("given twice:", kw, NULL);
			if ((rc = parse_l4proto(v, &r->p.proto)) < 0)
				return rc;
		} else if (!strcmp(kw, "sport") || !strcmp(kw, "dport")) {
			uint16_t *port = kw[0] == 's' ? &r->p.sport : &r->p.dport;

			if (*port)
				return err_usage("given twice:", kw, NULL);
			if ((rc = parse_num("port", v, 1, 65535, &n)) < 0)
				return rc;
			*port = (uint16_t)n;
			*(kw[0] == 's' ? &sport_word : &dport_word) = kw;
		} else if (!strcmp(kw, "mark")) {
			uint32_t mask;
			bool has_mask;

			if (r->has_mark)
				return err_usage("given twice:", kw, NULL);
			if ((rc = parse_mark(v, &r->p.mark, &mask, &has_mask)) < 0)
				return rc;
			if (has_mask)
				return err_usage("a packet has one mark, not a mask:", v, NULL);
			r->has_mark = true;
		} else if (!strcmp(kw, "mac-source")) {
			if (r->p.has_mac)
				return err_usage("given twice:", kw, NULL);
			if ((rc = parse_mac(v, r->p.mac)) < 0)
				return rc;
			r->p.has_mac = true;
		} else if (!strcmp(kw, "state")) {
			if (!(r->p.state = sel_state_bit(v)) || !strcmp(v, "invalid"))
				return err_usage("invalid state", v, "new, established or related");
		}
	}
	if (!r->p.dst.family)
		return err_usage("missing the packet's destination:", "to", "give to ADDR");
	r->p.family = r->p.dst.family;
	if (opt.family && opt.family != r->p.family)
		return err_usage("address family mismatch:", "to", "-4/-6 says otherwise");
	if (r->p.src.family && r->p.src.family != r->p.family)
		return err_usage("address family mismatch:", from_word, "to is the other family");
	if ((sport_word || dport_word) && !port_proto(r->p.proto))
		return err_usage("ports need proto tcp, udp, sctp, dccp or udplite:",
				 dport_word ? dport_word : sport_word, NULL);
	if (r->p.has_mac && !r->iif)
		return err_usage("only an arriving packet has a sender's MAC:", "mac-source",
				 "give iif");
	if (r->reply && (!r->p.src.family || !r->p.proto))
		return err_usage("a reply needs the packet's source and protocol:", "reply",
				 "give from and proto");
	return 0;
}

/* ---- printing ---- */

static void print_hit(const char *key, const char *what, const struct hit *h, const char *tail)
{
	if (!h->found) {
		out_null(key);
		return;
	}
	out_obj_open(key);
	out_uint("index", NULL, (unsigned long long)h->index);
	out_str("words", NULL, h->words);
	out_text("%-9s %s %d \"%s\"%s", key, what, h->index, h->words, tail ? tail : "");
	out_nl();
	out_obj_close();
}

static void print_addr(const char *key, const char *fmt, const struct ipaddr *a)
{
	char s[IPADDR_STRLEN];

	if (a->family)
		out_str(key, fmt, ipaddr_addr_str(a, s, sizeof(s)));
	else
		out_null(key);
}

static const char *ifname(int ifindex, char *buf)
{
	if (!ifindex || !if_indextoname((unsigned)ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "%d", ifindex);
	return buf;
}

static const char *type_name(uint8_t t)
{
	static const char *const n[] = {[RTN_UNICAST] = "unicast", [RTN_LOCAL] = "local",
					[RTN_BROADCAST] = "broadcast", [RTN_MULTICAST] = "multicast",
					[RTN_BLACKHOLE] = "blackhole", [RTN_UNREACHABLE] = "unreachable",
					[RTN_PROHIBIT] = "prohibit"};

	return t < ARRAY_SIZE(n) && n[t] ? n[t] : "other";
}

/* ---- the FIB rule the kernel used ---- */

static bool in_ports(const struct port_range *r, uint16_t p)
{
	return !r->hi || (p >= r->lo && p <= r->hi);
}

static bool rule_matches(const struct rule *r, const struct pkt *p, uint32_t mark)
{
	bool m = true;
	const char *iif = p->iif[0] ? p->iif : "lo";

	if (r->family != p->family || r->foreign)
		return false;
	if (r->src.family && (!p->src.family || !ipaddr_in_prefix(&p->src, &r->src)))
		m = false;
	if (r->dst.family && !ipaddr_in_prefix(&p->dst, &r->dst))
		m = false;
	if (r->iif[0] && strcmp(r->iif, iif))
		m = false;
	if (r->oif[0]) /* only sockets bound to a device have an oif here */
		m = false;
	if (r->has_fwmark && (mark & r->fwmask) != r->fwmark)
		m = false;
	if (r->ipproto && r->ipproto != p->proto)
		m = false;
	if ((r->sport.hi && !p->sport) || !in_ports(&r->sport, p->sport))
		m = false;
	if ((r->dport.hi && !p->dport) || !in_ports(&r->dport, p->dport))
		m = false;
	if (r->tos)
		m = false;
	return r->invert ? !m : m;
}

/* The first rule that matches and leads where the kernel went (or refuses). */
static const struct rule *find_rule(const struct pkt *p, uint32_t mark,
				    const struct route_answer *a)
{
	struct rules *rs;

	if (state_rules(p->family, &rs) < 0)
		return NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];

		if (!rule_matches(r, p, mark))
			continue;
		if (a->error ? r->action != FR_ACT_TO_TBL : r->table == a->table)
			return r;
	}
	return NULL;
}

/* ---- the steps ---- */

/* The first address of ifindex in family (for masquerade and redirect). */
static bool dev_addr(int ifindex, int family, struct ipaddr *out)
{
	struct ifa_entry *v;
	size_t n;
	bool ok = false;

	if (addr_dump(family, &v, &n) < 0) {
		err_clear();
		return false;
	}
	for (size_t i = 0; i < n && !ok; i++)
		if (v[i].ifindex == ifindex && v[i].scope == RT_SCOPE_UNIVERSE) {
			*out = v[i].addr;
			out->len = (uint8_t)(ipaddr_bytes(family) * 8);
			ok = true;
		}
	free(v);
	return ok;
}

static bool is_local(const struct ipaddr *a)
{
	struct ifa_entry *v;
	size_t n;
	bool found = a->family == AF_INET && a->a[0] == 127;

	if (found || addr_dump(a->family, &v, &n) < 0) {
		err_clear();
		return found;
	}
	found = addr_list_has(v, n, a);
	free(v);
	return found;
}

static int ask(const struct pkt *p, int iif, uint32_t mark, struct route_answer *a)
{
	struct route_query q = {.family = p->family, .dst = p->dst, .src = p->src, .iif = iif,
				.mark = mark, .proto = p->proto, .sport = p->sport,
				.dport = p->dport};

	return route_get(&q, a);
}

/*
 * Reading pbr's policies needs CAP_NET_ADMIN (nftables shows itself only to
 * it); route lookups do not. Without it, explain goes on without them.
 */
static bool blind;

static int soft(int rc)
{
	if (rc != -EPERM)
		return rc;
	blind = true;
	err_clear();
	return 0;
}

/* What one packet's way ended in, for its reply. */
struct outcome {
	bool ok;	    /* delivered here or sent on */
	bool local;	    /* delivered to this machine */
	int oif;	    /* sent out of */
	struct ipaddr dst;  /* after dnat */
	uint16_t dport;	    /* after dnat */
	uint32_t conn_mark; /* what the connection keeps (sticky): its replies get it */
};

/*
 * One packet: print its steps into the current JSON object. A reply skips
 * what conntrack does for it (NAT) and, with a connection mark, the
 * policies (the sticky restore comes first and accepts).
 */
static int explain_one(struct pkt *p, int iif, bool has_mark, bool reply, uint32_t conn_mark,
		       struct outcome *o)
{
	struct hit anyip = {0}, mark = {0}, dnat = {0}, snat = {0};
	struct route_answer a;
	const struct rule *rule;
	char buf[IPADDR_STRLEN], dev[IF_NAMESIZE], tb[16], fixbuf[200] = "", reason[300] = "";
	const char *verdict;
	uint32_t m = p->mark;
	bool restored = false;
	int rc;

	memset(o, 0, sizeof(*o));
	if (reply && conn_mark) {
		m = conn_mark;
		restored = true;
	}

	/* The packet as given. */
	out_obj_open("packet");
	out_text("%s", reply ? "reply     " : "packet    ");
	out_str("iif", p->iif[0] ? "arriving on %s, " : NULL, p->iif[0] ? p->iif : NULL);
	if (!p->iif[0])
		out_text("this machine's own, ");
	print_addr("from", "from %s ", &p->src);
	print_addr("to", "to %s", &p->dst);
	if (p->proto) {
		char pn[16];

		out_str("proto", " proto %s", l4proto_name(p->proto, pn, sizeof(pn)));
	} else {
		out_null("proto");
	}
	if (p->sport)
		out_uint("sport", " sport %llu", p->sport);
	else
		out_null("sport");
	if (p->dport)
		out_uint("dport", " dport %llu", p->dport);
	else
		out_null("dport");
	snprintf(buf, sizeof(buf), "0x%08x", p->mark);
	out_str("mark", has_mark ? " mark %s" : NULL, buf);
	out_str("state", " (state %s)",
		p->state == sel_state_bit("established") ? "established"
		: p->state == sel_state_bit("related")	  ? "related"
							  : "new");
	out_nl();
	out_obj_close();

	if (restored) {
		out_null("anyip");
		out_null("policy");
		out_bool("restored", NULL, true);
		out_null("dnat");
		if ((rc = ask(p, iif, m, &a)) < 0)
			return rc;
	} else if (p->iif[0]) {
		out_bool("restored", NULL, false);
		/* prerouting: anyip first (its chain comes before the policies), then marks. */
		if (!reply && (rc = soft(anyip_explain(p, &anyip))) < 0)
			return rc;
		if (anyip.found) {
			m = (m & ~anyip.mask) | anyip.mark;
			o->conn_mark = m;
		} else {
			if ((rc = soft(mark_explain(p, &mark))) < 0)
				return rc;
			if (mark.found) {
				m = (m & ~mark.mask) | mark.mark;
				if (mark.sticky)
					o->conn_mark = m;
			}
		}
		print_hit("anyip", "anyip", &anyip, NULL);
		print_hit("policy", "policy", &mark, mark.sticky ? " (sticky)" : NULL);
		/* dstnat: anyip's chain has the higher priority. */
		if (anyip.found) {
			snprintf(dnat.addr, sizeof(dnat.addr), "%s", anyip.addr);
		} else if (!reply) {
			if ((rc = soft(nat_explain(p, true, &dnat))) < 0)
				return rc;
			if (dnat.found && dnat.nat_type == 3) { /* redirect: the iif's address */
				struct ipaddr ia;

				if (dev_addr(iif, p->family, &ia))
					ipaddr_addr_str(&ia, dnat.addr, sizeof(dnat.addr));
			}
		}
		if (anyip.found || dnat.found) {
			struct ipaddr to;

			if (dnat.addr[0] && parse_addr(dnat.addr, p->family, &to) == 0)
				p->dst = to;
			if (dnat.port)
				p->dport = dnat.port;
		}
		if (dnat.found) {
			out_obj_open("dnat");
			out_uint("index", NULL, (unsigned long long)dnat.index);
			out_str("words", "dnat      nat %s", dnat.words);
			out_str("to", " -> to %s", dnat.addr[0] ? dnat.addr : NULL);
			if (dnat.port)
				out_uint("port", " port %llu", dnat.port);
			out_nl();
			out_obj_close();
		} else if (anyip.found) {
			out_obj_open("dnat");
			out_str("to", "dnat      anyip -> to %s", dnat.addr);
			out_nl();
			out_obj_close();
		} else {
			out_null("dnat");
		}
		if ((rc = ask(p, iif, m, &a)) < 0)
			return rc;
	} else {
		/* The machine's own: routed once, marked in output, routed again if marked. */
		out_bool("restored", NULL, false);
		if ((rc = ask(p, 0, m, &a)) < 0)
			return rc;
		if (!a.error) {
			if (!p->src.family)
				p->src = a.prefsrc;
			ifname(a.oif, p->oif);
			if ((rc = soft(mark_explain(p, &mark))) < 0)
				return rc;
			if (mark.found && ((m & ~mark.mask) | mark.mark) != m) {
				m = (m & ~mark.mask) | mark.mark;
				if ((rc = ask(p, 0, m, &a)) < 0)
					return rc;
			}
			if (mark.found && mark.sticky)
				o->conn_mark = m;
		}
		out_null("anyip");
		print_hit("policy", "policy", &mark, mark.sticky ? " (sticky)" : NULL);
		out_null("dnat");
	}
	snprintf(buf, sizeof(buf), "0x%08x", m);
	out_str("mark", "mark      %s", buf);
	if (restored)
		out_text(" (restored from the connection: sticky)");
	out_nl();

	/* The rule and the route: the kernel's answer. */
	rule = find_rule(p, m, &a);
	if (rule) {
		char *rw = rule_words(rule);

		out_obj_open("rule");
		out_uint("priority", "rule      %llu: ", rule->pref);
		out_str("rule", "%s", rw);
		out_nl();
		out_obj_close();
		free(rw);
	} else {
		out_null("rule");
	}
	if (a.error) {
		out_null("route");
		out_str("error", "route     the kernel refuses: %s", strerror(-a.error));
		out_nl();
	} else {
		out_obj_open("route");
		out_str("table", "route     table %s: ", names_table_str(a.table, tb, sizeof(tb)));
		out_str("type", "%s", type_name(a.type));
		if (a.oif)
			out_str("dev", " dev %s", ifname(a.oif, dev));
		else
			out_null("dev");
		print_addr("gateway", " via %s", &a.gw);
		print_addr("prefsrc", " src %s", &a.prefsrc);
		out_text(" (the kernel's answer)");
		out_nl();
		out_obj_close();
		out_null("error");
	}

	/* Reverse-path filtering: input lookups do it; the kernel's refusal does not say why. */
	out_obj_open("rp_filter");
	if (p->iif[0] && p->family == AF_INET && p->src.family) {
		struct rp_verdict rp;
		bool local = !a.error ? a.type == RTN_LOCAL : is_local(&p->dst);

		if ((rc = rp_filter_verdict(iif, &p->src, &p->dst, local, m, &rp)) < 0)
			return rc;
		out_str("dev", NULL, p->iif);
		out_uint("mode", NULL, (unsigned long long)rp.mode);
		out_bool("drops", NULL, rp.drops);
		out_str("back_dev", NULL, rp.back_oif ? ifname(rp.back_oif, dev) : NULL);
		out_text("rp_filter %s on %s (%s)", rp.drops ? "DROPS it" : "passes", p->iif,
			 rp.mode == 1 ? "strict" : rp.mode == 2 ? "loose" : "off");
		if (rp.mode)
			out_text(": the way back to %s is %s%s",
				 ipaddr_addr_str(&p->src, buf, sizeof(buf)),
				 rp.back_oif ? "out " : "nowhere",
				 rp.back_oif ? ifname(rp.back_oif, dev) : "");
		out_nl();
		if (rp.drops && a.error) {
			snprintf(reason, sizeof(reason),
				 "reverse-path filtering on %s: the way back to the source is %s%s",
				 p->iif, rp.back_oif ? "out " : "nowhere",
				 rp.back_oif ? ifname(rp.back_oif, dev) : "");
			/* Would the mark lead back here, if the check looked at it? */
			if (m && !rp.used_mark) {
				struct route_query q = {.family = AF_INET, .dst = p->src, .mark = m};
				struct route_answer back;

				if (local)
					q.src = p->dst;
				if (route_get(&q, &back) == 0 && !back.error && back.oif == iif)
					snprintf(fixbuf, sizeof(fixbuf),
						 "%s sysctl set dev %s src_valid_mark=1", pbr_cmd(),
						 p->iif);
			}
			if (!fixbuf[0])
				snprintf(fixbuf, sizeof(fixbuf), "%s sysctl set dev %s rp_filter=%d",
					 pbr_cmd(), p->iif, rp.back_oif ? 2 : 0);
		}
	} else {
		out_text("rp_filter not applied (%s)",
			 !p->iif[0] ? "this machine's own packet" : p->family != AF_INET ? "IPv6"
											  : "no source given");
		out_nl();
	}
	out_obj_close();

	/* srcnat, after routing, for what leaves (a reply's NAT is conntrack's). */
	if (!reply && !a.error && a.type == RTN_UNICAST) {
		ifname(a.oif, p->oif);
		if ((rc = soft(nat_explain(p, false, &snat))) < 0)
			return rc;
		if (snat.found && !snat.addr[0]) { /* masquerade: the source the route gives */
			struct ipaddr sa = a.prefsrc;

			if (sa.family || dev_addr(a.oif, p->family, &sa))
				ipaddr_addr_str(&sa, snat.addr, sizeof(snat.addr));
		}
	}
	if (snat.found) {
		out_obj_open("snat");
		out_uint("index", NULL, (unsigned long long)snat.index);
		out_str("words", "snat      nat %s", snat.words);
		out_str("to", " -> from %s", snat.addr[0] ? snat.addr : NULL);
		out_nl();
		out_obj_close();
	} else {
		out_null("snat");
	}

	/* The verdict. */
	if (a.error) {
		verdict = "drop";
		if (!reason[0]) {
			if (p->iif[0] && !is_local(&p->dst) && !sc_get4("forwarding", NULL)) {
				snprintf(reason, sizeof(reason), "forwarding is off");
				snprintf(fixbuf, sizeof(fixbuf), "%s sysctl set forwarding=1", pbr_cmd());
			} else {
				snprintf(reason, sizeof(reason), "no route: %s", strerror(-a.error));
			}
		}
	} else if (a.type == RTN_LOCAL) {
		verdict = "local";
		o->ok = o->local = true;
		snprintf(reason, sizeof(reason), "delivered to this machine at %s",
			 ipaddr_addr_str(&p->dst, buf, sizeof(buf)));
	} else if (a.type == RTN_UNICAST) {
		char gw[IPADDR_STRLEN] = "";

		verdict = p->iif[0] ? "forward" : "output";
		o->ok = true;
		o->oif = a.oif;
		if (a.gw.family)
			ipaddr_addr_str(&a.gw, gw, sizeof(gw));
		snprintf(reason, sizeof(reason), "%s out %s%s%s%s%s",
			 p->iif[0] ? "forwarded" : "sent", ifname(a.oif, dev), gw[0] ? " via " : "",
			 gw, snat.found ? " from " : "", snat.found ? snat.addr : "");
	} else {
		verdict = "drop";
		snprintf(reason, sizeof(reason), "a %s route", type_name(a.type));
	}
	o->dst = p->dst;
	o->dport = p->dport;
	out_str("verdict", "verdict   %s: ", verdict);
	out_str("reason", "%s", reason);
	out_nl();
	if (fixbuf[0]) {
		out_str("fix", "fix       %s", fixbuf);
		out_nl();
	} else {
		out_null("fix");
	}
	return 0;
}

static int cmd_explain(struct words *w)
{
	struct req r;
	struct pkt p, back;
	struct outcome o, ro;
	int rc, back_iif = 0;

	if ((rc = parse_req(w, &r)) < 0 || (rc = parsed()) < 0)
		return rc;
	p = r.p;
	out_obj_open(NULL);
	blind = false;
	if ((rc = explain_one(&p, r.iif, r.has_mark, false, 0, &o)) < 0)
		goto out;
	if (!r.reply) {
		out_null("reply");
		goto out;
	}
	out_text("\n");
	if (!o.ok) {
		out_text("reply     none: the packet does not get there");
		out_nl();
		out_null("reply");
		goto out;
	}
	/*
	 * The answer: from where the packet went (after dnat) to its source;
	 * conntrack takes back the NAT. Delivered here: this machine answers.
	 * Forwarded: the answer arrives on the interface the packet left by.
	 */
	memset(&back, 0, sizeof(back));
	back.family = p.family;
	back.src = o.dst;
	back.dst = r.p.src;
	back.proto = p.proto;
	back.sport = o.dport;
	back.dport = p.sport;
	back.dscp = -1;
	back.state = sel_state_bit("established");
	if (!o.local) {
		back_iif = o.oif;
		ifname(o.oif, back.iif);
	}
	out_obj_open("reply");
	rc = explain_one(&back, back_iif, false, true, o.conn_mark, &ro);
	out_obj_close();
out:
	if (rc >= 0) {
		out_bool("policies_read", NULL, !blind);
		if (blind) {
			out_text("note      pbr's policies and NAT were not read: that needs "
				 "CAP_NET_ADMIN (run as root)");
			out_nl();
		}
	}
	out_obj_close();
	return rc;
}

int explain_main(int argc, char **argv)
{
	struct words w = {argc, argv, 1};

	if (argc > 1 && is_help(argv[1])) {
		explain_usage();
		return 0;
	}
	return cmd_explain(&w);
}
