/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_PARSE_H
#define PBR_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Word parsers. Each returns 0, or records a usage error naming the word
 * (err_usage) and returns -EINVAL. None of them touches the system.
 */

/* An IPv4 or IPv6 address or prefix. family 0 means "none given". */
struct ipaddr {
	uint8_t family;
	uint8_t len; /* prefix length; 32 or 128 for a host */
	uint8_t a[16];
};

#define IPADDR_STRLEN 64

/* Plain numbers: decimal or 0x-hex, no sign, no trailing junk. */
int parse_u32(const char *s, uint32_t *v);
/* A number in [lo, hi]; on error: invalid WHAT "s" (lo-hi). */
int parse_num(const char *what, const char *s, uint32_t lo, uint32_t hi, uint32_t *v);

/* Address of family (0: either); a prefix length is an error. */
int parse_addr(const char *s, int family, struct ipaddr *a);
/* Prefix ADDR[/LEN]; host bits must be zero. "default" is not accepted here. */
int parse_prefix(const char *s, int family, struct ipaddr *p);
/* PREFIX or "default" (family 0, len 0 when no family is known). */
int parse_prefix_or_default(const char *s, int family, struct ipaddr *p);
/* Print as ip(8) does: bare address for a host, ADDR/LEN otherwise, "default" for /0. */
const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t n);
/* Always ADDR/LEN (for JSON). */
const char *ipaddr_prefix_str(const struct ipaddr *a, char *buf, size_t n);
/* Just the address, no length. */
const char *ipaddr_addr_str(const struct ipaddr *a, char *buf, size_t n);
bool ipaddr_equal(const struct ipaddr *x, const struct ipaddr *y);
/* Is addr inside prefix? */
bool ipaddr_in_prefix(const struct ipaddr *addr, const struct ipaddr *prefix);
int ipaddr_bytes(int family);

/* MARK or MARK/MASK; MARK alone has mask 0xffffffff and *has_mask false. */
int parse_mark(const char *s, uint32_t *mark, uint32_t *mask, bool *has_mask);

/* PORT or PORT-PORT. */
struct port_range {
	uint16_t lo, hi;
};
int parse_port_range(const char *s, struct port_range *r);
/* PORT[-PORT][,PORT[-PORT]...]; at most max ranges. */
int parse_port_list(const char *s, struct port_range *r, size_t max, size_t *n);

/* An interface name as the kernel accepts it (no existence check). */
int parse_ifname(const char *s);
/* tcp, udp, icmp, icmpv6, sctp, ... or 0-255. */
int parse_l4proto(const char *s, uint8_t *proto);
const char *l4proto_name(uint8_t proto, char *buf, size_t n);
/* 6-byte MAC, colon separated. */
int parse_mac(const char *s, uint8_t mac[6]);
/* A table name pbr may register: letter first, then [A-Za-z0-9_.-], at most 63. */
int parse_table_name(const char *s);

/* Split a batch line into words (whitespace, "double" and 'single' quotes,
 * backslash escapes, # comments). Returns the word count, or -EINVAL with a
 * usage error. words point into buf, which is modified. */
int split_words(char *buf, char **words, int max);

#endif
