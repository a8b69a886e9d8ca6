// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for prefix files (to @FILE / from @FILE), read as a
 * selector reads them, then merged into the interval sets pbr loads into
 * nftables, for both families.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libnftnl/set.h>

#include "err.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char word[64];
	char *argv[3] = {"to", word, NULL};
	struct words w = {2, argv, 0};
	struct selectors s;

	if (fd < 0) {
		fd = memfd_create("prefixes", 0);
		if (fd < 0)
			abort();
		snprintf(word, sizeof(word), "@/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	sel_init(&s);
	if (sel_parse(&w, &s) > 0) {
		int fams;

		if (sel_check(&s, 0, &fams) == 0)
			for (int f = 0; f < 2; f++) {
				uint64_t h;
				int family = f ? AF_INET6 : AF_INET;
				struct nftnl_set *set;

				if (!(s.to.fams & (f ? FAM_V6 : FAM_V4)))
					continue;
				set = sel_set_build(&s, SEL_TO, family, "pbr", "fuzz", true, &h);
				if (set)
					nftnl_set_free(set);
			}
	}
	sel_free(&s);
	err_clear();
	return 0;
}
