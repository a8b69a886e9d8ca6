// SPDX-License-Identifier: GPL-2.0-or-later
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "marking.h"
#include "nft.h"
#include "pbr.h"
#include "rt.h"
#include "state.h"

/* Scatter the bits of k into the set bits of mask (value number k within mask). */
static uint32_t deposit(uint32_t k, uint32_t mask)
{
	uint32_t v = 0;

	for (uint32_t bit = 1; mask; bit <<= 1) {
		uint32_t low = mask & -mask;

		if (k & bit)
			v |= low;
		mask &= mask - 1;
	}
	return v;
}

bool mk_mark_used(uint32_t v, uint32_t m, uint32_t table)
{
	int fams[2], nf = state_families(AF_UNSPEC, fams);

	for (int f = 0; f < nf; f++) {
		struct rules *rs;

		if (state_rules(fams[f], &rs) < 0)
			continue;
		for (size_t i = 0; i < rs->n; i++)
			if (rs->v[i].has_fwmark && (rs->v[i].fwmask & m) &&
			    (rs->v[i].fwmark & m & rs->v[i].fwmask) == (v & rs->v[i].fwmask) &&
			    rs->v[i].table != table)
				return true;
	}
	return false;
}

int mk_auto_mark(uint32_t table, uint32_t *out)
{
	uint32_t m = opt.mark_mask;
	int bits = __builtin_popcount(m);
	uint32_t nvals = bits >= 31 ? 0x7fffffffu : (1u << bits) - 1;
	int fams[2], nf = state_families(AF_UNSPEC, fams);

	/* The table's fwmark rule pbr made for it carries the mark it has. */
	for (int f = 0; f < nf; f++) {
		struct rules *rs;
		int rc = state_rules(fams[f], &rs);

		if (rc < 0)
			return rc;
		for (size_t i = 0; i < rs->n; i++)
			if (rs->v[i].protocol == PBR_PROTO && rs->v[i].has_fwmark &&
			    rs->v[i].fwmask == m && rs->v[i].table == table) {
				*out = rs->v[i].fwmark;
				return 0;
			}
	}
	for (uint32_t k = 0; k < nvals && k < 65536; k++) {
		uint32_t v = deposit((table + k) % nvals + 1, m);

		if (!mk_mark_used(v, m, table)) {
			*out = v;
			return 0;
		}
	}
	return err_conflict("no free mark inside mask 0x%08x (set PBR_MARK_MASK)", m);
}

/* meta/ct mark set (mark & ~M) | V; a whole-value mark is just V. */
void mk_set_mark(struct nftnl_rule *r, bool ct, uint32_t v, uint32_t m, struct sbuf *b)
{
	const char *what = ct ? "ct mark" : "meta mark";

	if (m == 0xffffffffu) {
		nx_imm(r, NFT_REG_1, &v, 4);
		sb_add(b, " %s set 0x%08x", what, v);
	} else {
		uint32_t keep = ~m;

		if (ct)
			nx_ct(r, NFT_CT_MARK, NFT_REG_1);
		else
			nx_meta(r, NFT_META_MARK, NFT_REG_1);
		nx_bitwise(r, NFT_REG_1, &keep, &v, 4);
		sb_add(b, " %s set %s and 0x%08x or 0x%08x", what, what, keep, v);
	}
	if (ct)
		nx_ct_set(r, NFT_CT_MARK, NFT_REG_1);
	else
		nx_meta_set(r, NFT_META_MARK, NFT_REG_1);
}

struct rs_rule *mk_find_tag(uint32_t kind, const char *chain, uint32_t mask, uint32_t mark)
{
	size_t n;
	struct rs_rule *x = rs_known(&n);

	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == kind &&
		    (!chain || !strcmp(x[i].chain, chain)) && x[i].tag.mask == mask &&
		    x[i].tag.mark == mark)
			return &x[i];
	return NULL;
}

static void sticky_names(uint32_t m, uint32_t v, char *map, char *chain)
{
	snprintf(map, 32, "sticky_%08x", m);
	snprintf(chain, 40, "sticky_%08x_%08x", m, v);
}

static struct nftnl_set *map_elem(const char *map, uint32_t v, const char *chain)
{
	struct nftnl_set *s = rs_set_new(map);
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		abort();
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &v, 4);
	if (chain) {
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, chain);
	}
	nftnl_set_elem_add(s, e);
	return s;
}

void mk_ensure_sticky(uint32_t m, uint32_t v)
{
	static const char *const bases[] = {CH_PREROUTING, CH_OUTPUT};
	char map[32], chain[40];
	char *t;

	sticky_names(m, v, map, chain);
	if (!rs_has_set(map)) {
		struct nftnl_set *s = rs_set_new(map);

		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_MARK);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, 4);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		nft_set_key_order(s, true); /* marks are host order */
		t = xasprintf("%s add map inet %s %s '{ type mark : verdict; }'", nft_cmd(), RS_TABLE,
			      map);
		rs_add_set(s, t);
		free(t);
	}
	if (!rs_has_chain(chain)) {
		struct pbr_tag tag = {.kind = TAG_RESTORE, .mark = v, .mask = m};
		struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, RS_TABLE, chain);
		struct sbuf b = {0};

		t = xasprintf("%s add chain inet %s %s", nft_cmd(), RS_TABLE, chain);
		rs_add_chain(chain, t);
		free(t);
		sb_add(&b, "%s add rule inet %s %s", nft_cmd(), RS_TABLE, chain);
		mk_set_mark(r, false, v, m, &b);
		nx_verdict(r, NF_ACCEPT, NULL);
		sb_add(&b, " accept comment \"restore\"");
		t = sb_take(&b);
		rs_add_rule(r, &tag, "restore", t, false);
		free(t);
		t = xasprintf("%s add element inet %s %s '{ 0x%08x : jump %s }'", nft_cmd(), RS_TABLE,
			      map, v, chain);
		rs_add_elems(map_elem(map, v, chain), t);
		free(t);
	}
	/* First in the base chains: a connection that has its mark keeps it. */
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		struct pbr_tag tag = {.kind = TAG_STICKY, .mask = m};
		struct nftnl_rule *r;
		uint32_t zero = 0;

		rs_ensure_chain(bases[i]);
		rs_load_chain(bases[i]);
		if (mk_find_tag(TAG_STICKY, bases[i], m, 0))
			continue;
		r = nft_rule_new(NFPROTO_INET, RS_TABLE, bases[i]);
		nx_ct(r, NFT_CT_MARK, NFT_REG_1);
		nx_bitwise(r, NFT_REG_1, &m, &zero, 4);
		nx_vmap(r, map, NFT_REG_1);
		t = xasprintf("%s insert rule inet %s %s ct mark and 0x%08x vmap @%s comment "
			      "\"sticky\"",
			      nft_cmd(), RS_TABLE, bases[i], m, map);
		rs_add_rule(r, &tag, "sticky", t, true);
		free(t);
	}
}

/* Is there a sticky rule (a mark policy or an anyip) for value v (any value) under m? */
static bool sticky_used(uint32_t v, uint32_t m, bool any_value)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t i = 0; i < n; i++) {
		const struct pbr_tag *t = &x[i].tag;

		if (x[i].gone || !x[i].tagged || !(t->flags & TAG_F_STICKY) ||
		    (t->kind != TAG_MARK && t->kind != TAG_ANYIP))
			continue;
		if (t->mask == m && (any_value || t->mark == v))
			return true;
	}
	return false;
}

void mk_tidy_sticky(int *changed)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t i = 0; i < n; i++) {
		char map[32], chain[40];
		char *t;

		x = rs_rules(&n);
		if (x[i].gone || !x[i].tagged || x[i].tag.kind != TAG_RESTORE ||
		    sticky_used(x[i].tag.mark, x[i].tag.mask, false))
			continue;
		sticky_names(x[i].tag.mask, x[i].tag.mark, map, chain);
		t = xasprintf("%s delete element inet %s %s '{ 0x%08x }'", nft_cmd(), RS_TABLE, map,
			      x[i].tag.mark);
		rs_del_elems(map_elem(map, x[i].tag.mark, NULL), t);
		free(t);
		t = xasprintf("%s delete chain inet %s %s", nft_cmd(), RS_TABLE, chain);
		rs_del_chain(chain, t);
		free(t);
		(*changed)++;
	}
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++) {
		char map[32], chain[40];
		uint32_t m = x[i].tag.mask;

		if (x[i].gone || !x[i].tagged || x[i].tag.kind != TAG_STICKY || sticky_used(0, m, true))
			continue;
		rs_del_rule(&x[i], NULL);
		sticky_names(m, 0, map, chain);
		/* The other base chain's vmap goes in a later pass of this loop. */
		if (!mk_find_tag(TAG_STICKY, NULL, m, 0) && rs_has_set(map)) {
			char *t = xasprintf("%s delete map inet %s %s", nft_cmd(), RS_TABLE, map);

			rs_del_set(map, t);
			free(t);
		}
		(*changed)++;
	}
}
