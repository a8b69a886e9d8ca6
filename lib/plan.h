/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_PLAN_H
#define PBR_PLAN_H

#include <linux/netlink.h>
#include <stdbool.h>

/*
 * The changes one invocation (or one whole batch) makes, in order. Commands
 * only plan; cmd/pbr.c applies the plan once every word of every line has
 * been checked, or prints it for --dry-run. A failure part-way undoes what was
 * applied, in reverse order, so the system is left as it was.
 *
 * Every op carries the equivalent ip/nft/sysctl command as its text.
 */

/* An rtnetlink request and the request that undoes it (undo may be NULL). */
void plan_rtnl(const struct nlmsghdr *msg, const struct nlmsghdr *undo, const char *text);
/* Replace a whole file (data NULL: remove it); old is the present content or NULL. */
void plan_file(const char *path, const char *data, const char *old, const char *text);
/* Write a sysctl under /proc/sys; old is the present value. */
void plan_sysctl(const char *path, const char *val, const char *old, const char *text);

/*
 * A step run after every other op (the nftables transaction): apply() is
 * called once; undo() if something after it fails (there is nothing after
 * it today, so undo may be NULL); describe() prints its commands.
 */
struct plan_final {
	int (*apply)(void *ctx);
	void (*describe)(void *ctx, void (*line)(const char *text));
	void *ctx;
};
void plan_set_final(const struct plan_final *f);

int plan_count(void);
/* Apply everything; on failure undo what was applied and return the error. */
int plan_apply(void);
/* Each op's text, one command per line, through line(). */
void plan_describe(void (*line)(const char *text));
void plan_reset(void);

#endif
