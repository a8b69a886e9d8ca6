// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "nl.h"
#include "plan.h"
#include "sbuf.h"

enum op_kind { OP_RTNL, OP_FILE, OP_SYSCTL };

struct op {
	enum op_kind kind;
	char *text;
	struct nlmsghdr *msg, *undo; /* OP_RTNL */
	char *path, *data, *old;     /* OP_FILE, OP_SYSCTL */
	int line;		     /* the batch line that planned it (0: none) */
	bool had_old;
	bool done;
};

static struct {
	struct op *v;
	int n, cap;
	struct plan_final final;
	bool has_final;
} p;

static struct op *add(enum op_kind kind, const char *text)
{
	struct op *o;

	if (p.n == p.cap) {
		p.cap = p.cap ? p.cap * 2 : 16;
		p.v = xrealloc(p.v, (size_t)p.cap * sizeof(*p.v));
	}
	o = &p.v[p.n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->text = xstrdup(text ? text : "");
	o->line = err_line();
	return o;
}

static struct nlmsghdr *copy_msg(const struct nlmsghdr *m)
{
	struct nlmsghdr *c;

	if (!m)
		return NULL;
	c = xmalloc(m->nlmsg_len);
	memcpy(c, m, m->nlmsg_len);
	return c;
}

void plan_rtnl(const struct nlmsghdr *msg, const struct nlmsghdr *undo, const char *text)
{
	struct op *o = add(OP_RTNL, text);

	o->msg = copy_msg(msg);
	o->undo = copy_msg(undo);
}

void plan_file(const char *path, const char *data, const char *old, const char *text)
{
	/* Later writes of the same file in one plan keep the first "old". */
	for (int i = 0; i < p.n; i++) {
		struct op *o = &p.v[i];

		if (o->kind == OP_FILE && !strcmp(o->path, path)) {
			struct sbuf b = {0};

			free(o->data);
			o->data = data ? xstrdup(data) : NULL;
			/* One write, but every change it carries is printed. */
			sb_add(&b, "%s\n%s", o->text, text);
			free(o->text);
			o->text = sb_take(&b);
			return;
		}
	}
	struct op *o = add(OP_FILE, text);

	o->path = xstrdup(path);
	o->data = data ? xstrdup(data) : NULL;
	o->old = old ? xstrdup(old) : NULL;
	o->had_old = old != NULL;
}

void plan_sysctl(const char *path, const char *val, const char *old, const char *text)
{
	struct op *o = add(OP_SYSCTL, text);

	o->path = xstrdup(path);
	o->data = xstrdup(val);
	o->old = xstrdup(old);
	o->had_old = true;
}

void plan_set_final(const struct plan_final *f)
{
	p.final = *f;
	p.has_final = true;
}

int plan_count(void)
{
	return p.n + (p.has_final ? 1 : 0);
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* Replace path atomically with data (NULL: remove it). */
static int write_file(const char *path, const char *data)
{
	char tmp[PATH_MAX];
	size_t len;
	int fd, rc;

	if (!data) {
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		return 0;
	}
	rc = mkdirs(path);
	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	len = strlen(data);
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		close(fd);
		unlink(tmp);
		return rc;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	return 0;
}

static int write_sysctl(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, val, len);
	if (w != (ssize_t)len) {
		int e = w < 0 ? errno : EIO;

		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static int apply_one_op(struct op *o)
{
	int rc;

	switch (o->kind) {
	case OP_RTNL:
		break; /* applied in runs by apply_rtnl_run() */
	case OP_FILE:
		rc = write_file(o->path, o->data);
		if (rc < 0)
			return err_sys(rc, "cannot write %s", o->path);
		return 0;
	case OP_SYSCTL:
		rc = write_sysctl(o->path, o->data);
		if (rc < 0)
			return err_sys(rc, "cannot write %s", o->path);
		return 0;
	}
	return -EINVAL;
}

static int apply_one(struct op *o)
{
	int rc;

	err_set_line(o->line);
	rc = apply_one_op(o);
	err_set_line(0);
	return rc;
}

static void undo_one(struct op *o)
{
	struct nl *nl;

	switch (o->kind) {
	case OP_RTNL:
		if (o->undo && nl_rtnl(&nl) == 0)
			nl_talk(nl, o->undo);
		break;
	case OP_FILE:
		write_file(o->path, o->had_old ? o->old : NULL);
		break;
	case OP_SYSCTL:
		write_sysctl(o->path, o->old);
		break;
	}
}

static void rollback(int upto)
{
	for (int i = upto - 1; i >= 0; i--)
		if (p.v[i].done)
			undo_one(&p.v[i]);
}

/*
 * Consecutive rtnetlink ops go to the kernel pipelined (one sendmsg per
 * chunk, ACKs collected after); which ones succeeded is known per op, so
 * rollback stays exact.
 */
static int apply_rtnl_run(int from, int to)
{
	struct nlmsghdr **msgs = xcalloc((size_t)(to - from), sizeof(*msgs));
	int *errs = xcalloc((size_t)(to - from), sizeof(*errs));
	struct nl *nl;
	int rc, bad = -1;

	rc = nl_rtnl(&nl);
	if (rc < 0)
		goto out;
	for (int i = from; i < to; i++)
		msgs[i - from] = p.v[i].msg;
	rc = nl_talk_many(nl, msgs, to - from, errs);
	for (int i = from; i < to; i++) {
		if (errs[i - from] == 0)
			p.v[i].done = true;
		else if (bad < 0)
			bad = i;
	}
	if (rc < 0) {
		err_set_line(bad >= 0 ? p.v[bad].line : 0);
		rc = err_sys(bad >= 0 ? errs[bad - from] : rc, "%s",
			     bad >= 0 ? p.v[bad].text : "netlink");
		err_set_line(0);
	}
out:
	free(msgs);
	free(errs);
	return rc;
}

static int apply_here(void)
{
	int rc = 0, i = 0;

	while (i < p.n) {
		if (p.v[i].kind == OP_RTNL) {
			int j = i;

			while (j < p.n && p.v[j].kind == OP_RTNL)
				j++;
			rc = apply_rtnl_run(i, j);
			i = j;
		} else {
			rc = apply_one(&p.v[i]);
			if (rc == 0)
				p.v[i].done = true;
			i++;
		}
		if (rc < 0) {
			rollback(p.n);
			return rc;
		}
	}
	if (p.has_final) {
		rc = p.final.apply(p.final.ctx);
		if (rc < 0) {
			rollback(p.n);
			return rc;
		}
	}
	return 0;
}

/* The system calls that change something, the plan takes at least. */
static int steps(void)
{
	int n = p.has_final ? 1 : 0;

	for (int i = 0; i < p.n;) {
		int j = i;

		while (j < p.n && p.v[j].kind == OP_RTNL)
			j++;
		if (j > i) {
			n += (j - i + NL_CHUNK - 1) / NL_CHUNK;
			i = j;
		} else {
			n++;
			i++;
		}
	}
	return n;
}

struct outcome {
	int rc;
	int kind;
	char msg[1024];
};

/*
 * A plan of several system calls is applied by a child process that
 * blocks every signal it can: a SIGKILL of the command itself (a DHCP
 * client killing its hook, a supervisor's timeout) cannot stop it half-way,
 * so the system ends as before the command or as after it, never between.
 * The child inherits the lock. A plan of one system call is atomic as it is.
 */
static int apply_in_child(void)
{
	struct outcome r;
	sigset_t all;
	int fds[2];
	size_t got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return apply_here();
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return apply_here();
	}
	if (pid == 0) {
		close(fds[0]);
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		memset(&r, 0, sizeof(r));
		r.rc = apply_here();
		r.kind = (int)err_kind();
		snprintf(r.msg, sizeof(r.msg), "%s", err_message());
		if (write(fds[1], &r, sizeof(r)) < 0) {
			/* the parent is gone: nobody to tell */
		}
		_exit(0);
	}
	close(fds[1]);
	while (got < sizeof(r)) {
		ssize_t n = read(fds[0], (char *)&r + got, sizeof(r) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got < sizeof(r))
		return err_sys(EIO, "the process applying the changes died; run the command again");
	if (r.rc < 0)
		err_restore((enum err_kind)r.kind, r.msg);
	return r.rc;
}

int plan_apply(void)
{
	if (steps() <= 1)
		return apply_here();
	return apply_in_child();
}

void plan_describe(void (*line)(const char *text))
{
	for (int i = 0; i < p.n; i++)
		line(p.v[i].text);
	if (p.has_final && p.final.describe)
		p.final.describe(p.final.ctx, line);
}

void plan_reset(void)
{
	for (int i = 0; i < p.n; i++) {
		struct op *o = &p.v[i];

		free(o->text);
		free(o->msg);
		free(o->undo);
		free(o->path);
		free(o->data);
		free(o->old);
	}
	free(p.v);
	memset(&p, 0, sizeof(p));
}
