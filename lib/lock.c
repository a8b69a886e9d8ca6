// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "sys.h"

int lock_take(void)
{
	static int fd = -1;

	if (fd >= 0)
		return 0;
	mkdir("/run/lock", 01777);
	fd = open(PBR_LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_sys(errno, "cannot open %s", PBR_LOCK_FILE);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			fd = -1;
			return err_sys(e, "cannot lock %s", PBR_LOCK_FILE);
		}
	}
	/* Held until the process exits; the kernel drops it even on SIGKILL. */
	return 0;
}
