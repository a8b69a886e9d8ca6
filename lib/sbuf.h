/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_SBUF_H
#define PBR_SBUF_H

#include <stddef.h>

/* A growable string for building command texts and file contents. */
struct sbuf {
	char *s;
	size_t len, cap;
};

void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string (never NULL); the sbuf is left empty. */
char *sb_take(struct sbuf *b);
void sb_free(struct sbuf *b);
/* xmalloc-style helpers: abort on exhaustion (pbr is a short-lived CLI). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* A formatted string in new memory (never NULL). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
