// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr mark: marks that steer packets and connections.
 *
 * A policy is one rule in chain "marks" of table inet pbr (one per family
 * when the selectors depend on it), jumped to from prerouting (forwarded and
 * incoming packets) and from output (the machine's own, which the kernel
 * routes again after a "route" chain changed the mark). The first policy
 * that matches sets the mark and accepts, so later ones never overwrite it.
 *
 * With "table NAME" the FIB rule "fwmark MARK/MASK lookup NAME" comes with
 * it. With "sticky" the mark is also stored in the connection when set (and
 * only then: seed 004's recipe saves on every packet and so zeroes it on the
 * first ESTABLISHED one); every later packet of the connection, both ways and
 * the machine's own replies included, gets it back before the policies run:
 *
 *   prerouting/output:  ct mark & M vmap @sticky_M   ->  sticky_M_V:
 *                       meta mark set meta mark & ~M | V accept
 *
 * A map to one chain per value restores under a mask without the
 * register-to-register OR that kernels before 6.13 lack.
 */
#include <errno.h>
#include <stdarg.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "instance.h"
#include "marking.h"
#include "names.h"
#include "nft.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "policy.h"
#include "ruleset.h"
#include "sbuf.h"
#include "state.h"


void mark_usage(void)
{
	printf("Usage: pbr mark add [MARK[/MASK]] [table NAME] SELECTOR... [sticky]\n"
	       "       pbr mark del [MARK[/MASK]] [table NAME] SELECTOR... [sticky]\n"
	       "       pbr mark flush [table NAME]\n"
	       "       pbr mark list | show\n"
	       "\n"
	       "SELECTOR := [not] from PREFIX[,PREFIX...] | [not] to PREFIX[,PREFIX...]\n"
	       "          | iif DEV | oif DEV | proto {tcp|udp|icmp|icmpv6|NUMBER}\n"
	       "          | [not] sport PORTS | [not] dport PORTS | mac-source MAC\n"
	       "          | state {new|established|related|invalid}[,...] | dscp N\n"
	       "PORTS    := PORT[-PORT][,PORT[-PORT]...]\n"
	       "from and to also take @FILE: one prefix per line.\n");
}

struct policy {
	bool has_mark, has_mask;
	uint32_t mark, mask;
	bool has_table;
	const char *table_word;
	uint32_t table;
	bool absent; /* del: the table's name is not registered, so no policy uses it */
	struct selectors sel;
	bool sticky;
	int fams;
	uint64_t id;
	char *words;
};

/* [MARK[/MASK]] [table NAME] SELECTOR... [sticky], in any order after MARK. */
static int parse_policy(struct words *w, struct policy *p, bool need_something, bool del)
{
	const char *v;
	int rc;

	memset(p, 0, sizeof(*p));
	sel_init(&p->sel);
	p->sel.path_only = del;
	v = w_peek(w);
	if (v && v[0] >= '0' && v[0] <= '9') {
		if ((rc = parse_mark(v, &p->mark, &p->mask, &p->has_mask)) < 0)
			return rc;
		if (!p->mark)
			return err_usage("invalid mark", v, "0 is no mark; give a non-zero value");
		p->has_mark = true;
		w->i++;
	}
	while (w_more(w)) {
		if (w_accept(w, "table")) {
			if (p->has_table)
				return err_usage("given twice:", "table", NULL);
			if ((rc = w_value(w, "table", &p->table_word)) < 0 ||
			    (rc = del ? names_table_id_del(p->table_word, &p->table, &p->absent)
				      : names_table_id(p->table_word, &p->table)) < 0)
				return rc;
			if (p->table == 255)
				return err_usage("marks cannot send packets to table", p->table_word,
						 "local holds this machine's own addresses");
			p->has_table = true;
		} else if (w_accept(w, "sticky")) {
			p->sticky = true;
		} else {
			rc = sel_parse(w, &p->sel);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return w_unknown(w);
		}
	}
	/* Marks are set before routing (iif known) or on the machine's own packets (oif known). */
	if (p->sel.iif[0] && p->sel.oif[0])
		return err_usage("no packet has both iif and oif where marks are set:", "oif",
				 "iif matches arriving packets, oif the machine's own");
	if (need_something && !p->has_mark && !p->has_table)
		return err_usage("missing MARK or \"table NAME\" before", w->argc > 2 ? w->argv[2] : "add",
				 "a policy sets a mark, sends to a table, or both");
	if ((rc = sel_check(&p->sel, opt.family, &p->fams)) < 0)
		return rc;
	return 0;
}

/* The words as the user would type them, in one order; they are the identity. */
static void policy_words(struct policy *p)
{
	struct sbuf b = {0}, id = {0};

	if (p->has_mark && p->has_mask)
		sb_add(&b, "0x%x/0x%x", p->mark, p->mask);
	else if (p->has_mark)
		sb_add(&b, "0x%x", p->mark);
	if (p->has_table)
		sb_add(&b, "%stable %s", b.len ? " " : "", p->table_word);
	sel_words(&p->sel, &b);
	if (p->sticky)
		sb_add(&b, " sticky");
	if (b.s && b.s[0] == ' ')
		memmove(b.s, b.s + 1, b.len--);
	p->words = sb_take(&b);
	/*
	 * The identity: the words with the table as a number ("table wan2" and
	 * "table 202" are one policy) and the family -4/-6 restricted it to.
	 */
	if (p->has_mark && p->has_mask)
		sb_add(&id, "mark|0x%x/0x%x", p->mark, p->mask);
	else if (p->has_mark)
		sb_add(&id, "mark|0x%x", p->mark);
	else
		sb_add(&id, "mark|");
	sb_add(&id, "|%u|", p->has_table ? p->table : 0);
	sel_words(&p->sel, &id);
	sb_add(&id, "|%s|%d", p->sticky ? "sticky" : "", opt.family);
	p->id = hash64(HASH64_INIT, id.s, id.len);
	sb_free(&id);
}

/* ---- the rule's action ---- */

struct action {
	uint32_t mark, mask;
	bool sticky;
};

static void mark_action(struct nftnl_rule *r, int family, struct sbuf *b, const void *ctx)
{
	const struct action *a = ctx;

	(void)family;
	mk_set_mark(r, false, a->mark, a->mask, b);
	/* Stored in the connection here, where it is set, and nowhere else. */
	if (a->sticky)
		mk_set_mark(r, true, a->mark, a->mask, b);
	nx_verdict(r, NF_ACCEPT, NULL);
	sb_add(b, " accept");
}

/* ---- plumbing ---- */

/* prerouting and output jump to the policies. */
static void ensure_jumps(void)
{
	static const char *const bases[] = {CH_PREROUTING, CH_OUTPUT};
	struct pbr_tag tag = {.kind = TAG_JUMP};

	rs_ensure_chain(CH_MARKS);
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		struct nftnl_rule *r;
		char *t;

		rs_ensure_chain(bases[i]);
		rs_load_chain(bases[i]); /* a few rules: its jump, sticky restores */
		if (mk_find_tag(TAG_JUMP, bases[i], 0, 0))
			continue;
		r = nft_rule_new(NFPROTO_INET, RS_TABLE, bases[i]);
		nx_verdict(r, NFT_JUMP, CH_MARKS);
		t = xasprintf("%s add rule inet %s %s jump %s comment \"policies\"", nft_cmd(),
			     RS_TABLE, bases[i], CH_MARKS);
		rs_add_rule(r, &tag, "policies", t, false);
		free(t);
	}
}

/* Does a mark policy still use (mark, mask, table)? */
static bool policy_uses(uint32_t mark, uint32_t mask, uint32_t table)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t i = 0; i < n; i++) {
		const struct pbr_tag *t = &x[i].tag;

		if (!x[i].gone && x[i].tagged && t->kind == TAG_MARK && t->mask == mask &&
		    t->mark == mark && t->table == table)
			return true;
	}
	return false;
}

static bool any_mark_policy(void)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_MARK)
			return true;
	return false;
}

/*
 * The (mark, mask, table) triples of the policies this command removed or
 * changed: only their fwmark rules can have lost their last user. A rule
 * pbr made for another reason (pbr table rule add T fwmark ...) is not
 * touched unless it is exactly a released mark's rule.
 */
static struct {
	struct {
		uint32_t mark, mask, table;
	} v[128];
	int n;
} released;

static void release(const struct pbr_tag *t)
{
	if (!t->table)
		return;
	for (int i = 0; i < released.n; i++)
		if (released.v[i].mark == t->mark && released.v[i].mask == t->mask &&
		    released.v[i].table == t->table)
			return;
	if (released.n < (int)ARRAY_SIZE(released.v)) {
		released.v[released.n].mark = t->mark;
		released.v[released.n].mask = t->mask;
		released.v[released.n].table = t->table;
		released.n++;
	}
}

/* Remember the marks of every instance of policy id before it goes. */
static void release_policy(uint64_t id)
{
	size_t n;
	struct rs_rule *x = rs_rules(&n);

	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_MARK && x[i].tag.id == id)
			release(&x[i].tag);
}

/*
 * After removals: drop what no remaining policy needs - the fwmark rule of
 * a released mark, the sticky restore chain of a value, the vmap of a mask,
 * and the jumps.
 */
static int tidy(int *changed)
{
	int fams[2], nf = state_families(AF_UNSPEC, fams), rc;
	size_t n;
	struct rs_rule *x;

	for (int k = 0; k < released.n; k++) {
		if (policy_uses(released.v[k].mark, released.v[k].mask, released.v[k].table))
			continue;
		for (int f = 0; f < nf; f++) {
			struct rule r;

			rule_init(&r, fams[f]);
			r.table = released.v[k].table;
			r.has_fwmark = true;
			r.fwmark = released.v[k].mark;
			r.fwmask = released.v[k].mask;
			if ((rc = rule_remove(&r, changed)) < 0)
				return rc;
		}
	}
	released.n = 0;
	mk_tidy_sticky(changed);
	if (!any_mark_policy() && rs_has_chain(CH_MARKS)) {
		char *t;

		x = rs_rules(&n);
		for (size_t i = 0; i < n; i++)
			if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_JUMP &&
			    (!strcmp(x[i].chain, CH_PREROUTING) || !strcmp(x[i].chain, CH_OUTPUT)))
				rs_del_rule(&x[i], NULL);
		rs_drop_buckets(CH_MARKS);
		t = xasprintf("%s delete chain inet %s %s", nft_cmd(), RS_TABLE, CH_MARKS);
		rs_del_chain(CH_MARKS, t);
		free(t);
	}
	return 0;
}

/* ---- commands ---- */

static int plan_add(struct policy *p)
{
	struct action a = {.sticky = p->sticky};
	struct inst_want w = {
		.kind = TAG_MARK,
		.chain = CH_MARKS,
		.sel = &p->sel,
		.fams = p->fams,
		.action = mark_action,
		.ctx = &a,
	};
	int changed = 0, rc;

	if (p->has_mark) {
		a.mark = p->mark;
		a.mask = p->has_mask ? p->mask : 0xffffffffu;
	} else {
		if ((rc = mk_auto_mark(p->table, &a.mark)) < 0)
			return rc;
		a.mask = opt.mark_mask;
		w.tag.flags |= TAG_F_AUTOMARK;
	}
	/* An explicit mark already sending packets to another table would split nothing. */
	if (p->has_mark && p->has_table && mk_mark_used(a.mark, a.mask, p->table))
		return err_conflict("mark 0x%x/0x%x already sends packets to another table (see "
				    "ip rule); choose another mark",
				    a.mark, a.mask);
	{
		struct rs_entry cur;
		bool found;

		/* A policy whose mark moved (PBR_MARK_MASK changed) frees its old one. */
		if ((rc = rs_index_get(p->id, &cur, &found)) < 0)
			return rc;
		for (uint32_t k = 0; found && k < cur.ninst; k++)
			if (cur.inst[k].mark != a.mark || cur.inst[k].mask != a.mask)
				release(&cur.inst[k]);
	}
	w.id = p->id;
	w.words = p->words;
	w.tag.mark = a.mark;
	w.tag.mask = a.mask;
	w.tag.table = p->has_table ? p->table : 0;
	if (p->sticky)
		w.tag.flags |= TAG_F_STICKY;
	ensure_jumps();
	if (p->sticky)
		mk_ensure_sticky(a.mask, a.mark);
	if ((rc = inst_ensure(&w, &changed)) < 0)
		return rc;
	if (released.n && (rc = tidy(&changed)) < 0)
		return rc;
	if (p->has_table) {
		int fams[2], nf = state_families(p->fams == FAM_V4   ? AF_INET
						 : p->fams == FAM_V6 ? AF_INET6
								     : opt.family,
						 fams);

		for (int f = 0; f < nf; f++) {
			struct rule r;

			rule_init(&r, fams[f]);
			r.table = p->table;
			r.has_fwmark = true;
			r.fwmark = a.mark;
			r.fwmask = a.mask;
			if ((rc = rule_ensure(&r, PREF_POLICY, &changed)) < 0)
				return rc;
		}
	}
	return 0;
}

static int cmd_addel(struct words *w, bool add)
{
	struct policy p;
	int rc, changed = 0;

	if ((rc = parse_policy(w, &p, true, !add)) < 0)
		goto out;
	policy_words(&p);
	if ((rc = begin_change()) < 0 || p.absent || (rc = rs_load()) < 0)
		goto out;
	if (add) {
		rc = plan_add(&p);
	} else {
		release_policy(p.id);
		inst_remove(TAG_MARK, p.id, &changed);
		rc = tidy(&changed);
	}
out:
	sel_free(&p.sel);
	free(p.words);
	return rc;
}

static int cmd_flush(struct words *w)
{
	const char *tw;
	uint32_t table = 0;
	bool has_table = false;
	int rc, changed = 0;
	size_t n;
	struct rs_rule *x;

	if (w_accept(w, "table")) {
		if ((rc = w_value(w, "table", &tw)) < 0 || (rc = names_table_id(tw, &table)) < 0)
			return rc;
		has_table = true;
	}
	if (w_more(w))
		return w_unknown(w);
	if ((rc = begin_change()) < 0 || (rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++) {
		x = rs_rules(&n);
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_MARK &&
		    (!has_table || x[i].tag.table == table)) {
			release_policy(x[i].tag.id);
			inst_remove(TAG_MARK, x[i].tag.id, &changed);
			x = rs_rules(&n);
		}
	}
	return tidy(&changed);
}

int mark_print(const char *key)
{
	size_t n;
	struct rs_rule *x;
	int rc, idx = 0;

	if ((rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	out_arr_open(key);
	for (size_t i = 0; i < n; i++) {
		char buf[16], tb[16];
		bool v4, v6;

		/* One line per policy, however many family instances it has. */
		if (!x[i].tagged || x[i].tag.kind != TAG_MARK || !rs_first_instance(x, i))
			continue;
		rs_instance_families(x, n, i, &v4, &v6);
		out_obj_open(NULL);
		out_uint("index", "%llu: ", (unsigned long long)++idx);
		out_str("policy", "%s", x[i].comment);
		snprintf(buf, sizeof(buf), "0x%08x", x[i].tag.mark);
		out_str("mark", "  [mark %s", buf);
		snprintf(buf, sizeof(buf), "0x%08x", x[i].tag.mask);
		out_str("mask", "/%s", buf);
		if (x[i].tag.table)
			out_str("table", " -> table %s", names_table_str(x[i].tag.table, tb, sizeof(tb)));
		else
			out_null("table");
		out_bool("sticky", ", sticky", x[i].tag.flags & TAG_F_STICKY);
		out_bool("automatic_mark", NULL, x[i].tag.flags & TAG_F_AUTOMARK);
		out_families(v4, v6);
		out_text("%s]", v4 && v6 ? "" : v4 ? ", IPv4" : ", IPv6");
		out_nl();
		out_obj_close();
	}
	out_arr_close();
	return idx;
}

/*
 * The policies in the order the kernel tries them, parsed back from their
 * words; fn gets each with its number as "pbr mark list" prints it.
 */
int mark_table_user(uint32_t table, char *words, size_t len)
{
	size_t n;
	struct rs_rule *x;
	int rc;

	if ((rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (!x[i].gone && x[i].tagged && x[i].tag.kind == TAG_MARK && x[i].tag.table == table) {
			snprintf(words, len, "%s", x[i].comment);
			return 1;
		}
	return 0;
}

static int each_policy(bool (*fn)(const struct rs_rule *x, struct policy *pol, int idx, void *d),
		       void *data)
{
	size_t n;
	struct rs_rule *x;
	int rc, idx = 0;

	if ((rc = rs_load()) < 0)
		return rc;
	x = rs_rules(&n);
	for (size_t i = 0; i < n; i++) {
		char buf[sizeof(x[i].comment) + 8], *argv[64];
		struct policy pol;
		struct words w;
		bool stop;

		if (!x[i].tagged || x[i].tag.kind != TAG_MARK || !rs_first_instance(x, i))
			continue;
		idx++;
		if (!w_from_comment(&w, "mark", x[i].comment, buf, sizeof(buf), argv, 64))
			continue; /* no words: nothing parsed, nothing to free */
		if (parse_policy(&w, &pol, false, false) < 0) {
			err_clear(); /* words cut short in the comment: not judged */
			sel_free(&pol.sel);
			continue;
		}
		stop = fn(&x[i], &pol, idx, data);
		sel_free(&pol.sel);
		if (stop)
			break;
	}
	return 0;
}

struct policies_ctx {
	void (*fn)(const char *words, const struct selectors *sel, const struct pbr_tag *tag,
		   int index, void *data);
	void *data;
};

static bool policies_one(const struct rs_rule *x, struct policy *pol, int idx, void *d)
{
	struct policies_ctx *c = d;

	c->fn(x->comment, &pol->sel, &x->tag, idx, c->data);
	return false;
}

int mark_policies(void (*fn)(const char *words, const struct selectors *sel,
			     const struct pbr_tag *tag, int index, void *data),
		  void *data)
{
	struct policies_ctx c = {fn, data};

	return each_policy(policies_one, &c);
}

struct explain_ctx {
	const struct pkt *p;
	struct hit *h;
};

static bool explain_one(const struct rs_rule *x, struct policy *pol, int idx, void *d)
{
	struct explain_ctx *c = d;

	if (!sel_match(&pol->sel, c->p))
		return false;
	c->h->found = true;
	c->h->index = idx;
	snprintf(c->h->words, sizeof(c->h->words), "%s", x->comment);
	c->h->mark = x->tag.mark;
	c->h->mask = x->tag.mask;
	c->h->table = x->tag.table;
	c->h->sticky = x->tag.flags & TAG_F_STICKY;
	return true;
}

int mark_explain(const struct pkt *p, struct hit *h)
{
	struct explain_ctx c = {p, h};
	int rc;

	memset(h, 0, sizeof(*h));
	/*
	 * A later packet of a connection: a sticky policy that marked its first
	 * packet restores the mark before the policies run.
	 */
	if (p->state != sel_state_bit("new")) {
		struct pkt first = *p;
		struct hit fh;
		struct explain_ctx fc = {&first, &fh};

		memset(&fh, 0, sizeof(fh));
		first.state = sel_state_bit("new");
		if ((rc = each_policy(explain_one, &fc)) < 0)
			return rc;
		if (fh.found && fh.sticky) {
			*h = fh;
			return 0;
		}
	}
	return each_policy(explain_one, &c);
}

int mark_main(int argc, char **argv)
{
	static const struct crud c = {mark_usage, cmd_addel, cmd_flush, mark_print};

	return crud_main(argc, argv, &c);
}
