// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "names.h"
#include "parse.h"
#include "pbr.h"
#include "plan.h"
#include "sbuf.h"

#define BUCKETS 256
#define LINE_MAX_LEN 512

static struct {
	bool loaded;
	const char *etc, *usr;
	struct table_name *hash[BUCKETS];
	struct table_name builtin[3];
	struct table_name *arena;
	char *pbr_path;
} db = {.etc = NAMES_ETC_DIR, .usr = NAMES_USR_DIR};

void names_reload(void)
{
	/* Entries stay on the arena list: callers may still hold them. */
	memset(db.hash, 0, sizeof(db.hash));
	db.loaded = false;
}

void names_set_dirs(const char *etc, const char *usr)
{
	memset(db.hash, 0, sizeof(db.hash));
	db.loaded = false;
	db.etc = etc;
	db.usr = usr;
	free(db.pbr_path);
	db.pbr_path = NULL;
}

static const char *pbr_path(void)
{
	if (!db.pbr_path) {
		struct sbuf b = {0};

		sb_add(&b, "%s/%s", db.etc, NAMES_PBR_FILE);
		db.pbr_path = sb_take(&b);
	}
	return db.pbr_path;
}

static void push(uint32_t id, const char *name, const char *file)
{
	struct table_name *t = xcalloc(1, sizeof(*t));

	t->id = id;
	t->name = xstrdup(name);
	t->file = file;
	t->pbr = file && !strcmp(file, pbr_path());
	t->all = db.arena;
	db.arena = t;
	t->next = db.hash[id & (BUCKETS - 1)];
	db.hash[id & (BUCKETS - 1)] = t;
}

/* One "ID NAME" line as iproute2's fread_id_name() reads it: 1 ok, 0 skip, -1 corrupt. */
static int read_line(const char *buf, int *id, char *name)
{
	const char *p = buf;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\n' || *p == 0)
		return 0;
	if (sscanf(p, "0x%x %511s", (unsigned int *)id, name) == 2 ||
	    sscanf(p, "%d %511s", id, name) == 2)
		return 1;
	return -1;
}

static void load_file(const char *path)
{
	char buf[LINE_MAX_LEN], name[LINE_MAX_LEN];
	const char *file = NULL;
	FILE *f;
	int id;

	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(buf, sizeof(buf), f)) {
		int rc = read_line(buf, &id, name);

		if (rc < 0)
			break; /* iproute2 stops at a corrupt line too */
		if (rc == 0 || id < 0)
			continue;
		if (!file)
			file = xstrdup(path); /* referenced by the entries, freed never */
		push((uint32_t)id, name, file);
	}
	fclose(f);
}

static int conf_name(const char *d)
{
	size_t len = strlen(d);

	return d[0] != '.' && len > 5 && !strcmp(d + len - 5, ".conf");
}

static void load_dir(const char *base, const char *overload)
{
	struct dirent *de;
	DIR *d = opendir(base);

	while (d && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		struct stat sb;

		if (!conf_name(de->d_name))
			continue;
		if (overload) {
			snprintf(path, sizeof(path), "%s/%s", overload, de->d_name);
			if (lstat(path, &sb) == 0)
				continue;
		}
		snprintf(path, sizeof(path), "%s/%s", base, de->d_name);
		load_file(path);
	}
	if (d)
		closedir(d);
}

static void load(void)
{
	char p1[PATH_MAX], p2[PATH_MAX];
	static const struct {
		uint32_t id;
		const char *name;
	} builtins[] = {{253, "default"}, {254, "main"}, {255, "local"}};

	if (db.loaded)
		return;
	db.loaded = true;
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		db.builtin[i].id = builtins[i].id;
		db.builtin[i].name = (char *)builtins[i].name;
		db.builtin[i].next = NULL;
		db.hash[builtins[i].id] = &db.builtin[i];
	}
	snprintf(p1, sizeof(p1), "%s/rt_tables", db.etc);
	if (access(p1, F_OK) == 0 || errno != ENOENT)
		load_file(p1);
	else {
		snprintf(p1, sizeof(p1), "%s/rt_tables", db.usr);
		load_file(p1);
	}
	snprintf(p1, sizeof(p1), "%s/rt_tables.d", db.usr);
	snprintf(p2, sizeof(p2), "%s/rt_tables.d", db.etc);
	load_dir(p1, p2);
	load_dir(p2, NULL);
}

const struct table_name *names_find(const char *name)
{
	load();
	for (int i = 0; i < BUCKETS; i++)
		for (struct table_name *t = db.hash[i]; t; t = t->next)
			if (!strcmp(t->name, name))
				return t;
	return NULL;
}

const struct table_name *names_by_id(uint32_t id)
{
	load();
	for (struct table_name *t = db.hash[id & (BUCKETS - 1)]; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

const char *names_table_str(uint32_t id, char *buf, size_t n)
{
	const struct table_name *t = names_by_id(id);

	if (t)
		return t->name;
	snprintf(buf, n, "%u", id);
	return buf;
}

int names_table_id(const char *word, uint32_t *id)
{
	const struct table_name *t = names_find(word);
	uint32_t v;

	if (t && t->id == 0)
		return err_usage("invalid table", word, "table 0 (unspec) is no table");
	if (t) {
		*id = t->id;
		return 0;
	}
	if (word[0] >= '0' && word[0] <= '9') {
		if (parse_u32(word, &v) < 0 || v == 0)
			return err_usage("invalid table", word, "1-4294967295");
		*id = v;
		return 0;
	}
	return err_usage("no such table", word, "add it with: pbr table add %s", word);
}

int names_table_id_del(const char *word, uint32_t *id, bool *absent)
{
	*absent = false;
	if (names_find(word) || (word[0] >= '0' && word[0] <= '9'))
		return names_table_id(word, id);
	if (parse_table_name(word) < 0)
		return -EINVAL;
	*absent = true;
	*id = 0;
	return 0;
}

bool names_reserved_id(uint32_t id)
{
	return id == 0 || id == 253 || id == 254 || id == 255;
}

bool names_reserved_name(const char *name)
{
	return !strcmp(name, "main") || !strcmp(name, "local") || !strcmp(name, "default") ||
	       !strcmp(name, "unspec") || !strcmp(name, "all");
}

int names_free_id(uint32_t lo, uint32_t hi, const uint32_t *used, size_t nused, uint32_t *id)
{
	for (uint32_t v = lo; v <= hi; v++) {
		bool taken = names_by_id(v) != NULL;

		for (size_t i = 0; !taken && i < nused; i++)
			taken = used[i] == v;
		if (!taken) {
			*id = v;
			return 0;
		}
	}
	return err_conflict("no free table number in %u-%u", lo, hi);
}

static void unlink_entry(struct table_name *victim)
{
	struct table_name **pp = &db.hash[victim->id & (BUCKETS - 1)];

	while (*pp && *pp != victim)
		pp = &(*pp)->next;
	if (*pp)
		*pp = victim->next;
}

static int by_id(const void *a, const void *b)
{
	const struct table_name *x = *(const struct table_name *const *)a;
	const struct table_name *y = *(const struct table_name *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The whole of pbr's file as it should be now: every pbr entry, by id. */
static char *pbr_contents(void)
{
	struct table_name **v = NULL;
	struct sbuf b = {0};
	size_t n = 0;

	for (int i = 0; i < BUCKETS; i++)
		for (struct table_name *t = db.hash[i]; t; t = t->next)
			if (t->pbr) {
				v = xrealloc(v, (n + 1) * sizeof(*v));
				v[n++] = t;
			}
	if (!n)
		return NULL; /* nothing registered: the file goes */
	qsort(v, n, sizeof(*v), by_id);
	sb_add(&b, "# Routing table names registered by pbr(8); edited by pbr table add/del.\n");
	for (size_t i = 0; i < n; i++)
		sb_add(&b, "%u\t%s\n", v[i]->id, v[i]->name);
	free(v);
	return sb_take(&b);
}

static char *read_whole(const char *path)
{
	struct sbuf b = {0};
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&b, "%.*s", (int)n, buf);
	fclose(f);
	return sb_take(&b);
}

static void plan_pbr_file(const char *text)
{
	char *old = read_whole(pbr_path());
	char *now = pbr_contents();

	plan_file(pbr_path(), now, old, text);
	free(old);
	free(now);
}

int names_pbr_add(const char *name, uint32_t id)
{
	struct sbuf text = {0};
	char *t;

	load();
	push(id, name, pbr_path());
	sb_add(&text, "echo '%u %s' >> %s", id, name, pbr_path());
	t = sb_take(&text);
	plan_pbr_file(t);
	free(t);
	return 0;
}

int names_pbr_del(const char *name)
{
	struct sbuf text = {0};
	bool found = false;
	char *t;

	load();
	for (int i = 0; i < BUCKETS; i++) {
		struct table_name *n;

		for (struct table_name *e = db.hash[i]; e; e = n) {
			n = e->next;
			if (e->pbr && !strcmp(e->name, name)) {
				unlink_entry(e);
				found = true;
			}
		}
	}
	if (!found)
		return 0;
	sb_add(&text, "sed -i '/\\t%s$/d' %s", name, pbr_path());
	t = sb_take(&text);
	plan_pbr_file(t);
	free(t);
	return 1;
}

void names_foreach(void (*fn)(const struct table_name *t, void *data), void *data)
{
	load();
	for (int i = 0; i < BUCKETS; i++)
		for (struct table_name *t = db.hash[i]; t; t = t->next)
			fn(t, data);
}
