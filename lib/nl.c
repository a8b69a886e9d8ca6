// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "nl.h"
#include "parse.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int nl_open(struct nl *nl, int bus)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(bus);
	if (!nl->sk)
		return err_sys(errno, "cannot open netlink socket");
	/* Errors carry the kernel's explanation; ACKs need not echo the request. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bus == NETLINK_ROUTE)
		mnl_socket_setsockopt(nl->sk, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return err_sys(e, "cannot bind netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	nl->bus = bus;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

static struct nl rtnl;

int nl_rtnl(struct nl **out)
{
	int rc;

	if (!rtnl.sk) {
		rc = nl_open(&rtnl, NETLINK_ROUTE);
		if (rc < 0)
			return rc;
	}
	*out = &rtnl;
	return 0;
}

struct nlmsghdr *nl_msg(void *buf, uint16_t type, uint16_t flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static int extack_attr(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* The error (or 0) carried by an NLMSG_ERROR or NLMSG_DONE message, and its
 * extended-ack text if any. */
static int msg_error(const struct nlmsghdr *nlh, char *ext, size_t extlen)
{
	const char *msg = NULL;
	size_t off;
	int error;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int)))
			return 0;
		error = *(int *)mnl_nlmsg_get_payload(nlh);
		off = sizeof(int);
	} else {
		const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err)))
			return -EBADMSG;
		error = err->error;
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (error && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len) {
		mnl_attr_parse(nlh, (unsigned int)off, extack_attr, &msg);
		if (msg)
			snprintf(ext, extlen, "%s", msg);
	}
	return error > 0 ? -error : error;
}

/* Context shared by data and control callbacks (mnl_cb_run2 gives both the same pointer). */
struct run_ctx {
	mnl_cb_t cb;
	void *data;
	int error;
};

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;
	char ext[512] = "";

	ctx->error = msg_error(nlh, ext, sizeof(ext));
	if (ctx->error) {
		err_set_extack(ext);
		errno = -ctx->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int cb_noop(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct run_ctx *ctx = data;

	return ctx->cb ? ctx->cb(nlh, ctx->data) : MNL_CB_OK;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = cb_noop,
	[NLMSG_ERROR] = cb_error,
	[NLMSG_DONE] = cb_error,
	[NLMSG_OVERRUN] = cb_noop,
};

static char rbuf[NL_RECV_SIZE];

/* Read until the request with sequence seq is answered (ACK or DONE). */
static int run(struct nl *nl, unsigned int seq, struct run_ctx *ctx)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));
		int rc;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		ctx->error = 0;
		rc = mnl_cb_run2(rbuf, (size_t)n, seq, nl->portid, cb_data, ctx, ctl_cbs,
				 NLMSG_MIN_TYPE);
		if (rc == MNL_CB_STOP)
			return 0;
		if (rc < 0)
			return ctx->error ? ctx->error : -errno;
	}
}

/* One request with flags added, its answers to cb (NULL: none expected). */
static int request(struct nl *nl, struct nlmsghdr *nlh, uint16_t flags, mnl_cb_t cb, void *data)
{
	struct run_ctx ctx = {.cb = cb, .data = data};

	err_set_extack(NULL);
	nlh->nlmsg_flags |= flags;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return run(nl, nlh->nlmsg_seq, &ctx);
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh)
{
	return request(nl, nlh, NLM_F_ACK, NULL, NULL);
}

int nl_query(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return request(nl, nlh, NLM_F_ACK, cb, data);
}

int nl_dump(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	return request(nl, nlh, NLM_F_DUMP, cb, data);
}

void nl_attr_ipaddr(const struct nlattr *a, int family, uint8_t len, struct ipaddr *out)
{
	size_t n = (size_t)ipaddr_bytes(family);

	memset(out, 0, sizeof(*out));
	if (!a || mnl_attr_get_payload_len(a) < n)
		return;
	out->family = (uint8_t)family;
	out->len = len;
	memcpy(out->a, mnl_attr_get_payload(a), n);
}

/*
 * Requests go to the kernel in chunks: the kernel handles a whole sendmsg()
 * before it returns and queues one ACK per request, so a chunk must not queue
 * more ACKs than the socket's receive buffer holds (about 200 KB by default,
 * roughly 1 KB of truesize per ACK).
 */
#define NL_SEND_SIZE (NL_CHUNK * 1024)

int nl_talk_many(struct nl *nl, struct nlmsghdr **msgs, int n, int *errs)
{
	static char sbuf[NL_SEND_SIZE];
	char first_extack[512] = "";
	int first = 0;

	for (int base = 0; base < n;) {
		unsigned int seq0 = nl->seq + 1;
		size_t len = 0;
		int cnt = 0, acked = 0;

		while (base + cnt < n && cnt < NL_CHUNK) {
			struct nlmsghdr *m = msgs[base + cnt];

			if (len + m->nlmsg_len > sizeof(sbuf))
				break;
			m->nlmsg_flags |= NLM_F_ACK;
			m->nlmsg_seq = ++nl->seq;
			memcpy(sbuf + len, m, m->nlmsg_len);
			len += NLMSG_ALIGN(m->nlmsg_len);
			cnt++;
		}
		if (mnl_socket_sendto(nl->sk, sbuf, len) < 0)
			return -errno;
		while (acked < cnt) {
			ssize_t r = mnl_socket_recvfrom(nl->sk, rbuf, sizeof(rbuf));
			const struct nlmsghdr *h = (const struct nlmsghdr *)rbuf;
			int left = (int)r;

			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left)) {
				unsigned int i = h->nlmsg_seq - seq0;
				int e;

				if (h->nlmsg_type != NLMSG_ERROR || i >= (unsigned int)cnt)
					continue;
				char ext[512] = "";

				e = msg_error(h, ext, sizeof(ext));
				errs[base + i] = e;
				if (e && !first) {
					first = e;
					snprintf(first_extack, sizeof(first_extack), "%s", ext);
				}
				acked++;
			}
		}
		base += cnt;
	}
	err_set_extack(first_extack);
	return first;
}
