// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "dhcp.h"
#include "pbr.h"

static const char *const fault_names[DHCP_FAULT_MAX] = {
	[DHCP_OK] = "ok",
	[DHCP_TRUNCATED] = "truncated",
	[DHCP_BAD_OP] = "bad_op",
	[DHCP_BAD_HLEN] = "bad_hlen",
	[DHCP_BAD_CHADDR] = "bad_chaddr",
	[DHCP_NO_COOKIE] = "no_cookie",
	[DHCP_BAD_OPTIONS] = "bad_options",
	[DHCP_BAD_OVERLOAD] = "bad_overload",
	[DHCP_BAD_MSGTYPE] = "bad_msgtype",
	[DHCP_BAD_AGENT] = "bad_option82",
};

const char *dhcp_fault_name(enum dhcp_fault f)
{
	return (unsigned int)f < DHCP_FAULT_MAX ? fault_names[f] : "unknown";
}

/*
 * Walk the options in p[off, end). The options field may hold everything;
 * file and sname only what option 52 moved there, and never option 52 or
 * 82 (RFC 2131 section 4.1: "overload" is only meaningful in the options
 * field; RFC 3046 section 2.1: the agent appends 82 to the options field).
 * Each field must close with END (RFC 2131 section 4.1).
 */
static enum dhcp_fault walk(const uint8_t *p, size_t off, size_t end, bool options_field,
			    struct dhcp_msg *m)
{
	size_t i = off;

	while (i < end) {
		uint8_t code = p[i];
		size_t len;

		if (code == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		if (code == DHCP_OPT_END) {
			if (options_field)
				m->end = (uint16_t)i;
			return DHCP_OK;
		}
		if (i + 2 > end)
			return DHCP_BAD_OPTIONS;
		len = p[i + 1];
		if (i + 2 + len > end)
			return DHCP_BAD_OPTIONS;
		switch (code) {
		case DHCP_OPT_MSGTYPE:
			if (m->type || len != 1 || !p[i + 2] || p[i + 2] > DHCP_MSGTYPE_MAX)
				return DHCP_BAD_MSGTYPE;
			m->type = p[i + 2];
			break;
		case DHCP_OPT_OVERLOAD:
			if (!options_field || m->overload || len != 1 || !p[i + 2] ||
			    p[i + 2] > (DHCP_OVERLOAD_FILE | DHCP_OVERLOAD_SNAME))
				return DHCP_BAD_OVERLOAD;
			m->overload = p[i + 2];
			break;
		case DHCP_OPT_AGENT:
			if (!options_field || !len)
				return DHCP_BAD_AGENT;
			m->n_agent++;
			m->agent_len = (uint16_t)(m->agent_len + len);
			break;
		}
		i += 2 + len;
	}
	return DHCP_BAD_OPTIONS;
}

/* Sub-options of option 82 (RFC 3046 section 2.0): code, length, value. */
static bool agent_subopts_ok(const uint8_t *sub, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (i + 2 > len || i + 2 + sub[i + 1] > len)
			return false;
		i += 2 + sub[i + 1];
	}
	return len > 0;
}

enum dhcp_fault dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	const struct dhcp_hdr *h = (const struct dhcp_hdr *)p;
	uint32_t cookie;
	enum dhcp_fault f;

	memset(m, 0, sizeof(*m));
	if (len < DHCP_OPTIONS_OFF)
		return DHCP_TRUNCATED;
	if (h->op != BOOTREQUEST && h->op != BOOTREPLY)
		return DHCP_BAD_OP;
	m->op = h->op;
	if (h->hlen == 0 || h->hlen > DHCP_CHADDR_LEN)
		return DHCP_BAD_HLEN;
	if (!dhcp_chaddr_unicast(h))
		return DHCP_BAD_CHADDR;
	memcpy(&cookie, p + DHCP_FIXED_LEN, sizeof(cookie));
	if (ntohl(cookie) != DHCP_MAGIC_COOKIE)
		return DHCP_NO_COOKIE;
	f = walk(p, DHCP_OPTIONS_OFF, len, true, m);
	if (f)
		return f;
	if (m->overload & DHCP_OVERLOAD_FILE) {
		f = walk(p, DHCP_FILE_OFF, DHCP_FILE_OFF + DHCP_FILE_LEN, false, m);
		if (f)
			return f;
	}
	if (m->overload & DHCP_OVERLOAD_SNAME) {
		f = walk(p, DHCP_SNAME_OFF, DHCP_SNAME_OFF + DHCP_SNAME_LEN, false, m);
		if (f)
			return f;
	}
	if (!m->type)
		return DHCP_BAD_MSGTYPE;
	if (m->n_agent) {
		uint8_t buf[UINT16_MAX];
		size_t n = dhcp_agent_collect(p, m, buf, sizeof(buf));

		if (!agent_subopts_ok(buf, n))
			return DHCP_BAD_AGENT;
	}
	return DHCP_OK;
}

bool dhcp_chaddr_unicast(const struct dhcp_hdr *h)
{
	static const uint8_t zero[DHCP_ETHER_LEN];

	if (h->htype != ARPHRD_ETHER_HTYPE || h->hlen != DHCP_ETHER_LEN)
		return true;
	/* The I/G bit: group addresses, broadcast included, name no one host. */
	if (h->chaddr[0] & 1)
		return false;
	return memcmp(h->chaddr, zero, DHCP_ETHER_LEN) != 0;
}

size_t dhcp_agent_collect(const uint8_t *p, const struct dhcp_msg *m, uint8_t *buf, size_t cap)
{
	size_t i = DHCP_OPTIONS_OFF, n = 0;

	while (i < m->end) {
		size_t len;

		if (p[i] == DHCP_OPT_PAD) {
			i++;
			continue;
		}
		len = p[i + 1];
		if (p[i] == DHCP_OPT_AGENT && n + len <= cap) {
			memcpy(buf + n, p + i + 2, len);
			n += len;
		}
		i += 2 + len;
	}
	return n;
}

int dhcp_agent_build(uint8_t *out, const char *circuit, size_t clen, const uint8_t *remote,
		     size_t rlen)
{
	size_t n = 0;

	if (!clen || clen > DHCP_OPT_MAXLEN || 2 + clen + (rlen ? 2 + rlen : 0) > DHCP_OPT_MAXLEN)
		return -EMSGSIZE;
	out[n++] = AGENT_CIRCUIT_ID;
	out[n++] = (uint8_t)clen;
	memcpy(out + n, circuit, clen);
	n += clen;
	if (rlen) {
		out[n++] = AGENT_REMOTE_ID;
		out[n++] = (uint8_t)rlen;
		memcpy(out + n, remote, rlen);
		n += rlen;
	}
	return (int)n;
}

int dhcp_agent_split(const uint8_t *sub, size_t len, const uint8_t *remote, size_t rlen,
		     bool want_remote, size_t *keep, const uint8_t **circuit, size_t *clen)
{
	size_t i = 0, last = len, prev = len;

	while (i < len) {
		if (i + 2 > len || i + 2 + sub[i + 1] > len)
			return -EBADMSG;
		prev = last;
		last = i;
		i += 2 + sub[i + 1];
	}
	if (last == len)
		return -ENOENT;
	if (want_remote) {
		if (prev == len || sub[last] != AGENT_REMOTE_ID || sub[last + 1] != rlen ||
		    memcmp(sub + last + 2, remote, rlen))
			return -ENOENT;
		last = prev;
	}
	if (sub[last] != AGENT_CIRCUIT_ID || !sub[last + 1])
		return -ENOENT;
	*keep = last;
	*circuit = sub + last + 2;
	*clen = sub[last + 1];
	return 0;
}

/* Octets the payload takes as option 82 instances of at most 255 each. */
static size_t agent_space(size_t alen)
{
	size_t full = alen / DHCP_OPT_MAXLEN, rest = alen % DHCP_OPT_MAXLEN;

	return full * (2 + DHCP_OPT_MAXLEN) + (rest ? 2 + rest : 0);
}

int dhcp_set_agent(uint8_t *p, size_t len, size_t cap, struct dhcp_msg *m, bool keep_old,
		   const uint8_t *agent, size_t alen, size_t *newlen)
{
	size_t r, w, kept = 0, need;

	if (cap < len)
		cap = len;
	/* First measure, so a message that would not fit stays untouched. */
	for (r = DHCP_OPTIONS_OFF; r < m->end;) {
		size_t olen;

		if (p[r] == DHCP_OPT_PAD) {
			r++;
			continue;
		}
		olen = 2 + (size_t)p[r + 1];
		if (p[r] != DHCP_OPT_AGENT || keep_old)
			kept += olen;
		r += olen;
	}
	need = DHCP_OPTIONS_OFF + kept + agent_space(alen) + 1;
	if (need > cap)
		return -EMSGSIZE;
	/* Compact in place: the write position never passes the read position. */
	for (r = w = DHCP_OPTIONS_OFF; r < m->end;) {
		size_t olen;

		if (p[r] == DHCP_OPT_PAD) {
			r++;
			continue;
		}
		olen = 2 + (size_t)p[r + 1];
		if (p[r] != DHCP_OPT_AGENT || keep_old) {
			memmove(p + w, p + r, olen);
			w += olen;
		}
		r += olen;
	}
	for (size_t done = 0; done < alen;) {
		size_t chunk = alen - done > DHCP_OPT_MAXLEN ? DHCP_OPT_MAXLEN : alen - done;

		p[w++] = DHCP_OPT_AGENT;
		p[w++] = (uint8_t)chunk;
		memcpy(p + w, agent + done, chunk);
		w += chunk;
		done += chunk;
	}
	p[w++] = DHCP_OPT_END;
	*newlen = w > len ? w : len;
	if (*newlen > w)
		memset(p + w, DHCP_OPT_PAD, *newlen - w);
	return dhcp_parse(p, *newlen, m) == DHCP_OK ? 0 : -EBADMSG;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#define IPV4_VERSION_IHL 0x45 /* version 4, 5 words of header */
#define IPV4_DF 0x4000
#define IPV4_TTL 64 /* the kernel's IPDEFTTL */
#define IP_HDR_LEN 20
#define UDP_HDR_LEN 8
#define IPPROTO_UDP_NUM 17

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Addresses arrive in network byte order and are copied as bytes. */
void ip_udp_header(uint8_t *out, uint32_t saddr, uint32_t daddr, uint16_t sport,
		   uint16_t dport, const uint8_t *payload, size_t len)
{
	uint8_t *ip = out, *udp = out + IP_HDR_LEN;
	uint16_t ulen = (uint16_t)(UDP_HDR_LEN + len);
	uint8_t pseudo[4];
	uint32_t sum;
	uint16_t c;

	memset(out, 0, IP_UDP_HDR_LEN);
	ip[0] = IPV4_VERSION_IHL;
	put16(ip + 2, (uint16_t)(IP_HDR_LEN + ulen));
	put16(ip + 6, IPV4_DF);
	ip[8] = IPV4_TTL;
	ip[9] = IPPROTO_UDP_NUM;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR_LEN)));

	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, ulen);
	/* RFC 768: the checksum covers a pseudo header, the UDP header and data. */
	pseudo[0] = 0;
	pseudo[1] = IPPROTO_UDP_NUM;
	put16(pseudo + 2, ulen);
	sum = csum_add(0, ip + 12, 8);
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	sum = csum_add(sum, udp, UDP_HDR_LEN);
	sum = csum_add(sum, payload, len);
	c = csum_fold(sum);
	/* RFC 768: a computed zero is sent as all ones (zero means "none"). */
	put16(udp + 6, c ? c : 0xffff);
}
