/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_MARKSCAN_H
#define PBR_MARKSCAN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Which packet and connection mark bits the other nftables tables use
 * (fw4, iptables-nft, Tailscale, mwan3, wg-quick ...), from their rules'
 * expressions: native meta/ct mark loads, bitwise, cmp, lookups and sets,
 * and iptables-nft's mark/connmark matches and MARK/CONNMARK targets.
 */
struct mark_use {
	int family;
	const char *table, *chain;
	uint32_t bits;
	bool sets; /* changes these bits (else compares them) */
	bool ct;   /* the connection's mark (else the packet's) */
};

/* Every use outside pbr's own tables; cb's non-zero return stops the walk. */
int mark_uses(int (*cb)(const struct mark_use *u, void *data), void *data);

#endif
