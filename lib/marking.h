/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_MARKING_H
#define PBR_MARKING_H

#include <libnftnl/rule.h>
#include <stdbool.h>
#include <stdint.h>

#include "ruleset.h"
#include "sbuf.h"

/*
 * Packet marks inside pbr's mask, shared by pbr mark and pbr anyip: picking
 * a table's mark, the expressions that set one under a mask, and "sticky"
 * marks that a connection keeps (stored in its ct mark where set, restored
 * on every later packet, the machine's own replies included).
 */

/* nftables' "mark" datatype (src/datatype.h), so nft(8) lists maps readably. */
#define NFT_TYPE_MARK 19

/* Does value v under mask m already send packets to a table other than table
 * (any owner's FIB rule)? */
bool mk_mark_used(uint32_t v, uint32_t m, uint32_t table);
/* The mark of table inside opt.mark_mask: the one its fwmark rule by pbr
 * carries, else the first free value derived from the table id. */
int mk_auto_mark(uint32_t table, uint32_t *out);
/* Append "meta mark set (mark & ~m) | v" (ct mark with ct) and its nft text. */
void mk_set_mark(struct nftnl_rule *r, bool ct, uint32_t v, uint32_t m, struct sbuf *text);
/* A loaded rule of pbr's with this tag kind (and chain, mask, mark); NULL if none. */
struct rs_rule *mk_find_tag(uint32_t kind, const char *chain, uint32_t mask, uint32_t mark);
/* Restore value v under mask m from the ct mark in prerouting and output. */
void mk_ensure_sticky(uint32_t m, uint32_t v);
/* Drop the restore chains and maps no sticky rule (pbr mark, pbr anyip) uses. */
void mk_tidy_sticky(int *changed);

#endif
