// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <sys/socket.h>

#include "err.h"
#include "parse.h"
#include "pbr.h"

struct pbr_opts opt = {
	.family = AF_UNSPEC,
	.mark_mask = PBR_MARK_MASK_DEFAULT,
	.pref_base = PBR_PREF_BASE_DEFAULT,
};

int opts_from_env(void)
{
	const char *s;
	uint32_t v;

	s = getenv("PBR_MARK_MASK");
	if (s && *s) {
		if (parse_u32(s, &v) < 0 || v == 0)
			return err_usage("invalid PBR_MARK_MASK", s, "a non-zero 32-bit mask");
		opt.mark_mask = v;
	}
	s = getenv("PBR_PREF_BASE");
	if (s && *s) {
		if (parse_u32(s, &v) < 0 || v == 0 || v > 0xffffffffu - PBR_PREF_SPAN)
			return err_usage("invalid PBR_PREF_BASE", s, "1-%u",
					 0xffffffffu - PBR_PREF_SPAN);
		opt.pref_base = v;
	}
	return 0;
}

void opts_reset(void)
{
	opt = (struct pbr_opts){
		.family = AF_UNSPEC,
		.mark_mask = PBR_MARK_MASK_DEFAULT,
		.pref_base = PBR_PREF_BASE_DEFAULT,
	};
}
