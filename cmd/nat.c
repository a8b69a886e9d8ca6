// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr nat: masquerade, snat, dnat and redirect in table inet pbr.
 *
 * Source NAT sits in chain nat_postrouting (srcnat priority), destination
 * NAT and redirect in nat_prerouting (dstnat priority). Each rule carries
 * the words that made it, which are also how "del" finds it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "instance.h"
#include "nft.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "policy.h"
#include "ruleset.h"
#include "sbuf.h"

void nat_usage(void)
{
	printf("Usage: pbr nat add masquerade [oif DEV] [SELECTOR...]\n"
	       "       pbr nat add snat ADDR[-ADDR][:PORT[-PORT]] [oif DEV] [SELECTOR...]\n"
	       "       pbr nat add dnat ADDR[:PORT] [iif DEV] [SELECTOR...]\n"
	       "       pbr nat add redirect [PORT] [iif DEV] [SELECTOR...]\n"
	       "       pbr nat del ...the same words...\n"
	       "       pbr nat flush | list | show\n"
	       "\n"
	       "SELECTOR as in pbr mark; an IPv6 ADDR with a port is written [ADDR]:PORT.\n");
}

enum nat_type { NAT_MASQ, NAT_SNAT, NAT_DNAT, NAT_REDIRECT };

static const char *const type_words[] = {"masquerade", "snat", "dnat", "redirect"};

struct nat {
	enum nat_type type;
	struct ipaddr lo, hi; /* family 0: no address */
	bool range;
	uint16_t plo, phi; /* 0: no port */
	struct selectors sel;
	int fams;
	uint64_t id;
	char *words;
};

/* ADDR[-ADDR][:PORT[-PORT]]; IPv6 in brackets when a port follows: [A]-[B]:P. */
static int parse_target(const char *word, struct nat *n, bool allow_range)
{
	char buf[128], *p = buf, *ports = NULL, *dash;
	int rc;

	if (strlen(word) >= sizeof(buf))
		return err_usage("invalid address", word, NULL);
	strcpy(buf, word);
	if (buf[0] == '[') {
		/* [A] or [A]-[B], then an optional :PORT. */
		char *end = strrchr(buf, ']');

		if (!end)
			return err_usage("invalid address", word, "[IPv6]:PORT");
		if (end[1] == ':')
			ports = end + 2;
		else if (end[1])
			return err_usage("invalid address", word, "[IPv6]:PORT");
		*end = 0;
		for (char *q = buf; *q; q++)
			if (*q == '[' || *q == ']')
				memmove(q, q + 1, strlen(q)), q--;
	} else if (strchr(buf, '.')) {
		ports = strchr(buf, ':');
		if (ports)
			*ports++ = 0;
	}
	dash = strchr(p, '-');
	if (dash) {
		if (!allow_range)
			return err_usage("dnat takes one address, not a range", word, NULL);
		*dash++ = 0;
		if ((rc = parse_addr(dash, 0, &n->hi)) < 0)
			return rc;
		n->range = true;
	}
	if ((rc = parse_addr(p, 0, &n->lo)) < 0)
		return rc;
	if (n->range) {
		if (n->hi.family != n->lo.family)
			return err_usage("address family mismatch", word, "a range is one family");
		if (memcmp(n->hi.a, n->lo.a, (size_t)ipaddr_bytes(n->lo.family)) < 0)
			return err_usage("invalid address range", word, "first address above last");
	}
	if (ports) {
		struct port_range r;

		if (parse_port_range(ports, &r) < 0)
			return err_usage("invalid port", word, "1-65535");
		if (!r.lo)
			return err_usage("invalid port", word, "1-65535");
		if (r.lo != r.hi && n->type == NAT_DNAT && !allow_range)
			return err_usage("invalid port", word, NULL);
		n->plo = r.lo;
		n->phi = r.hi;
	}
	return 0;
}

static int parse_nat(struct words *w, struct nat *n)
{
	const char *t = w_next(w), *v;
	int rc, i;

	memset(n, 0, sizeof(*n));
	sel_init(&n->sel);
	if (!t)
		return err_usagef("missing NAT type (masquerade, snat, dnat or redirect)");
	for (i = 0; i < (int)ARRAY_SIZE(type_words); i++)
		if (!strcmp(t, type_words[i]))
			break;
	if (i == (int)ARRAY_SIZE(type_words))
		return err_usage("unknown NAT type", t, "masquerade, snat, dnat or redirect");
	n->type = (enum nat_type)i;
	if (n->type == NAT_SNAT || n->type == NAT_DNAT) {
		if ((rc = w_value(w, t, &v)) < 0)
			return rc;
		if (!strcmp(v, "to") && (rc = w_value(w, "to", &v)) < 0)
			return rc;
		if ((rc = parse_target(v, n, n->type == NAT_SNAT)) < 0)
			return rc;
	} else if (n->type == NAT_REDIRECT) {
		uint32_t port;

		/* redirect 3128, redirect :3128, redirect to :3128 (nft's spelling) */
		if (w_accept(w, "to") && !w_more(w))
			return err_usage("missing port after", "to", NULL);
		v = w_peek(w);
		if (v && (v[0] == ':' || (v[0] >= '0' && v[0] <= '9'))) {
			if ((rc = parse_num("port", v + (v[0] == ':'), 1, 65535, &port)) < 0)
				return rc;
			n->plo = n->phi = (uint16_t)port;
			w->i++;
		}
	}
	while (w_more(w)) {
		rc = sel_parse(w, &n->sel);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return w_unknown(w);
	}
	/* Before routing there is no output interface to match. */
	if ((n->type == NAT_DNAT || n->type == NAT_REDIRECT) && n->sel.oif[0])
		return err_usage("dnat and redirect happen before routing and cannot match", "oif",
				 "use iif");
	if (n->plo && (!n->sel.has_proto || (n->sel.proto != 6 && n->sel.proto != 17 &&
					     n->sel.proto != 132 && n->sel.proto != 33 &&
					     n->sel.proto != 136)))
		return err_usage("a port mapping needs proto tcp, udp, sctp, dccp or udplite:", t,
				 NULL);
	if ((rc = sel_check(&n->sel, opt.family, &n->fams)) < 0)
		return rc;
	if (n->lo.family) {
		int f = n->lo.family == AF_INET ? FAM_V4 : FAM_V6;

		if (n->fams && !(n->fams & f))
			return err_usage("address family mismatch:", t,
					 "the selectors do not match %s packets",
					 f == FAM_V4 ? "IPv4" : "IPv6");
		if (opt.family && opt.family != n->lo.family)
			return err_usage("address family mismatch:", t, "-4/-6 says otherwise");
		n->fams = f;
	}
	return 0;
}

static void target_text(const struct nat *n, struct sbuf *b, bool nft)
{
	char a[IPADDR_STRLEN], c[IPADDR_STRLEN];
	bool v6 = n->lo.family == AF_INET6;

	if (n->lo.family) {
		ipaddr_addr_str(&n->lo, a, sizeof(a));
		if (v6 && n->plo)
			sb_add(b, "[%s]", a);
		else
			sb_add(b, "%s", a);
		if (n->range) {
			ipaddr_addr_str(&n->hi, c, sizeof(c));
			sb_add(b, v6 && n->plo ? "-[%s]" : "-%s", c);
		}
	}
	if (n->plo) {
		sb_add(b, nft && !n->lo.family ? "to :%u" : ":%u", n->plo);
		if (n->phi != n->plo)
			sb_add(b, "-%u", n->phi);
	}
}

static void nat_words(struct nat *n)
{
	struct sbuf b = {0}, id = {0};

	sb_add(&b, "%s", type_words[n->type]);
	if (n->type == NAT_REDIRECT && n->plo) {
		sb_add(&b, " %u", n->plo); /* the words that make it, to paste back */
	} else if (n->lo.family || n->plo) {
		sb_add(&b, " ");
		target_text(n, &b, false);
	}
	sel_words(&n->sel, &b);
	n->words = sb_take(&b);
	sb_add(&id, "nat|%s", n->words);
	n->id = hash64(HASH64_INIT, id.s, id.len);
	sb_free(&id);
}

static void nat_action(struct nftnl_rule *r, int family, struct sbuf *b, const void *ctx)
{
	const struct nat *n = ctx;
	uint32_t alen = (uint32_t)ipaddr_bytes(n->lo.family);
	uint16_t plo = htons(n->plo), phi = htons(n->phi);
	uint32_t rmax = 0, rpmin = 0, rpmax = 0;

	(void)family;
	switch (n->type) {
	case NAT_MASQ:
		nx_masq(r, 0, 0);
		sb_add(b, " masquerade");
		return;
	case NAT_REDIRECT:
		if (n->plo)
			nx_imm(r, NFT_REG_1, &plo, 2);
		nx_redir(r, n->plo ? NFT_REG_1 : 0, 0);
		sb_add(b, " redirect");
		if (n->plo)
			sb_add(b, " to :%u", n->plo);
		return;
	case NAT_SNAT:
	case NAT_DNAT:
		break;
	}
	nx_imm(r, NFT_REG_1, n->lo.a, alen);
	if (n->range) {
		nx_imm(r, NFT_REG_2, n->hi.a, alen);
		rmax = NFT_REG_2;
	}
	if (n->plo) {
		nx_imm(r, NFT_REG_3, &plo, 2);
		rpmin = NFT_REG_3;
		if (n->phi != n->plo) {
			nx_imm(r, NFT_REG_4, &phi, 2);
			rpmax = NFT_REG_4;
		}
	}
	/* The kernel sets the range flags (addresses, ports) from which registers are given. */
	nx_nat(r, n->type == NAT_SNAT ? NFT_NAT_SNAT : NFT_NAT_DNAT,
	       n->lo.family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6, NFT_REG_1, rmax, rpmin,
	       rpmax);
	sb_add(b, " %s %s to ", type_words[n->type], n->lo.family == AF_INET ? "ip" : "ip6");
	target_text(n, b, true);
}

static const char *nat_chain(enum nat_type t)
{
	return t == NAT_MASQ || t == NAT_SNAT ? CH_NAT_POSTROUTING : CH_NAT_PREROUTING;
}

/* NAT chains without NAT rules go, buckets first (the table goes when it is empty). */
static void tidy(void)
{
	static const char *const chains[] = {CH_NAT_PREROUTING, CH_NAT_POSTROUTING};
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t c = 0; c < ARRAY_SIZE(chains); c++) {
		size_t len = strlen(chains[c]);
		bool used = false;

		for (size_t i = 0; i < n && !used; i++)
			used = !x[i].gone && x[i].tagged && x[i].tag.kind == TAG_NAT &&
			       !strncmp(x[i].chain, chains[c], len) && x[i].chain[len] == '_';
		if (!used && rs_has_chain(chains[c])) {
			struct sbuf b = {0};
			char *t;

			rs_drop_buckets(chains[c]);
			sb_add(&b, "%s delete chain inet %s %s", nft_cmd(), RS_TABLE, chains[c]);
			t = sb_take(&b);
			rs_del_chain(chains[c], t);
			free(t);
		}
	}
}

static int cmd_addel(struct words *w, bool add)
{
	struct nat n;
	int rc, changed = 0;

	if ((rc = parse_nat(w, &n)) < 0)
		goto out;
	nat_words(&n);
	if ((rc = begin_change()) < 0 || (rc = rs_load()) < 0)
		goto out;
	if (add) {
		struct inst_want want = {
			.kind = TAG_NAT,
			.id = n.id,
			.chain = nat_chain(n.type),
			.words = n.words,
			.sel = &n.sel,
			.fams = n.fams,
			.tag = {.aux = n.type},
			.action = nat_action,
			.ctx = &n,
		};

		rc = inst_ensure(&want, &changed);
	} else {
		inst_remove(TAG_NAT, n.id, &changed);
		tidy();
	}
out:
	sel_free(&n.sel);
	free(n.words);
	return rc;
}

static int cmd_flush(struct words *w)
{
	size_t n;
	struct rs_rule *x;
	int rc, changed = 0;

	if (w_more(w))
		return w_unknown(w);
	if ((rc = begin_change()) < 0 || (rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_NAT)
			inst_remove(TAG_NAT, x[i].tag.id, &changed);
	tidy();
	return 0;
}

int nat_print(const char *key)
{
	size_t n;
	struct rs_rule *x;
	int rc, idx = 0;

	if ((rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	out_arr_open(key);
	for (size_t i = 0; i < n; i++) {
		bool v4, v6;

		/* One line per rule, however many family instances it has. */
		if (!x[i].tagged || x[i].tag.kind != TAG_NAT || !rs_first_instance(x, i))
			continue;
		rs_instance_families(x, n, i, &v4, &v6);
		out_obj_open(NULL);
		out_uint("index", "%llu: ", (unsigned long long)++idx);
		out_str("rule", "%s", x[i].comment);
		out_str("type", NULL, x[i].tag.aux < ARRAY_SIZE(type_words) ? type_words[x[i].tag.aux]
									     : "?");
		{
			/* The chain the rule works in, not the bucket that holds it. */
			char parent[64];

			snprintf(parent, sizeof(parent), "%s", x[i].chain);
			if (strrchr(parent, '_') && strspn(strrchr(parent, '_') + 1, "0123456789") ==
							 strlen(strrchr(parent, '_') + 1))
				*strrchr(parent, '_') = 0;
			out_str("chain", NULL, parent);
		}
		out_families(v4, v6);
		out_text("%s", v4 && v6 ? "" : v4 ? "  [IPv4]" : "  [IPv6]");
		out_nl();
		out_obj_close();
	}
	out_arr_close();
	return idx;
}

int nat_explain(const struct pkt *p, bool prerouting, struct hit *h)
{
	size_t n;
	struct rs_rule *x;
	int rc, idx = 0;

	memset(h, 0, sizeof(*h));
	if ((rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++) {
		char buf[sizeof(x[i].comment) + 8], *argv[64];
		struct words w;
		struct nat nt;
		bool match;

		if (!x[i].tagged || x[i].tag.kind != TAG_NAT || !rs_first_instance(x, i))
			continue;
		idx++;
		if (!w_from_comment(&w, "nat", x[i].comment, buf, sizeof(buf), argv, 64))
			continue; /* no words: nothing parsed, nothing to free */
		if (parse_nat(&w, &nt) < 0) {
			err_clear();
			sel_free(&nt.sel);
			continue;
		}
		match = ((nt.type == NAT_DNAT || nt.type == NAT_REDIRECT) == prerouting) &&
			sel_match(&nt.sel, p);
		if (match) {
			h->found = true;
			h->index = idx;
			snprintf(h->words, sizeof(h->words), "%s", x[i].comment);
			h->nat_type = (int)nt.type;
			if (nt.lo.family)
				ipaddr_addr_str(&nt.lo, h->addr, sizeof(h->addr));
			h->port = nt.plo;
		}
		sel_free(&nt.sel);
		if (match)
			break;
	}
	return 0;
}

int nat_main(int argc, char **argv)
{
	static const struct crud c = {nat_usage, cmd_addel, cmd_flush, nat_print};

	return crud_main(argc, argv, &c);
}
