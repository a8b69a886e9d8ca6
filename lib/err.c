// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "pbr.h"

static struct {
	enum err_kind kind;
	int line;
	char msg[1024];
	char extack[512];
} e;

static void set(enum err_kind kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void set(enum err_kind kind, const char *fmt, va_list ap)
{
	int n = 0;

	e.kind = kind;
	if (e.line)
		n = snprintf(e.msg, sizeof(e.msg), "line %d: ", e.line);
	vsnprintf(e.msg + n, sizeof(e.msg) - n, fmt, ap);
}

static void append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void append(const char *fmt, ...)
{
	size_t n = strlen(e.msg);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg + n, sizeof(e.msg) - n, fmt, ap);
	va_end(ap);
}

int err_usage(const char *msg, const char *word, const char *detail, ...)
{
	char d[256] = "";
	va_list ap;

	if (detail) {
		va_start(ap, detail);
		vsnprintf(d, sizeof(d), detail, ap);
		va_end(ap);
	}
	e.kind = ERR_USAGE;
	e.msg[0] = 0;
	if (e.line)
		append("line %d: ", e.line);
	append("%s \"%s\"", msg, word ? word : "");
	if (d[0])
		append(" (%s)", d);
	return -EINVAL;
}

int err_usagef(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(ERR_USAGE, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int err_sys(int errnum, const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (!errnum)
		errnum = EIO;
	va_start(ap, fmt);
	set(ERR_SYS, fmt, ap);
	va_end(ap);
	append(": %s", strerror(errnum));
	if (e.extack[0]) {
		append("; kernel: %s", e.extack);
		e.extack[0] = 0;
	}
	return -errnum;
}

int err_conflict(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(ERR_SYS, fmt, ap);
	va_end(ap);
	return -EEXIST;
}

void err_set_line(int line)
{
	e.line = line;
}

int err_line(void)
{
	return e.line;
}

void err_set_extack(const char *text)
{
	snprintf(e.extack, sizeof(e.extack), "%s", text ? text : "");
}

enum err_kind err_kind(void)
{
	return e.kind;
}

void err_restore(enum err_kind kind, const char *msg)
{
	e.kind = kind;
	snprintf(e.msg, sizeof(e.msg), "%s", msg);
}

const char *err_message(void)
{
	return e.msg;
}

void err_clear(void)
{
	e.kind = ERR_NONE;
	e.msg[0] = 0;
	e.extack[0] = 0;
}

int err_status(int rc)
{
	if (rc >= 0)
		return 0;
	return e.kind == ERR_USAGE ? 2 : 1;
}

static void write_line(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static bool silent;

void err_silence(bool on)
{
	silent = on;
}

void err_print(const char *object)
{
	char line[1200];
	int n;

	if (silent)
		return;
	if (!e.msg[0])
		snprintf(e.msg, sizeof(e.msg), "failed");
	if (object)
		n = snprintf(line, sizeof(line), "pbr %s: %s\n", object, e.msg);
	else
		n = snprintf(line, sizeof(line), "pbr: %s\n", e.msg);
	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	write_line(line, (size_t)n);
}

void warnx_obj(const char *object, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	if (opt.quiet || silent)
		return;
	n = snprintf(line, sizeof(line), "pbr %s: warning: ", object ? object : "");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	write_line(line, (size_t)n);
}
