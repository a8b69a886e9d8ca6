// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "link.h"
#include "nl.h"
#include "sbuf.h"

struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->v = xrealloc(v->v, v->cap * v->size);
	}
	memset((char *)v->v + v->n * v->size, 0, v->size);
	return (char *)v->v + v->n++ * v->size;
}

static int afspec_cb(const struct nlattr *a, void *data)
{
	struct link *l = data;
	const struct nlattr *c;

	/* IFLA_AF_SPEC holds one nest per family, each with its devconf array. */
	mnl_attr_for_each_nested(c, a) {
		uint16_t t = mnl_attr_get_type(c);
		size_t len = mnl_attr_get_payload_len(c);

		if (mnl_attr_get_type(a) == AF_INET && t == IFLA_INET_CONF) {
			size_t n = len / 4 < IPV4_DEVCONF_MAX ? len / 4 : IPV4_DEVCONF_MAX;

			memcpy(&l->v4conf[1], mnl_attr_get_payload(c), n * 4);
			l->has_v4conf = true;
		} else if (mnl_attr_get_type(a) == AF_INET6 && t == IFLA_INET6_CONF) {
			size_t n = len / 4 < DEVCONF_MAX ? len / 4 : DEVCONF_MAX;

			memcpy(l->v6conf, mnl_attr_get_payload(c), n * 4);
			l->has_v6conf = true;
		}
	}
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct link *l = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			l->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_get_payload_len(a) == 6)
			memcpy(l->mac, mnl_attr_get_payload(a), 6);
		break;
	case IFLA_AF_SPEC:
		mnl_attr_parse_nested(a, afspec_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link *l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	l = vec_push(data);
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
	return MNL_CB_OK;
}

int link_dump(struct link **out, size_t *n)
{
	struct vec v = {.size = sizeof(struct link)};
	char buf[256];
	struct nl *nl;
	int rc;

	rc = nl_rtnl(&nl);
	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg));

		v.n = 0;
		rc = nl_dump(nl, nlh, link_cb, &v);
	} while (rc == -EINTR);
	if (rc < 0) {
		free(v.v);
		return err_sys(rc, "cannot read interfaces");
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

int dev_index(const char *name, int *ifindex)
{
	unsigned int i;

	if (parse_ifname(name) < 0)
		return -EINVAL;
	i = if_nametoindex(name);
	if (!i)
		return err_usage("no such device", name, NULL);
	*ifindex = (int)i;
	return 0;
}

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= IFA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	const struct nlattr *a;
	struct ifa_entry *x;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is the address on point-to-point links; IFA_ADDRESS the peer there. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = (size_t)ipaddr_bytes(ifa->ifa_family);
	if (!a || mnl_attr_get_payload_len(a) < alen)
		return MNL_CB_OK;
	x = vec_push(data);
	x->ifindex = (int)ifa->ifa_index;
	x->addr.family = ifa->ifa_family;
	x->addr.len = ifa->ifa_prefixlen;
	memcpy(x->addr.a, mnl_attr_get_payload(a), alen);
	x->scope = ifa->ifa_scope;
	x->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return MNL_CB_OK;
}

int addr_dump(int family, struct ifa_entry **out, size_t *n)
{
	struct vec v = {.size = sizeof(struct ifa_entry)};
	char buf[256];
	struct nl *nl;
	int rc;

	rc = nl_rtnl(&nl);
	if (rc < 0)
		return rc;
	do {
		struct nlmsghdr *nlh = nl_msg(buf, RTM_GETADDR, 0, sizeof(struct ifaddrmsg));
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		ifa->ifa_family = (uint8_t)family;
		v.n = 0;
		rc = nl_dump(nl, nlh, addr_cb, &v);
	} while (rc == -EINTR);
	if (rc < 0) {
		free(v.v);
		return err_sys(rc, "cannot read addresses");
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

bool addr_list_has(const struct ifa_entry *v, size_t n, const struct ipaddr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.family == a->family &&
		    !memcmp(v[i].addr.a, a->a, (size_t)ipaddr_bytes(a->family)))
			return true;
	return false;
}
