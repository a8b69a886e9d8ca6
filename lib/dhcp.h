/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_DHCP_H
#define PBR_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * BOOTP/DHCPv4 messages as a relay agent sees them (RFC 951, 1542, 2131,
 * 3046, 3396). Pure functions over byte buffers: no I/O, no globals, so
 * they can be unit-tested and fuzzed. Every function that reads a packet
 * checks every length it uses before using it.
 */

/* RFC 2131 section 2: the fixed header is 236 octets, then the cookie. */
#define DHCP_FIXED_LEN 236
#define DHCP_COOKIE_LEN 4
#define DHCP_OPTIONS_OFF (DHCP_FIXED_LEN + DHCP_COOKIE_LEN)
#define DHCP_MAGIC_COOKIE 0x63825363u
#define DHCP_CHADDR_LEN 16
#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
/* RFC 2131 section 2: every host takes a 576-octet IP datagram. */
#define DHCP_MIN_DATAGRAM 576
/* RFC 1542 section 3.3: some BOOTP clients drop replies shorter than 300 octets. */
#define BOOTP_MIN_LEN 300

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define BOOTP_BROADCAST 0x8000u /* flags: RFC 1542 section 3.1.1 */
#define ARPHRD_ETHER_HTYPE 1	/* htype of Ethernet (RFC 1700 ARP hardware types) */
#define DHCP_ETHER_LEN 6

#define DHCP_PORT_SERVER 67
#define DHCP_PORT_CLIENT 68

/* Options (RFC 2132, 3046). */
#define DHCP_OPT_PAD 0
#define DHCP_OPT_OVERLOAD 52
#define DHCP_OPT_MSGTYPE 53
#define DHCP_OPT_SERVER_ID 54
#define DHCP_OPT_AGENT 82
#define DHCP_OPT_END 255
#define DHCP_OPT_MAXLEN 255

/* Option 52 values: which of file/sname carry options too. */
#define DHCP_OVERLOAD_FILE 1
#define DHCP_OVERLOAD_SNAME 2

/* Option 53 values. */
#define DHCPDISCOVER 1
#define DHCPOFFER 2
#define DHCPREQUEST 3
#define DHCPDECLINE 4
#define DHCPACK 5
#define DHCPNAK 6
#define DHCPRELEASE 7
#define DHCPINFORM 8
/* RFC 4388 (LEASEQUERY) and RFC 6926 (BULKLEASEQUERY) push the range to 18. */
#define DHCP_MSGTYPE_MAX 18

/* Option 82 sub-options (RFC 3046 section 2.0). */
#define AGENT_CIRCUIT_ID 1
#define AGENT_REMOTE_ID 2

/* The fixed header, in network byte order (RFC 2131 figure 1). */
struct dhcp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	uint8_t sname[DHCP_SNAME_LEN];
	uint8_t file[DHCP_FILE_LEN];
} __attribute__((packed));

/* Why a message is refused; 0 is "fine". Names in dhcp_fault_name(). */
enum dhcp_fault {
	DHCP_OK = 0,
	DHCP_TRUNCATED,	   /* shorter than header + cookie */
	DHCP_BAD_OP,	   /* op is neither BOOTREQUEST nor BOOTREPLY */
	DHCP_BAD_HLEN,	   /* hlen 0 or larger than chaddr */
	DHCP_BAD_CHADDR,   /* group (multicast/broadcast) or all-zero Ethernet address */
	DHCP_NO_COOKIE,	   /* plain BOOTP or garbage: no options to work with */
	DHCP_BAD_OPTIONS,  /* an option runs past its field, or no END */
	DHCP_BAD_OVERLOAD, /* option 52 malformed or naming no field */
	DHCP_BAD_MSGTYPE,  /* option 53 missing, repeated, wrong length or value */
	DHCP_BAD_AGENT,	   /* option 82 malformed, or outside the options field */
	DHCP_FAULT_MAX,
};

const char *dhcp_fault_name(enum dhcp_fault f);

/* What dhcp_parse() learnt. Offsets are from the start of the message. */
struct dhcp_msg {
	uint8_t op;
	uint8_t type;	   /* option 53 */
	uint8_t overload;  /* option 52, 0 when absent */
	uint16_t end;	   /* offset of END in the options field */
	uint16_t n_agent;  /* instances of option 82 (RFC 3396 concatenates them) */
	uint16_t agent_len; /* their payload, concatenated */
};

/*
 * Check a whole message: header, cookie, every option in the options field
 * (and in file/sname when option 52 says so), option 53, and option 82's
 * sub-options. Returns DHCP_OK and fills m, or the first fault found.
 */
enum dhcp_fault dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m);

/* Is this chaddr one a reply may be sent to (unicast Ethernet)? */
bool dhcp_chaddr_unicast(const struct dhcp_hdr *h);

/*
 * Option 82's payload concatenated over all its instances (RFC 3396) into
 * buf (at least m->agent_len bytes). Returns its length.
 */
size_t dhcp_agent_collect(const uint8_t *p, const struct dhcp_msg *m, uint8_t *buf,
			  size_t cap);

/* Build option 82's payload: circuit-id then remote-id (when rlen > 0).
 * Returns its length, or -EMSGSIZE if it would not fit in one option. */
int dhcp_agent_build(uint8_t *out, const char *circuit, size_t clen, const uint8_t *remote,
		     size_t rlen);

/*
 * Split option 82's concatenated payload into what others put there and what
 * we appended: our part is the trailing circuit-id (and remote-id when
 * want_remote), and must be last, since a relay agent appends (RFC 3046
 * section 2.1). On success *keep is the length of the leading part that is
 * not ours and *circuit and *clen give our circuit-id; -ENOENT if the tail
 * is not ours; -EBADMSG if the sub-options are malformed.
 */
int dhcp_agent_split(const uint8_t *sub, size_t len, const uint8_t *remote, size_t rlen,
		     bool want_remote, size_t *keep, const uint8_t **circuit, size_t *clen);

/*
 * Rewrite the options field: drop every option 82 unless keep_old, then put
 * agent (alen bytes, split into 255-octet instances per RFC 3396) right
 * before END, as RFC 3046 section 2.1 asks of a relay agent. The message
 * keeps its length when the result fits in it (the rest is zero padding),
 * else grows up to cap. Re-parses into m. Returns 0 or -EMSGSIZE (nothing
 * changed).
 */
int dhcp_set_agent(uint8_t *p, size_t len, size_t cap, struct dhcp_msg *m, bool keep_old,
		   const uint8_t *agent, size_t alen, size_t *newlen);

/* IPv4 + UDP headers in front of a payload, for a packet socket: 28 octets. */
#define IP_UDP_HDR_LEN 28
void ip_udp_header(uint8_t *out, uint32_t saddr, uint32_t daddr, uint16_t sport,
		   uint16_t dport, const uint8_t *payload, size_t len);

#endif
