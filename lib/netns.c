// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "err.h"
#include "sys.h"

#define NETNS_RUN_DIR "/var/run/netns"
#define NETNS_ETC_DIR "/etc/netns"

/* Files in /etc/netns/NAME/ shadow those in /etc, as ip netns exec arranges. */
static void bind_etc(const char *name)
{
	char dir[PATH_MAX], src[PATH_MAX], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, name);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(src, sizeof(src), "%s/%s", dir, de->d_name) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "/etc/%s", de->d_name) >= (int)sizeof(dst))
			continue;
		mount(src, dst, "none", MS_BIND, NULL);
	}
	closedir(d);
}

int netns_enter(const char *name)
{
	char path[PATH_MAX];
	unsigned long flags = 0;
	struct statvfs sv;
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return err_usage("invalid network namespace", name, NULL);
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_usage("no such network namespace", name, NULL);
		return err_sys(errno, "cannot open network namespace \"%s\"", name);
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(fd);
		if (e == EPERM)
			return err_conflict("needs CAP_SYS_ADMIN to enter network namespace \"%s\" "
					    "(run as root)", name);
		return err_sys(e, "cannot enter network namespace \"%s\"", name);
	}
	close(fd);
	/* A private mount namespace for a /sys that shows the new network namespace. */
	if (unshare(CLONE_NEWNS) < 0)
		return err_sys(errno, "unshare");
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return err_sys(errno, "mount --make-rslave /");
	if (umount2("/sys", MNT_DETACH) < 0 && statvfs("/sys", &sv) == 0 &&
	    (sv.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		return err_sys(errno, "mount /sys");
	bind_etc(name);
	return 0;
}
