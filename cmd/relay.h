/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_CMD_RELAY_H
#define PBR_CMD_RELAY_H

/*
 * pbr relay: the DHCPv4 relay agent. relay.c parses the words and runs the
 * daemon's life (sockets, privileges, loop); relay_io.c moves packets;
 * relay_net.c follows interfaces, addresses and routes over rtnetlink;
 * relay_ctl.c answers `pbr relay show` and logs.
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dhcp.h"

#define RELAY_MAX_SERVERS 16
#define RELAY_MAX_IFACES 64
#define RELAY_HOPS_DEFAULT 4
#define RELAY_HOPS_MAX 16 /* RFC 1542 section 4.1.1 */
#define RELAY_USER_DEFAULT "nobody"
/* The abstract unix socket `pbr relay show` talks to; scoped to the netns. */
#define RELAY_CTL_NAME "pbr-relay"

/* What happens to a request that already carries option 82 (RFC 3046 2.1). */
enum agent_policy {
	AGENT_FORWARD, /* pass it on untouched (isc-dhcp-relay's default) */
	AGENT_APPEND,  /* keep theirs and append ours (RFC 3396 concatenation) */
	AGENT_REPLACE, /* drop theirs, put ours */
	AGENT_DISCARD, /* drop the request */
};

/* Why a packet was dropped. The first DHCP_FAULT_MAX are dhcp_parse()'s. */
enum relay_drop {
	DROP_OVERSIZED = DHCP_FAULT_MAX,
	DROP_NOT_DOWNSTREAM,
	DROP_HOPS,
	DROP_OWN_GIADDR,
	DROP_NO_ADDRESS,
	DROP_UNTRUSTED_AGENT,
	DROP_AGENT_POLICY,
	DROP_LOOP,
	DROP_NOT_UPSTREAM,
	DROP_NOT_SERVER,
	DROP_FOREIGN_GIADDR,
	DROP_BAD_YIADDR,
	DROP_AGENT_MISMATCH,
	DROP_NO_IFACE,
	DROP_SEND,
	DROP_MAX,
};

const char *relay_drop_name(int reason);

struct relay_stats {
	uint64_t requests;	/* requests received here */
	uint64_t relayed;	/* ... and sent on to the servers */
	uint64_t replies;	/* replies received here */
	uint64_t delivered;	/* replies sent to clients here */
	uint64_t agent_too_big; /* relayed without our option 82: no room (RFC 3046 2.1) */
	uint64_t drops[DROP_MAX];
};

/* An interface, configured or seen; kept by name so it survives renumbering. */
struct rif {
	char name[IFNAMSIZ];
	int ifindex;	  /* 0 while the interface does not exist */
	unsigned int mtu;
	unsigned short type; /* ARPHRD_* */
	bool cfg_down;	  /* -i */
	bool cfg_up;	  /* -u */
	bool trusted;	  /* -t: option 82 from here is believed even with giaddr 0 */
	bool down, up;	  /* the roles in force now */
	uint32_t addr;	  /* giaddr to stamp: its primary IPv4 address (network order) */
	struct relay_stats st;
};

struct server {
	struct sockaddr_in sa;
	int oif; /* where the route to it goes; 0: no route */
	int fd;	 /* UDP port 67 too, connected to it while there is a route */
	bool connected;
	uint64_t sent, replies;
};

/* A local IPv4 address and its interface. */
struct laddr {
	uint32_t addr;
	int ifindex;
};

struct relay {
	/* configuration */
	struct rif ifs[RELAY_MAX_IFACES];
	int n_ifs;
	bool any_down; /* no -i: every broadcast interface but the upstream ones */
	struct server servers[RELAY_MAX_SERVERS];
	int n_servers;
	uint32_t giaddr; /* -g, network order; 0: the interface's address */
	bool agent;	 /* -a */
	enum agent_policy policy;
	uint8_t remote_id[DHCP_OPT_MAXLEN];
	size_t remote_len;
	unsigned int max_hops;
	const char *pidfile;
	const char *user;
	bool foreground;
	bool quiet;

	/* running */
	int udp;    /* port 67, every interface: requests in, replies in, sends */
	int pkt;    /* AF_PACKET, protocol 0: sends only, never captures */
	int nlev;   /* rtnetlink multicast: links, addresses, routes */
	int ctl;    /* abstract unix socket for `pbr relay show` */
	int sigfd;
	int pidfd;
	bool dirty; /* rtnetlink said something changed */
	struct laddr *laddrs;
	size_t n_laddrs;
	uint64_t started;
};

/* relay_net.c */
int relay_net_open(struct relay *r);
/* Re-read links, addresses and routes, and recompute the roles. */
int relay_net_refresh(struct relay *r);
/* Drain rtnetlink notifications; sets r->dirty. */
void relay_net_events(struct relay *r);
struct rif *relay_if_by_index(struct relay *r, int ifindex);
struct rif *relay_if_by_name(struct relay *r, const char *name, size_t len);
bool relay_is_local(const struct relay *r, uint32_t addr);

/* relay_io.c */
int relay_io_open(struct relay *r);
/* (Re)connect each server's socket: routes or addresses changed. */
void relay_io_connect(struct relay *r);
/* Receive and handle what is queued on fd if it is one of the UDP sockets. */
bool relay_io_input(struct relay *r, int fd);
/* Counters of packets that came in on an interface the relay does not know. */
struct rif *relay_other(void);

/* relay_ctl.c */
int relay_ctl_open(struct relay *r);
void relay_ctl_accept(struct relay *r);
void relay_log_counters(struct relay *r);
void relay_log(struct relay *r, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int relay_show(void);

#endif
