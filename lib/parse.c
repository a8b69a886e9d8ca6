// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "parse.h"
#include "pbr.h"

int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x = 0;
	int base = 10;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -EINVAL;
	}
	for (; *p; p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		x = x * base + d;
		if (x > 0xffffffffull)
			return -ERANGE;
	}
	*v = (uint32_t)x;
	return 0;
}

int parse_num(const char *what, const char *s, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char msg[96];
	uint32_t x;

	snprintf(msg, sizeof(msg), "invalid %s", what);
	if (parse_u32(s, &x) < 0 || x < lo || x > hi)
		return err_usage(msg, s, "%u-%u", lo, hi);
	*v = x;
	return 0;
}

int ipaddr_bytes(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static int addr_any(const char *s, int family, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if ((family == AF_UNSPEC || family == AF_INET) && strchr(s, '.') && !strchr(s, ':')) {
		/* inet_pton accepts only dotted quads: no "10.1", no octal. */
		if (inet_pton(AF_INET, s, a->a) != 1)
			return -EINVAL;
		a->family = AF_INET;
		a->len = 32;
		return 0;
	}
	if ((family == AF_UNSPEC || family == AF_INET6) && strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, a->a) != 1)
			return -EINVAL;
		a->family = AF_INET6;
		a->len = 128;
		return 0;
	}
	return -EINVAL;
}

static const char *family_word(int family)
{
	return family == AF_INET ? "IPv4" : family == AF_INET6 ? "IPv6" : "IP";
}

int parse_addr(const char *s, int family, struct ipaddr *a)
{
	struct ipaddr tmp;

	if (addr_any(s, AF_UNSPEC, &tmp) < 0)
		return err_usage("invalid address", s, NULL);
	if (family && tmp.family != family)
		return err_usage("address family mismatch", s, "expected %s", family_word(family));
	*a = tmp;
	return 0;
}

static void mask_bits(struct ipaddr *p, uint8_t *out)
{
	int bytes = ipaddr_bytes(p->family);

	for (int i = 0; i < bytes; i++) {
		int bits = p->len - i * 8;

		out[i] = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

int parse_prefix(const char *s, int family, struct ipaddr *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash;
	uint8_t m[16];
	uint32_t len;
	int max;

	if (strlen(s) >= sizeof(buf))
		return err_usage("invalid prefix", s, NULL);
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	if (addr_any(buf, AF_UNSPEC, p) < 0)
		return err_usage("invalid prefix", s, NULL);
	if (family && p->family != family)
		return err_usage("address family mismatch", s, "expected %s", family_word(family));
	max = p->family == AF_INET ? 32 : 128;
	if (slash) {
		if (parse_u32(slash + 1, &len) < 0 || len > (uint32_t)max ||
		    (slash[1] == '0' && slash[2]))
			return err_usage("invalid prefix length", s, "0-%d", max);
		p->len = (uint8_t)len;
	}
	mask_bits(p, m);
	for (int i = 0; i < ipaddr_bytes(p->family); i++) {
		if (p->a[i] & ~m[i]) {
			struct ipaddr net = *p;
			char nb[IPADDR_STRLEN];

			for (int j = 0; j < 16; j++)
				net.a[j] &= j < ipaddr_bytes(p->family) ? m[j] : 0;
			return err_usage("invalid prefix", s, "host bits set; the network is %s",
					 ipaddr_prefix_str(&net, nb, sizeof(nb)));
		}
	}
	return 0;
}

int parse_prefix_or_default(const char *s, int family, struct ipaddr *p)
{
	if (strcmp(s, "default") == 0 || strcmp(s, "all") == 0) {
		memset(p, 0, sizeof(*p));
		p->family = (uint8_t)family;
		p->len = 0;
		return 0;
	}
	return parse_prefix(s, family, p);
}

const char *ipaddr_addr_str(const struct ipaddr *a, char *buf, size_t n)
{
	if (!a->family || !inet_ntop(a->family, a->a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
	return buf;
}

const char *ipaddr_prefix_str(const struct ipaddr *a, char *buf, size_t n)
{
	char ab[INET6_ADDRSTRLEN];

	if (!a->family)
		snprintf(buf, n, "default");
	else
		snprintf(buf, n, "%s/%u", ipaddr_addr_str(a, ab, sizeof(ab)), a->len);
	return buf;
}

const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t n)
{
	if (!a->family || a->len == 0)
		snprintf(buf, n, "default");
	else if (a->len == (a->family == AF_INET ? 32 : 128))
		ipaddr_addr_str(a, buf, n);
	else
		ipaddr_prefix_str(a, buf, n);
	return buf;
}

bool ipaddr_equal(const struct ipaddr *x, const struct ipaddr *y)
{
	if (x->family != y->family || x->len != y->len)
		return false;
	if (!x->family)
		return true;
	return memcmp(x->a, y->a, ipaddr_bytes(x->family)) == 0;
}

bool ipaddr_in_prefix(const struct ipaddr *addr, const struct ipaddr *prefix)
{
	struct ipaddr p = *prefix;
	uint8_t m[16];

	if (addr->family != prefix->family)
		return false;
	mask_bits(&p, m);
	for (int i = 0; i < ipaddr_bytes(p.family); i++)
		if ((addr->a[i] & m[i]) != (prefix->a[i] & m[i]))
			return false;
	return true;
}

int parse_mark(const char *s, uint32_t *mark, uint32_t *mask, bool *has_mask)
{
	char buf[32];
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return err_usage("invalid mark", s, "MARK or MARK/MASK, 32-bit numbers");
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	if (parse_u32(buf, mark) < 0)
		return err_usage("invalid mark", s, "MARK or MARK/MASK, 32-bit numbers");
	*mask = 0xffffffffu;
	*has_mask = false;
	if (slash) {
		if (parse_u32(slash, mask) < 0 || *mask == 0)
			return err_usage("invalid mark mask", s, "a non-zero 32-bit number");
		*has_mask = true;
		if (*mark & ~*mask)
			return err_usage("invalid mark", s, "mark has bits outside its mask");
	}
	return 0;
}

static int port_one(const char *s, const char *whole, uint16_t *p)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v > 65535 || (s[0] == '0' && s[1] == 'x'))
		return err_usage("invalid port", whole, "0-65535");
	*p = (uint16_t)v;
	return 0;
}

int parse_port_range(const char *s, struct port_range *r)
{
	char buf[16];
	char *dash;

	if (strlen(s) >= sizeof(buf) || !*s)
		return err_usage("invalid port", s, "0-65535");
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash++ = 0;
	if (port_one(buf, s, &r->lo) < 0)
		return -EINVAL;
	r->hi = r->lo;
	if (dash) {
		if (port_one(dash, s, &r->hi) < 0)
			return -EINVAL;
		if (r->hi < r->lo)
			return err_usage("invalid port range", s, "first port above last");
	}
	return 0;
}

int parse_port_list(const char *s, struct port_range *r, size_t max, size_t *n)
{
	const char *p = s;

	*n = 0;
	if (!*s)
		return err_usage("invalid port", s, "0-65535");
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char one[16];

		if (len == 0 || len >= sizeof(one))
			return err_usage("invalid port list", s, NULL);
		if (*n >= max)
			return err_usage("too many ports", s, "at most %zu ranges", max);
		memcpy(one, p, len);
		one[len] = 0;
		if (parse_port_range(one, &r[*n]) < 0)
			return err_usage("invalid port", s, "0-65535");
		(*n)++;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				return err_usage("invalid port list", s, NULL);
		}
	}
	return 0;
}

int parse_ifname(const char *s)
{
	size_t n = strlen(s);

	/* dev_valid_name() in the kernel: 1..15 bytes, no '/', ':' or space, not "." or "..". */
	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return err_usage("invalid device name", s, NULL);
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return err_usage("invalid device name", s, NULL);
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} l4protos[] = {
	{"icmp", 1}, {"igmp", 2}, {"tcp", 6}, {"udp", 17}, {"dccp", 33}, {"gre", 47}, {"esp", 50},
	{"ah", 51}, {"icmpv6", 58}, {"sctp", 132}, {"udplite", 136},
};

int parse_l4proto(const char *s, uint8_t *proto)
{
	uint32_t v;

	for (size_t i = 0; i < ARRAY_SIZE(l4protos); i++) {
		if (!strcmp(s, l4protos[i].name)) {
			*proto = l4protos[i].num;
			return 0;
		}
	}
	if (!strcmp(s, "ipv6-icmp")) {
		*proto = 58;
		return 0;
	}
	if (parse_u32(s, &v) < 0 || v > 255)
		return err_usage("unknown protocol", s,
				 "tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre, esp, ah or 0-255");
	*proto = (uint8_t)v;
	return 0;
}

const char *l4proto_name(uint8_t proto, char *buf, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(l4protos); i++)
		if (l4protos[i].num == proto)
			return l4protos[i].name;
	snprintf(buf, n, "%u", proto);
	return buf;
}

int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return err_usage("invalid MAC address", s, "xx:xx:xx:xx:xx:xx");
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]))
			return err_usage("invalid MAC address", s, "xx:xx:xx:xx:xx:xx");
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int parse_table_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || !isalpha((unsigned char)s[0]))
		return err_usage("invalid table name", s,
				 "a letter, then letters, digits, '_', '.' or '-'");
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return err_usage("invalid table name", s,
					 "a letter, then letters, digits, '_', '.' or '-'");
	return 0;
}

int split_words(char *buf, char **words, int max)
{
	char *r = buf, *w = buf;
	int n = 0;

	for (;;) {
		char quote = 0;
		char *start;

		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			break;
		if (n >= max)
			return err_usagef("too many words on one line (at most %d)", max);
		start = w;
		while (*r) {
			if (quote) {
				if (*r == quote) {
					quote = 0;
					r++;
					continue;
				}
				if (quote == '"' && *r == '\\' && r[1])
					r++;
				*w++ = *r++;
				continue;
			}
			if (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
				break;
			if (*r == '"' || *r == '\'') {
				quote = *r++;
				continue;
			}
			if (*r == '\\' && r[1])
				r++;
			*w++ = *r++;
		}
		if (quote)
			return err_usagef("unterminated quote");
		if (*r)
			r++;
		*w++ = 0;
		words[n++] = start;
	}
	return n;
}
