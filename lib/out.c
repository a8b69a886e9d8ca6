// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "out.h"

/* Formats come from callers as literals paired with a JSON key (PRINT_ANY). */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define OUT_DEPTH 16

static struct {
	bool json, pretty;
	int depth;
	bool is_arr[OUT_DEPTH];
	int count[OUT_DEPTH];
} o;

void out_init(bool json, bool pretty)
{
	memset(&o, 0, sizeof(o));
	o.json = json || pretty;
	o.pretty = pretty;
}

bool out_json(void)
{
	return o.json;
}

static void indent(void)
{
	if (!o.pretty)
		return;
	putchar('\n');
	for (int i = 0; i < o.depth; i++)
		fputs("    ", stdout);
}

static void json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Comma, indentation and key before a value at the current level. */
static void json_key(const char *key)
{
	if (o.depth > 0) {
		if (o.count[o.depth - 1]++)
			putchar(',');
		indent();
		if (!o.is_arr[o.depth - 1]) {
			json_string(key ? key : "");
			fputs(o.pretty ? ": " : ":", stdout);
		}
	}
}

static void open(const char *key, bool arr)
{
	if (!o.json)
		return;
	json_key(key);
	putchar(arr ? '[' : '{');
	if (o.depth < OUT_DEPTH) {
		o.is_arr[o.depth] = arr;
		o.count[o.depth] = 0;
	}
	o.depth++;
}

static void close_(bool arr)
{
	if (!o.json)
		return;
	o.depth--;
	if (o.count[o.depth])
		indent();
	putchar(arr ? ']' : '}');
	if (o.depth == 0)
		putchar('\n');
}

void out_obj_open(const char *key)
{
	open(key, false);
}

void out_obj_close(void)
{
	close_(false);
}

void out_arr_open(const char *key)
{
	open(key, true);
}

void out_arr_close(void)
{
	close_(true);
}

void out_str(const char *key, const char *fmt, const char *val)
{
	if (o.json) {
		if (!key)
			return;
		json_key(key);
		if (val)
			json_string(val);
		else
			fputs("null", stdout);
	} else if (fmt) {
		printf(fmt, val ? val : "");
	}
}

void out_uint(const char *key, const char *fmt, unsigned long long val)
{
	if (o.json) {
		if (!key)
			return;
		json_key(key);
		printf("%llu", val);
	} else if (fmt) {
		printf(fmt, val);
	}
}

void out_int(const char *key, const char *fmt, long long val)
{
	if (o.json) {
		if (!key)
			return;
		json_key(key);
		printf("%lld", val);
	} else if (fmt) {
		printf(fmt, val);
	}
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (o.json) {
		if (!key)
			return;
		json_key(key);
		fputs(val ? "true" : "false", stdout);
	} else if (fmt && val) {
		fputs(fmt, stdout);
	}
}

void out_null(const char *key)
{
	if (!o.json || !key)
		return;
	json_key(key);
	fputs("null", stdout);
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (o.json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void out_nl(void)
{
	if (!o.json)
		putchar('\n');
}

void out_flush(void)
{
	fflush(stdout);
}

void out_families(bool v4, bool v6)
{
	out_arr_open("families");
	if (v4)
		out_str("family", NULL, "ipv4");
	if (v6)
		out_str("family", NULL, "ipv6");
	out_arr_close();
}
