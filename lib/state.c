// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "names.h"
#include "nl.h"
#include "pbr.h"
#include "plan.h"
#include "sbuf.h"
#include "state.h"

static struct {
	bool have_rules[2];
	struct rules rules[2];
	struct routes **rt; /* pointers stay valid while the array grows */
	size_t nrt;
} st;

static int fam_idx(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static void rules_push(struct rules *rs, const struct rule *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 32;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n] = *r;
	rs->v[rs->n++].hash = rule_hash(r);
}

static void routes_push(struct routes *rs, const struct route *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = *r;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule r;

	if (nlh->nlmsg_type == RTM_NEWRULE && rule_from_msg(nlh, &r) == 0)
		rules_push(data, &r);
	return MNL_CB_OK;
}

int state_rules(int family, struct rules **out)
{
	int i = fam_idx(family);
	char buf[256];
	struct nl *nl;
	int rc;

	if (!st.have_rules[i]) {
		rc = nl_rtnl(&nl);
		if (rc < 0)
			return rc;
		do {
			struct nlmsghdr *nlh =
				nl_msg(buf, RTM_GETRULE, 0, sizeof(struct fib_rule_hdr));
			struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

			frh->family = (uint8_t)family;
			st.rules[i].n = 0;
			rc = nl_dump(nl, nlh, rule_cb, &st.rules[i]);
		} while (rc == -EINTR);
		if (rc < 0)
			return err_sys(rc, "cannot read rules");
		st.have_rules[i] = true;
	}
	*out = &st.rules[i];
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct routes *rs = data;
	struct route r;

	if (nlh->nlmsg_type != RTM_NEWROUTE || route_from_msg(nlh, &r) < 0)
		return MNL_CB_OK;
	/* Older kernels ignore the table filter; cached and cloned routes are not FIB entries. */
	if (r.table == rs->table && !(((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags &
				      RTM_F_CLONED))
		routes_push(rs, &r);
	return MNL_CB_OK;
}

int state_routes(int family, uint32_t table, struct routes **out)
{
	struct routes *rs = NULL;
	char buf[256];
	struct nl *nl;
	int rc;

	for (size_t i = 0; i < st.nrt; i++)
		if (st.rt[i]->family == family && st.rt[i]->table == table) {
			*out = st.rt[i];
			return 0;
		}
	rc = nl_rtnl(&nl);
	if (rc < 0)
		return rc;
	rs = xcalloc(1, sizeof(*rs));
	rs->family = family;
	rs->table = table;
	do {
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		rtm->rtm_family = (uint8_t)family;
		rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
		rs->n = 0;
		rc = nl_dump(nl, nlh, route_cb, rs);
	} while (rc == -EINTR);
	if (rc < 0 && rc != -ENOENT) {
		free(rs->v);
		free(rs);
		return err_sys(rc, "cannot read routes");
	}
	st.rt = xrealloc(st.rt, (st.nrt + 1) * sizeof(*st.rt));
	st.rt[st.nrt++] = rs;
	*out = rs;
	return 0;
}

void state_reset(void)
{
	for (int i = 0; i < 2; i++) {
		free(st.rules[i].v);
		memset(&st.rules[i], 0, sizeof(st.rules[i]));
		st.have_rules[i] = false;
	}
	for (size_t i = 0; i < st.nrt; i++) {
		free(st.rt[i]->v);
		free(st.rt[i]);
	}
	free(st.rt);
	st.rt = NULL;
	st.nrt = 0;
}

/* ---- rules ---- */

static void plan_rule(uint16_t type, const struct rule *r)
{
	char b1[RT_MSG_SIZE], b2[RT_MSG_SIZE];
	struct nlmsghdr *m, *u;
	char *text;

	if (type == RTM_NEWRULE) {
		m = rule_msg(b1, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
		u = rule_msg(b2, RTM_DELRULE, 0, r);
		text = rule_cmd("add", r);
	} else {
		m = rule_msg(b1, RTM_DELRULE, 0, r);
		u = rule_msg(b2, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r);
		text = rule_cmd("del", r);
	}
	plan_rtnl(m, u, text);
	free(text);
}

static int pick_pref(const struct rules *rs, enum pref_class cls, uint32_t *pref)
{
	uint32_t lo = opt.pref_base + (cls == PREF_SOURCE ? 0 : 100);
	uint32_t hi = cls == PREF_SOURCE ? opt.pref_base + 99 : opt.pref_base + PBR_PREF_SPAN - 1;
	uint32_t max = 0;
	bool any = false;

	for (size_t i = 0; i < rs->n; i++) {
		uint32_t p = rs->v[i].pref;

		if (p >= lo && p <= hi && (!any || p > max)) {
			max = p;
			any = true;
		}
	}
	/*
	 * Append after the last one, as the policy added last matches last. When
	 * the range is used up, later rules share its last number: the kernel
	 * inserts a rule after all rules of equal priority, so order still holds.
	 */
	*pref = !any ? lo : max < hi ? max + 1 : hi;
	return 0;
}

int rule_ensure(struct rule *want, enum pref_class cls, int *changed)
{
	struct rules *rs;
	int rc;

	rc = state_rules(want->family, &rs);
	if (rc < 0)
		return rc;
	want->hash = rule_hash(want);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].hash == want->hash && rs->v[i].protocol == PBR_PROTO &&
		    rule_same(&rs->v[i], want)) {
			want->pref = rs->v[i].pref;
			want->has_pref = rs->v[i].has_pref;
			return 0;
		}
	if (!want->has_pref) {
		rc = pick_pref(rs, cls, &want->pref);
		if (rc < 0)
			return rc;
		want->has_pref = true;
	}
	want->protocol = PBR_PROTO;
	plan_rule(RTM_NEWRULE, want);
	rules_push(rs, want);
	(*changed)++;
	return 0;
}

int rule_remove_if(int family, bool (*pred)(const struct rule *r, void *data), void *data,
		   int *changed)
{
	struct rules *rs;
	size_t j = 0;
	int rc;

	rc = state_rules(family, &rs);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].protocol == PBR_PROTO && pred(&rs->v[i], data)) {
			plan_rule(RTM_DELRULE, &rs->v[i]);
			(*changed)++;
			continue;
		}
		rs->v[j++] = rs->v[i];
	}
	rs->n = j;
	return 0;
}

static bool match_sel(const struct rule *r, void *data)
{
	const struct rule *sel = data;

	return rule_same(r, sel) && (!sel->has_pref || r->pref == sel->pref);
}

int rule_remove(const struct rule *sel, int *changed)
{
	return rule_remove_if(sel->family, match_sel, (void *)sel, changed);
}

static bool match_table(const struct rule *r, void *data)
{
	return r->table == *(const uint32_t *)data;
}

int rule_remove_table(int family, uint32_t table, int *changed)
{
	return rule_remove_if(family, match_table, &table, changed);
}

/* ---- routes ---- */

int route_ensure(const struct route *want, bool takeover, int *changed)
{
	char b1[RT_MSG_SIZE], b2[RT_MSG_SIZE], pb[8], d[IPADDR_STRLEN], t[16];
	struct routes *rs;
	struct route *old = NULL;
	struct nlmsghdr *m, *u;
	char *text;
	int rc;

	rc = state_routes(want->family, want->table, &rs);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++)
		if (route_same_key(&rs->v[i], want)) {
			old = &rs->v[i];
			break;
		}
	if (old && old->protocol == PBR_PROTO && route_same(old, want))
		return 0;
	if (old && old->protocol != PBR_PROTO && !takeover)
		return err_conflict("route %s metric %u in table %s was made by proto %s, not pbr "
				    "(use \"route replace\" to take it over)",
				    ipaddr_str(&want->dst, d, sizeof(d)), want->metric,
				    names_table_str(want->table, t, sizeof(t)),
				    rt_proto_str(old->protocol, pb, sizeof(pb)));
	if (old) {
		m = route_msg(b1, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, want);
		u = route_msg(b2, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, old);
		text = route_cmd("replace", want);
		*old = *want;
	} else {
		m = route_msg(b1, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, want);
		u = route_msg(b2, RTM_DELROUTE, 0, want);
		text = route_cmd("add", want);
		routes_push(rs, want);
	}
	plan_rtnl(m, u, text);
	free(text);
	(*changed)++;
	return 0;
}

static void plan_route_del(const struct route *r)
{
	char b1[RT_MSG_SIZE], b2[RT_MSG_SIZE];
	struct nlmsghdr *m = route_msg(b1, RTM_DELROUTE, 0, r);
	struct nlmsghdr *u = route_msg(b2, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r);
	char *text = route_cmd("del", r);

	plan_rtnl(m, u, text);
	free(text);
}

int route_remove(const struct route *key, int *changed)
{
	struct routes *rs;
	int rc;

	rc = state_routes(key->family, key->table, &rs);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].protocol == PBR_PROTO && route_same_key(&rs->v[i], key)) {
			plan_route_del(&rs->v[i]);
			rs->v[i] = rs->v[--rs->n];
			(*changed)++;
			return 0;
		}
	}
	return 0;
}

int route_flush_table(int family, uint32_t table, int *changed)
{
	struct routes *rs;
	size_t j = 0;
	int rc;

	rc = state_routes(family, table, &rs);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].protocol == PBR_PROTO) {
			plan_route_del(&rs->v[i]);
			(*changed)++;
			continue;
		}
		rs->v[j++] = rs->v[i];
	}
	rs->n = j;
	return 0;
}

int table_in_use(uint32_t table, bool *used)
{
	static const int fams[] = {AF_INET, AF_INET6};
	int rc;

	*used = false;
	for (size_t f = 0; f < ARRAY_SIZE(fams) && !*used; f++) {
		struct routes *rt;
		struct rules *ru;

		rc = state_routes(fams[f], table, &rt);
		if (rc < 0)
			return rc;
		rc = state_rules(fams[f], &ru);
		if (rc < 0)
			return rc;
		*used = rt->n > 0;
		for (size_t i = 0; i < ru->n && !*used; i++)
			*used = ru->v[i].table == table;
	}
	return 0;
}

int table_free_id(uint32_t *id)
{
	for (uint32_t lo = PBR_TABLE_AUTO_LO;; lo = *id + 1) {
		bool busy;
		int rc;

		if ((rc = names_free_id(lo, PBR_TABLE_AUTO_HI, NULL, 0, id)) < 0)
			return rc;
		if ((rc = table_in_use(*id, &busy)) < 0)
			return rc;
		if (!busy)
			return 0;
	}
}

int state_families(int fam, int out[2])
{
	int n = 0;

	if (fam) {
		out[0] = fam;
		return 1;
	}
	out[n++] = AF_INET;
	/* A kernel booted with ipv6.disable=1 has no IPv6 to cover. */
	if (access("/proc/sys/net/ipv6", F_OK) == 0)
		out[n++] = AF_INET6;
	return n;
}

static int all_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route r;

	if (nlh->nlmsg_type == RTM_NEWROUTE && route_from_msg(nlh, &r) == 0 &&
	    !(((const struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags & RTM_F_CLONED))
		routes_push(data, &r);
	return MNL_CB_OK;
}

int routes_dump_all(int family, struct routes *out)
{
	char buf[256];
	struct nl *nl;
	int rc;

	memset(out, 0, sizeof(*out));
	out->family = family;
	rc = nl_rtnl(&nl);
	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, 0, sizeof(struct rtmsg));
		struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

		rtm->rtm_family = (uint8_t)family;
		out->n = 0;
		rc = nl_dump(nl, nlh, all_cb, out);
	} while (rc == -EINTR);
	if (rc < 0)
		return err_sys(rc, "cannot read routes");
	return 0;
}
