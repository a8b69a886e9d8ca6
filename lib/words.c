// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "parse.h"
#include "words.h"

const char *w_peek(const struct words *w)
{
	return w->i < w->argc ? w->argv[w->i] : NULL;
}

const char *w_next(struct words *w)
{
	return w->i < w->argc ? w->argv[w->i++] : NULL;
}

bool w_accept(struct words *w, const char *kw)
{
	if (w->i < w->argc && !strcmp(w->argv[w->i], kw)) {
		w->i++;
		return true;
	}
	return false;
}

int w_value(struct words *w, const char *kw, const char **val)
{
	if (w->i >= w->argc)
		return err_usage("missing value for", kw, NULL);
	*val = w->argv[w->i++];
	return 0;
}

bool w_more(const struct words *w)
{
	return w->i < w->argc;
}

int w_unknown(const struct words *w)
{
	return err_usage("unknown keyword", w_peek(w), NULL);
}

bool is_help(const char *s)
{
	return s && (!strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help"));
}

bool w_from_comment(struct words *w, const char *obj, const char *comment, char *buf,
		    size_t len, char **argv, int max)
{
	snprintf(buf, len, "%s %s", obj, comment);
	*w = (struct words){split_words(buf, argv, max), argv, 1};
	return w->argc >= 2;
}
