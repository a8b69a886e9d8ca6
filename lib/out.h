/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_OUT_H
#define PBR_OUT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * One printing path for text and JSON, in the spirit of iproute2's
 * print_*(PRINT_ANY, key, fmt, value): every value is given once with its
 * JSON key and its text format. A NULL key prints in text only; a NULL fmt
 * prints in JSON only.
 */

void out_init(bool json, bool pretty);
bool out_json(void);

/* Containers. key is used when inside an object, ignored inside an array. */
void out_obj_open(const char *key);
void out_obj_close(void);
void out_arr_open(const char *key);
void out_arr_close(void);

void out_str(const char *key, const char *fmt, const char *val);
/* Text formats take %llu / %lld (or %llx). */
void out_uint(const char *key, const char *fmt, unsigned long long val);
void out_int(const char *key, const char *fmt, long long val);
/* JSON true/false; text: fmt printed only when val is true. */
void out_bool(const char *key, const char *fmt, bool val);
/* JSON null; nothing in text. */
void out_null(const char *key);
/* Text only. */
/* JSON only: "families": ["ipv4", "ipv6"], those that are true. */
void out_families(bool v4, bool v6);
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* End of a text line. */
void out_nl(void);
/* Flush; in JSON mode a top-level document must have been closed. */
void out_flush(void);

#endif
