/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_WORDS_H
#define PBR_WORDS_H

#include <stdbool.h>
#include <stddef.h>

/* A cursor over a command's words (iproute2-style "keyword value" pairs). */
struct words {
	int argc;
	char **argv;
	int i;
};

const char *w_peek(const struct words *w);
const char *w_next(struct words *w);
bool w_accept(struct words *w, const char *kw);
/* The value after keyword kw, or a usage error 'missing value for "kw"'. */
int w_value(struct words *w, const char *kw, const char **val);
bool w_more(const struct words *w);
/* Usage error for the word under the cursor: 'unknown keyword "X"'. */
int w_unknown(const struct words *w);
/*
 * A rule's comment (the words that made it) as the words of object obj,
 * split into buf (len bytes) and argv (max entries), the cursor after obj.
 * False when the comment holds no word.
 */
bool w_from_comment(struct words *w, const char *obj, const char *comment, char *buf,
		    size_t len, char **argv, int max);
/* A help word: help, -h, --help. */
bool is_help(const char *s);

#endif
