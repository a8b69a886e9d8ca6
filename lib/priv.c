// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "err.h"
#include "priv.h"

int priv_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw)
		return errno && errno != ENOENT ? err_sys(errno, "cannot look up user \"%s\"", name)
						: err_usage("unknown user", name, NULL);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int priv_drop(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_t none;
	int rc;

	if (setgroups(1, &gid) < 0)
		return err_sys(errno, "cannot drop supplementary groups");
	/* Emptying the bounding set needs CAP_SETPCAP, so it comes first. */
	for (cap_value_t c = 0; CAP_IS_SUPPORTED(c); c++)
		if (cap_get_bound(c) > 0 && cap_drop_bound(c) < 0)
			return err_sys(errno, "cannot empty the capability bounding set "
					      "(needs CAP_SETPCAP)");
	/* Without keep-caps the kernel clears permitted and effective on setuid. */
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0)
		return err_sys(errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresgid(gid, gid, gid) < 0)
		return err_sys(errno, "cannot change group to %u", (unsigned int)gid);
	if (setresuid(uid, uid, uid) < 0)
		return err_sys(errno, "cannot change user to %u", (unsigned int)uid);
	/* Also for uid 0 (-U root): no capability stays. */
	none = cap_init();
	if (!none)
		return err_sys(errno, "cap_init");
	rc = cap_set_proc(none);
	cap_free(none);
	if (rc < 0)
		return err_sys(errno, "cannot clear capabilities");
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() < 0)
		return err_sys(errno, "cannot clear ambient capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return err_sys(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	/* Trust but verify: a half-done drop must not go unnoticed. */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 || ru != uid ||
	    eu != uid || su != uid || rg != gid || eg != gid || sg != gid)
		return err_sys(EPERM, "privileges were not dropped");
	return 0;
}
