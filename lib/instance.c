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

static void entry_from(struct rs_entry *e, const struct inst_want *w, const struct pbr_tag *tags,
		       int n, const char *bucket)
{
	memset(e, 0, sizeof(*e));
	e->kind = w->kind;
	e->ninst = (uint32_t)n;
	snprintf(e->bucket, sizeof(e->bucket), "%s", bucket);
	for (int k = 0; k < n; k++)
		e->inst[k] = tags[k];
}

static bool entry_same(const struct rs_entry *e, uint32_t kind, const struct pbr_tag *tags, int n)
{
	if (e->kind != kind || (int)e->ninst != n)
		return false;
	for (int k = 0; k < n; k++)
		if (!tag_equal(&e->inst[k], &tags[k]))
			return false;
	return true;
}

static void add_instance_rule(const struct inst_want *w, int f, const struct sel_sets *sets,
			      const struct pbr_tag *tag, const char *chain, struct rs_rule *old)
{
	struct nftnl_rule *r = nft_rule_new(NFPROTO_INET, RS_TABLE, chain);
	struct sbuf b = {0};
	char *t;

	sel_exprs(r, w->sel, f, sets);
	if (old)
		sb_add(&b, "%s replace rule inet %s %s handle %llu", nft_cmd(), RS_TABLE, chain,
		       (unsigned long long)old->handle);
	else
		sb_add(&b, "%s add rule inet %s %s", nft_cmd(), RS_TABLE, chain);
	sel_nft_text(w->sel, f, sets, &b);
	w->action(r, f, &b, w->ctx);
	sb_add(&b, " comment \"%s\"", w->words);
	t = sb_take(&b);
	if (old)
		rs_replace_rule(old, r, tag, w->words, t);
	else
		rs_add_rule(r, tag, w->words, t, false);
	free(t);
}

int inst_ensure(const struct inst_want *w, int *changed)
{
	struct sel_sets sets[RS_MAX_INST];
	struct nftnl_set *built[RS_MAX_INST][SEL_LISTS] = {{0}};
	struct pbr_tag tags[RS_MAX_INST];
	struct rs_entry cur, next;
	int fams[RS_MAX_INST], nf = 0, rc;
	char prefix[16], bucket[32];
	bool found;
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
	if ((rc = rs_index_get(w->id, &cur, &found)) < 0)
		return rc;

	/* What the instances should be: their sets (and a hash of their contents) and tags. */
	for (int k = 0; k < nf; k++) {
		sel_set_names(w->sel, prefix, fams[k], &sets[k]);
		tags[k] = w->tag;
		tags[k].kind = w->kind;
		tags[k].id = w->id;
		tags[k].family = (uint32_t)fams[k];
		tags[k].content = HASH64_INIT;
		for (int i = 0; i < SEL_LISTS; i++) {
			uint64_t h;
			const char *name = sets[k].name[i];

			if (!name[0])
				continue;
			built[k][i] = sel_set_build(w->sel, (enum sel_list)i, fams[k], RS_TABLE, name,
						    !rs_has_set(name), &h);
			tags[k].content = hash64(tags[k].content, &h, sizeof(h));
		}
	}
	if (found && entry_same(&cur, w->kind, tags, nf)) {
		for (int k = 0; k < nf; k++)
			for (int i = 0; i < SEL_LISTS; i++)
				if (built[k][i])
					nftnl_set_free(built[k][i]);
		return 0; /* as it is: nothing read, nothing sent */
	}
	for (int k = 0; k < nf; k++)
		for (int i = 0; i < SEL_LISTS; i++)
			if (built[k][i])
				plan_set(built[k][i], w->sel, (enum sel_list)i, fams[k],
					 sets[k].name[i]);

	if (!found) {
		/* A new policy: into the last bucket, after every other. */
		if ((rc = rs_bucket(w->chain, bucket)) < 0)
			return rc;
		for (int k = 0; k < nf; k++)
			add_instance_rule(w, fams[k], &sets[k], &tags[k], bucket, NULL);
		entry_from(&next, w, tags, nf, bucket);
		rs_index_put(w->id, &next, w->words);
		(*changed) += nf;
		return 0;
	}

	/* It changed (a @FILE's contents, a mark): read the rules, change in place. */
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
		struct rs_rule *old = find(w->kind, w->id, fams[k]);

		if (old && tag_equal(&old->tag, &tags[k]))
			continue;
		add_instance_rule(w, fams[k], &sets[k], &tags[k],
				  old ? old->chain : cur.bucket, old);
		(*changed)++;
	}
	del_sets(prefix, sets, nf);
	entry_from(&next, w, tags, nf, cur.bucket);
	rs_index_put(w->id, &next, w->words);
	return 0;
}

void inst_remove(uint32_t kind, uint64_t id, int *changed)
{
	struct rs_entry cur;
	bool found = false;
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
	if (rs_index_get(id, &cur, &found) == 0 && found)
		rs_index_del(id);
}
