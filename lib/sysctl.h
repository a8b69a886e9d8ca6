/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_SYSCTL_H
#define PBR_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the kernel combines conf/all and conf/DEV (include/linux/inetdevice.h). */
enum sc_eff {
	SC_DEV,	    /* the device's own value (IN_DEV_CONF_GET) */
	SC_MAX,	    /* max(all, dev): rp_filter, arp_ignore, arp_announce */
	SC_OR,	    /* all || dev: proxy_arp, src_valid_mark, ... */
	SC_RXREDIR, /* accept_redirects: AND when forwarding, OR otherwise */
};

struct sc_key {
	const char *name;
	int family;
	int idx; /* IPV4_DEVCONF_* or DEVCONF_* */
	uint32_t max;
	enum sc_eff eff;
	bool global; /* has a machine-wide meaning without dev (forwarding) */
};

/* Short names for family (AF_INET or AF_INET6). */
const struct sc_key *sc_keys(int family, size_t *n);
const struct sc_key *sc_key_find(const char *name, int family);
/* Is v an accepted value for k? (arp_ignore takes 0-3 and 8.) */
bool sc_value_ok(const struct sc_key *k, uint32_t v);
/* "0-2", "0-3 or 8": the accepted values, for messages. */
const char *sc_range_str(const struct sc_key *k, char *buf, size_t n);

/* /proc/sys path for a key: scope is a device, "all", "default", or NULL (global). */
void sc_path(const struct sc_key *k, const char *scope, char *buf, size_t n);
/* "net.ipv4.conf.eth0.rp_filter" for a path under /proc/sys/. */
void sc_dotted(const char *path, char *buf, size_t n);
/*
 * A full name ("net.ipv4.conf.eth0.rp_filter", "net.ipv4.ip_forward") to its
 * /proc/sys path; *k and dev are set when it names a known per-device key.
 */
int sc_from_full(const char *full, char *path, size_t n, const struct sc_key **k, char *dev,
		 size_t devn);
/* Read a sysctl file without its trailing newline. */
int sc_read(const char *path, char *val, size_t n);
/* A sysctl file as a number; 0 when it cannot be read. */
uint32_t sc_read_u32(const char *path);
/* An IPv4 key's value in scope (a device, "all", "default"; NULL for a global key); 0 when unreadable. */
uint32_t sc_get4(const char *key, const char *scope);
uint32_t sc_effective(const struct sc_key *k, uint32_t all, uint32_t dev, bool forwarding);

#endif
