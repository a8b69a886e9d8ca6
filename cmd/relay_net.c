// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The relay's view of the machine: interfaces, their IPv4 addresses and the
 * routes to the servers, re-read whenever rtnetlink says one of them changed,
 * so an interface that appears, is renumbered or goes away needs no restart.
 * Changes are rare; a full re-read is simpler and cannot drift.
 */
#include <errno.h>
#include <linux/if_addr.h>
#include <net/if_arp.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "err.h"
#include "link.h"
#include "nl.h"
#include "relay.h"
#include "sbuf.h"

/* Notifications may come in bursts (an interface with many addresses going
 * away); a large buffer keeps ENOBUFS rare, and ENOBUFS only means re-read. */
#define NLEV_RCVBUF (1024 * 1024)

static struct mnl_socket *ev;

int relay_net_open(struct relay *r)
{
	unsigned int groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE;
	int size = NLEV_RCVBUF;

	ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!ev)
		return err_sys(errno, "cannot open rtnetlink socket");
	if (mnl_socket_bind(ev, groups, MNL_SOCKET_AUTOPID) < 0)
		return err_sys(errno, "cannot listen to rtnetlink");
	r->nlev = mnl_socket_get_fd(ev);
	setsockopt(r->nlev, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	r->dirty = true;
	return 0;
}

void relay_net_events(struct relay *r)
{
	char buf[NL_RECV_SIZE];

	for (;;) {
		ssize_t n = recv(r->nlev, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* Lost notifications: what changed is unknown, so re-read all. */
			r->dirty = true;
			continue;
		}
		if (n <= 0)
			return;
		r->dirty = true;
	}
}

struct rif *relay_if_by_index(struct relay *r, int ifindex)
{
	for (int i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].ifindex == ifindex && ifindex)
			return &r->ifs[i];
	return NULL;
}

struct rif *relay_if_by_name(struct relay *r, const char *name, size_t len)
{
	for (int i = 0; i < r->n_ifs; i++)
		if (strlen(r->ifs[i].name) == len && !memcmp(r->ifs[i].name, name, len))
			return &r->ifs[i];
	return NULL;
}

bool relay_is_local(const struct relay *r, uint32_t addr)
{
	for (size_t i = 0; i < r->n_laddrs; i++)
		if (r->laddrs[i].addr == addr)
			return true;
	return false;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int *oif = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		if (mnl_attr_get_type(a) == RTA_OIF && !mnl_attr_validate(a, MNL_TYPE_U32))
			*oif = (int)mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

/* The interface the kernel would send to dst through; 0 if unreachable. */
static int route_oif(uint32_t dst)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nl *nl;
	int oif = 0;

	if (nl_rtnl(&nl) < 0)
		return 0;
	nlh = nl_msg(buf, RTM_GETROUTE, 0, sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put_u32(nlh, RTA_DST, dst);
	if (nl_query(nl, nlh, route_cb, &oif) < 0)
		return 0;
	return oif;
}

static struct rif *rif_add(struct relay *r, const char *name)
{
	struct rif *f;

	if (r->n_ifs >= RELAY_MAX_IFACES)
		return NULL;
	f = &r->ifs[r->n_ifs++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

static bool any_cfg_up(const struct relay *r)
{
	for (int i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].cfg_up)
			return true;
	return false;
}

/* Say once when a configured interface comes or goes, not on every re-read. */
static void note_presence(struct relay *r, struct rif *f, int old_ifindex)
{
	if (!(f->cfg_down || f->cfg_up) || !!old_ifindex == !!f->ifindex)
		return;
	if (f->ifindex)
		relay_log(r, LOG_INFO, "interface %s is here (index %d)", f->name, f->ifindex);
	else
		relay_log(r, LOG_WARNING, "interface %s is gone; waiting for it", f->name);
}

int relay_net_refresh(struct relay *r)
{
	struct ifa_entry *addrs = NULL;
	struct link *links = NULL;
	size_t n_links, n_addrs, n_local = 0;
	bool auto_up = !any_cfg_up(r);
	int old[RELAY_MAX_IFACES] = {0};
	int rc;

	rc = link_dump(&links, &n_links);
	if (rc < 0)
		return rc;
	rc = addr_dump(AF_INET, &addrs, &n_addrs);
	if (rc < 0) {
		free(links);
		return rc;
	}
	for (int i = 0; i < r->n_ifs; i++) {
		old[i] = r->ifs[i].ifindex;
		r->ifs[i].ifindex = 0;
		r->ifs[i].addr = 0;
		r->ifs[i].up = r->ifs[i].down = false;
	}
	for (size_t i = 0; i < n_links; i++) {
		struct rif *f = relay_if_by_name(r, links[i].name, strlen(links[i].name));

		if (!f && links[i].type == ARPHRD_LOOPBACK)
			continue;
		if (!f)
			f = rif_add(r, links[i].name);
		if (!f)
			continue;
		f->ifindex = links[i].ifindex;
		f->mtu = links[i].mtu;
		f->type = links[i].type;
	}
	free(r->laddrs);
	r->laddrs = xcalloc(n_addrs ? n_addrs : 1, sizeof(*r->laddrs));
	for (size_t i = 0; i < n_addrs; i++) {
		struct rif *f = relay_if_by_index(r, addrs[i].ifindex);
		uint32_t a;

		memcpy(&a, addrs[i].addr.a, sizeof(a));
		r->laddrs[n_local].addr = a;
		r->laddrs[n_local++].ifindex = addrs[i].ifindex;
		/* giaddr is the primary address: the one the subnet's pool is chosen by. */
		if (f && !f->addr && !(addrs[i].flags & IFA_F_SECONDARY) &&
		    addrs[i].scope < RT_SCOPE_HOST)
			f->addr = a;
	}
	r->n_laddrs = n_local;
	for (int i = 0; i < r->n_servers; i++) {
		struct server *s = &r->servers[i];
		struct rif *f;

		s->oif = route_oif(s->sa.sin_addr.s_addr);
		f = relay_if_by_index(r, s->oif);
		if (f && auto_up)
			f->up = true;
	}
	for (int i = 0; i < r->n_ifs; i++) {
		struct rif *f = &r->ifs[i];

		if (!f->ifindex)
			continue;
		if (f->cfg_up)
			f->up = true;
		if (f->cfg_down)
			f->down = true;
		else if (r->any_down && !f->up && f->type != ARPHRD_LOOPBACK)
			f->down = true;
	}
	for (int i = 0; i < r->n_ifs; i++)
		note_presence(r, &r->ifs[i], old[i]);
	free(links);
	free(addrs);
	relay_io_connect(r);
	return 0;
}
