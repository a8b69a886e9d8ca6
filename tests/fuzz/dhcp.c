// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for lib/dhcp.c, the code that reads what any host on a
 * client port or upstream link may send. Every input is parsed; a message
 * that parses is put through what the relay does to it: option 82 added
 * (appended and replacing), split, stripped, framed for a packet socket.
 * After every rewrite the message must still parse and keep its fixed header.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "dhcp.h"

#define FUZZ_MAX 4096
#define ROOM 600

static void rewrite(const uint8_t *in, size_t len, bool keep_old, const uint8_t *agent,
		    size_t alen, size_t cap)
{
	static uint8_t buf[FUZZ_MAX + ROOM];
	struct dhcp_msg m;
	size_t nl = 0;

	memcpy(buf, in, len);
	if (dhcp_parse(buf, len, &m) != DHCP_OK)
		return;
	if (dhcp_set_agent(buf, len, cap, &m, keep_old, agent, alen, &nl) < 0) {
		/* Refused: the message must be untouched. */
		assert(memcmp(buf, in, len) == 0);
		return;
	}
	assert(nl >= len);
	assert(nl <= (cap > len ? cap : len));
	assert(memcmp(buf, in, DHCP_OPTIONS_OFF) == 0);
	assert(dhcp_parse(buf, nl, &m) == DHCP_OK);
	if (alen && !keep_old)
		assert(m.agent_len == alen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sub[UINT16_MAX], frame[IP_UDP_HDR_LEN + FUZZ_MAX];
	const uint8_t remote[] = "remote";
	uint8_t agent[DHCP_OPT_MAXLEN];
	const uint8_t *circuit;
	size_t n, keep, clen;
	struct dhcp_msg m;
	int alen;

	if (size > FUZZ_MAX)
		return 0;
	if (dhcp_parse(data, size, &m) != DHCP_OK)
		return 0;
	assert(m.end >= DHCP_OPTIONS_OFF && m.end < size);
	assert(m.type >= 1 && m.type <= DHCP_MSGTYPE_MAX);
	n = dhcp_agent_collect(data, &m, sub, sizeof(sub));
	assert(n == m.agent_len);
	if (dhcp_agent_split(sub, n, remote, sizeof(remote) - 1, size & 1, &keep, &circuit,
			     &clen) == 0) {
		assert(keep < n && clen > 0 && circuit + clen <= sub + n);
		rewrite(data, size, false, keep ? sub : NULL, keep, size);
	}
	alen = dhcp_agent_build(agent, "eth0", 4, remote, sizeof(remote) - 1);
	assert(alen > 0);
	rewrite(data, size, true, agent, (size_t)alen, size + ROOM);
	rewrite(data, size, false, agent, (size_t)alen, size + ROOM);
	rewrite(data, size, true, agent, (size_t)alen, DHCP_MIN_DATAGRAM);
	rewrite(data, size, false, NULL, 0, size);
	memcpy(frame + IP_UDP_HDR_LEN, data, size);
	ip_udp_header(frame, 0x0100000a, 0x0200000a, DHCP_PORT_SERVER, DHCP_PORT_CLIENT,
		      frame + IP_UDP_HDR_LEN, size);
	return 0;
}
