// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

#include "markscan.h"
#include "nft.h"
#include "ruleset.h"

/* x_tables' structures as iptables-nft puts them in match/target info. */
struct xt_mark_info { /* xt_mark_mtinfo1, xt_mark_tginfo2 */
	uint32_t mark, mask;
};
struct xt_connmark_tg { /* xt_connmark_tginfo1 (rev 1) */
	uint32_t ctmark, ctmask, nfmask;
	uint8_t mode;
};
struct xt_connmark_mt { /* xt_connmark_mtinfo1 */
	uint32_t mark, mask;
	uint8_t invert;
};

/* What a register holds, as far as marks go. */
struct reg {
	enum { R_OTHER, R_MARK, R_IMM } what;
	bool ct;	     /* R_MARK: loaded from ct mark */
	uint32_t keep, flip; /* R_MARK after bitwise: (mark & keep) ^ flip */
};

struct walk {
	int (*cb)(const struct mark_use *u, void *data);
	void *data;
	int rc;
};

static int reg_index(uint32_t r)
{
	/* 32-bit pieces: NFT_REG32_00..15, and NFT_REG_1..4 (16 bytes) start at 0, 4, 8, 12. */
	if (r >= NFT_REG32_00)
		return (int)(r - NFT_REG32_00);
	return r >= NFT_REG_1 && r <= NFT_REG_4 ? (int)(r - NFT_REG_1) * 4 : -1;
}

static int report(struct walk *w, const struct nftnl_rule *r, uint32_t bits, bool sets, bool ct)
{
	struct mark_use u = {
		.family = (int)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY),
		.table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE),
		.chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN),
		.bits = bits,
		.sets = sets,
		.ct = ct,
	};

	if (!bits)
		return 0;
	return w->cb(&u, w->data);
}

static int xt_info(const struct nftnl_expr *e, bool target, const char *name, void *out,
		   size_t n)
{
	uint32_t len = 0;
	const void *info = nftnl_expr_get(e, target ? NFTNL_EXPR_TG_INFO : NFTNL_EXPR_MT_INFO, &len);
	const char *nm = nftnl_expr_get_str(e, target ? NFTNL_EXPR_TG_NAME : NFTNL_EXPR_MT_NAME);

	if (!nm || strcmp(nm, name) || !info || len < n)
		return -1;
	memcpy(out, info, n);
	return 0;
}

static int scan_rule(struct walk *w, const struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	struct reg regs[32];
	int rc = 0;

	if (!it)
		return 0;
	memset(regs, 0, sizeof(regs));
	while (!rc && (e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		int i;

		if (!strcmp(name, "meta") || !strcmp(name, "ct")) {
			bool ct = name[0] == 'c';
			uint32_t key = nftnl_expr_get_u32(e, ct ? NFTNL_EXPR_CT_KEY : NFTNL_EXPR_META_KEY);
			bool is_mark = ct ? key == NFT_CT_MARK : key == NFT_META_MARK;
			uint16_t dreg = ct ? NFTNL_EXPR_CT_DREG : NFTNL_EXPR_META_DREG;
			uint16_t sreg = ct ? NFTNL_EXPR_CT_SREG : NFTNL_EXPR_META_SREG;

			if (nftnl_expr_is_set(e, dreg)) {
				i = reg_index(nftnl_expr_get_u32(e, dreg));
				if (i >= 0 && i < 32)
					regs[i] = is_mark ? (struct reg){R_MARK, ct, ~0u, 0}
							  : (struct reg){R_OTHER, false, 0, 0};
			} else if (is_mark && nftnl_expr_is_set(e, sreg)) {
				i = reg_index(nftnl_expr_get_u32(e, sreg));
				/* Only "mark set mark & K ^ X" keeps bits; anything else sets all 32. */
				if (i >= 0 && i < 32 && regs[i].what == R_MARK && regs[i].ct == ct)
					rc = report(w, r, ~regs[i].keep | regs[i].flip, true, ct);
				else
					rc = report(w, r, ~0u, true, ct);
			}
		} else if (!strcmp(name, "bitwise")) {
			int s = reg_index(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_SREG));
			int d = reg_index(nftnl_expr_get_u32(e, NFTNL_EXPR_BITWISE_DREG));
			uint32_t len = 0, mask = ~0u, xor = 0;
			const void *m = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_MASK, &len);
			const void *x;

			if (m && len >= 4)
				memcpy(&mask, m, 4);
			x = nftnl_expr_get(e, NFTNL_EXPR_BITWISE_XOR, &len);
			if (x && len >= 4)
				memcpy(&xor, x, 4);
			if (s >= 0 && s < 32 && d >= 0 && d < 32) {
				struct reg v = regs[s];

				if (v.what == R_MARK) {
					v.keep &= mask;
					v.flip = (v.flip & mask) ^ xor;
				}
				regs[d] = v;
			}
		} else if (!strcmp(name, "cmp") || !strcmp(name, "lookup") || !strcmp(name, "range")) {
			uint16_t a = name[0] == 'c'   ? NFTNL_EXPR_CMP_SREG
				     : name[0] == 'l' ? NFTNL_EXPR_LOOKUP_SREG
						      : NFTNL_EXPR_RANGE_SREG;

			i = reg_index(nftnl_expr_get_u32(e, a));
			if (i >= 0 && i < 32 && regs[i].what == R_MARK)
				rc = report(w, r, regs[i].keep, false, regs[i].ct);
		} else if (!strcmp(name, "immediate")) {
			if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_DREG)) {
				i = reg_index(nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG));
				if (i >= 0 && i < 32)
					regs[i] = (struct reg){R_IMM, false, 0, 0};
			}
		} else if (!strcmp(name, "match")) {
			struct xt_mark_info mi;
			struct xt_connmark_mt cm;

			if (!xt_info(e, false, "mark", &mi, sizeof(mi)))
				rc = report(w, r, mi.mask, false, false);
			else if (!xt_info(e, false, "connmark", &cm, sizeof(cm)))
				rc = report(w, r, cm.mask, false, true);
		} else if (!strcmp(name, "target")) {
			struct xt_mark_info ti;
			struct xt_connmark_tg ct;

			if (!xt_info(e, true, "MARK", &ti, sizeof(ti))) {
				rc = report(w, r, ti.mask | ti.mark, true, false);
			} else if (!xt_info(e, true, "CONNMARK", &ct, sizeof(ct))) {
				/* mode 0 set, 1 save (ct from packet), 2 restore (packet from ct) */
				if (ct.mode == 2)
					rc = report(w, r, ct.nfmask & ct.ctmask, true, false);
				else
					rc = report(w, r, ct.mode == 1 ? ct.ctmask & ct.nfmask
								    : ct.ctmask | ct.ctmark,
						    true, true);
			}
		}
	}
	nftnl_expr_iter_destroy(it);
	return rc;
}

static int rule_cb(const struct nft_rule_info *ri, void *data)
{
	struct walk *w = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *table;
	int fam, rc = 0;

	if (!r)
		abort();
	if (nftnl_rule_nlmsg_parse(ri->nlh, r) == 0) {
		table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
		fam = (int)nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY);
		if (!(table && !strcmp(table, RS_TABLE) && (fam == NFPROTO_INET || fam == NFPROTO_ARP)))
			rc = scan_rule(w, r);
	}
	nftnl_rule_free(r);
	return rc;
}

int mark_uses(int (*cb)(const struct mark_use *u, void *data), void *data)
{
	struct walk w = {cb, data, 0};
	int rc = nft_dump_rules(NFPROTO_UNSPEC, NULL, NULL, rule_cb, &w);

	return rc < 0 ? rc : 0;
}
