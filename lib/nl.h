/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_NL_H
#define PBR_NL_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stddef.h>

/* Requests nl_talk_many() sends in one sendmsg(). */
#define NL_CHUNK 64

/* Receive buffer: large enough that the kernel fills whole dump batches. */
#define NL_RECV_SIZE (64 * 1024)

struct nl {
	struct mnl_socket *sk;
	unsigned int portid;
	unsigned int seq;
	int bus;
};

/* Open a netlink socket with extended ACKs (and strict dump checking for
 * NETLINK_ROUTE, so the kernel filters route dumps by table). */
int nl_open(struct nl *nl, int bus);
void nl_close(struct nl *nl);
/* The process's shared NETLINK_ROUTE socket, opened on first use. */
int nl_rtnl(struct nl **out);

/* Start a request in buf: header plus a zeroed family header of hdrlen bytes. */
struct nlmsghdr *nl_msg(void *buf, uint16_t type, uint16_t flags, size_t hdrlen);

/* Send one request with NLM_F_ACK and wait for its ACK. 0 or -errno; the
 * kernel's extended-ack text is left for err_sys() (err_set_extack). */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh);
/* Send many requests (each with NLM_F_ACK) back to back and collect every
 * ACK; errs[i] gets request i's result (0 or -errno). Returns the first
 * error, with its extended ack kept. */
int nl_talk_many(struct nl *nl, struct nlmsghdr **msgs, int n, int *errs);
/* A query answered by messages then an ACK (a GET that is not a dump):
 * cb runs for each answer. -ENOENT and the like come back as they are. */
int nl_query(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* Dump: cb runs for each message. -EINTR if the kernel reports the dump
 * was interrupted by a change (callers restart it). */
int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

struct ipaddr;
/* An address attribute of family as a prefix of length len; all zero (family 0)
 * when a is NULL or too short. */
void nl_attr_ipaddr(const struct nlattr *a, int family, uint8_t len, struct ipaddr *out);

#endif
