/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_CMD_CMD_H
#define PBR_CMD_CMD_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "words.h"

/*
 * One OBJECT: main() gets argv with argv[0] = the object's name. It parses
 * its words, reads the kernel, and either prints (list/show) or plans
 * changes; cmd/pbr.c applies the plan after the last line.
 */
struct object {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	void (*usage)(void);
};

int table_main(int argc, char **argv);
/* pbr table dhcp, with w after "dhcp" (cmd/table_dhcp.c). */
int table_dhcp(struct words *w);
int mark_main(int argc, char **argv);
int nat_main(int argc, char **argv);
int sysctl_main(int argc, char **argv);
int anyip_main(int argc, char **argv);
int relay_main(int argc, char **argv);
void table_usage(void);
void mark_usage(void);
void nat_usage(void);
void sysctl_usage(void);
void anyip_usage(void);
void relay_usage(void);

/*
 * Called by a command once its words are checked and before it reads the
 * kernel to change it: requires CAP_NET_ADMIN (not for --dry-run) and takes
 * the lock, so the read-modify-write cannot interleave with another pbr.
 */
int begin_change(void);

/*
 * Where a command has checked its words and is about to read the kernel:
 * 0, or (fuzzing, opt.parse_only) PARSED to stop there. begin_change()
 * does it too.
 */
#define PARSED (-ECANCELED)
int parsed(void);

/* The whole command line (main() is cmd/main.c), and a batch's text. */
int pbr_main(int argc, char **argv);
int pbr_batch_text(char *text);

/*
 * The commands of mark, nat and anyip: add, del (delete), flush, and
 * list/show (also no command at all), help. Returns what the command does.
 */
struct crud {
	void (*usage)(void);
	int (*addel)(struct words *w, bool add);
	int (*flush)(struct words *w);
	/* list and show: the object's print (below), after the words are checked. */
	int (*print)(const char *key);
};
int crud_main(int argc, char **argv, const struct crud *c);

/* ---- pbr show, explain, check: what each object says of itself ---- */

struct pkt;
struct ipaddr;

/* What matched a packet in one object (pbr explain). */
struct hit {
	bool found;
	int index;	     /* its number in "pbr OBJECT list" */
	char words[200];     /* the words that made it */
	uint32_t mark, mask; /* mark, anyip: the mark set */
	uint32_t table;	     /* mark: the policy's table (0: none) */
	bool sticky;	     /* mark: restored from the connection */
	int nat_type;	     /* nat: 0 masquerade, 1 snat, 2 dnat, 3 redirect */
	char addr[64];	     /* nat, anyip: the new address ("" when the kernel picks) */
	uint16_t port;	     /* nat: the new port (0: kept) */
};
int mark_explain(const struct pkt *p, struct hit *h);
struct selectors;
struct pbr_tag;
/* Every mark policy in the order they are tried, parsed back from its words. */
int mark_policies(void (*fn)(const char *words, const struct selectors *sel,
			     const struct pbr_tag *tag, int index, void *data),
		  void *data);
/* "pbr" or "pbr -n NETNS": the start of a command to paste. */
const char *pbr_cmd(void);
/* prerouting: dnat and redirect; else masquerade and snat (p->oif known). */
int nat_explain(const struct pkt *p, bool prerouting, struct hit *h);
int anyip_explain(const struct pkt *p, struct hit *h);

/* 1 and the policy's words when a mark policy sends packets to table, else 0. */
int mark_table_user(uint32_t table, char *words, size_t len);
/* 1 and "PREFIX dev DEV" when an anyip prefix keeps routes in or replies through table. */
int anyip_table_user(uint32_t table, char *words, size_t len);

/* The object's list as an array under key (NULL: the top level); the number of entries. */
int table_print(const char *key);
int mark_print(const char *key);
int nat_print(const char *key);
int anyip_print(const char *key);
/* The running relay's counters as an object under key; null (and 1) when none runs. */
int relay_print(const char *key);

/* pbr check's findings as an array under key; *count gets how many. */
int check_findings(const char *key, int *count);

int show_main(int argc, char **argv);
int explain_main(int argc, char **argv);
int check_main(int argc, char **argv);
void show_usage(void);
void explain_usage(void);
void check_usage(void);

#endif
