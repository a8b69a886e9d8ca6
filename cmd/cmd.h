/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_CMD_CMD_H
#define PBR_CMD_CMD_H

#include <stdbool.h>

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
 * The commands of mark, nat and anyip: add, del (delete), flush, and
 * list/show (also no command at all), help. Returns what the command does.
 */
struct crud {
	void (*usage)(void);
	int (*addel)(struct words *w, bool add);
	int (*flush)(struct words *w);
	int (*list)(struct words *w);
};
int crud_main(int argc, char **argv, const struct crud *c);

#endif
