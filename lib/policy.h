/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_POLICY_H
#define PBR_POLICY_H

#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "parse.h"
#include "sbuf.h"
#include "words.h"

/*
 * The packet selectors of pbr mark and pbr nat (SPEC section 4):
 *   [not] from PREFIX[,PREFIX...]|@FILE  [not] to ...  iif DEV  oif DEV
 *   proto P  [not] sport PORTS  [not] dport PORTS  mac-source MAC
 *   state S[,S...]  dscp N
 * parsed into plain data, printed back in one canonical order (which is
 * also the policy's identity), and turned into nftables expressions.
 */

#define SEL_MAX_PORTS 32
#define SEL_MAX_PREFIXES (1 << 20)

/* Bits of the families a selector set covers. */
#define FAM_V4 1
#define FAM_V6 2

struct prefix_list {
	bool negate;
	char *file; /* @FILE: absolute path, part of the identity instead of the contents */
	struct ipaddr *v;
	int n;
	int fams; /* FAM_V4 | FAM_V6 of the prefixes */
};

struct port_list {
	bool negate;
	int n;
	struct port_range r[SEL_MAX_PORTS];
};

struct selectors {
	char iif[IFNAMSIZ], oif[IFNAMSIZ];
	bool has_mac;
	uint8_t mac[6];
	struct prefix_list from, to;
	bool has_proto;
	uint8_t proto;
	struct port_list sport, dport;
	uint8_t states; /* NF_CT_STATE_* bits */
	int dscp;	/* -1: none */
	/* Set by the caller: "del" names a @FILE by its path, without reading it. */
	bool path_only;
	uint32_t seen; /* selectors given, to refuse one given twice */
};

void sel_init(struct selectors *s);
void sel_free(struct selectors *s);
/*
 * If the word under the cursor starts a selector, consume it (and "not"
 * before it) into s and return 1; return 0 if it is no selector word, or a
 * usage error.
 */
int sel_parse(struct words *w, struct selectors *s);
/*
 * Check what words alone cannot (ports need a port protocol, families of
 * addresses and -4/-6 must agree) and return the families in *fams:
 * 0 when the selectors do not depend on the family.
 */
int sel_check(const struct selectors *s, int family_opt, int *fams);
/* Canonical words, in a fixed order; lists sorted. */
void sel_words(const struct selectors *s, struct sbuf *b);
/* The lists a policy keeps in named sets, by role. */
enum sel_list { SEL_FROM, SEL_TO, SEL_SPORT, SEL_DPORT, SEL_LISTS };

/* Names of the sets a policy instance uses; "" where the list is inline. */
struct sel_sets {
	char name[SEL_LISTS][32];
};

/*
 * Which lists of s need a set for the family instance (0, AF_INET or
 * AF_INET6), named after the policy: "<prefix>_<role><family>".
 */
void sel_set_names(const struct selectors *s, const char *prefix, int family,
		   struct sel_sets *out);
/* The same as nft(8) syntax for one family instance. */
void sel_nft_text(const struct selectors *s, int family, const struct sel_sets *sets,
		  struct sbuf *b);
/* Append the match expressions for one family instance to r. */
void sel_exprs(struct nftnl_rule *r, const struct selectors *s, int family,
	       const struct sel_sets *sets);
/*
 * The named interval set for one list of one instance, with its elements
 * merged into non-overlapping intervals; with_set false gives the elements
 * only (to refill an existing set). *hash identifies the contents.
 */
struct nftnl_set *sel_set_build(const struct selectors *s, enum sel_list which, int family,
				const char *table, const char *name, bool with_set,
				uint64_t *hash);
/* nft(8) text of a set definition and its elements, for --dry-run. */
void sel_set_text(const struct selectors *s, enum sel_list which, int family, const char *nft,
		  const char *name, struct sbuf *b);

/* One packet as pbr explain describes it; what is not given is unknown. */
struct pkt {
	int family;		     /* AF_INET or AF_INET6 */
	char iif[IFNAMSIZ];	     /* "": this machine's own packet */
	char oif[IFNAMSIZ];	     /* known after the first route lookup */
	struct ipaddr src, dst;	     /* src.family 0: not given */
	uint8_t proto;		     /* 0: not given */
	uint16_t sport, dport;	     /* 0: not given */
	uint32_t mark;
	uint8_t state;		     /* one ct state bit (NF_CT_STATE_BIT) */
	int dscp;		     /* -1: not given, taken as 0 */
	bool has_mac;		     /* the sender's MAC (arriving packets) */
	uint8_t mac[6];
};
/*
 * Would a rule with these selectors match p? A selector on something the
 * packet does not give (a port, the source, the MAC) does not match.
 */
bool sel_match(const struct selectors *s, const struct pkt *p);
/* Does every packet b matches also match a (so a, tried first, shadows b)? */
bool sel_covers(const struct selectors *a, const struct selectors *b);
/* The ct state bit of "new", "established", "related" or "invalid"; 0 if none. */
uint8_t sel_state_bit(const char *word);

/* 64-bit FNV-1a, for identities and content hashes. */
uint64_t hash64(uint64_t h, const void *p, size_t n);
#define HASH64_INIT 0xcbf29ce484222325ull

/* Read "@FILE": one prefix per line, # comments, blank lines. */
int read_prefix_file(const char *path, struct prefix_list *l);

#endif
