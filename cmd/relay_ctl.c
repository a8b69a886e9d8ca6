// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The running relay's counters: `pbr relay show` connects to an abstract
 * unix socket. Abstract names live in the network namespace, so a relay is
 * found from its own namespace (and with `pbr -n NETNS relay show`) without
 * files, and only one relay can hold the name in a namespace - as only one
 * can hold UDP port 67.
 *
 * The relay answers with lines of words, "KIND NAME key value ...", which
 * show turns into text or JSON through the one printer (lib/out.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "out.h"
#include "pbr.h"
#include "cmd.h"
#include "relay.h"
#include "sbuf.h"

#define CTL_SNDBUF (256 * 1024)
#define SHOW_MAX_WORDS 128

static const char *const drop_names[DROP_MAX - DHCP_FAULT_MAX] = {
	[DROP_OVERSIZED - DHCP_FAULT_MAX] = "oversized",
	[DROP_NOT_DOWNSTREAM - DHCP_FAULT_MAX] = "not_downstream",
	[DROP_HOPS - DHCP_FAULT_MAX] = "hops",
	[DROP_OWN_GIADDR - DHCP_FAULT_MAX] = "own_giaddr",
	[DROP_NO_ADDRESS - DHCP_FAULT_MAX] = "no_address",
	[DROP_UNTRUSTED_AGENT - DHCP_FAULT_MAX] = "untrusted_option82",
	[DROP_AGENT_POLICY - DHCP_FAULT_MAX] = "option82_policy",
	[DROP_LOOP - DHCP_FAULT_MAX] = "loop",
	[DROP_NOT_UPSTREAM - DHCP_FAULT_MAX] = "not_upstream",
	[DROP_NOT_SERVER - DHCP_FAULT_MAX] = "not_server",
	[DROP_FOREIGN_GIADDR - DHCP_FAULT_MAX] = "foreign_giaddr",
	[DROP_BAD_YIADDR - DHCP_FAULT_MAX] = "bad_client_address",
	[DROP_AGENT_MISMATCH - DHCP_FAULT_MAX] = "option82_mismatch",
	[DROP_NO_IFACE - DHCP_FAULT_MAX] = "no_interface",
	[DROP_SEND - DHCP_FAULT_MAX] = "send_error",
};

const char *relay_drop_name(int reason)
{
	if (reason < DHCP_FAULT_MAX)
		return dhcp_fault_name((enum dhcp_fault)reason);
	if (reason < DROP_MAX)
		return drop_names[reason - DHCP_FAULT_MAX];
	return "unknown";
}

void relay_log(struct relay *r, int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (r->quiet && prio >= LOG_INFO)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (r->foreground)
		fprintf(stderr, "pbr relay: %s\n", line);
	else
		syslog(prio, "%s", line);
}

static const char *role_name(const struct rif *f)
{
	return f->down && f->up ? "both" : f->down ? "downstream" : f->up ? "upstream" : "none";
}

static bool rif_worth_showing(const struct rif *f)
{
	const struct relay_stats *st = &f->st;

	if (f->down || f->up || f->cfg_down || f->cfg_up || st->requests || st->replies)
		return true;
	for (int i = 0; i < DROP_MAX; i++)
		if (st->drops[i])
			return true;
	return false;
}

static void snapshot_rif(struct sbuf *b, const struct rif *f)
{
	char a[INET_ADDRSTRLEN] = "-";
	const struct relay_stats *st = &f->st;

	if (f->addr)
		inet_ntop(AF_INET, &f->addr, a, sizeof(a));
	sb_add(b, "iface %s ifindex %d role %s address %s trusted %s requests %llu relayed %llu "
	       "replies %llu delivered %llu option82_too_big %llu",
	       f->name, f->ifindex, role_name(f), a, f->trusted ? "yes" : "no",
	       (unsigned long long)st->requests, (unsigned long long)st->relayed,
	       (unsigned long long)st->replies, (unsigned long long)st->delivered,
	       (unsigned long long)st->agent_too_big);
	for (int i = 1; i < DROP_MAX; i++)
		if (st->drops[i])
			sb_add(b, " drop.%s %llu", relay_drop_name(i),
			       (unsigned long long)st->drops[i]);
	sb_add(b, "\n");
}

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static char *snapshot(struct relay *r)
{
	static const char *const policies[] = {"forward", "append", "replace", "discard"};
	struct sbuf b = {0};
	char g[INET_ADDRSTRLEN] = "-";

	if (r->giaddr)
		inet_ntop(AF_INET, &r->giaddr, g, sizeof(g));
	if (!r->started)
		r->started = now_s();
	sb_add(&b, "relay pid %d uptime %llu max_hops %u giaddr %s option82 %s policy %s\n",
	       (int)getpid(), (unsigned long long)(now_s() - r->started), r->max_hops, g,
	       r->agent ? "yes" : "no", policies[r->policy]);
	for (int i = 0; i < r->n_servers; i++) {
		const struct server *s = &r->servers[i];
		const struct rif *f = relay_if_by_index(r, s->oif);
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &s->sa.sin_addr, a, sizeof(a));
		sb_add(&b, "server %s dev %s sent %llu replies %llu\n", a, f ? f->name : "-",
		       (unsigned long long)s->sent, (unsigned long long)s->replies);
	}
	for (int i = 0; i < r->n_ifs; i++)
		if (rif_worth_showing(&r->ifs[i]))
			snapshot_rif(&b, &r->ifs[i]);
	if (rif_worth_showing(relay_other()))
		snapshot_rif(&b, relay_other());
	return sb_take(&b);
}

static socklen_t ctl_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] == 0: an abstract name, no file, per network namespace. */
	memcpy(sun->sun_path + 1, RELAY_CTL_NAME, strlen(RELAY_CTL_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(RELAY_CTL_NAME));
}

int relay_ctl_open(struct relay *r)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);

	r->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->ctl < 0)
		return err_sys(errno, "cannot open control socket");
	if (bind(r->ctl, (struct sockaddr *)&sun, len) < 0) {
		if (errno == EADDRINUSE)
			return err_conflict("another relay is running in this network namespace "
					    "(see pbr relay show)");
		return err_sys(errno, "cannot bind control socket");
	}
	if (listen(r->ctl, 8) < 0)
		return err_sys(errno, "cannot listen on control socket");
	r->started = now_s();
	return 0;
}

void relay_ctl_accept(struct relay *r)
{
	for (;;) {
		int size = CTL_SNDBUF;
		int fd = accept4(r->ctl, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		char *text;

		if (fd < 0)
			return;
		/* Never wait for a reader: the snapshot fits in the buffer or is cut. */
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		text = snapshot(r);
		if (send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* a reader that went away: nothing to do */
		}
		free(text);
		close(fd);
	}
}

void relay_log_counters(struct relay *r)
{
	char *text = snapshot(r), *line, *next;

	for (line = text; *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		relay_log(r, LOG_NOTICE, "%s", line);
	}
	free(text);
}

/* ---- pbr relay show ---- */

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* key value pairs as JSON members; text prints "key value". */
static void show_pairs(char **w, int n, int from, bool drops)
{
	for (int i = from; i + 1 < n; i += 2) {
		const char *k = w[i], *v = w[i + 1];

		if (!strncmp(k, "drop.", 5) != drops)
			continue;
		if (drops)
			k += 5;
		if (is_number(v)) {
			out_uint(k, NULL, strtoull(v, NULL, 10));
			out_text(" %s %s", k, v);
		} else {
			out_str(k, NULL, strcmp(v, "-") ? v : NULL);
			out_text(" %s %s", k, v);
		}
	}
}

static void show_line(char **w, int n, const char *kind)
{
	bool has_drops = false;

	out_obj_open(NULL);
	out_str(!strcmp(kind, "server") ? "address" : "name", "%s", w[1]);
	show_pairs(w, n, 2, false);
	for (int i = 2; i < n; i += 2)
		has_drops |= !strncmp(w[i], "drop.", 5);
	out_obj_open("drops");
	if (has_drops)
		out_text("\n    dropped:");
	show_pairs(w, n, 2, true);
	out_obj_close();
	out_nl();
	out_obj_close();
}

static int read_snapshot(char **text)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	struct sbuf b = {0};
	char buf[4096];
	ssize_t n;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(errno, "cannot open unix socket");
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;

		close(fd);
		if (e == ECONNREFUSED || e == ENOENT)
			return err_conflict("no relay is running in this network namespace");
		return err_sys(e, "cannot reach the relay");
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(&b, "%.*s", (int)n, buf);
	close(fd);
	*text = sb_take(&b);
	return 0;
}

static int show_snapshot(const char *key, bool absent_ok)
{
	char *text = NULL, *line, *next;
	int rc, pass;

	rc = read_snapshot(&text);
	if (rc == -EEXIST && absent_ok) { /* none running */
		err_clear();
		out_null(key);
		return 1;
	}
	if (rc < 0)
		return rc;
	out_obj_open(key);
	/* Three passes over the lines: the relay, then servers, then interfaces. */
	for (pass = 0; pass < 3; pass++) {
		static const char *const kinds[] = {"relay", "server", "iface"};
		static const char *const arrays[] = {NULL, "servers", "interfaces"};
		char *copy = xstrdup(text);

		if (arrays[pass])
			out_arr_open(arrays[pass]);
		for (line = copy; *line; line = next) {
			char *w[SHOW_MAX_WORDS];
			int n = 0;
			char *save = NULL, *tok;

			next = strchr(line, '\n');
			if (next)
				*next++ = 0;
			else
				next = line + strlen(line);
			for (tok = strtok_r(line, " ", &save); tok && n < SHOW_MAX_WORDS;
			     tok = strtok_r(NULL, " ", &save))
				w[n++] = tok;
			if (n < 2 || strcmp(w[0], kinds[pass]))
				continue;
			if (pass == 0) {
				out_text("relay");
				show_pairs(w, n, 1, false);
				out_nl();
			} else {
				out_text("%s", w[0]);
				out_text(" ");
				show_line(w, n, kinds[pass]);
			}
		}
		if (arrays[pass])
			out_arr_close();
		free(copy);
	}
	out_obj_close();
	free(text);
	return 0;
}

int relay_show(void)
{
	return show_snapshot(NULL, false);
}

int relay_print(const char *key)
{
	return show_snapshot(key, true);
}
