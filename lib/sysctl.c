// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "parse.h"
#include "pbr.h"
#include "sysctl.h"

static const struct sc_key v4[] = {
	{"forwarding", AF_INET, IPV4_DEVCONF_FORWARDING, 1, SC_DEV, true},
	{"rp_filter", AF_INET, IPV4_DEVCONF_RP_FILTER, 2, SC_MAX, false},
	{"proxy_arp", AF_INET, IPV4_DEVCONF_PROXY_ARP, 1, SC_OR, false},
	{"arp_filter", AF_INET, IPV4_DEVCONF_ARPFILTER, 1, SC_OR, false},
	{"arp_ignore", AF_INET, IPV4_DEVCONF_ARP_IGNORE, 8, SC_MAX, false},
	{"arp_announce", AF_INET, IPV4_DEVCONF_ARP_ANNOUNCE, 2, SC_MAX, false},
	{"route_localnet", AF_INET, IPV4_DEVCONF_ROUTE_LOCALNET, 1, SC_OR, false},
	{"src_valid_mark", AF_INET, IPV4_DEVCONF_SRC_VMARK, 1, SC_OR, false},
	{"accept_local", AF_INET, IPV4_DEVCONF_ACCEPT_LOCAL, 1, SC_OR, false},
	{"send_redirects", AF_INET, IPV4_DEVCONF_SEND_REDIRECTS, 1, SC_OR, false},
	{"accept_redirects", AF_INET, IPV4_DEVCONF_ACCEPT_REDIRECTS, 1, SC_RXREDIR, false},
};

static const struct sc_key v6[] = {
	{"forwarding", AF_INET6, DEVCONF_FORWARDING, 1, SC_DEV, true},
	{"accept_ra", AF_INET6, DEVCONF_ACCEPT_RA, 2, SC_DEV, false},
	{"accept_redirects", AF_INET6, DEVCONF_ACCEPT_REDIRECTS, 1, SC_DEV, false},
	{"proxy_ndp", AF_INET6, DEVCONF_PROXY_NDP, 1, SC_DEV, false},
	{"disable_ipv6", AF_INET6, DEVCONF_DISABLE_IPV6, 1, SC_DEV, false},
};

const struct sc_key *sc_keys(int family, size_t *n)
{
	if (family == AF_INET6) {
		*n = ARRAY_SIZE(v6);
		return v6;
	}
	*n = ARRAY_SIZE(v4);
	return v4;
}

const struct sc_key *sc_key_find(const char *name, int family)
{
	size_t n;
	const struct sc_key *k = sc_keys(family, &n);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(k[i].name, name))
			return &k[i];
	return NULL;
}

bool sc_value_ok(const struct sc_key *k, uint32_t v)
{
	if (k->family == AF_INET && k->idx == IPV4_DEVCONF_ARP_IGNORE)
		return v <= 3 || v == 8;
	return v <= k->max;
}

const char *sc_range_str(const struct sc_key *k, char *buf, size_t n)
{
	if (k->family == AF_INET && k->idx == IPV4_DEVCONF_ARP_IGNORE)
		snprintf(buf, n, "0-3 or 8");
	else
		snprintf(buf, n, "0-%u", k->max);
	return buf;
}

void sc_path(const struct sc_key *k, const char *scope, char *buf, size_t n)
{
	const char *fam = k->family == AF_INET6 ? "ipv6" : "ipv4";

	/* The machine-wide IPv4 switch is ip_forward (it also sets conf/all/forwarding). */
	if (!scope && k->family == AF_INET)
		snprintf(buf, n, "/proc/sys/net/ipv4/ip_forward");
	else
		snprintf(buf, n, "/proc/sys/net/%s/conf/%s/%s", fam, scope ? scope : "all",
			 k->name);
}

void sc_dotted(const char *path, char *buf, size_t n)
{
	const char *p = path;
	size_t i = 0;

	if (!strncmp(p, "/proc/sys/", 10))
		p += 10;
	/* sysctl(8) writes a dot inside a component (eth0.2) as '/'. */
	for (; *p && i + 1 < n; p++) {
		if (*p == '/')
			buf[i++] = '.';
		else if (*p == '.')
			buf[i++] = '/';
		else
			buf[i++] = *p;
	}
	buf[i] = 0;
}

int sc_from_full(const char *full, char *path, size_t n, const struct sc_key **k, char *dev,
		 size_t devn)
{
	static const struct {
		const char *prefix;
		int family;
	} conf[] = {{"net.ipv4.conf.", AF_INET}, {"net.ipv6.conf.", AF_INET6}};
	const char *p;
	size_t i = 0;

	*k = NULL;
	dev[0] = 0;
	if (strncmp(full, "net.", 4) || strstr(full, "..") || strchr(full, '/') == full)
		return err_usage("unknown sysctl key", full, "pbr handles net.* keys");
	for (size_t c = 0; c < ARRAY_SIZE(conf); c++) {
		size_t pl = strlen(conf[c].prefix);
		const char *last = strrchr(full, '.');

		if (strncmp(full, conf[c].prefix, pl) || last <= full + pl)
			continue;
		/* net.ipv4.conf.DEV.KEY: DEV may itself hold dots (eth0.2). */
		snprintf(dev, devn, "%.*s", (int)(last - full - pl), full + pl);
		for (char *d = dev; *d; d++)
			if (*d == '/')
				*d = '.';
		*k = sc_key_find(last + 1, conf[c].family);
		snprintf(path, n, "/proc/sys/net/%s/conf/%s/%s",
			 conf[c].family == AF_INET6 ? "ipv6" : "ipv4", dev, last + 1);
		goto check;
	}
	i = (size_t)snprintf(path, n, "/proc/sys/");
	for (p = full; *p && i + 1 < n; p++)
		path[i++] = *p == '.' ? '/' : *p == '/' ? '.' : *p;
	path[i] = 0;
	if (!strcmp(full, "net.ipv4.ip_forward"))
		*k = sc_key_find("forwarding", AF_INET);
check:
	if (access(path, F_OK) < 0)
		return err_usage("unknown sysctl key", full, NULL);
	return 0;
}

int sc_read(const char *path, char *val, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read(fd, val, n - 1);
	close(fd);
	if (r < 0)
		return -errno;
	val[r] = 0;
	while (r > 0 && (val[r - 1] == '\n' || val[r - 1] == ' '))
		val[--r] = 0;
	return 0;
}

uint32_t sc_read_u32(const char *path)
{
	char buf[32];
	uint32_t v = 0;

	if (sc_read(path, buf, sizeof(buf)) == 0)
		parse_u32(buf, &v);
	return v;
}

uint32_t sc_get4(const char *key, const char *scope)
{
	char path[256];

	sc_path(sc_key_find(key, AF_INET), scope, path, sizeof(path));
	return sc_read_u32(path);
}

uint32_t sc_effective(const struct sc_key *k, uint32_t all, uint32_t dev, bool forwarding)
{
	switch (k->eff) {
	case SC_DEV:
		return dev;
	case SC_MAX:
		return all > dev ? all : dev;
	case SC_OR:
		return all || dev;
	case SC_RXREDIR:
		return forwarding ? (all && dev) : (all || dev);
	}
	return dev;
}
