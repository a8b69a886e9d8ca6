/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_RT_H
#define PBR_RT_H

#include <linux/netlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

/* A FIB rule as pbr models it. Fields pbr does not model mark it foreign. */
struct rule {
	uint8_t family;
	uint8_t action;	  /* FR_ACT_*; pbr makes FR_ACT_TO_TBL only */
	uint8_t protocol; /* RTPROT_*; PBR_PROTO for pbr's own */
	uint8_t tos;
	uint8_t ipproto;
	bool invert;
	bool has_pref;
	bool has_fwmark;
	bool foreign; /* carries attributes pbr does not model (goto, uidrange, ...) */
	uint32_t table;
	uint32_t pref;
	uint32_t fwmark, fwmask;
	int32_t suppress_prefixlen; /* -1: none */
	struct ipaddr src, dst;	    /* family 0: any */
	char iif[IFNAMSIZ], oif[IFNAMSIZ];
	struct port_range sport, dport; /* lo == hi == 0: any */
	uint64_t hash; /* rule_hash(), cached by lib/state.c */
};

void rule_init(struct rule *r, int family);
int rule_from_msg(const struct nlmsghdr *nlh, struct rule *r);
/* Build RTM_NEWRULE/RTM_DELRULE into buf (at least RT_MSG_SIZE bytes). */
struct nlmsghdr *rule_msg(void *buf, uint16_t type, uint16_t flags, const struct rule *r);
/* Same selectors and table (pref and protocol aside). */
bool rule_same(const struct rule *a, const struct rule *b);
/* A hash of exactly what rule_same() compares: equal rules hash equal. */
uint64_t rule_hash(const struct rule *r);
/* "from X to Y fwmark 0x1/0xff lookup T" as ip rule prints it. */
char *rule_words(const struct rule *r);
/* "ip [-6] rule add|del ... pref N proto pbr". */
char *rule_cmd(const char *verb, const struct rule *r);
/* Print one rule through out_* (text: one line; JSON: one object). */
void rule_print(const struct rule *r);

#define RT_MAX_NH 32
#define RT_MSG_SIZE 4096

struct nexthop {
	struct ipaddr gw; /* family 0: none */
	int ifindex;
	uint16_t weight; /* 1-256: rtnh_hops + 1 */
	bool onlink;
};

/* A route as pbr models it. */
struct route {
	uint8_t family;
	uint8_t type;	  /* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE, ... */
	uint8_t protocol;
	uint8_t scope;
	uint8_t tos;
	bool multipath;
	bool foreign; /* encap, metrics, nexthop objects, ... */
	uint32_t table;
	uint32_t metric;
	struct ipaddr dst; /* len 0: default */
	struct ipaddr src; /* preferred source; family 0: none */
	int nh_n;
	struct nexthop nh[RT_MAX_NH];
};

void route_init(struct route *r, int family);
int route_from_msg(const struct nlmsghdr *nlh, struct route *r);
struct nlmsghdr *route_msg(void *buf, uint16_t type, uint16_t flags, const struct route *r);
/* The kernel's identity of a route in a table: family, dst, tos, metric. */
bool route_same_key(const struct route *a, const struct route *b);
/* Everything pbr sets is equal (type, nexthops, weights, onlink, src). */
bool route_same(const struct route *a, const struct route *b);
/* The metric the kernel gives a route added without one. */
uint32_t route_default_metric(int family);
char *route_words(const struct route *r);
char *route_cmd(const char *verb, const struct route *r);
void route_print(const struct route *r);

/* The kernel's answer to one route lookup (RTM_GETROUTE), as ip route get. */
struct route_query {
	int family;
	struct ipaddr dst, src; /* src.family 0: none */
	int iif;		/* 0: this machine's own packet */
	int oif;		/* 0: any */
	uint32_t mark;
	uint8_t proto;
	uint16_t sport, dport;
};
struct route_answer {
	int error;	/* 0, or the kernel's -errno: -EXDEV is rp_filter's drop */
	uint8_t type;	/* RTN_UNICAST, RTN_LOCAL, ... */
	uint32_t table; /* where the FIB lookup found it */
	int oif;
	struct ipaddr gw, prefsrc; /* family 0: none */
};
/* Ask the kernel; the answer's error is the kernel's, the return value ours. */
int route_get(const struct route_query *q, struct route_answer *a);

/*
 * Reverse-path filtering of a packet from src arriving on iif, as the kernel
 * does it (fib_validate_source): the effective mode (0 off, 1 strict,
 * 2 loose), whether it drops the packet, and the interface the way back
 * leads out of (0: none). The kernel only says "Invalid argument" for every
 * input drop; this tells rp_filter's from the others. IPv4 only.
 */
struct rp_verdict {
	int mode;
	bool drops;
	int back_oif;
	bool used_mark; /* src_valid_mark on: the lookup used the packet's mark */
};
int rp_filter_verdict(int iif, const struct ipaddr *src, const struct ipaddr *dst, bool dst_local,
		      uint32_t mark, struct rp_verdict *v);

/* "ip" or "ip -n NS" and " -6" as needed, for command texts. */
const char *ip_cmd(int family);
/* Protocol number as ip(8) names it (pbr included). */
const char *rt_proto_str(uint8_t proto, char *buf, size_t n);

#endif
