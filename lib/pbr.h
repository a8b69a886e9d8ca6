/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_H
#define PBR_H

#include <stdbool.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The routing protocol number pbr stamps on every FIB rule and route it makes
 * (rtm_protocol, FRA_PROTOCOL). It is how pbr recognises its own objects with
 * no state file. 112 is unassigned in the kernel's RTPROT_* list and in
 * iproute2's rt_protos; man/pbr.conf names it "pbr" for ip(8).
 */
#define PBR_PROTO 112
#define PBR_PROTO_NAME "pbr"

/* Rules pbr numbers itself land in [pref_base, pref_base + PBR_PREF_SPAN). */
#define PBR_PREF_BASE_DEFAULT 4000u
#define PBR_PREF_SPAN 1000u
/* Tables pbr numbers itself come from this range. */
#define PBR_TABLE_AUTO_LO 4000u
#define PBR_TABLE_AUTO_HI 4999u
/* Mark bits pbr chooses its own marks in (env PBR_MARK_MASK). */
#define PBR_MARK_MASK_DEFAULT 0x7f000000u

/* The global options of SPEC section 1, set once by cmd/pbr.c. */
struct pbr_opts {
	int family; /* AF_UNSPEC, AF_INET or AF_INET6 (-4/-6) */
	bool json;
	bool pretty;
	bool dry_run;
	bool verbose;
	bool quiet;
	bool force;
	const char *netns;
	uint32_t mark_mask;
	uint32_t pref_base;
	/* Fuzzing: check the words, then stop before the kernel is read. */
	bool parse_only;
};

extern struct pbr_opts opt;

/* Read PBR_MARK_MASK and PBR_PREF_BASE; 0 or a usage error. */
int opts_from_env(void);
/* Back to the defaults (the fuzzers run many command lines in one process). */
void opts_reset(void);

#endif
