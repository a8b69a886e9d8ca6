// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Load for DHCP relay benchmarks (bench/relay.sh), the same for every relay.
 *
 *   relay_load client DEV SECONDS WINDOW   flood DISCOVERs out DEV (broadcast
 *                                          flag set, unique xids), keeping
 *                                          WINDOW outstanding; measure replies
 *   relay_load server ADDR                 answer every relayed request at
 *                                          once with an OFFER to its giaddr
 *   relay_load pair CLNS CLDEV CLADDR SVNS SVDEV SVADDR SECONDS WINDOW
 *                                          both in one process on packet
 *                                          sockets (the default of bench/relay.sh)
 *
 * The client prints one line: sent answered lost seconds rate p50_us p99_us.
 * client and server use UDP sockets with recvmmsg/sendmmsg; each is a whole
 * stack of its own in its namespace.
 *
 * pair is one thread that never sleeps, so neither side is ever woken up: it
 * sends DISCOVERs as frames (broadcast, from CLADDR:68) on a packet socket of
 * CLNS, takes the relayed requests and the replies from packet socket rings
 * tapped on SVDEV and CLDEV, and answers each request at once with a frame
 * to the relay's MAC. bench/relay.sh drops IPv4 at those two interfaces'
 * ingress (after the tap), so the peers' IP and UDP receive paths are not
 * run: on veth they would run in the sender's context, billing the relay for
 * work that is the clients' and the server's on a real network. ARP still
 * reaches SVNS's stack, so the relay resolves SVADDR as it would anywhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sched.h>
#include <linux/virtio_net.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 300
#define OPT_OFF 240
#define BATCH 64
#define RING (1u << 21)
#define LOST_AFTER_NS 500000000ull /* a request unanswered for 0.5 s is lost */
#define GRACE_NS 300000000ull
#define XID_BASE 0x50000000u
#define HIST_US 100000 /* latency histogram: 1 us buckets up to 100 ms */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* What a load run counts: each request's send time, answers, latencies, losses. */
struct tally {
	uint64_t sent_at[RING];
	uint32_t hist[HIST_US + 1];
	uint64_t sent, answered, lost, oldest, inflight;
};

/* Room for one more batch: under the window, and in the ring. */
static bool tally_room(const struct tally *tl, unsigned int window)
{
	return tl->inflight < window && tl->sent - tl->oldest < RING - BATCH;
}

static void tally_sent(struct tally *tl, int n)
{
	for (int i = 0; i < n; i++)
		tl->sent_at[(tl->sent + (uint64_t)i) % RING] = now_ns();
	tl->sent += (uint64_t)n;
	tl->inflight += (uint64_t)n;
}

/* A reply with xid (as on the wire) arrived at t. */
static void tally_answer(struct tally *tl, uint32_t xid, uint64_t t)
{
	uint64_t seq = ntohl(xid) - XID_BASE, us, *s;

	if (seq >= tl->sent || seq < tl->oldest)
		return;
	s = &tl->sent_at[seq % RING];
	if (!*s)
		return;
	us = (t - *s) / 1000;
	tl->hist[us > HIST_US ? HIST_US : us]++;
	*s = 0;
	tl->answered++;
	tl->inflight--;
}

/* Retire the oldest: answered ones, and those waited on too long. */
static void tally_retire(struct tally *tl, uint64_t t, uint64_t end)
{
	while (tl->oldest < tl->sent) {
		uint64_t *s = &tl->sent_at[tl->oldest % RING];

		if (*s && t - *s < LOST_AFTER_NS && t < end + GRACE_NS)
			break;
		if (*s) {
			tl->lost++;
			tl->inflight--;
			*s = 0;
		}
		tl->oldest++;
	}
}

/* The run's line: sent answered lost secs rate p50_us p99_us. */
static int tally_report(struct tally *tl, double secs)
{
	uint64_t p50 = 0, p99 = 0, acc = 0;

	for (uint64_t i = tl->oldest; i < tl->sent; i++)
		if (tl->sent_at[i % RING])
			tl->lost++;
	for (int i = 0; i <= HIST_US; i++) {
		acc += tl->hist[i];
		if (!p50 && acc * 2 >= tl->answered)
			p50 = (uint64_t)i;
		if (!p99 && acc * 100 >= tl->answered * 99) {
			p99 = (uint64_t)i;
			break;
		}
	}
	printf("%llu %llu %llu %.3f %.0f %llu %llu\n", (unsigned long long)tl->sent,
	       (unsigned long long)tl->answered, (unsigned long long)tl->lost, secs,
	       tl->answered / secs, (unsigned long long)p50, (unsigned long long)p99);
	return 0;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int udp_socket(uint32_t addr, uint16_t port, const char *dev)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), one = 1, size = 8 << 20;

	if (fd < 0)
		die("socket");
	sa.sin_addr.s_addr = addr;
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev)) < 0)
		die("SO_BINDTODEVICE");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	return fd;
}

static void discover(uint8_t *p, uint32_t xid)
{
	static const uint8_t cookie[] = {0x63, 0x82, 0x53, 0x63};
	uint32_t x = htonl(xid);

	memset(p, 0, MSG_LEN);
	p[0] = 1; /* BOOTREQUEST */
	p[1] = 1; /* Ethernet */
	p[2] = 6;
	memcpy(p + 4, &x, 4);
	p[10] = 0x80; /* broadcast flag: the client has no address to unicast to */
	p[28] = 0x02;
	memcpy(p + 30, &x, 4); /* a unique locally administered chaddr per request */
	memcpy(p + 236, cookie, 4);
	p[OPT_OFF] = 53;
	p[OPT_OFF + 1] = 1;
	p[OPT_OFF + 2] = 1; /* DISCOVER */
	p[OPT_OFF + 3] = 255;
}

static int client(const char *dev, double secs, unsigned int window)
{
	static struct tally tl;
	static uint8_t out[BATCH][MSG_LEN], in[BATCH][1500];
	struct sockaddr_in bc = {.sin_family = AF_INET, .sin_port = htons(67)};
	struct mmsghdr om[BATCH], im[BATCH];
	struct iovec oiov[BATCH], iiov[BATCH];
	uint64_t start, end, t;
	int fd = udp_socket(INADDR_ANY, 68, dev);

	bc.sin_addr.s_addr = INADDR_BROADCAST;
	memset(om, 0, sizeof(om));
	memset(im, 0, sizeof(im));
	for (int i = 0; i < BATCH; i++) {
		oiov[i].iov_base = out[i];
		oiov[i].iov_len = MSG_LEN;
		om[i].msg_hdr.msg_iov = &oiov[i];
		om[i].msg_hdr.msg_iovlen = 1;
		om[i].msg_hdr.msg_name = &bc;
		om[i].msg_hdr.msg_namelen = sizeof(bc);
		iiov[i].iov_base = in[i];
		iiov[i].iov_len = sizeof(in[i]);
		im[i].msg_hdr.msg_iov = &iiov[i];
		im[i].msg_hdr.msg_iovlen = 1;
	}
	start = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n = 0;

		t = now_ns();
		if (t >= end + GRACE_NS || (t >= end && !tl.inflight))
			break;
		while (t < end && tally_room(&tl, window)) {
			unsigned int k = 0;

			while (k < BATCH && tl.inflight + k < window) {
				discover(out[k], XID_BASE + (uint32_t)(tl.sent + k));
				k++;
			}
			n = sendmmsg(fd, om, k, 0);
			if (n <= 0)
				break;
			tally_sent(&tl, n);
		}
		if (poll(&pfd, 1, 1) > 0)
			n = recvmmsg(fd, im, BATCH, MSG_DONTWAIT, NULL);
		else
			n = 0;
		t = now_ns();
		for (int i = 0; i < n; i++) {
			uint32_t xid;

			if (im[i].msg_len < OPT_OFF || in[i][0] != 2)
				continue;
			memcpy(&xid, in[i] + 4, 4);
			tally_answer(&tl, xid, t);
		}
		tally_retire(&tl, t, end);
	}
	return tally_report(&tl, secs);
}

static size_t offer(uint8_t *p, size_t len, uint32_t server)
{
	uint8_t *o = p + OPT_OFF;
	uint32_t yi;

	if (len < OPT_OFF)
		return 0;
	p[0] = 2; /* BOOTREPLY */
	memcpy(&yi, p + 4, 4);
	yi = htonl(0x0a800000u | (ntohl(yi) & 0x7fffff)); /* 10.128.0.0/9 */
	memcpy(p + 16, &yi, 4);
	*o++ = 53, *o++ = 1, *o++ = 2;
	*o++ = 54, *o++ = 4;
	memcpy(o, &server, 4);
	o += 4;
	*o++ = 51, *o++ = 4, *o++ = 0, *o++ = 0, *o++ = 0x0e, *o++ = 0x10;
	*o++ = 255;
	memset(o, 0, (size_t)(p + MSG_LEN - o));
	return MSG_LEN;
}

static __attribute__((noreturn)) void server(const char *addr)
{
	static uint8_t buf[BATCH][1500];
	static struct sockaddr_in to[BATCH];
	struct mmsghdr m[BATCH], om[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	struct in_addr a;
	int fd;

	if (inet_pton(AF_INET, addr, &a) != 1)
		die("address");
	fd = udp_socket(a.s_addr, 67, NULL);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int n, k = 0;

		poll(&pfd, 1, -1);
		n = recvmmsg(fd, m, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			size_t len;

			if (m[i].msg_len < OPT_OFF || buf[i][0] != 1)
				continue;
			len = offer(buf[i], m[i].msg_len, a.s_addr);
			memset(&to[k], 0, sizeof(to[k]));
			to[k].sin_family = AF_INET;
			to[k].sin_port = htons(67);
			memcpy(&to[k].sin_addr, buf[i] + 24, 4); /* giaddr */
			memset(&om[k], 0, sizeof(om[k]));
			oiov[k].iov_base = buf[i];
			oiov[k].iov_len = len;
			om[k].msg_hdr.msg_iov = &oiov[k];
			om[k].msg_hdr.msg_iovlen = 1;
			om[k].msg_hdr.msg_name = &to[k];
			om[k].msg_hdr.msg_namelen = sizeof(to[k]);
			k++;
		}
		if (k && sendmmsg(fd, om, (unsigned int)k, 0) < 0 && errno != EAGAIN)
			die("sendmmsg");
	}
}

/* ---- pair: client and server in one thread, on packet sockets ---- */

/* Small rings stay in cache; a window of at most 256 never fills them. */
#define RING_FRAME 1024
#define RING_FRAMES 1024
#define HDR_LEN (sizeof(struct iphdr) + sizeof(struct udphdr))
#define VNET_LEN sizeof(struct virtio_net_hdr)
#define TX_HDR (VNET_LEN + ETH_HLEN + HDR_LEN) /* in front of a payload sent */

struct ring {
	int fd;
	uint8_t *map;
	unsigned int next;
};

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
}

/* A packet socket of the current netns on dev: tx only (raw, with a
 * virtio-net header; its MAC in mac), or with an rx ring. */
static int pkt_socket(const char *dev, struct ring *rx, uint8_t *mac)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET};
	int fd = socket(AF_PACKET, rx ? SOCK_DGRAM : SOCK_RAW, 0), one = 1, v2 = TPACKET_V2;
	struct ifreq ifr;

	if (fd < 0)
		die("packet socket");
	ll.sll_ifindex = (int)if_nametoindex(dev);
	if (!ll.sll_ifindex)
		die(dev);
	if (mac) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
			die("SIOCGIFHWADDR");
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	}
	if (!rx) {
		/* Same kernel path for every relay; no qdisc on veth anyway. */
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
		/* UDP checksums left to "hardware", as a UDP socket's are on veth. */
		if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
			die("PACKET_VNET_HDR");
	} else {
		struct tpacket_req req = {
			.tp_block_size = RING_FRAME * 64,
			.tp_block_nr = RING_FRAMES / 64,
			.tp_frame_size = RING_FRAME,
			.tp_frame_nr = RING_FRAMES,
		};

		if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v2, sizeof(v2)) < 0 ||
		    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
		    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
			die("packet ring");
		rx->map = mmap(NULL, (size_t)RING_FRAME * RING_FRAMES, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_POPULATE, fd, 0);
		if (rx->map == MAP_FAILED)
			die("mmap");
		rx->fd = fd;
		rx->next = 0;
		/* All of them: the tap runs before the ingress hook that drops IPv4. */
		ll.sll_protocol = htons(ETH_P_ALL);
	}
	if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		die("bind packet socket");
	return fd;
}

/* The next frame the kernel filled, or NULL; give it back with ring_done(). */
static struct tpacket2_hdr *ring_next(struct ring *r)
{
	struct tpacket2_hdr *h = (struct tpacket2_hdr *)(r->map + (size_t)r->next * RING_FRAME);

	if (!(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return NULL;
	return h;
}

static void ring_done(struct ring *r, struct tpacket2_hdr *h)
{
	__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->next = (r->next + 1) % RING_FRAMES;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/*
 * A virtio-net header, Ethernet, IPv4 and UDP headers in front of a payload
 * of len octets at p + TX_HDR. The UDP checksum is left to be completed
 * (CHECKSUM_PARTIAL), as for a UDP socket's datagram on veth or a NIC with
 * checksum offload: receivers do not verify it in software.
 */
static void ip_udp(uint8_t *p, const uint8_t *smac, const uint8_t *dmac, uint32_t src,
		   uint32_t dst, uint16_t sport, uint16_t dport, size_t len)
{
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)p;
	struct ether_header *eth = (struct ether_header *)(p + VNET_LEN);
	struct iphdr *ip = (struct iphdr *)(p + VNET_LEN + ETH_HLEN);
	struct udphdr *udp = (struct udphdr *)(p + VNET_LEN + ETH_HLEN + sizeof(*ip));
	uint32_t sum = 0;
	uint16_t ulen = htons((uint16_t)(len + sizeof(*udp)));

	memset(p, 0, TX_HDR);
	memcpy(eth->ether_dhost, dmac, ETH_ALEN);
	memcpy(eth->ether_shost, smac, ETH_ALEN);
	eth->ether_type = htons(ETHERTYPE_IP);
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = VIRTIO_NET_HDR_GSO_NONE;
	vh->csum_start = ETH_HLEN + sizeof(*ip); /* from the link-layer header */
	vh->csum_offset = offsetof(struct udphdr, check);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(len + HDR_LEN));
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = csum_fold(csum_add(0, ip, sizeof(*ip)));
	udp->source = htons(sport);
	udp->dest = htons(dport);
	udp->len = ulen;
	/* The pseudo-header's sum, not complemented: what is left to complete. */
	sum = csum_add(sum, &ip->saddr, 8);
	sum += IPPROTO_UDP + ntohs(ulen);
	udp->check = (uint16_t)~csum_fold(sum);
}

/* A UDP datagram to port in a ring frame: its payload and length, or NULL. */
static uint8_t *ring_udp(struct tpacket2_hdr *h, uint16_t port, size_t *len,
			 const struct sockaddr_ll **from)
{
	uint8_t *p = (uint8_t *)h + h->tp_net;
	struct iphdr *ip = (struct iphdr *)p;
	struct udphdr *udp;
	const struct sockaddr_ll *ll =
		(const struct sockaddr_ll *)((uint8_t *)h + TPACKET_ALIGN(sizeof(*h)));

	if (ll->sll_protocol != htons(ETH_P_IP) || ll->sll_pkttype == PACKET_OUTGOING ||
	    h->tp_snaplen < HDR_LEN || ip->version != 4 || ip->protocol != IPPROTO_UDP ||
	    ip->ihl != 5)
		return NULL;
	udp = (struct udphdr *)(p + sizeof(*ip));
	if (udp->dest != htons(port) || ntohs(udp->len) < sizeof(*udp) ||
	    ntohs(udp->len) - sizeof(*udp) > h->tp_snaplen - HDR_LEN)
		return NULL;
	*len = ntohs(udp->len) - sizeof(*udp);
	if (from)
		*from = ll;
	return p + HDR_LEN;
}

static int pair(char **argv)
{
	static struct tally tl;
	static uint8_t out[BATCH][TX_HDR + MSG_LEN], ans[BATCH][TX_HDR + MSG_LEN];
	static const uint8_t all_ones[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t cmac[ETH_ALEN], smac[ETH_ALEN];
	static struct sockaddr_ll ans_to[BATCH];
	struct sockaddr_ll bc = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				 .sll_halen = ETH_ALEN};
	struct mmsghdr om[BATCH], am[BATCH];
	struct iovec oiov[BATCH], aiov[BATCH];
	struct ring crx, srx;
	struct in_addr caddr, saddr;
	uint64_t start, end, t;
	double secs = atof(argv[6]);
	unsigned int window = (unsigned int)atoi(argv[7]);
	int ctx, stx;

	if (inet_pton(AF_INET, argv[2], &caddr) != 1 || inet_pton(AF_INET, argv[5], &saddr) != 1)
		die("address");
	enter_netns(argv[0]);
	ctx = pkt_socket(argv[1], NULL, cmac);
	pkt_socket(argv[1], &crx, NULL);
	bc.sll_ifindex = (int)if_nametoindex(argv[1]);
	memset(bc.sll_addr, 0xff, ETH_ALEN);
	enter_netns(argv[3]);
	stx = pkt_socket(argv[4], NULL, smac);
	pkt_socket(argv[4], &srx, NULL);
	memset(om, 0, sizeof(om));
	memset(am, 0, sizeof(am));
	for (int i = 0; i < BATCH; i++) {
		oiov[i].iov_base = out[i];
		oiov[i].iov_len = sizeof(out[i]);
		om[i].msg_hdr.msg_iov = &oiov[i];
		om[i].msg_hdr.msg_iovlen = 1;
		om[i].msg_hdr.msg_name = &bc;
		om[i].msg_hdr.msg_namelen = sizeof(bc);
		aiov[i].iov_base = ans[i];
		am[i].msg_hdr.msg_iov = &aiov[i];
		am[i].msg_hdr.msg_iovlen = 1;
		am[i].msg_hdr.msg_name = &ans_to[i];
		am[i].msg_hdr.msg_namelen = sizeof(ans_to[i]);
	}
	start = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	for (;;) {
		struct tpacket2_hdr *h;
		int k = 0;

		t = now_ns();
		if (t >= end + GRACE_NS || (t >= end && !tl.inflight))
			break;
		/* Client: fill the window. */
		while (t < end && tally_room(&tl, window)) {
			unsigned int n = 0;
			int done;

			while (n < BATCH && tl.inflight + n < window) {
				discover(out[n] + TX_HDR, XID_BASE + (uint32_t)(tl.sent + n));
				ip_udp(out[n], cmac, all_ones, caddr.s_addr, INADDR_BROADCAST, 68, 67,
				       MSG_LEN);
				n++;
			}
			done = sendmmsg(ctx, om, n, 0);
			if (done <= 0)
				break;
			tally_sent(&tl, done);
			if ((unsigned int)done < n)
				break;
		}
		/* Server: answer every relayed request at once. */
		while (k < BATCH && (h = ring_next(&srx))) {
			const struct sockaddr_ll *from;
			size_t len;
			uint8_t *p = ring_udp(h, 67, &len, &from);
			uint32_t gi;

			if (p && len >= OPT_OFF && p[0] == 1) {
				memcpy(ans[k] + TX_HDR, p, OPT_OFF);
				memcpy(&gi, p + 24, 4);
				offer(ans[k] + TX_HDR, OPT_OFF, saddr.s_addr);
				ip_udp(ans[k], smac, from->sll_addr, saddr.s_addr, gi, 67, 67, MSG_LEN);
				aiov[k].iov_len = TX_HDR + MSG_LEN;
				memset(&ans_to[k], 0, sizeof(ans_to[k]));
				ans_to[k].sll_family = AF_PACKET;
				ans_to[k].sll_protocol = htons(ETH_P_IP);
				ans_to[k].sll_ifindex = from->sll_ifindex;
				ans_to[k].sll_halen = ETH_ALEN;
				memcpy(ans_to[k].sll_addr, from->sll_addr, ETH_ALEN);
				k++;
			}
			ring_done(&srx, h);
		}
		if (k && sendmmsg(stx, am, (unsigned int)k, 0) < 0 && errno != EAGAIN)
			die("sendmmsg");
		/* Client: take the replies. */
		t = now_ns();
		for (int i = 0; i < 4 * BATCH && (h = ring_next(&crx)); i++) {
			size_t len;
			uint8_t *p = ring_udp(h, 68, &len, NULL);
			uint32_t xid;

			if (p && len >= OPT_OFF && p[0] == 2) {
				memcpy(&xid, p + 4, 4);
				tally_answer(&tl, xid, t);
			}
			ring_done(&crx, h);
		}
		tally_retire(&tl, t, end);
	}
	return tally_report(&tl, secs);
}

int main(int argc, char **argv)
{
	if (argc == 10 && !strcmp(argv[1], "pair"))
		return pair(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], atof(argv[3]), (unsigned int)atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "server"))
		server(argv[2]);
	fprintf(stderr, "usage: relay_load client DEV SECONDS WINDOW | server ADDR\n"
			"       relay_load pair CLNS CLDEV CLADDR SVNS SVDEV SVADDR SECONDS WINDOW\n");
	return 2;
}
