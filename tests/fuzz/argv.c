// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the whole command line: global options and every
 * object's words, as pbr_main() sees them, up to where a command would
 * read the kernel (opt.parse_only). Input: words separated by newlines or
 * NULs.
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

#define MAX_WORDS 64

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Usage texts and lists would flood the fuzzer's output. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	err_silence(true);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *words[MAX_WORDS + 1];
	int n = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	words[0] = "pbr";
	for (size_t i = 0, start = 0; i <= size && n < MAX_WORDS; i++)
		if (i == size || buf[i] == '\n' || buf[i] == 0) {
			buf[i] = 0;
			words[n++] = buf + start;
			start = i + 1;
		}
	words[n] = NULL;
	opts_reset();
	opt.parse_only = true;
	pbr_main(n, words);
	plan_reset();
	rs_reset();
	state_reset();
	err_clear();
	free(buf);
	return 0;
}
