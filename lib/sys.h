/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_SYS_H
#define PBR_SYS_H

#include <stdbool.h>

/* 0 if the effective set holds CAP_NET_ADMIN, else an error (exit 1). */
int caps_need_net_admin(void);
bool caps_have(int cap);

/*
 * Serialise pbr invocations: an exclusive flock on PBR_LOCK_FILE held until
 * exit. Two DHCP hooks and a firewall reload at once then read-modify-write
 * one after the other.
 */
#define PBR_LOCK_FILE "/run/lock/pbr.lock"
int lock_take(void);

/* Enter a named network namespace as `ip -n NAME` does (fresh /sys, /etc/netns binds). */
int netns_enter(const char *name);

#endif
