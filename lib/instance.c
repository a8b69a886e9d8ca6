// SPDX-License-Identifier: GPL-2.0-or-later
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "instance.h"
#include "nft.h"

void inst_prefix(uint64_t id, char out[16])
{
	snprintf(out, 16, "p%012llx", (unsigned long long)(id & 0xffffffffffffull));
}

static bool tag_equal(const struct pbr_tag *a, const struct pbr_tag *b)
{
	return a->kind == b->kind && a->id == b->id && a->mark == b->mark &&
	       a->mask == b->mask && a->table == b->table && a->flags == b->flags &&
	       a->content == b->content && a->family == b->family && a->aux == b->aux;
}

static struct rs_rule *find(uint32_t kind, uint64_t id, int family)
{
	size_t n;
	struct rs_rule *v = rs_rules(&n);

	for (size_t i = 0; i < n; i++)
		if (!v[i].gone && v[i].tagged && v[i].tag.kind == kind && v[i].tag.id == id &&
		    (int)v[i].tag.family == family)
			return &v[i];
	return NULL;
}

static void del_sets(const char *prefix, const struct sel_sets *keep, int nkeep)
{
	char stem[20];
	size_t n;
	struct rs_rule *v;

	(void)v;
	(void)n;
	snprintf(stem, sizeof(stem), "%s_", prefix);
	/* rs_has_set() walks the names; collect ours that nobody wants any more. */
	for (int role = 0; role < SEL_LISTS; role++) {
		static const char *const fams[] = {"", "4", "6"};
		static const char *const roles[] = {"from", "to", "sport", "dport"};

		for (size_t f = 0; f < 3; f++) {
			char name[40];
			bool wanted = false;

			snprintf(name, sizeof(name), "%s%s%s", stem, roles[role], fams[f]);
			for (int k = 0; k < nkeep && !wanted; k++)
				for (int i = 0; i < SEL_LISTS; i++)
					wanted |= !strcmp(keep[k].name[i], name);
			if (!wanted && rs_has_set(name)) {
				struct sbuf b = {0};
				char *t;

				sb_add(&b, "%s delete set inet %s %s", nft_cmd(), RS_TABLE, name);
				t = sb_take(&b);
				rs_del_set(name, t);
				free(t);
			}
		}
	}
}

static void plan_set(struct nftnl_set *built, const struct selectors *sel, enum sel_list role,
		     int family, const char *name)
{
	struct sbuf b = {0};
	char *t;

	if (rs_has_set(name)) {
		sb_add(&b, "%s flush set inet %s %s\n", nft_cmd(), RS_TABLE, name);
		sel_set_text(sel, role, family, nft_cmd(), name, &b);
		t = sb_take(&b);
		/* Only the second line of the text (the elements) applies after a flush. */
		rs_refill_set(name, built, t);
	} else {
		sel_set_text(sel, role, family, nft_cmd(), name, &b);
		t = sb_take(&b);
		rs_add_set(built, t);
	}
	free(t);
}

int inst_ensure(const struct inst_want *w, int *changed)
{
	struct sel_sets want_sets[2];
	int fams[2], nf = 0;
	char prefix[16];
	size_t n;
	struct rs_rule *v;

	if (!w->fams) {
		fams[nf++] = AF_UNSPEC;
	} else {
		if (w->fams & FAM_V4)
			fams[nf++] = AF_INET;
		if (w->fams & FAM_V6)
			fams[nf++] = AF_INET6;
	}
	inst_prefix(w->id, prefix);
	rs_ensure_chain(w->chain);

	/* Instances of a family no longer wanted (a @FILE lost its IPv6 lines). */
	v = rs_rules(&n);
	for (size_t i = 0; i < n; i++) {
		bool wanted = false;

		if (v[i].gone || !v[i].tagged || v[i].tag.kind != w->kind || v[i].tag.id != w->id)
			continue;
		for (int k = 0; k < nf; k++)
			wanted |= (int)v[i].tag.family == fams[k];
		if (!wanted) {
			struct sbuf b = {0};
			char *t;

			sb_add(&b, "%s delete rule inet %s %s handle %llu", nft_cmd(), RS_TABLE,
			       v[i].chain, (unsigned long long)v[i].handle);
			t = sb_take(&b);
			rs_del_rule(&v[i], t);
			free(t);
			(*changed)++;
		}
	}

	for (int k = 0; k < nf; k++) {
		int f = fams[k];
		struct nftnl_set *built[SEL_LISTS] = {0};
		struct pbr_tag tag = w->tag;
		struct rs_rule *old;
		struct nftnl_rule *r;
		struct sbuf b = {0};
		char *t;

		sel_set_names(w->sel, prefix, f, &want_sets[k]);
		tag.kind = w->kind;
		tag.id = w->id;
		tag.family = (uint32_t)f;
		tag.content = HASH64_INIT;
		for (int i = 0; i < SEL_LISTS; i++) {
			uint64_t h;
			const char *name = want_sets[k].name[i];

			if (!name[0])
				continue;
			built[i] = sel_set_build(w->sel, (enum sel_list)i, f, RS_TABLE, name,
						 !rs_has_set(name), &h);
			tag.content = hash64(tag.content, &h, sizeof(h));
		}
		old = find(w->kind, w->id, f);
		if (old && tag_equal(&old->tag, &tag)) {
			for (int i = 0; i < SEL_LISTS; i++)
				if (built[i])
					nftnl_set_free(built[i]);
			continue;
		}
		for (int i = 0; i < SEL_LISTS; i++)
			if (built[i])
				plan_set(built[i], w->sel, (enum sel_list)i, f, want_sets[k].name[i]);
		r = nft_rule_new(NFPROTO_INET, RS_TABLE, w->chain);
		sel_exprs(r, w->sel, f, &want_sets[k]);
		if (old)
			sb_add(&b, "%s replace rule inet %s %s handle %llu", nft_cmd(), RS_TABLE,
			       w->chain, (unsigned long long)old->handle);
		else
			sb_add(&b, "%s add rule inet %s %s", nft_cmd(), RS_TABLE, w->chain);
		sel_nft_text(w->sel, f, &want_sets[k], &b);
		w->action(r, f, &b, w->ctx);
		sb_add(&b, " comment \"%s\"", w->words);
		t = sb_take(&b);
		if (old)
			rs_replace_rule(old, r, &tag, w->words, t);
		else
			rs_add_rule(r, &tag, w->words, t, false);
		free(t);
		(*changed)++;
	}
	del_sets(prefix, want_sets, nf);
	return 0;
}

void inst_remove(uint32_t kind, uint64_t id, int *changed)
{
	char prefix[16];
	size_t n;
	struct rs_rule *v = rs_rules(&n);

	for (size_t i = 0; i < n; i++) {
		struct sbuf b = {0};
		char *t;

		if (v[i].gone || !v[i].tagged || v[i].tag.kind != kind || v[i].tag.id != id)
			continue;
		sb_add(&b, "%s delete rule inet %s %s handle %llu", nft_cmd(), RS_TABLE, v[i].chain,
		       (unsigned long long)v[i].handle);
		t = sb_take(&b);
		rs_del_rule(&v[i], t);
		free(t);
		(*changed)++;
	}
	inst_prefix(id, prefix);
	del_sets(prefix, NULL, 0);
}
