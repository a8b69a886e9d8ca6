/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_PRIV_H
#define PBR_PRIV_H

#include <sys/types.h>

/*
 * Become uid/gid for good, keeping none of root's powers: supplementary
 * groups reset, the capability bounding set emptied (so nothing can be
 * regained through a file capability), every capability set cleared, and
 * no_new_privs set (so no set-uid program can give any back). Whatever a
 * daemon needs privileges for must be opened before this.
 */
int priv_drop(uid_t uid, gid_t gid);

/* uid and gid of a user name; a usage error 'unknown user "NAME"'. */
int priv_user(const char *name, uid_t *uid, gid_t *gid);

#endif
