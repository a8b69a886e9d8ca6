/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_LEASE_H
#define PBR_LEASE_H

#include <net/if.h>

#include "parse.h"

/*
 * A DHCP client hook's view of a lease, read from its environment:
 * udhcpc ($1; interface ip mask subnet router dns) or dhclient and dhcpcd
 * ($reason; interface new_ip_address new_subnet_mask new_subnet_cidr
 * new_routers new_domain_name_servers). Parsing touches nothing and trusts
 * nothing: the values are the DHCP server's words.
 */

#define LEASE_MAX_ROUTERS 8
#define LEASE_MAX_DNS 8

enum lease_kind {
	LEASE_UP,     /* bound, renew, rebind, reboot */
	LEASE_DOWN,   /* deconfig, leasefail, nak, expire, release, stop, fail */
	LEASE_IGNORE, /* an event that changes no route (preinit, carrier, ...) */
};

struct lease {
	enum lease_kind kind;
	char event[32];
	char ifname[IFNAMSIZ];
	struct ipaddr ip; /* len = the lease's prefix length */
	struct ipaddr routers[LEASE_MAX_ROUTERS];
	int nrouters;
	struct ipaddr dns[LEASE_MAX_DNS];
	int ndns;
};

/* Looks a variable up; NULL when unset. */
typedef const char *(*lease_getenv_fn)(const char *name, void *ctx);

/*
 * event: the word given on the command line (udhcpc's $1), or NULL to take
 * $reason. Usage errors name the variable or the value at fault.
 */
int lease_parse(const char *event, lease_getenv_fn get, void *ctx, struct lease *l);

#endif
