// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr sysctl: the kernel settings that make or break policy routing.
 *
 * Per-device values are read over rtnetlink (IFLA_INET_CONF/IFLA_INET6_CONF in
 * one link dump); conf/all, conf/default and writes go through /proc/sys,
 * because the kernel's sysctl handlers do what a netlink write skips:
 * netconf notifications, the route cache flush after route_localnet or
 * accept_local change, and forwarding's propagation and LRO switch-off.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "err.h"
#include "link.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "plan.h"
#include "sbuf.h"
#include "state.h"
#include "sysctl.h"

#define MAX_TARGETS 512

void sysctl_usage(void)
{
	printf("Usage: pbr sysctl show [dev DEV]\n"
	       "       pbr sysctl get [dev DEV|all|default] KEY...\n"
	       "       pbr sysctl set [dev DEV|all|default] KEY=VALUE...\n"
	       "\n"
	       "KEY := forwarding | rp_filter | proxy_arp | arp_filter | arp_ignore |\n"
	       "       arp_announce | route_localnet | src_valid_mark | accept_local |\n"
	       "       send_redirects | accept_redirects\n"
	       "       with -6: forwarding | accept_ra | accept_redirects | proxy_ndp |\n"
	       "       disable_ipv6\n"
	       "       or a full name: net.ipv4.conf.eth0.rp_filter, net.ipv4.ip_forward\n");
}

static int fam(void)
{
	return opt.family == AF_INET6 ? AF_INET6 : AF_INET;
}

/* One sysctl file a get/set command touches. */
struct target {
	char path[256];
	char name[256]; /* dotted, as sysctl(8) prints it */
	const struct sc_key *key;
	const char *scope; /* device, "all", "default" or NULL */
	char value[64];
};

static void target_fill(struct target *t, const struct sc_key *k, const char *scope)
{
	memset(t, 0, sizeof(*t));
	t->key = k;
	t->scope = scope;
	sc_path(k, scope, t->path, sizeof(t->path));
	sc_dotted(t->path, t->name, sizeof(t->name));
}

/* [dev DEV|all|default] */
static int parse_scope(struct words *w, const char **scope)
{
	int ifindex, rc;

	*scope = NULL;
	if (w_accept(w, "dev")) {
		if ((rc = w_value(w, "dev", scope)) < 0)
			return rc;
		if (!strcmp(*scope, "all") || !strcmp(*scope, "default"))
			return 0;
		return dev_index(*scope, &ifindex);
	}
	if (w_accept(w, "all"))
		*scope = "all";
	else if (w_accept(w, "default"))
		*scope = "default";
	return 0;
}

static int add_target(struct target *v, int *n, const struct sc_key *k, const char *scope)
{
	if (*n >= MAX_TARGETS)
		return err_usagef("too many sysctl keys in one command (at most %d)", MAX_TARGETS);
	target_fill(&v[(*n)++], k, scope);
	return 0;
}

/* Every scope of a per-device key: all, default, then each device (get only). */
static int add_every_scope(struct target *v, int *n, const struct sc_key *k)
{
	static char names[MAX_TARGETS][IFNAMSIZ];
	static int used;
	struct link *links;
	size_t nl;
	int rc;

	if ((rc = add_target(v, n, k, "all")) < 0 || (rc = add_target(v, n, k, "default")) < 0)
		return rc;
	if ((rc = link_dump(&links, &nl)) < 0)
		return rc;
	for (size_t i = 0; i < nl && used < MAX_TARGETS; i++) {
		snprintf(names[used], IFNAMSIZ, "%s", links[i].name);
		if ((rc = add_target(v, n, k, names[used++])) < 0)
			break;
	}
	free(links);
	return rc;
}

/* KEY (get) or KEY=VALUE (set) into targets; values checked before anything is written. */
static int parse_key(const char *word, const char *scope, bool set, struct target *v, int *n)
{
	char key[256];
	const char *eq = strchr(word, '=');
	const struct sc_key *k;
	char range[16];
	uint32_t x;
	int rc;

	if (set && !eq)
		return err_usage("missing =VALUE in", word, "set takes KEY=VALUE");
	if (!set && eq)
		return err_usage("get takes KEY without =VALUE, not", word, NULL);
	snprintf(key, sizeof(key), "%.*s", (int)(eq ? eq - word : (long)strlen(word)), word);
	if (strchr(key, '.')) {
		char dev[IFNAMSIZ * 2];
		struct target *t;

		if (scope)
			return err_usage("a full name carries its own device; drop dev before", word,
					 NULL);
		if (*n >= MAX_TARGETS)
			return err_usagef("too many sysctl keys in one command");
		t = &v[(*n)++];
		memset(t, 0, sizeof(*t));
		if ((rc = sc_from_full(key, t->path, sizeof(t->path), &t->key, dev,
				       sizeof(dev))) < 0)
			return rc;
		sc_dotted(t->path, t->name, sizeof(t->name));
		k = t->key;
	} else {
		k = sc_key_find(key, fam());
		if (!k)
			return err_usage("unknown sysctl key", key,
					 fam() == AF_INET6 ? "see pbr sysctl help"
							   : "see pbr sysctl help; IPv6 keys need -6");
		if (!scope && !k->global) {
			if (set)
				return err_usage("per-device key without dev", word,
						 "give dev DEV, all or default");
			return add_every_scope(v, n, k);
		}
		if ((rc = add_target(v, n, k, scope)) < 0)
			return rc;
	}
	if (!set)
		return 0;
	eq++;
	if (k) {
		if (parse_u32(eq, &x) < 0 || !sc_value_ok(k, x))
			return err_usage("invalid value", word, "%s", sc_range_str(k, range, sizeof(range)));
		snprintf(v[*n - 1].value, sizeof(v[0].value), "%u", x);
	} else {
		if (!*eq || strlen(eq) >= sizeof(v[0].value) || strchr(eq, '\n'))
			return err_usage("invalid value", word, NULL);
		snprintf(v[*n - 1].value, sizeof(v[0].value), "%s", eq);
	}
	return 0;
}

static int cmd_getset(struct words *w, bool set)
{
	static struct target v[MAX_TARGETS];
	const char *scope, *word;
	int n = 0, rc, changed = 0;
	char cur[256];

	if ((rc = parse_scope(w, &scope)) < 0)
		return rc;
	if (!w_more(w))
		return err_usagef(set ? "missing KEY=VALUE" : "missing KEY");
	while ((word = w_next(w)))
		if ((rc = parse_key(word, scope, set, v, &n)) < 0)
			return rc;
	if (set) {
		if ((rc = begin_change()) < 0)
			return rc;
		for (int i = 0; i < n; i++) {
			struct sbuf text = {0};
			char *t;

			if ((rc = sc_read(v[i].path, cur, sizeof(cur))) < 0)
				return err_sys(rc, "cannot read %s", v[i].name);
			if (!strcmp(cur, v[i].value))
				continue;
			if (opt.netns)
				sb_add(&text, "ip netns exec %s ", opt.netns);
			sb_add(&text, "sysctl -w %s=%s", v[i].name, v[i].value);
			t = sb_take(&text);
			plan_sysctl(v[i].path, v[i].value, cur, t);
			free(t);
			changed++;
		}
		return 0;
	}
	if ((rc = parsed()) < 0)
		return rc;
	out_arr_open(NULL);
	for (int i = 0; i < n; i++) {
		uint32_t x;

		if ((rc = sc_read(v[i].path, cur, sizeof(cur))) < 0) {
			if (rc == -ENOENT && v[i].scope)
				continue; /* a device without this family's settings */
			out_arr_close();
			return err_sys(rc, "cannot read %s", v[i].name);
		}
		out_obj_open(NULL);
		out_str("key", "%s = ", v[i].name);
		if (v[i].key)
			out_str("name", NULL, v[i].key->name);
		if (v[i].scope)
			out_str("dev", NULL, v[i].scope);
		if (parse_u32(cur, &x) == 0)
			out_uint("value", "%llu", x);
		else
			out_str("value", "%s", cur);
		out_nl();
		out_obj_close();
	}
	out_arr_close();
	return 0;
}

/* ---- show ---- */

struct policy_use {
	bool rules;   /* any rule beyond the kernel's local/main/default */
	bool fwmarks; /* any fwmark rule */
};

static int policy_use(struct policy_use *u)
{
	struct rules *rs;
	int rc;

	memset(u, 0, sizeof(*u));
	if ((rc = state_rules(AF_INET, &rs)) < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *r = &rs->v[i];

		if (r->protocol == RTPROT_KERNEL && !r->src.family && !r->has_fwmark &&
		    (r->table == RT_TABLE_LOCAL || r->table == RT_TABLE_MAIN ||
		     r->table == RT_TABLE_DEFAULT))
			continue;
		u->rules = true;
		u->fwmarks |= r->has_fwmark;
	}
	return 0;
}

static void print_scope(const char *scope, const uint32_t *vals, const uint32_t *devvals,
			const uint32_t *allvals, size_t nk, const struct sc_key *k)
{
	out_str("dev", "%-15s", scope);
	out_obj_open("values");
	for (size_t i = 0; i < nk; i++) {
		out_uint(k[i].name, NULL, vals[i]);
		out_text(" %s %u", k[i].name, vals[i]);
		if (devvals && (vals[i] != devvals[i] || vals[i] != allvals[i]))
			out_text(" (dev %u, all %u)", devvals[i], allvals[i]);
	}
	out_obj_close();
	if (devvals) {
		out_obj_open("device");
		for (size_t i = 0; i < nk; i++)
			out_uint(k[i].name, NULL, devvals[i]);
		out_obj_close();
	}
}

/* One element of the "warnings" array (keys are not printed inside arrays). */
static void warn(const char *text)
{
	out_str("warning", "\n\t! %s", text);
}

static int cmd_show(struct words *w)
{
	const struct sc_key *k;
	struct link *links = NULL;
	struct policy_use use;
	const char *only = NULL;
	uint32_t allv[16], defv[16], devv[16], eff[16];
	size_t nk, nl;
	char path[256];
	int rc, ifindex, fwd_idx = -1, rpf = -1, svm = -1;

	if (w_accept(w, "dev")) {
		if ((rc = w_value(w, "dev", &only)) < 0 || (rc = dev_index(only, &ifindex)) < 0)
			return rc;
	}
	if (w_more(w))
		return w_unknown(w);
	if ((rc = parsed()) < 0)
		return rc;
	k = sc_keys(fam(), &nk);
	for (size_t i = 0; i < nk; i++) {
		sc_path(&k[i], "all", path, sizeof(path));
		allv[i] = sc_read_u32(path);
		sc_path(&k[i], "default", path, sizeof(path));
		defv[i] = sc_read_u32(path);
		if (!strcmp(k[i].name, "forwarding"))
			fwd_idx = (int)i;
		if (!strcmp(k[i].name, "rp_filter"))
			rpf = (int)i;
		if (!strcmp(k[i].name, "src_valid_mark"))
			svm = (int)i;
	}
	if ((rc = policy_use(&use)) < 0 || (rc = link_dump(&links, &nl)) < 0)
		return rc;
	out_arr_open(NULL);
	if (!only) {
		out_obj_open(NULL);
		print_scope("all", allv, NULL, NULL, nk, k);
		out_nl();
		out_obj_close();
		out_obj_open(NULL);
		print_scope("default", defv, NULL, NULL, nk, k);
		out_nl();
		out_obj_close();
	}
	for (size_t d = 0; d < nl; d++) {
		struct link *l = &links[d];
		bool has = fam() == AF_INET6 ? l->has_v6conf : l->has_v4conf;

		if (!has || (only && strcmp(only, l->name)))
			continue;
		for (size_t i = 0; i < nk; i++)
			devv[i] = fam() == AF_INET6 ? (uint32_t)l->v6conf[k[i].idx]
						    : l->v4conf[k[i].idx];
		for (size_t i = 0; i < nk; i++)
			eff[i] = sc_effective(&k[i], allv[i], devv[i],
					      fwd_idx >= 0 && devv[fwd_idx]);
		out_obj_open(NULL);
		print_scope(l->name, eff, devv, allv, nk, k);
		out_uint("ifindex", NULL, (unsigned long long)l->ifindex);
		out_arr_open("warnings");
		if (fam() == AF_INET && strcmp(l->name, "lo")) {
			if (rpf >= 0 && eff[rpf] == 1 && use.rules)
				warn("strict rp_filter drops replies that policy routing sends back "
				     "another way; set rp_filter=2 (loose) here");
			if (rpf >= 0 && svm >= 0 && eff[rpf] && !eff[svm] && use.fwmarks)
				warn("the reverse-path check ignores packet marks, so fwmark rules "
				     "do not apply to it; set src_valid_mark=1 here");
		}
		out_arr_close();
		out_nl();
		out_obj_close();
	}
	out_arr_close();
	free(links);
	return 0;
}

int sysctl_main(int argc, char **argv)
{
	struct words w = {argc, argv, 1};
	const char *cmd = w_next(&w);

	if (!cmd || !strcmp(cmd, "show") || !strcmp(cmd, "list"))
		return cmd_show(&w);
	if (is_help(cmd)) {
		sysctl_usage();
		return 0;
	}
	if (!strcmp(cmd, "get"))
		return cmd_getset(&w, false);
	if (!strcmp(cmd, "set"))
		return cmd_getset(&w, true);
	return err_usage("unknown command", cmd, "show, get or set");
}
