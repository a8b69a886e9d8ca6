/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PBR_NAMES_H
#define PBR_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Routing table names, resolved exactly as iproute2 resolves them
 * (lib/rt_names.c): the built-in default/main/local, then
 * ETC/rt_tables (or USR/rt_tables when ETC has none), then the .conf files of USR/rt_tables.d
 * files not shadowed by a same-named ETC file, then ETC/rt_tables.d files,
 * each entry pushed to the front of hash bucket id & 255. A name resolves to
 * the first match scanning buckets 0..255; an id to the first entry of its
 * bucket with that id. Numbers are accepted where no name matches.
 *
 * pbr registers its names in ETC/rt_tables.d/pbr.conf and never edits any
 * other file.
 */

#define NAMES_ETC_DIR "/etc/iproute2"
#define NAMES_USR_DIR "/usr/share/iproute2"
#define NAMES_PBR_FILE "rt_tables.d/pbr.conf"

struct table_name {
	uint32_t id;
	char *name;
	const char *file; /* where it was read from; NULL for the built-ins */
	bool pbr;	  /* from pbr's own file */
	struct table_name *next;
	struct table_name *all; /* every entry ever read, so none is lost on reload */
};

/* Point at other directories (unit tests); resets the loaded database. */
void names_set_dirs(const char *etc, const char *usr);

/* Read the files again on next use (after taking the lock, so a
 * read-modify-write of pbr's file sees every earlier writer). Entries
 * returned before stay valid. */
void names_reload(void);

/* The winning entry for a name, or NULL. */
const struct table_name *names_find(const char *name);
/* The entry ip(8) prints for an id, or NULL. */
const struct table_name *names_by_id(uint32_t id);
/* Name as ip(8) prints it, or the number. */
const char *names_table_str(uint32_t id, char *buf, size_t n);

/*
 * Resolve a table word for route/rule use: a registered name or a number
 * 1-4294967295. Unregistered names are a usage error (a typo must not
 * create a table).
 */
int names_table_id(const char *word, uint32_t *id);
/*
 * The same for del: a well-formed name that is not registered is no error
 * but *absent (nothing can use a table by a name it does not have, and del
 * of something absent succeeds), so a removal script runs twice.
 */
int names_table_id_del(const char *word, uint32_t *id, bool *absent);

/* main, local, default, unspec and their ids are not pbr's to add or delete. */
bool names_reserved_id(uint32_t id);
bool names_reserved_name(const char *name);

/* A table id with no name anywhere in [lo, hi] and not in `used`. */
int names_free_id(uint32_t lo, uint32_t hi, const uint32_t *used, size_t nused, uint32_t *id);

/* Add or remove a name in pbr's file: plans the file write and updates the
 * in-memory database so later lines of a batch see it. */
int names_pbr_add(const char *name, uint32_t id);
int names_pbr_del(const char *name);
/* Every entry read (for list/completion); calls fn for each. */
void names_foreach(void (*fn)(const struct table_name *t, void *data), void *data);

#endif
