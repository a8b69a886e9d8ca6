/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_ERR_H
#define PBR_ERR_H

#include <stdbool.h>

/*
 * One pending error per process. Library functions record what went wrong
 * here and return a negative errno; only the subcommand's edge prints it
 * (err_print) and turns it into an exit status (err_status).
 */

enum err_kind {
	ERR_NONE = 0,
	ERR_SYS = 1,   /* system or kernel error, missing privilege: exit 1 */
	ERR_USAGE = 2, /* bad input: exit 2 */
};

/* Bad input: MSG "WORD" (DETAIL). Returns -EINVAL. detail may be NULL. */
int err_usage(const char *msg, const char *word, const char *detail, ...)
	__attribute__((format(printf, 3, 4)));
/* Bad input without one offending word. Returns -EINVAL. */
int err_usagef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* System error: FMT: strerror(errnum)[; kernel: EXTACK]. Returns -errnum. */
int err_sys(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A problem that is neither bad input nor an errno (a conflict). Returns -EEXIST. */
int err_conflict(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prefix later messages with "line N: " (batch mode); 0 turns it off. */
void err_set_line(int line);
int err_line(void);
/* Extended-ack text from the kernel, appended to the next err_sys(). */
void err_set_extack(const char *text);

enum err_kind err_kind(void);
/* Set the pending error as another process reported it (kind and text). */
void err_restore(enum err_kind kind, const char *msg);
const char *err_message(void);
void err_clear(void);
/* Exit status for a return code: 0, 1 or 2. */
int err_status(int rc);
/* Fuzzers: err_print() and warnings print nothing. */
void err_silence(bool on);
/* Print the pending error as one line "pbr OBJECT: MESSAGE" in one write(). */
void err_print(const char *object);
/* Print a one-line warning "pbr OBJECT: warning: ..." unless quiet. */
void warnx_obj(const char *object, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
