// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Load for DHCP relay benchmarks (bench/relay.sh), the same for every relay.
 *
 *   relay_load client DEV SECONDS WINDOW   flood DISCOVERs out DEV (broadcast
 *                                          flag set, unique xids), keeping
 *                                          WINDOW outstanding; measure replies
 *   relay_load server ADDR                 answer every relayed request at
 *                                          once with an OFFER to its giaddr
 *
 * The client prints one line: sent answered lost seconds rate p50_us p99_us.
 * Both use recvmmsg/sendmmsg so the load, not the harness, is what is measured.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
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
	static uint64_t sent_at[RING];
	static uint32_t hist[HIST_US + 1];
	static uint8_t out[BATCH][MSG_LEN], in[BATCH][1500];
	struct sockaddr_in bc = {.sin_family = AF_INET, .sin_port = htons(67)};
	struct mmsghdr om[BATCH], im[BATCH];
	struct iovec oiov[BATCH], iiov[BATCH];
	uint64_t start, end, t, sent = 0, answered = 0, lost = 0, oldest = 0, inflight = 0;
	uint64_t p50 = 0, p99 = 0, acc = 0;
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
		if (t >= end + GRACE_NS || (t >= end && !inflight))
			break;
		while (t < end && inflight < window && sent - oldest < RING - BATCH) {
			unsigned int k = 0;

			while (k < BATCH && inflight + k < window) {
				discover(out[k], XID_BASE + (uint32_t)(sent + k));
				k++;
			}
			n = sendmmsg(fd, om, k, 0);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++)
				sent_at[(sent + (uint64_t)i) % RING] = now_ns();
			sent += (uint64_t)n;
			inflight += (uint64_t)n;
		}
		if (poll(&pfd, 1, 1) > 0)
			n = recvmmsg(fd, im, BATCH, MSG_DONTWAIT, NULL);
		else
			n = 0;
		t = now_ns();
		for (int i = 0; i < n; i++) {
			uint32_t xid;
			uint64_t seq, *s;

			if (im[i].msg_len < OPT_OFF || in[i][0] != 2)
				continue;
			memcpy(&xid, in[i] + 4, 4);
			seq = ntohl(xid) - XID_BASE;
			if (seq >= sent || seq < oldest)
				continue;
			s = &sent_at[seq % RING];
			if (!*s)
				continue;
			acc = (t - *s) / 1000;
			hist[acc > HIST_US ? HIST_US : acc]++;
			*s = 0;
			answered++;
			inflight--;
		}
		/* Retire the oldest: answered ones, and those waited on too long. */
		while (oldest < sent) {
			uint64_t *s = &sent_at[oldest % RING];

			if (*s && t - *s < LOST_AFTER_NS && t < end + GRACE_NS)
				break;
			if (*s) {
				lost++;
				inflight--;
				*s = 0;
			}
			oldest++;
		}
	}
	for (uint64_t i = oldest; i < sent; i++)
		if (sent_at[i % RING])
			lost++;
	acc = 0;
	for (int i = 0; i <= HIST_US; i++) {
		acc += hist[i];
		if (!p50 && acc * 2 >= answered)
			p50 = (uint64_t)i;
		if (!p99 && acc * 100 >= answered * 99) {
			p99 = (uint64_t)i;
			break;
		}
	}
	printf("%llu %llu %llu %.3f %.0f %llu %llu\n", (unsigned long long)sent,
	       (unsigned long long)answered, (unsigned long long)lost, secs, answered / secs,
	       (unsigned long long)p50, (unsigned long long)p99);
	return 0;
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

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "client"))
		return client(argv[2], atof(argv[3]), (unsigned int)atoi(argv[4]));
	if (argc == 3 && !strcmp(argv[1], "server"))
		server(argv[2]);
	fprintf(stderr, "usage: relay_load client DEV SECONDS WINDOW | server ADDR\n");
	return 2;
}
