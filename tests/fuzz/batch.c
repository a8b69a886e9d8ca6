// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for batch files (pbr -b FILE): lines split into words,
 * quotes and comments, every line's words checked as a command (up to the
 * kernel, opt.parse_only), --force and not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "err.h"
#include "pbr.h"
#include "plan.h"
#include "ruleset.h"
#include "state.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	err_silence(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	opts_reset();
	opt.parse_only = true;
	opt.force = size && (data[0] & 1); /* both ways of going through the lines */
	pbr_batch_text(text);
	plan_reset();
	rs_reset();
	state_reset();
	err_clear();
	free(text);
	return 0;
}
