// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "err.h"
#include "lease.h"
#include "pbr.h"

static const struct {
	const char *name;
	enum lease_kind kind;
} events[] = {
	/* udhcpc's $1 */
	{"bound", LEASE_UP},
	{"renew", LEASE_UP},
	{"deconfig", LEASE_DOWN},
	{"leasefail", LEASE_DOWN},
	{"nak", LEASE_DOWN},
	/* dhclient's and dhcpcd's $reason */
	{"rebind", LEASE_UP},
	{"reboot", LEASE_UP},
	{"expire", LEASE_DOWN},
	{"release", LEASE_DOWN},
	{"stop", LEASE_DOWN},
	{"fail", LEASE_DOWN},
	{"timeout", LEASE_DOWN},
	{"stopped", LEASE_DOWN},
	{"departed", LEASE_DOWN},
	{"nocarrier", LEASE_DOWN},
	{"preinit", LEASE_IGNORE},
	{"medium", LEASE_IGNORE},
	{"arpcheck", LEASE_IGNORE},
	{"arpsend", LEASE_IGNORE},
	{"carrier", LEASE_IGNORE},
	{"inform", LEASE_IGNORE},
	{"ipv4ll", LEASE_IGNORE},
	{"test", LEASE_IGNORE},
	{"routeradvert", LEASE_IGNORE},
	{"bound6", LEASE_IGNORE},
	{"renew6", LEASE_IGNORE},
	{"rebind6", LEASE_IGNORE},
	{"reboot6", LEASE_IGNORE},
	{"expire6", LEASE_IGNORE},
	{"release6", LEASE_IGNORE},
	{"stop6", LEASE_IGNORE},
	{"inform6", LEASE_IGNORE},
};

/* The first of several names that is set (udhcpc's, then dhclient's, ...). */
static const char *first(lease_getenv_fn get, void *ctx, const char *const *names,
			 const char **which)
{
	for (; *names; names++) {
		const char *v = get(*names, ctx);

		if (v && *v) {
			*which = *names;
			return v;
		}
	}
	*which = names[-1];
	return NULL;
}

/* Dotted mask to a prefix length; -1 if the ones are not contiguous. */
static int mask_len(const char *s)
{
	struct in_addr m;
	uint32_t v;
	int n = 0;

	if (inet_pton(AF_INET, s, &m) != 1)
		return -1;
	v = ntohl(m.s_addr);
	while (v & 0x80000000u) {
		n++;
		v <<= 1;
	}
	return v ? -1 : n;
}

/* A space-separated list of IPv4 addresses into v (at most max). */
static int addr_list(const char *name, const char *s, struct ipaddr *v, int max, int *n)
{
	char word[64];

	*n = 0;
	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		len = strcspn(s, " \t");
		if (len >= sizeof(word)) {
			snprintf(word, sizeof(word), "%.40s...", s);
			return err_usage("invalid address in", name, "%s", word);
		}
		memcpy(word, s, len);
		word[len] = 0;
		s += len;
		if (*n >= max)
			continue; /* more than pbr uses: the first ones count */
		if (parse_addr(word, AF_INET, &v[*n]) < 0) {
			err_clear();
			return err_usage("invalid address", word, "in $%s", name);
		}
		(*n)++;
	}
	return 0;
}

int lease_parse(const char *event, lease_getenv_fn get, void *ctx, struct lease *l)
{
	static const char *const ifn[] = {"interface", NULL};
	static const char *const ipn[] = {"ip", "new_ip_address", NULL};
	static const char *const cidrn[] = {"mask", "new_subnet_cidr", NULL};
	static const char *const maskn[] = {"subnet", "new_subnet_mask", NULL};
	static const char *const rtn[] = {"router", "new_routers", NULL};
	static const char *const dnsn[] = {"dns", "new_domain_name_servers", NULL};
	const char *v, *which;
	uint32_t len;
	size_t i;
	int rc, n;

	memset(l, 0, sizeof(*l));
	if (!event) {
		event = get("reason", ctx);
		if (!event || !*event)
			return err_usage("no event: give it as a word or set", "reason",
					 "udhcpc passes it as $1");
	}
	if (strlen(event) >= sizeof(l->event))
		return err_usage("unknown event", "", "%.40s...", event);
	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (!strcasecmp(event, events[i].name))
			break;
	if (i == ARRAY_SIZE(events))
		return err_usage("unknown event", event,
				 "bound, renew, rebind, reboot, deconfig, leasefail, nak, expire, "
				 "release, stop");
	snprintf(l->event, sizeof(l->event), "%s", events[i].name);
	l->kind = events[i].kind;

	v = first(get, ctx, ifn, &which);
	if (!v)
		return err_usage("missing in the environment:", "interface", NULL);
	if (parse_ifname(v) < 0)
		return -EINVAL;
	snprintf(l->ifname, sizeof(l->ifname), "%s", v);
	if (l->kind != LEASE_UP)
		return 0;

	v = first(get, ctx, ipn, &which);
	if (!v)
		return err_usage("missing in the environment:", "ip", "or new_ip_address");
	if (parse_addr(v, AF_INET, &l->ip) < 0) {
		err_clear();
		return err_usage("invalid address", v, "in $%s", which);
	}
	v = first(get, ctx, cidrn, &which);
	if (v) {
		if ((rc = parse_num("prefix length", v, 1, 32, &len)) < 0)
			return rc;
	} else {
		v = first(get, ctx, maskn, &which);
		if (!v)
			return err_usage("missing in the environment:", "mask",
					 "or subnet, new_subnet_mask");
		n = mask_len(v);
		if (n < 1)
			return err_usage("invalid subnet mask", v, "in $%s", which);
		len = (uint32_t)n;
	}
	l->ip.len = (uint8_t)len;
	v = first(get, ctx, rtn, &which);
	if (v && (rc = addr_list(which, v, l->routers, LEASE_MAX_ROUTERS, &l->nrouters)) < 0)
		return rc;
	v = first(get, ctx, dnsn, &which);
	if (v && (rc = addr_list(which, v, l->dns, LEASE_MAX_DNS, &l->ndns)) < 0)
		return rc;
	return 0;
}
