// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "link.h"
#include "nft.h"
#include "policy.h"

/* nftables data types, for sets that nft(8) lists readably (nftables datatype.h). */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8

/* ct state bits as nft matches them (NF_CT_STATE_BIT). */
#define ST_INVALID NF_CT_STATE_INVALID_BIT
#define ST_ESTABLISHED NF_CT_STATE_BIT(IP_CT_ESTABLISHED)
#define ST_RELATED NF_CT_STATE_BIT(IP_CT_RELATED)
#define ST_NEW NF_CT_STATE_BIT(IP_CT_NEW)

static const struct {
	const char *name;
	uint8_t bit;
} states[] = {
	{"new", ST_NEW},
	{"established", ST_ESTABLISHED},
	{"related", ST_RELATED},
	{"invalid", ST_INVALID},
};

#define DSCP_MAX 63

uint64_t hash64(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

void sel_init(struct selectors *s)
{
	memset(s, 0, sizeof(*s));
	s->dscp = -1;
}

void sel_free(struct selectors *s)
{
	free(s->from.v);
	free(s->from.file);
	free(s->to.v);
	free(s->to.file);
	s->from.v = s->to.v = NULL;
	s->from.file = s->to.file = NULL;
}

static void list_push(struct prefix_list *l, const struct ipaddr *a)
{
	if ((l->n & (l->n - 1)) == 0)
		l->v = xrealloc(l->v, (size_t)(l->n ? l->n * 2 : 1) * sizeof(*l->v));
	l->v[l->n++] = *a;
	l->fams |= a->family == AF_INET ? FAM_V4 : FAM_V6;
}

static int cmp_prefix(const void *x, const void *y)
{
	const struct ipaddr *a = x, *b = y;
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->a, b->a, (size_t)ipaddr_bytes(a->family));
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Sorted and without duplicates: the canonical order of a list. */
static void list_normalise(struct prefix_list *l)
{
	int j = 0;

	if (l->n < 2)
		return;
	qsort(l->v, (size_t)l->n, sizeof(*l->v), cmp_prefix);
	for (int i = 0; i < l->n; i++)
		if (!j || cmp_prefix(&l->v[j - 1], &l->v[i]))
			l->v[j++] = l->v[i];
	l->n = j;
}

int read_prefix_file(const char *path, struct prefix_list *l)
{
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return err_usage("cannot read prefix file", path, "%s", strerror(errno));
	/* getline(): a long comment is one line, not several. */
	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *e;
		struct ipaddr a;

		lineno++;
		if ((e = strchr(p, '#')))
			*e = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = 0;
		if (!*p)
			continue;
		if (parse_prefix(p, 0, &a) < 0) {
			char word[128];

			snprintf(word, sizeof(word), "%s", p);
			free(line);
			fclose(f);
			return err_usage("invalid prefix", word, "%s line %d", path, lineno);
		}
		if (l->n >= SEL_MAX_PREFIXES) {
			free(line);
			fclose(f);
			return err_usage("too many prefixes in", path, "at most %d", SEL_MAX_PREFIXES);
		}
		list_push(l, &a);
	}
	free(line);
	fclose(f);
	return 0;
}

static int parse_list(const char *word, struct prefix_list *l, bool path_only)
{
	const char *p = word;

	if (word[0] == '@') {
		char abs[PATH_MAX];

		if (!word[1])
			return err_usage("missing file name after @ in", word, NULL);
		/* The file's path is the policy's identity; its lines are the set's contents. */
		if (!realpath(word + 1, abs)) {
			/* Deleting a policy whose file is gone: its path still names it. */
			if (!path_only || word[1] != '/' || strlen(word + 1) >= sizeof(abs))
				return err_usage("cannot read prefix file", word + 1, "%s",
						 strerror(errno));
			snprintf(abs, sizeof(abs), "%s", word + 1);
		}
		l->file = xstrdup(abs);
		if (path_only)
			return 0;
		if (read_prefix_file(abs, l) < 0)
			return -EINVAL;
		if (!l->n)
			return err_usage("no prefix in", word + 1, NULL);
		list_normalise(l);
		return 0;
	}
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[INET6_ADDRSTRLEN + 8];
		struct ipaddr a;

		if (!len || len >= sizeof(one))
			return err_usage("invalid prefix", word, NULL);
		memcpy(one, p, len);
		one[len] = 0;
		if (parse_prefix(one, 0, &a) < 0)
			return -EINVAL;
		list_push(l, &a);
		p += len;
		if (*p == ',' && !*++p)
			return err_usage("invalid prefix list", word, NULL);
	}
	list_normalise(l);
	return 0;
}

static int cmp_range(const void *x, const void *y)
{
	const struct port_range *a = x, *b = y;

	return a->lo != b->lo ? (a->lo < b->lo ? -1 : 1) : (a->hi < b->hi ? -1 : a->hi > b->hi);
}

static int parse_ports(const char *word, struct port_list *l)
{
	size_t n;
	int j = 0;

	if (parse_port_list(word, l->r, SEL_MAX_PORTS, &n) < 0)
		return -EINVAL;
	l->n = (int)n;
	qsort(l->r, n, sizeof(l->r[0]), cmp_range);
	for (int i = 0; i < l->n; i++)
		if (!j || cmp_range(&l->r[j - 1], &l->r[i]))
			l->r[j++] = l->r[i];
	l->n = j;
	return 0;
}

static int parse_states(const char *word, uint8_t *bits)
{
	const char *p = word;

	*bits = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strlen(states[i].name) == len && !strncmp(p, states[i].name, len)) {
				*bits |= states[i].bit;
				found = true;
			}
		if (!found)
			return err_usage("invalid state", word, "new, established, related, invalid");
		p += len;
		if (*p == ',' && !*++p)
			return err_usage("invalid state", word, "new, established, related, invalid");
	}
	return 0;
}

int sel_parse(struct words *w, struct selectors *s)
{
	const char *kw = w_peek(w), *v;
	bool negate = false;
	uint32_t n;
	int rc, ifindex;

	if (!kw)
		return 0;
	if (!strcmp(kw, "not") || !strcmp(kw, "from") || !strcmp(kw, "to") || !strcmp(kw, "sport") ||
	    !strcmp(kw, "dport") || !strcmp(kw, "iif") || !strcmp(kw, "oif") ||
	    !strcmp(kw, "proto") || !strcmp(kw, "mac-source") || !strcmp(kw, "state") ||
	    !strcmp(kw, "dscp")) {
		/* Each selector once: a second would silently replace the first. */
		static const char *const names[] = {"from", "to",	  "sport", "dport",
						    "iif",  "oif",	  "proto", "mac-source",
						    "state", "dscp"};
		const char *k = strcmp(kw, "not") ? kw
			       : (w->i + 1 < w->argc ? w->argv[w->i + 1] : "");

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(k, names[i])) {
				if (s->seen & (1u << i))
					return err_usage("given twice:", k, NULL);
				s->seen |= 1u << i;
			}
	}
	if (!strcmp(kw, "not")) {
		const char *next = w->i + 1 < w->argc ? w->argv[w->i + 1] : NULL;

		if (!next || (strcmp(next, "from") && strcmp(next, "to") && strcmp(next, "sport") &&
			      strcmp(next, "dport")))
			return err_usage("\"not\" goes before from, to, sport or dport, not before",
					 next ? next : "", NULL);
		negate = true;
		w->i++;
		kw = w_peek(w);
	}
	if (!strcmp(kw, "from") || !strcmp(kw, "to")) {
		struct prefix_list *l = kw[0] == 'f' ? &s->from : &s->to;

		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_list(v, l, s->path_only)) < 0)
			return rc;
		l->negate = negate;
	} else if (!strcmp(kw, "sport") || !strcmp(kw, "dport")) {
		struct port_list *l = kw[0] == 's' ? &s->sport : &s->dport;

		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_ports(v, l)) < 0)
			return rc;
		l->negate = negate;
	} else if (!strcmp(kw, "iif") || !strcmp(kw, "oif")) {
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = dev_index(v, &ifindex)) < 0)
			return rc;
		snprintf(kw[0] == 'i' ? s->iif : s->oif, IFNAMSIZ, "%s", v);
	} else if (!strcmp(kw, "proto")) {
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_l4proto(v, &s->proto)) < 0)
			return rc;
		s->has_proto = true;
	} else if (!strcmp(kw, "mac-source")) {
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_mac(v, s->mac)) < 0)
			return rc;
		s->has_mac = true;
	} else if (!strcmp(kw, "state")) {
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_states(v, &s->states)) < 0)
			return rc;
	} else if (!strcmp(kw, "dscp")) {
		w->i++;
		if ((rc = w_value(w, kw, &v)) < 0 || (rc = parse_num("dscp", v, 0, DSCP_MAX, &n)) < 0)
			return rc;
		s->dscp = (int)n;
	} else {
		return 0;
	}
	return 1;
}

static bool port_proto(uint8_t p)
{
	return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP || p == IPPROTO_DCCP ||
	       p == IPPROTO_UDPLITE;
}

int sel_check(const struct selectors *s, int family_opt, int *fams)
{
	int f = FAM_V4 | FAM_V6;
	bool any = false;

	if ((s->sport.n || s->dport.n) && (!s->has_proto || !port_proto(s->proto)))
		return err_usage("ports need proto tcp, udp, sctp, dccp or udplite:",
				 s->sport.n ? "sport" : "dport", NULL);
	if (s->from.n) {
		f &= s->from.fams;
		any = true;
	}
	if (s->to.n) {
		f &= s->to.fams;
		any = true;
	}
	if (s->has_proto && s->proto == IPPROTO_ICMP) {
		f &= FAM_V4;
		any = true;
	}
	if (s->has_proto && s->proto == IPPROTO_ICMPV6) {
		f &= FAM_V6;
		any = true;
	}
	if (family_opt) {
		f &= family_opt == AF_INET ? FAM_V4 : FAM_V6;
		any = any || true;
	}
	if (!f)
		return err_usage("address family mismatch:", s->from.n && s->to.n ? "to" : "from",
				 "the selectors match no family together%s",
				 family_opt ? " with -4/-6" : "");
	/* dscp sits at a different place in IPv4 and IPv6 headers. */
	*fams = any || s->dscp >= 0 ? f : 0;
	return 0;
}

static void words_list(struct sbuf *b, const char *kw, const struct prefix_list *l)
{
	char a[IPADDR_STRLEN];

	if (!l->n && !l->file)
		return;
	sb_add(b, " %s%s ", l->negate ? "not " : "", kw);
	if (l->file) {
		sb_add(b, "@%s", l->file);
		return;
	}
	for (int i = 0; i < l->n; i++)
		sb_add(b, "%s%s", i ? "," : "", ipaddr_str(&l->v[i], a, sizeof(a)));
}

static void words_ports(struct sbuf *b, const char *kw, const struct port_list *l, bool nft)
{
	if (!l->n)
		return;
	if (nft)
		sb_add(b, " th %s %s", kw, l->negate ? "!= " : "");
	else
		sb_add(b, " %s%s ", l->negate ? "not " : "", kw);
	if (nft && l->n > 1)
		sb_add(b, "{ ");
	for (int i = 0; i < l->n; i++) {
		sb_add(b, "%s%u", i ? (nft ? ", " : ",") : "", l->r[i].lo);
		if (l->r[i].hi != l->r[i].lo)
			sb_add(b, "-%u", l->r[i].hi);
	}
	if (nft && l->n > 1)
		sb_add(b, " }");
}

static void words_states(struct sbuf *b, uint8_t bits, const char *sep)
{
	bool first = true;

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (bits & states[i].bit) {
			sb_add(b, "%s%s", first ? "" : sep, states[i].name);
			first = false;
		}
}

void sel_words(const struct selectors *s, struct sbuf *b)
{
	char pb[8];

	if (s->iif[0])
		sb_add(b, " iif %s", s->iif);
	if (s->oif[0])
		sb_add(b, " oif %s", s->oif);
	if (s->has_mac)
		sb_add(b, " mac-source %02x:%02x:%02x:%02x:%02x:%02x", s->mac[0], s->mac[1],
		       s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
	words_list(b, "from", &s->from);
	words_list(b, "to", &s->to);
	if (s->has_proto)
		sb_add(b, " proto %s", l4proto_name(s->proto, pb, sizeof(pb)));
	words_ports(b, "sport", &s->sport, false);
	words_ports(b, "dport", &s->dport, false);
	if (s->states) {
		sb_add(b, " state ");
		words_states(b, s->states, ",");
	}
	if (s->dscp >= 0)
		sb_add(b, " dscp %d", s->dscp);
}

static const char *const role_name[SEL_LISTS] = {"from", "to", "sport", "dport"};

static bool list_in_set(const struct selectors *s, enum sel_list which)
{
	switch (which) {
	case SEL_FROM:
		return s->from.file || s->from.n > 1;
	case SEL_TO:
		return s->to.file || s->to.n > 1;
	case SEL_SPORT:
		return s->sport.n > 1;
	case SEL_DPORT:
		return s->dport.n > 1;
	default:
		return false;
	}
}

void sel_set_names(const struct selectors *s, const char *prefix, int family,
		   struct sel_sets *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < SEL_LISTS; i++)
		if (list_in_set(s, (enum sel_list)i))
			snprintf(out->name[i], sizeof(out->name[i]), "%s_%s%s", prefix, role_name[i],
				 family == AF_INET ? "4" : family == AF_INET6 ? "6" : "");
}

static void nft_list(struct sbuf *b, const char *field, const struct prefix_list *l, int family,
		     const char *set)
{
	char a[IPADDR_STRLEN];

	if (!l->n)
		return;
	sb_add(b, " %s %s %s", family == AF_INET6 ? "ip6" : "ip", field, l->negate ? "!= " : "");
	if (set[0]) {
		sb_add(b, "@%s", set);
		return;
	}
	for (int i = 0; i < l->n; i++)
		if (l->v[i].family == family)
			sb_add(b, "%s", ipaddr_str(&l->v[i], a, sizeof(a)));
}

static void nft_ports(struct sbuf *b, const char *kw, const struct port_list *l, const char *set)
{
	if (!l->n)
		return;
	sb_add(b, " th %s %s", kw, l->negate ? "!= " : "");
	if (set[0])
		sb_add(b, "@%s", set);
	else if (l->r[0].lo == l->r[0].hi)
		sb_add(b, "%u", l->r[0].lo);
	else
		sb_add(b, "%u-%u", l->r[0].lo, l->r[0].hi);
}

void sel_nft_text(const struct selectors *s, int family, const struct sel_sets *sets,
		  struct sbuf *b)
{
	char pb[8];

	if (s->iif[0])
		sb_add(b, " iifname \"%s\"", s->iif);
	if (s->oif[0])
		sb_add(b, " oifname \"%s\"", s->oif);
	if (s->has_mac)
		sb_add(b, " ether saddr %02x:%02x:%02x:%02x:%02x:%02x", s->mac[0], s->mac[1],
		       s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
	if (family)
		sb_add(b, " meta nfproto %s", family == AF_INET ? "ipv4" : "ipv6");
	nft_list(b, "saddr", &s->from, family, sets->name[SEL_FROM]);
	nft_list(b, "daddr", &s->to, family, sets->name[SEL_TO]);
	if (s->has_proto)
		sb_add(b, " meta l4proto %s", l4proto_name(s->proto, pb, sizeof(pb)));
	nft_ports(b, "sport", &s->sport, sets->name[SEL_SPORT]);
	nft_ports(b, "dport", &s->dport, sets->name[SEL_DPORT]);
	if (s->states) {
		sb_add(b, " ct state ");
		words_states(b, s->states, ",");
	}
	if (s->dscp >= 0)
		sb_add(b, " %s dscp %d", family == AF_INET6 ? "ip6" : "ip", s->dscp);
}

/* ---- interval sets ---- */

/* [lo, hi) in network byte order; open: hi is past the end of the key space. */
struct ival {
	uint8_t lo[16], hi[16];
	bool open;
};

static int klen;

static int cmp_ival(const void *x, const void *y)
{
	return memcmp(((const struct ival *)x)->lo, ((const struct ival *)y)->lo, (size_t)klen);
}

/* Add 2^bit to a big-endian number of len bytes; true on overflow. */
static bool add_pow2(uint8_t *v, int len, int bit)
{
	int byte = len - 1 - bit / 8;
	unsigned int carry = 1u << (bit % 8);

	for (int i = byte; i >= 0 && carry; i--) {
		unsigned int x = v[i] + carry;

		v[i] = (uint8_t)x;
		carry = x >> 8;
	}
	return carry != 0;
}

/* Sort, then merge overlapping and touching intervals (the kernel refuses overlaps). */
static int merge(struct ival *v, int n, int len)
{
	int j = 0;

	klen = len;
	qsort(v, (size_t)n, sizeof(*v), cmp_ival);
	for (int i = 0; i < n; i++) {
		struct ival *last = j ? &v[j - 1] : NULL;

		if (last && (last->open || memcmp(v[i].lo, last->hi, (size_t)len) <= 0)) {
			if (v[i].open)
				last->open = true;
			else if (!last->open && memcmp(v[i].hi, last->hi, (size_t)len) > 0)
				memcpy(last->hi, v[i].hi, (size_t)len);
			continue;
		}
		v[j++] = v[i];
	}
	return j;
}

static int list_ivals(const struct selectors *s, enum sel_list which, int family,
		      struct ival **out, int *len)
{
	const struct prefix_list *pl = which == SEL_FROM ? &s->from : &s->to;
	const struct port_list *ports = which == SEL_SPORT ? &s->sport : &s->dport;
	struct ival *v;
	int n = 0;

	if (which == SEL_FROM || which == SEL_TO) {
		*len = ipaddr_bytes(family);
		v = xcalloc((size_t)pl->n + 1, sizeof(*v));
		for (int i = 0; i < pl->n; i++) {
			const struct ipaddr *p = &pl->v[i];

			if (p->family != family)
				continue;
			memcpy(v[n].lo, p->a, (size_t)*len);
			memcpy(v[n].hi, p->a, (size_t)*len);
			v[n].open = add_pow2(v[n].hi, *len, *len * 8 - p->len);
			n++;
		}
	} else {
		*len = 2;
		v = xcalloc((size_t)ports->n + 1, sizeof(*v));
		for (int i = 0; i < ports->n; i++) {
			uint16_t lo = htons(ports->r[i].lo), hi = htons(ports->r[i].hi);

			memcpy(v[n].lo, &lo, 2);
			memcpy(v[n].hi, &hi, 2);
			v[n].open = add_pow2(v[n].hi, 2, 0);
			n++;
		}
	}
	*out = v;
	return merge(v, n, *len);
}

/* nftables datatypes (src/datatype.h), so nft(8) prints the elements readably. */
#define NFT_TYPE_INET_SERVICE 13

struct nftnl_set *sel_set_build(const struct selectors *s, enum sel_list which, int family,
				const char *table, const char *name, bool with_set,
				uint64_t *hash)
{
	struct nftnl_set *set = nftnl_set_alloc();
	struct ival *v;
	int len, n;

	if (!set)
		abort();
	n = list_ivals(s, which, family, &v, &len);
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(set, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(set, NFTNL_SET_NAME, name);
	if (with_set) {
		nftnl_set_set_u32(set, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
		nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, (uint32_t)len);
		nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE,
				  which >= SEL_SPORT	 ? NFT_TYPE_INET_SERVICE
				  : family == AF_INET ? NFT_TYPE_IPADDR
						      : NFT_TYPE_IP6ADDR);
		nft_set_key_order(set, false);
	}
	*hash = HASH64_INIT;
	for (int i = 0; i < n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		if (!e)
			abort();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, v[i].lo, (uint32_t)len);
		nftnl_set_elem_add(set, e);
		*hash = hash64(*hash, v[i].lo, (size_t)len);
		/* An interval reaching the end of the key space has no end element. */
		if (v[i].open) {
			*hash = hash64(*hash, "+", 1);
			continue;
		}
		e = nftnl_set_elem_alloc();
		if (!e)
			abort();
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, v[i].hi, (uint32_t)len);
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(set, e);
		*hash = hash64(*hash, v[i].hi, (size_t)len);
	}
	free(v);
	return set;
}

/* One merged interval as nft reads it: a prefix when it is one, else a range. */
static void ival_text(const struct ival *v, int len, int family, struct sbuf *b)
{
	uint8_t last[16];
	char lo[IPADDR_STRLEN], hi[IPADDR_STRLEN];
	int bits = len * 8, plen;

	if (len == 2) {
		uint16_t a, z;

		memcpy(&a, v->lo, 2);
		memcpy(&z, v->hi, 2);
		a = ntohs(a);
		z = v->open ? 65535 : (uint16_t)(ntohs(z) - 1);
		if (a == z)
			sb_add(b, "%u", a);
		else
			sb_add(b, "%u-%u", a, z);
		return;
	}
	/* hi - 1, the last address inside */
	memcpy(last, v->hi, (size_t)len);
	if (v->open)
		memset(last, 0xff, (size_t)len);
	else
		for (int i = len - 1; i >= 0 && last[i]-- == 0; i--)
			;
	/* A prefix: lo and last differ only in their low host bits. */
	for (plen = 0; plen < bits; plen++) {
		int byte = plen / 8, bit = 7 - plen % 8;

		if (((v->lo[byte] >> bit) & 1) != ((last[byte] >> bit) & 1))
			break;
	}
	bool prefix = true;

	for (int k = plen; k < bits && prefix; k++) {
		int byte = k / 8, bit = 7 - k % 8;

		prefix = !((v->lo[byte] >> bit) & 1) && ((last[byte] >> bit) & 1);
	}
	inet_ntop(family, v->lo, lo, sizeof(lo));
	if (prefix) {
		if (plen == bits)
			sb_add(b, "%s", lo);
		else
			sb_add(b, "%s/%d", lo, plen);
	} else {
		inet_ntop(family, last, hi, sizeof(hi));
		sb_add(b, "%s-%s", lo, hi);
	}
}

void sel_set_text(const struct selectors *s, enum sel_list which, int family, const char *nft,
		  const char *name, struct sbuf *b)
{
	struct ival *v;
	int len, n = list_ivals(s, which, family, &v, &len);

	sb_add(b, "%s add set inet pbr %s '{ type %s; flags interval; }'\n", nft, name,
	       which >= SEL_SPORT ? "inet_service" : family == AF_INET ? "ipv4_addr" : "ipv6_addr");
	sb_add(b, "%s add element inet pbr %s '{ ", nft, name);
	/* The merged intervals the kernel gets; a set from a file can hold thousands. */
	for (int i = 0; i < n; i++) {
		if (i == 8 && n > 10) {
			sb_add(b, ", ... %d more", n - i);
			break;
		}
		if (i)
			sb_add(b, ", ");
		ival_text(&v[i], len, family, b);
	}
	sb_add(b, " }'");
	free(v);
}

/* ---- expressions ---- */

static void match_family(struct nftnl_rule *r, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;

	nx_meta(r, NFT_META_NFPROTO, NFT_REG_1);
	nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &proto, 1);
}

static void match_ifname(struct nftnl_rule *r, uint32_t key, const char *name)
{
	char buf[IFNAMSIZ] = {0};

	/* The name, not the index: the rule survives the device being recreated (ppp0). */
	snprintf(buf, sizeof(buf), "%s", name);
	nx_meta(r, key, NFT_REG_1);
	nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, buf, IFNAMSIZ);
}

static void match_prefix(struct nftnl_rule *r, const struct prefix_list *l, int family,
			 uint32_t off, const char *set)
{
	uint32_t len = (uint32_t)ipaddr_bytes(family);
	const struct ipaddr *p = NULL;

	nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1);
	if (set[0]) {
		nx_lookup(r, set, NFT_REG_1, l->negate);
		return;
	}
	for (int i = 0; i < l->n; i++)
		if (l->v[i].family == family)
			p = &l->v[i];
	if (!p)
		return;
	if (p->len < len * 8) {
		uint8_t mask[16] = {0}, zero[16] = {0};

		for (int i = 0; i < (int)len; i++) {
			int bits = p->len - i * 8;

			mask[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		}
		nx_bitwise(r, NFT_REG_1, mask, zero, len);
	}
	nx_cmp(r, l->negate ? NFT_CMP_NEQ : NFT_CMP_EQ, NFT_REG_1, p->a, len);
}

static void match_ports(struct nftnl_rule *r, const struct port_list *l, uint32_t off,
			const char *set)
{
	uint16_t lo = htons(l->r[0].lo), hi = htons(l->r[0].hi);

	nx_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, off, 2, NFT_REG_1);
	if (set[0])
		nx_lookup(r, set, NFT_REG_1, l->negate);
	else if (lo == hi)
		nx_cmp(r, l->negate ? NFT_CMP_NEQ : NFT_CMP_EQ, NFT_REG_1, &lo, 2);
	else
		nx_range(r, l->negate ? NFT_RANGE_NEQ : NFT_RANGE_EQ, NFT_REG_1, &lo, &hi, 2);
}

void sel_exprs(struct nftnl_rule *r, const struct selectors *s, int family,
	       const struct sel_sets *sets)
{
	if (s->iif[0])
		match_ifname(r, NFT_META_IIFNAME, s->iif);
	if (s->oif[0])
		match_ifname(r, NFT_META_OIFNAME, s->oif);
	if (s->has_mac) {
		uint16_t ether = ARPHRD_ETHER;

		/* Only frames that came in with an Ethernet header have a source MAC. */
		nx_meta(r, NFT_META_IIFTYPE, NFT_REG_1);
		nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &ether, 2);
		nx_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_1);
		nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, s->mac, 6);
	}
	if (family)
		match_family(r, family);
	if (s->from.n)
		match_prefix(r, &s->from, family, family == AF_INET ? 12 : 8, sets->name[SEL_FROM]);
	if (s->to.n)
		match_prefix(r, &s->to, family, family == AF_INET ? 16 : 24, sets->name[SEL_TO]);
	if (s->has_proto) {
		nx_meta(r, NFT_META_L4PROTO, NFT_REG_1);
		nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &s->proto, 1);
	}
	if (s->sport.n)
		match_ports(r, &s->sport, 0, sets->name[SEL_SPORT]);
	if (s->dport.n)
		match_ports(r, &s->dport, 2, sets->name[SEL_DPORT]);
	if (s->states) {
		uint32_t mask = s->states, zero = 0;

		nx_ct(r, NFT_CT_STATE, NFT_REG_1);
		nx_bitwise(r, NFT_REG_1, &mask, &zero, 4);
		nx_cmp(r, NFT_CMP_NEQ, NFT_REG_1, &zero, 4);
	}
	if (s->dscp >= 0) {
		if (family == AF_INET) {
			uint8_t mask = 0xfc, zero = 0, v = (uint8_t)(s->dscp << 2);

			nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 1, 1, NFT_REG_1);
			nx_bitwise(r, NFT_REG_1, &mask, &zero, 1);
			nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, &v, 1);
		} else {
			/* Traffic class spans bits 4-11 of the IPv6 header; dscp its top six. */
			uint8_t mask[2] = {0x0f, 0xc0}, zero[2] = {0, 0};
			uint8_t v[2] = {(uint8_t)(s->dscp >> 2), (uint8_t)((s->dscp & 3) << 6)};

			nx_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 0, 2, NFT_REG_1);
			nx_bitwise(r, NFT_REG_1, mask, zero, 2);
			nx_cmp(r, NFT_CMP_EQ, NFT_REG_1, v, 2);
		}
	}
}

/* ---- matching one packet (pbr explain) ---- */

static bool prefixes_match(const struct prefix_list *l, const struct ipaddr *a, int family)
{
	bool any = false, hit = false;

	if (!l->n)
		return true;
	/* Without a prefix of the packet's family there is no rule for it at all. */
	for (int i = 0; i < l->n; i++)
		any |= l->v[i].family == family;
	if (!any || a->family != family)
		return false;
	for (int i = 0; i < l->n && !hit; i++)
		hit = ipaddr_in_prefix(a, &l->v[i]);
	return l->negate ? !hit : hit;
}

static bool ports_match(const struct port_list *l, uint16_t port)
{
	bool hit = false;

	if (!l->n)
		return true;
	if (!port)
		return false;
	for (int i = 0; i < l->n && !hit; i++)
		hit = port >= l->r[i].lo && port <= l->r[i].hi;
	return l->negate ? !hit : hit;
}

bool sel_match(const struct selectors *s, const struct pkt *p)
{
	if (s->iif[0] && strcmp(s->iif, p->iif))
		return false;
	if (s->oif[0] && strcmp(s->oif, p->oif))
		return false;
	if (s->has_mac && (!p->has_mac || memcmp(s->mac, p->mac, 6)))
		return false;
	if (!prefixes_match(&s->from, &p->src, p->family) ||
	    !prefixes_match(&s->to, &p->dst, p->family))
		return false;
	if (s->has_proto && s->proto != p->proto)
		return false;
	if (!ports_match(&s->sport, p->sport) || !ports_match(&s->dport, p->dport))
		return false;
	if (s->states && !(s->states & p->state))
		return false;
	if (s->dscp >= 0 && s->dscp != (p->dscp < 0 ? 0 : p->dscp))
		return false;
	return true;
}

uint8_t sel_state_bit(const char *word)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(states[i].name, word))
			return states[i].bit;
	return 0;
}

static bool same_prefixes(const struct prefix_list *a, const struct prefix_list *b)
{
	if (a->negate != b->negate || a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!ipaddr_equal(&a->v[i], &b->v[i]))
			return false;
	return true;
}

static bool prefixes_cover(const struct prefix_list *a, const struct prefix_list *b)
{
	if (!a->n)
		return true;
	if (!b->n)
		return false;
	if (a->negate || b->negate)
		return same_prefixes(a, b);
	for (int i = 0; i < b->n; i++) {
		bool in = false;

		for (int j = 0; j < a->n && !in; j++)
			in = b->v[i].len >= a->v[j].len && ipaddr_in_prefix(&b->v[i], &a->v[j]);
		if (!in)
			return false;
	}
	return true;
}

static bool ports_cover(const struct port_list *a, const struct port_list *b)
{
	if (!a->n)
		return true;
	if (!b->n)
		return false;
	if (a->negate || b->negate)
		return a->negate == b->negate && a->n == b->n &&
		       !memcmp(a->r, b->r, (size_t)a->n * sizeof(a->r[0]));
	for (int i = 0; i < b->n; i++) {
		bool in = false;

		for (int j = 0; j < a->n && !in; j++)
			in = b->r[i].lo >= a->r[j].lo && b->r[i].hi <= a->r[j].hi;
		if (!in)
			return false;
	}
	return true;
}

bool sel_covers(const struct selectors *a, const struct selectors *b)
{
	if (a->iif[0] && strcmp(a->iif, b->iif))
		return false;
	if (a->oif[0] && strcmp(a->oif, b->oif))
		return false;
	if (a->has_mac && (!b->has_mac || memcmp(a->mac, b->mac, 6)))
		return false;
	if (a->has_proto && (!b->has_proto || a->proto != b->proto))
		return false;
	if (a->states && (!b->states || (b->states & ~a->states)))
		return false;
	if (a->dscp >= 0 && a->dscp != b->dscp)
		return false;
	return prefixes_cover(&a->from, &b->from) && prefixes_cover(&a->to, &b->to) &&
	       ports_cover(&a->sport, &b->sport) && ports_cover(&a->dport, &b->dport);
}
