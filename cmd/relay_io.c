// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Moving DHCP messages: requests from clients to the servers, replies from
 * the servers to the clients (RFC 1542 sections 4 and 5, RFC 2131 section
 * 4.1, RFC 3046 section 2).
 *
 * Two kinds of sockets do it all:
 * - one UDP socket on port 67 of every address. It receives the clients'
 *   broadcasts and the servers' replies (sent to giaddr:67), with
 *   IP_PKTINFO telling the arrival interface; it sends to clients by
 *   broadcast or to ciaddr, with the outgoing interface pinned by IP_PKTINFO
 *   so the kernel's routes cannot send a reply out the wrong side (seed 001
 *   has one subnet on both sides).
 * - one more UDP socket on port 67 per server (SO_REUSEPORT, all bound as
 *   root before the privileges go), connected to it: the kernel keeps the
 *   route, so a request sent costs no route lookup. It is reconnected
 *   whenever rtnetlink says something changed, so the route and source
 *   address are the ones an unconnected send would get; while there is no
 *   route it stays unconnected and the main socket sends (and fails) as
 *   before. Whatever such a socket receives is handled as on the main one,
 *   except a broadcast copy, which the main socket has too.
 * - one AF_PACKET socket of protocol 0, which receives nothing at all (no
 *   capture of routed traffic, unlike isc-dhcp-relay's), used only to send a
 *   reply to a client that has no address yet: the frame goes straight to
 *   chaddr, so no neighbour entry is made or overwritten.
 * Messages are read and written in batches (recvmmsg/sendmmsg).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "err.h"
#include "pbr.h"
#include "relay.h"

#define RX_BATCH 64
/* Rounds of RX_BATCH before going back to epoll, so netlink and show get a turn. */
#define RX_ROUNDS 8
/* Largest message taken in; larger ones are dropped as oversized. */
#define RX_MAX 4096
/* Room behind a message for our option 82 (two 255-octet instances). */
#define AGENT_ROOM (2 * (2 + DHCP_OPT_MAXLEN))
/* isc-dhcp-relay's default -A: a request may grow to 576 octets with option 82. */
#define RELAY_GROW_MAX 576
#define OUT_MAX (RX_BATCH * RELAY_MAX_SERVERS)
#define UDP_RCVBUF (4 * 1024 * 1024)
#define LOOPBACK_NET 0x7f000000u
#define LOOPBACK_MASK 0xff000000u
#define THIS_NET_MASK 0xff000000u /* 0.0.0.0/8: "this network" (RFC 1122) */
#define MULTICAST_NET 0xe0000000u /* 224.0.0.0/4, and above it 240.0.0.0/4 */

/* Control messages are read as struct cmsghdr: keep their buffers aligned. */
#define CMSG_ALIGNED __attribute__((aligned(__alignof__(struct cmsghdr))))

struct slot {
	uint8_t raw[IP_UDP_HDR_LEN + RX_MAX + AGENT_ROOM];
	struct sockaddr_in from;
	char cmsg[CMSG_SPACE(sizeof(struct in_pktinfo))] CMSG_ALIGNED;
	struct iovec iov;
	/* a reply's way out */
	struct sockaddr_in to;
	struct sockaddr_ll ll;
	char ocmsg[CMSG_SPACE(sizeof(struct in_pktinfo))] CMSG_ALIGNED;
	struct iovec oiov;
};

struct out_meta {
	struct rif *rif;
	struct server *server; /* NULL for a reply */
};

struct outq {
	struct mmsghdr *m;
	struct out_meta *meta;
	int n, max;
};

static struct slot slots[RX_BATCH];
static struct mmsghdr rx[RX_BATCH];
static struct mmsghdr udp_m[OUT_MAX], pkt_m[RX_BATCH], srv_m[RELAY_MAX_SERVERS][RX_BATCH];
static struct out_meta udp_meta[OUT_MAX], pkt_meta[RX_BATCH], srv_meta[RELAY_MAX_SERVERS][RX_BATCH];
static struct outq q_udp = {udp_m, udp_meta, 0, OUT_MAX}, q_pkt = {pkt_m, pkt_meta, 0, RX_BATCH};
/* Requests to each server whose socket is connected. */
static struct outq q_srv[RELAY_MAX_SERVERS];

/* A UDP socket on port 67 of every address. */
static int udp_open(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(DHCP_PORT_SERVER)};
	int one = 1, size = UDP_RCVBUF;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return err_sys(errno, "cannot open UDP socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_IP, IP_PKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
		close(fd);
		return err_sys(errno, "cannot set up UDP socket");
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		if (e == EADDRINUSE)
			return err_conflict("UDP port 67 is taken (another DHCP server or relay?)");
		return err_sys(e, "cannot bind UDP port 67");
	}
	return fd;
}

int relay_io_open(struct relay *r)
{
	r->udp = udp_open();
	if (r->udp < 0)
		return r->udp;
	for (int i = 0; i < r->n_servers; i++) {
		struct server *sv = &r->servers[i];

		sv->fd = udp_open();
		if (sv->fd < 0)
			return sv->fd;
		sv->connected = false;
		q_srv[i] = (struct outq){srv_m[i], srv_meta[i], 0, RX_BATCH};
	}
	r->pkt = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (r->pkt < 0)
		return err_sys(errno, "cannot open packet socket");
	for (int i = 0; i < RX_BATCH; i++) {
		struct slot *s = &slots[i];
		struct msghdr *h = &rx[i].msg_hdr;

		s->iov.iov_base = s->raw + IP_UDP_HDR_LEN;
		s->iov.iov_len = RX_MAX;
		h->msg_name = &s->from;
		h->msg_iov = &s->iov;
		h->msg_iovlen = 1;
		h->msg_control = s->cmsg;
	}
	return 0;
}

static void drop(struct rif *f, int reason)
{
	f->st.drops[reason]++;
}

static uint8_t *payload(struct slot *s)
{
	return s->raw + IP_UDP_HDR_LEN;
}

/* An address no client may be given or be at (RFC 1122 3.2.1.3, RFC 5771). */
static bool bogus_client_addr(const struct relay *r, uint32_t a)
{
	uint32_t h = ntohl(a);

	return (h & THIS_NET_MASK) == 0 || (h & LOOPBACK_MASK) == LOOPBACK_NET ||
	       (h & MULTICAST_NET) == MULTICAST_NET || relay_is_local(r, a);
}

static struct server *server_by_addr(struct relay *r, uint32_t a)
{
	for (int i = 0; i < r->n_servers; i++)
		if (r->servers[i].sa.sin_addr.s_addr == a)
			return &r->servers[i];
	return NULL;
}

void relay_io_connect(struct relay *r)
{
	static const struct sockaddr unspec = {.sa_family = AF_UNSPEC};

	for (int i = 0; i < r->n_servers; i++) {
		struct server *sv = &r->servers[i];

		/* Disconnect first: a reconnect would keep the old source address. */
		if (sv->connected && connect(sv->fd, &unspec, sizeof(unspec)) < 0)
			relay_log(r, LOG_WARNING, "cannot disconnect from server %s: %s",
				  inet_ntoa(sv->sa.sin_addr), strerror(errno));
		sv->connected = connect(sv->fd, (struct sockaddr *)&sv->sa, sizeof(sv->sa)) == 0;
	}
}

static void queue(struct outq *q, void *name, socklen_t namelen, struct iovec *iov, void *ctl,
		  size_t ctllen, struct rif *f, struct server *sv)
{
	struct msghdr *h;

	if (q->n >= q->max)
		return;
	h = &q->m[q->n].msg_hdr;
	memset(h, 0, sizeof(*h));
	h->msg_name = name;
	h->msg_namelen = namelen;
	h->msg_iov = iov;
	h->msg_iovlen = 1;
	h->msg_control = ctl;
	h->msg_controllen = ctllen;
	q->meta[q->n].rif = f;
	q->meta[q->n].server = sv;
	q->n++;
}

/* How long a request may become on its way up (RFC 3046 2.1: no room, no option). */
static size_t grow_cap(size_t len)
{
	size_t cap = len > RELAY_GROW_MAX ? len : RELAY_GROW_MAX;

	return cap > RX_MAX + AGENT_ROOM ? RX_MAX + AGENT_ROOM : cap;
}

static int request(struct relay *r, struct slot *s, size_t len, struct rif *in,
		    struct dhcp_msg *m)
{
	struct dhcp_hdr *h = (struct dhcp_hdr *)payload(s);
	bool add = false, keep_old = true, strip = false;
	uint32_t gi = h->giaddr;
	int queued = 0;

	if (h->hops > r->max_hops)
		return DROP_HOPS;
	if (gi) {
		/* Our own giaddr coming back means a loop (RFC 1542 4.1.1). */
		if (relay_is_local(r, gi))
			return DROP_OWN_GIADDR;
	} else {
		gi = r->giaddr ? r->giaddr : in->addr;
		if (!gi)
			return DROP_NO_ADDRESS;
	}
	if (m->n_agent) {
		/*
		 * RFC 3046 2.1: with giaddr 0 the option can only come from the
		 * client or a snooping switch; believe it only on a trusted port.
		 */
		if (!h->giaddr && !in->trusted)
			return DROP_UNTRUSTED_AGENT;
		switch (r->policy) {
		case AGENT_DISCARD:
			return DROP_AGENT_POLICY;
		case AGENT_FORWARD:
			break;
		case AGENT_APPEND:
			add = r->agent;
			break;
		case AGENT_REPLACE:
			add = r->agent;
			keep_old = false;
			strip = true;
			break;
		}
	} else {
		/* Only the first hop adds it: replies come back to the first hop only. */
		add = r->agent && !h->giaddr;
	}
	if (add) {
		uint8_t agent[DHCP_OPT_MAXLEN];
		int alen = dhcp_agent_build(agent, in->name, strlen(in->name), r->remote_id,
					    r->remote_len);
		size_t nl = len;

		if (alen < 0 || dhcp_set_agent(payload(s), len, grow_cap(len), m, keep_old,
					       agent, (size_t)alen, &nl) < 0) {
			in->st.agent_too_big++;
		} else {
			strip = false;
			len = nl;
		}
	}
	if (strip) {
		size_t nl = len;

		if (dhcp_set_agent(payload(s), len, len, m, false, NULL, 0, &nl) == 0)
			len = nl;
	}
	h->giaddr = gi;
	h->hops++;
	s->oiov.iov_base = payload(s);
	s->oiov.iov_len = len;
	for (int i = 0; i < r->n_servers; i++) {
		struct server *sv = &r->servers[i];

		/* Never back out the way it came: the server there heard it already. */
		if (sv->oif == in->ifindex)
			continue;
		if (sv->connected)
			queue(&q_srv[i], NULL, 0, &s->oiov, NULL, 0, in, sv);
		else
			queue(&q_udp, &sv->sa, sizeof(sv->sa), &s->oiov, NULL, 0, in, sv);
		queued++;
	}
	return queued ? 0 : DROP_LOOP;
}

static void udp_to(struct slot *s, struct rif *out, uint32_t src, uint32_t dst);
static int frame(struct slot *s, size_t len, struct rif *out, uint32_t src, bool bcast);

/* Which downstream interface a reply is for: giaddr names it (RFC 1542 5.4). */
static struct rif *reply_iface(struct relay *r, uint32_t gi)
{
	struct rif *only = NULL;
	int n_down = 0;

	if (r->giaddr && gi == r->giaddr) {
		for (int i = 0; i < r->n_ifs; i++)
			if (r->ifs[i].down && r->ifs[i].ifindex) {
				only = &r->ifs[i];
				n_down++;
			}
		return n_down == 1 ? only : NULL;
	}
	for (size_t i = 0; i < r->n_laddrs; i++) {
		struct rif *f;

		if (r->laddrs[i].addr != gi)
			continue;
		f = relay_if_by_index(r, r->laddrs[i].ifindex);
		if (f && f->down)
			return f;
	}
	return NULL;
}

/*
 * Our option 82 must come back as we sent it: the trailing circuit-id (and
 * remote-id) is ours and names the interface; whatever others put before it
 * stays. Returns the interface it names, out unchanged if the option is not
 * ours but may pass, or NULL to drop.
 */
static struct rif *reply_agent(struct relay *r, struct slot *s, size_t len, struct dhcp_msg *m,
			       struct rif *out, bool *bad)
{
	uint8_t buf[UINT16_MAX];
	const uint8_t *circuit;
	size_t n, keep, clen, nl;
	struct rif *f;
	int rc;

	n = dhcp_agent_collect(payload(s), m, buf, sizeof(buf));
	rc = dhcp_agent_split(buf, n, r->remote_id, r->remote_len, r->remote_len > 0, &keep,
			      &circuit, &clen);
	/* Not ours: only a trusted port's option, forwarded as it was, may come back. */
	if (rc == -ENOENT && r->policy == AGENT_FORWARD && out && out->trusted)
		return out;
	if (rc < 0)
		goto bad;
	f = relay_if_by_name(r, (const char *)circuit, clen);
	if (!f || !f->down || !f->ifindex)
		goto bad;
	if (dhcp_set_agent(payload(s), len, len, m, false, keep ? buf : NULL, keep, &nl) < 0)
		goto bad;
	return f;
bad:
	*bad = true;
	return NULL;
}

static int reply(struct relay *r, struct slot *s, size_t len, struct rif *in, struct dhcp_msg *m)
{
	struct dhcp_hdr *h = (struct dhcp_hdr *)payload(s);
	struct server *sv;
	struct rif *out;
	uint32_t src;
	bool bcast, bad = false;

	sv = server_by_addr(r, s->from.sin_addr.s_addr);
	if (!sv)
		return DROP_NOT_SERVER;
	out = reply_iface(r, h->giaddr);
	if (!out && !(r->giaddr && h->giaddr == r->giaddr))
		return DROP_FOREIGN_GIADDR;
	if (r->agent && m->n_agent) {
		out = reply_agent(r, s, len, m, out, &bad);
		if (bad)
			return DROP_AGENT_MISMATCH;
	}
	if (!out)
		return DROP_NO_IFACE;
	if (out->ifindex == in->ifindex)
		return DROP_LOOP;
	if ((h->yiaddr && bogus_client_addr(r, h->yiaddr)) ||
	    (h->ciaddr && bogus_client_addr(r, h->ciaddr)))
		return DROP_BAD_YIADDR;
	sv->replies++;
	src = relay_is_local(r, h->giaddr) ? h->giaddr : out->addr;
	/* RFC 2131 4.3.2: a NAK through a relay is broadcast on the client's subnet. */
	bcast = (ntohs(h->flags) & BOOTP_BROADCAST) || m->type == DHCPNAK;
	s->oiov.iov_base = payload(s);
	s->oiov.iov_len = len;
	if (bcast || !h->ciaddr)
		return frame(s, len, out, src, bcast);
	/* A client in RENEWING/REBINDING has ciaddr and answers ARP (RFC 2131 4.1). */
	udp_to(s, out, src, h->ciaddr);
	return 0;
}

/* Through the UDP socket, out of the interface given, from src. */
static void udp_to(struct slot *s, struct rif *out, uint32_t src, uint32_t dst)
{
	struct in_pktinfo *pi;
	struct cmsghdr *c;

	memset(&s->to, 0, sizeof(s->to));
	s->to.sin_family = AF_INET;
	s->to.sin_port = htons(DHCP_PORT_CLIENT);
	s->to.sin_addr.s_addr = dst;
	memset(s->ocmsg, 0, sizeof(s->ocmsg));
	c = (struct cmsghdr *)s->ocmsg;
	c->cmsg_level = SOL_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	pi = (struct in_pktinfo *)CMSG_DATA(c);
	pi->ipi_ifindex = out->ifindex;
	pi->ipi_spec_dst.s_addr = src;
	queue(&q_udp, &s->to, sizeof(s->to), &s->oiov, s->ocmsg, sizeof(s->ocmsg), out, NULL);
}

/*
 * To a client without an address: broadcast, or unicast to chaddr/yiaddr
 * (RFC 2131 4.1) since it cannot answer ARP yet. On Ethernet the frame is
 * built here and sent on the packet socket: no neighbour entry is made or
 * overwritten, and a broadcast is not looped back into our own stack as the
 * kernel does for a UDP broadcast. Elsewhere the UDP socket broadcasts.
 */
static int frame(struct slot *s, size_t len, struct rif *out, uint32_t src, bool bcast)
{
	static const uint8_t all_ones[DHCP_ETHER_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	const struct dhcp_hdr *h = (const struct dhcp_hdr *)payload(s);
	bool to_chaddr = !bcast && h->yiaddr && h->htype == ARPHRD_ETHER_HTYPE &&
			 h->hlen == DHCP_ETHER_LEN;

	if (out->type != ARPHRD_ETHER) {
		udp_to(s, out, src, INADDR_BROADCAST);
		return 0;
	}
	ip_udp_header(s->raw, src, to_chaddr ? h->yiaddr : INADDR_BROADCAST, DHCP_PORT_SERVER,
		      DHCP_PORT_CLIENT, payload(s), len);
	memset(&s->ll, 0, sizeof(s->ll));
	s->ll.sll_family = AF_PACKET;
	s->ll.sll_protocol = htons(ETH_P_IP);
	s->ll.sll_ifindex = out->ifindex;
	s->ll.sll_halen = DHCP_ETHER_LEN;
	memcpy(s->ll.sll_addr, to_chaddr ? h->chaddr : all_ones, DHCP_ETHER_LEN);
	s->oiov.iov_base = s->raw;
	s->oiov.iov_len = len + IP_UDP_HDR_LEN;
	queue(&q_pkt, &s->ll, sizeof(s->ll), &s->oiov, NULL, 0, out, NULL);
	return 0;
}

/* The arrival interface and the header's destination address. */
static int arrival(struct msghdr *h, uint32_t *dst)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c))
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO) {
			const struct in_pktinfo *pi = (const struct in_pktinfo *)CMSG_DATA(c);

			*dst = pi->ipi_addr.s_addr;
			return pi->ipi_ifindex;
		}
	*dst = 0;
	return 0;
}

static struct rif other = {.name = "other"};

static void handle(struct relay *r, struct slot *s, struct msghdr *mh, size_t len, bool main)
{
	uint32_t dst;
	struct rif *in = relay_if_by_index(r, arrival(mh, &dst));
	uint8_t op = len ? payload(s)[0] : 0;
	struct dhcp_msg m;
	int why;

	/*
	 * A broadcast reaches every socket on port 67 that is not connected
	 * (a server's, while it has no route): the main socket handles it.
	 */
	if (!main && !relay_is_local(r, dst))
		return;
	if (!in)
		in = &other;
	if (op == BOOTREQUEST)
		in->st.requests++;
	else if (op == BOOTREPLY)
		in->st.replies++;
	if (op == BOOTREQUEST && !in->down)
		why = DROP_NOT_DOWNSTREAM;
	else if (op == BOOTREPLY && !in->up)
		why = DROP_NOT_UPSTREAM;
	else if (mh->msg_flags & MSG_TRUNC)
		why = DROP_OVERSIZED;
	else if ((why = (int)dhcp_parse(payload(s), len, &m)) != DHCP_OK)
		; /* the parser's reason */
	else if (m.op == BOOTREQUEST)
		why = request(r, s, len, in, &m);
	else
		why = reply(r, s, len, in, &m);
	if (why)
		drop(in, why);
}

/* connected: an error may be an ICMP error left by an earlier datagram,
 * which the failed send reported and cleared: try that message once more. */
static void flush(struct outq *q, int fd, bool connected)
{
	bool retried = false;
	int done = 0;

	while (done < q->n) {
		int n = sendmmsg(fd, q->m + done, (unsigned int)(q->n - done), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && connected && !retried) {
			retried = true;
			continue;
		}
		retried = false;
		if (n <= 0) {
			/* The first one failed: count it and go on with the rest. */
			drop(q->meta[done].rif, DROP_SEND);
			done++;
			continue;
		}
		for (int i = done; i < done + n; i++) {
			struct out_meta *mt = &q->meta[i];

			if (mt->server) {
				mt->server->sent++;
				mt->rif->st.relayed++;
			} else {
				mt->rif->st.delivered++;
			}
		}
		done += n;
	}
	q->n = 0;
}

bool relay_io_input(struct relay *r, int fd)
{
	bool main = fd == r->udp;

	if (!main) {
		int i = 0;

		while (i < r->n_servers && r->servers[i].fd != fd)
			i++;
		if (i == r->n_servers)
			return false;
	}
	for (int round = 0; round < RX_ROUNDS; round++) {
		int n;

		for (int i = 0; i < RX_BATCH; i++) {
			rx[i].msg_hdr.msg_namelen = sizeof(slots[i].from);
			rx[i].msg_hdr.msg_controllen = sizeof(slots[i].cmsg);
			rx[i].msg_hdr.msg_flags = 0;
		}
		n = recvmmsg(fd, rx, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++)
			handle(r, &slots[i], &rx[i].msg_hdr, rx[i].msg_len, main);
		for (int i = 0; i < r->n_servers; i++)
			flush(&q_srv[i], r->servers[i].fd, true);
		flush(&q_udp, r->udp, false);
		flush(&q_pkt, r->pkt, false);
		if (n < RX_BATCH)
			break;
	}
	return true;
}

struct rif *relay_other(void)
{
	return &other;
}
