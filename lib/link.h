/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_LINK_H
#define PBR_LINK_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* An interface with its per-device IPv4/IPv6 settings as rtnetlink reports them. */
struct link {
	int ifindex;
	char name[IFNAMSIZ];
	unsigned int flags; /* IFF_* */
	unsigned short type; /* ARPHRD_* */
	uint8_t mac[6];
	unsigned int mtu;
	bool has_v4conf, has_v6conf;
	uint32_t v4conf[IPV4_DEVCONF_MAX + 1]; /* indexed by IPV4_DEVCONF_* */
	int32_t v6conf[DEVCONF_MAX];	      /* indexed by DEVCONF_* */
};

/* Every interface (one RTM_GETLINK dump); free() the array. */
int link_dump(struct link **out, size_t *n);

/* ifindex of an existing device, or a usage error 'no such device "NAME"'. */
int dev_index(const char *name, int *ifindex);

/* An address on an interface. */
struct ifa_entry {
	int ifindex;
	struct ipaddr addr; /* len = prefix length */
	uint8_t scope;
	uint32_t flags; /* IFA_F_* */
};

/* Every address of family (0: both); free() the array. */
int addr_dump(int family, struct ifa_entry **out, size_t *n);
/* Is a (its family's bytes) one of the n addresses in v? */
bool addr_list_has(const struct ifa_entry *v, size_t n, const struct ipaddr *a);

#endif
