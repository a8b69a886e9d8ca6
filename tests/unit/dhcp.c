// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/dhcp.c. Prints "ok - WHAT" / "not ok - WHAT" lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dhcp.h"

#define BUF 2048

static int failed;

static void check(bool cond, const char *what)
{
	printf("%s - dhcp: %s\n", cond ? "ok" : "not ok", what);
	failed |= !cond;
}

/* A DISCOVER: header, cookie, the options given, END, zero padding to pad. */
static size_t msg(uint8_t *p, uint8_t op, const uint8_t *opts, size_t olen, size_t pad)
{
	struct dhcp_hdr *h = (struct dhcp_hdr *)p;
	uint32_t cookie = htonl(DHCP_MAGIC_COOKIE);
	size_t n;

	memset(p, 0, BUF);
	h->op = op;
	h->htype = ARPHRD_ETHER_HTYPE;
	h->hlen = DHCP_ETHER_LEN;
	h->xid = htonl(0x1234);
	h->chaddr[0] = 0x02;
	h->chaddr[5] = 0x01;
	memcpy(p + DHCP_FIXED_LEN, &cookie, 4);
	memcpy(p + DHCP_OPTIONS_OFF, opts, olen);
	n = DHCP_OPTIONS_OFF + olen;
	p[n++] = DHCP_OPT_END;
	return n > pad ? n : pad;
}

static enum dhcp_fault parse_opts(const uint8_t *opts, size_t olen, size_t pad)
{
	static uint8_t p[BUF];
	struct dhcp_msg m;

	return dhcp_parse(p, msg(p, BOOTREQUEST, opts, olen, pad), &m);
}

static void test_parse(void)
{
	static uint8_t p[BUF];
	const uint8_t discover[] = {53, 1, 1};
	struct dhcp_msg m;
	size_t n = msg(p, BOOTREQUEST, discover, sizeof(discover), BOOTP_MIN_LEN);

	check(dhcp_parse(p, n, &m) == DHCP_OK && m.type == DHCPDISCOVER &&
		      m.end == DHCP_OPTIONS_OFF + 3,
	      "a DISCOVER parses, END found");
	check(dhcp_parse(p, 0, &m) == DHCP_TRUNCATED, "empty: truncated");
	check(dhcp_parse(p, 1, &m) == DHCP_TRUNCATED, "1 byte: truncated");
	check(dhcp_parse(p, DHCP_OPTIONS_OFF - 1, &m) == DHCP_TRUNCATED, "no room for the cookie");
	p[DHCP_FIXED_LEN] = 0;
	check(dhcp_parse(p, n, &m) == DHCP_NO_COOKIE, "no magic cookie");
	n = msg(p, 3, discover, sizeof(discover), BOOTP_MIN_LEN);
	check(dhcp_parse(p, n, &m) == DHCP_BAD_OP, "op 3");
	n = msg(p, BOOTREQUEST, discover, sizeof(discover), BOOTP_MIN_LEN);
	p[2] = 0;
	check(dhcp_parse(p, n, &m) == DHCP_BAD_HLEN, "hlen 0");
	p[2] = 17;
	check(dhcp_parse(p, n, &m) == DHCP_BAD_HLEN, "hlen 17");
	p[2] = DHCP_ETHER_LEN;
	p[28] = 0x01;
	check(dhcp_parse(p, n, &m) == DHCP_BAD_CHADDR, "multicast chaddr");
	p[28] = 0;
	p[33] = 0;
	check(dhcp_parse(p, n, &m) == DHCP_BAD_CHADDR, "all-zero chaddr");
	p[1] = 6; /* IEEE 802: not Ethernet's htype; chaddr not judged */
	check(dhcp_parse(p, n, &m) == DHCP_OK, "chaddr of another htype is not judged");
	{
		const uint8_t o[] = {53, 1, 1, 12, 200, 'a'};
		check(parse_opts(o, sizeof(o), 0) == DHCP_BAD_OPTIONS, "option runs past the end");
	}
	{
		uint8_t q[BUF];
		size_t len = msg(q, BOOTREQUEST, discover, sizeof(discover), 0);

		check(dhcp_parse(q, len - 1, &m) == DHCP_BAD_OPTIONS, "no END");
	}
	{
		const uint8_t o[] = {53, 1, 1, 52, 1, 7};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_OVERLOAD, "option 52 = 7");
	}
	{
		const uint8_t o[] = {53, 1, 1, 52, 2, 1, 1};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_OVERLOAD,
		      "option 52 of length 2");
	}
	{
		const uint8_t o[] = {53, 1, 1, 52, 1, 1};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_OPTIONS,
		      "overloaded file without END");
	}
	{
		const uint8_t o[] = {12, 1, 'a'};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_MSGTYPE, "no option 53");
	}
	{
		const uint8_t o[] = {53, 1, 1, 53, 1, 3};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_MSGTYPE, "option 53 twice");
	}
	{
		const uint8_t o[] = {53, 1, 99};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_MSGTYPE, "option 53 = 99");
	}
	{
		const uint8_t o[] = {53, 1, 1, 82, 0};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_AGENT, "empty option 82");
	}
	{
		const uint8_t o[] = {53, 1, 1, 82, 3, 1, 5, 'x'};
		check(parse_opts(o, sizeof(o), BOOTP_MIN_LEN) == DHCP_BAD_AGENT,
		      "option 82 sub-option past its end");
	}
	{
		/* A sub-option split over two instances is one (RFC 3396). */
		const uint8_t o[] = {53, 1, 1, 82, 3, 1, 3, 'a', 82, 2, 'b', 'c'};
		size_t len;

		len = msg(p, BOOTREQUEST, o, sizeof(o), BOOTP_MIN_LEN);
		check(dhcp_parse(p, len, &m) == DHCP_OK && m.n_agent == 2 && m.agent_len == 5,
		      "option 82 in two instances is concatenated");
	}
	{
		const uint8_t o[] = {53, 1, 1, 52, 1, 1};
		size_t len = msg(p, BOOTREQUEST, o, sizeof(o), BOOTP_MIN_LEN);

		p[DHCP_FILE_OFF] = 82;
		p[DHCP_FILE_OFF + 1] = 3;
		p[DHCP_FILE_OFF + 2] = 1;
		p[DHCP_FILE_OFF + 3] = 1;
		p[DHCP_FILE_OFF + 4] = 'a';
		p[DHCP_FILE_OFF + 5] = DHCP_OPT_END;
		check(dhcp_parse(p, len, &m) == DHCP_BAD_AGENT, "option 82 in the file field");
	}
}

static void test_agent(void)
{
	static uint8_t p[BUF], buf[BUF], q[BUF];
	const uint8_t discover[] = {53, 1, 1};
	const uint8_t remote[] = "rid";
	uint8_t agent[DHCP_OPT_MAXLEN];
	const uint8_t *circuit;
	size_t n, nl, keep, clen, sub;
	struct dhcp_msg m;
	int alen;

	alen = dhcp_agent_build(agent, "eth1", 4, remote, 3);
	check(alen == 2 + 4 + 2 + 3 && agent[0] == AGENT_CIRCUIT_ID && agent[6] == AGENT_REMOTE_ID,
	      "circuit-id then remote-id");
	check(dhcp_agent_build(agent, "x", 1, agent, 252) == -EMSGSIZE,
	      "a payload over 255 octets is refused");

	n = msg(p, BOOTREQUEST, discover, sizeof(discover), BOOTP_MIN_LEN);
	dhcp_parse(p, n, &m);
	check(dhcp_set_agent(p, n, n + 100, &m, true, agent, (size_t)alen, &nl) == 0 &&
		      nl == BOOTP_MIN_LEN && m.n_agent == 1,
	      "added into the padding: the message keeps its 300 octets");
	check(p[DHCP_OPTIONS_OFF + 3] == DHCP_OPT_AGENT && p[m.end] == DHCP_OPT_END,
	      "option 82 sits last, right before END");
	sub = dhcp_agent_collect(p, &m, buf, sizeof(buf));
	check(dhcp_agent_split(buf, sub, remote, 3, true, &keep, &circuit, &clen) == 0 &&
		      keep == 0 && clen == 4 && !memcmp(circuit, "eth1", 4),
	      "split finds our circuit-id, nothing of others");
	check(dhcp_agent_split(buf, sub, (const uint8_t *)"xyz", 3, true, &keep, &circuit,
			       &clen) == -ENOENT,
	      "another remote-id is not ours");
	check(dhcp_agent_split(buf, sub - 1, remote, 3, true, &keep, &circuit, &clen) == -EBADMSG,
	      "a cut sub-option is malformed");
	check(dhcp_set_agent(p, nl, nl, &m, false, NULL, 0, &nl) == 0 && m.n_agent == 0 &&
		      nl == BOOTP_MIN_LEN,
	      "stripped again, same length");

	n = msg(p, BOOTREQUEST, discover, sizeof(discover), 0);
	dhcp_parse(p, n, &m);
	memcpy(q, p, n);
	check(dhcp_set_agent(p, n, n + 5, &m, true, agent, (size_t)alen, &nl) == -EMSGSIZE &&
		      !memcmp(p, q, n),
	      "no room: refused and untouched");
	check(dhcp_set_agent(p, n, n + 100, &m, true, agent, (size_t)alen, &nl) == 0 &&
		      nl == n + 2 + (size_t)alen,
	      "grows by exactly the option when there is no padding");
	{
		const uint8_t o[] = {53, 1, 1, 82, 5, 1, 3, 'o', 'l', 'd'};

		n = msg(p, BOOTREQUEST, o, sizeof(o), BOOTP_MIN_LEN);
		dhcp_parse(p, n, &m);
		dhcp_set_agent(p, n, n, &m, true, agent, (size_t)alen, &nl);
		sub = dhcp_agent_collect(p, &m, buf, sizeof(buf));
		check(m.n_agent == 2 && !memcmp(buf, "\x01\x03old", 5) &&
			      dhcp_agent_split(buf, sub, remote, 3, true, &keep, &circuit, &clen) ==
				      0 &&
			      keep == 5,
		      "append: theirs first, ours last; split keeps theirs");
		check(dhcp_set_agent(p, nl, nl, &m, false, buf, keep, &nl) == 0 && m.n_agent == 1 &&
			      m.agent_len == 5,
		      "strip ours from a reply leaves theirs");
		n = msg(p, BOOTREQUEST, o, sizeof(o), BOOTP_MIN_LEN);
		dhcp_parse(p, n, &m);
		dhcp_set_agent(p, n, n, &m, false, agent, (size_t)alen, &nl);
		sub = dhcp_agent_collect(p, &m, buf, sizeof(buf));
		check(m.n_agent == 1 && (int)sub == alen && !memcmp(buf, agent, sub),
		      "replace: only ours");
	}
}

static void test_frame(void)
{
	uint8_t f[IP_UDP_HDR_LEN + 3] = {0};
	uint32_t sum = 0;

	memcpy(f + IP_UDP_HDR_LEN, "abc", 3);
	ip_udp_header(f, htonl(0xc0a80101), htonl(0xc0a8016e), DHCP_PORT_SERVER, DHCP_PORT_CLIENT,
		      f + IP_UDP_HDR_LEN, 3);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	check(sum == 0xffff && f[0] == 0x45 && f[9] == 17 && f[3] == IP_UDP_HDR_LEN + 3,
	      "IPv4 header checksum verifies");
	sum = 0;
	for (int i = 12; i < 20; i += 2) /* pseudo header: addresses, proto, length */
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += 17 + 8 + 3;
	for (int i = 20; i < IP_UDP_HDR_LEN + 3; i += 2)
		sum += (uint32_t)(f[i] << 8 | (i + 1 < IP_UDP_HDR_LEN + 3 ? f[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	check(sum == 0xffff && f[20] == 0 && f[21] == 67 && f[23] == 68,
	      "UDP checksum verifies (odd length)");
}

int main(void)
{
	test_parse();
	test_agent();
	test_frame();
	return failed;
}
