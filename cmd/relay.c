// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pbr relay: a DHCPv4 relay agent (RFC 1542, 2131, 3046).
 *
 * The life of the daemon, in the order OpenBSD's dhcrelay taught: parse and
 * check every word; open everything that needs privilege (UDP port 67, the
 * packet socket); detach; drop to an unprivileged user with no capability
 * at all and no_new_privs; then loop over epoll until SIGTERM/SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "cmd.h"
#include "err.h"
#include "parse.h"
#include "pbr.h"
#include "priv.h"
#include "relay.h"
#include "sys.h"

#define REMOTE_ID_MAX 64 /* leaves room for a 15-octet circuit-id in one option */
#define EPOLL_EVENTS 8

void relay_usage(void)
{
	printf("Usage: pbr relay [-i DEV]... [-u DEV]... [-t DEV]... [-g ADDR] [-a] [-r REMOTE-ID]\n"
	       "                 [-m append|replace|forward|discard] [-c HOPS] [-p PIDFILE]\n"
	       "                 [-U USER] [-f] [-q] SERVER...\n"
	       "       pbr relay show\n"
	       "\n"
	       "  -i DEV    downstream (client side) interface; also -id\n"
	       "  -u DEV    upstream (server side) interface; also -iu. Default: where\n"
	       "            the routes to the servers go\n"
	       "  -t DEV    believe option 82 arriving on DEV with giaddr 0 (a snooping switch)\n"
	       "  -g ADDR   giaddr to use instead of the downstream interface's address\n"
	       "  -a        add option 82: circuit-id = interface name (-r adds a remote-id)\n"
	       "  -m POLICY what to do with requests that already carry option 82\n"
	       "  -c HOPS   drop requests that went through more relays (default %d, max %d)\n"
	       "  -p FILE   pid file; also -pf\n"
	       "  -U USER   run as USER (default %s)\n"
	       "  -f        foreground, log to stderr; also -d\n"
	       "  -q        log only problems; -4 is accepted and ignored\n",
	       RELAY_HOPS_DEFAULT, RELAY_HOPS_MAX, RELAY_USER_DEFAULT);
}

static struct relay relay;
static uid_t run_uid;
static gid_t run_gid;

static int add_iface(struct relay *r, const char *name, int role)
{
	struct rif *f;

	if (parse_ifname(name) < 0)
		return -EINVAL;
	f = relay_if_by_name(r, name, strlen(name));
	if (!f) {
		if (r->n_ifs >= RELAY_MAX_IFACES)
			return err_usage("too many interfaces at", name, "at most %d",
					 RELAY_MAX_IFACES);
		f = &r->ifs[r->n_ifs++];
		snprintf(f->name, sizeof(f->name), "%s", name);
	}
	if (role == 'i')
		f->cfg_down = true;
	else if (role == 'u')
		f->cfg_up = true;
	else
		f->trusted = true;
	return 0;
}

static int parse_policy(const char *s, enum agent_policy *p)
{
	static const char *const names[] = {"forward", "append", "replace", "discard"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i])) {
			*p = (enum agent_policy)i;
			return 0;
		}
	return err_usage("invalid option 82 policy", s, "append, replace, forward or discard");
}

static int parse_server(struct relay *r, const char *s)
{
	struct ipaddr a;
	uint32_t v, h;

	if (parse_addr(s, AF_INET, &a) < 0)
		return err_usage("invalid server address", s, "an IPv4 address");
	memcpy(&v, a.a, sizeof(v));
	h = ntohl(v);
	/* A relay sends to a host: not 0.0.0.0, a broadcast or a multicast group. */
	if (!h || h == INADDR_BROADCAST || IN_MULTICAST(h))
		return err_usage("invalid server address", s, "a unicast IPv4 address");
	for (int i = 0; i < r->n_servers; i++)
		if (r->servers[i].sa.sin_addr.s_addr == v)
			return err_usage("server given twice", s, NULL);
	if (r->n_servers >= RELAY_MAX_SERVERS)
		return err_usage("too many servers at", s, "at most %d", RELAY_MAX_SERVERS);
	r->servers[r->n_servers].sa.sin_family = AF_INET;
	r->servers[r->n_servers].sa.sin_port = htons(DHCP_PORT_SERVER);
	r->servers[r->n_servers].sa.sin_addr.s_addr = v;
	r->n_servers++;
	return 0;
}

/* Words into r; nothing is opened or changed here. */
static int relay_parse(struct relay *r, int argc, char **argv)
{
	int n_down = 0, rc;

	r->max_hops = RELAY_HOPS_DEFAULT;
	r->user = RELAY_USER_DEFAULT;
	r->policy = AGENT_FORWARD;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t n;
		struct ipaddr g;

		if (a[0] != '-') {
			rc = parse_server(r, a);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!strcmp(a, "-a") || !strcmp(a, "-f") || !strcmp(a, "-d") ||
		    !strcmp(a, "-q") || !strcmp(a, "-4")) {
			if (a[1] == 'a')
				r->agent = true;
			else if (a[1] == 'q')
				r->quiet = true;
			else if (a[1] != '4')
				r->foreground = true;
			continue;
		}
		if (!strcmp(a, "-6"))
			return err_usage("DHCPv6 relaying is not supported", a, NULL);
		if (!v)
			return err_usage("missing value for", a, NULL);
		i++;
		if (!strcmp(a, "-i") || !strcmp(a, "-id")) {
			rc = add_iface(r, v, 'i');
			n_down++;
		} else if (!strcmp(a, "-u") || !strcmp(a, "-iu")) {
			rc = add_iface(r, v, 'u');
		} else if (!strcmp(a, "-t")) {
			rc = add_iface(r, v, 't');
		} else if (!strcmp(a, "-g")) {
			rc = parse_addr(v, AF_INET, &g);
			if (rc == 0)
				memcpy(&r->giaddr, g.a, sizeof(r->giaddr));
			if (rc == 0 && !r->giaddr)
				rc = err_usage("invalid giaddr", v, "not 0.0.0.0");
		} else if (!strcmp(a, "-m")) {
			rc = parse_policy(v, &r->policy);
		} else if (!strcmp(a, "-c")) {
			rc = parse_num("hop limit", v, 1, RELAY_HOPS_MAX, &n);
			r->max_hops = n;
		} else if (!strcmp(a, "-r")) {
			size_t len = strlen(v);

			rc = 0;
			if (!len || len > REMOTE_ID_MAX)
				rc = err_usage("invalid remote-id", v, "1-%d characters", REMOTE_ID_MAX);
			else
				memcpy(r->remote_id, v, len);
			r->remote_len = rc ? 0 : len;
		} else if (!strcmp(a, "-p") || !strcmp(a, "-pf")) {
			rc = 0;
			r->pidfile = v;
			if (!*v)
				rc = err_usage("invalid pid file", v, NULL);
		} else if (!strcmp(a, "-U")) {
			r->user = v;
			rc = priv_user(v, &run_uid, &run_gid);
		} else {
			return err_usage("unknown option", a, "try: pbr relay help");
		}
		if (rc < 0)
			return rc;
	}
	if (!r->n_servers)
		return err_usagef("missing SERVER (the DHCP server's IPv4 address)");
	if (r->remote_len && !r->agent)
		return err_usage("-r needs", "-a", "option 82 is added only with -a");
	if (r->giaddr && n_down != 1 && !r->agent)
		return err_usage("-g with other than one -i needs", "-a",
				 "the circuit-id tells which interface a reply is for");
	r->any_down = n_down == 0;
	if (!strcmp(r->user, RELAY_USER_DEFAULT)) {
		rc = priv_user(r->user, &run_uid, &run_gid);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* With -f the relay stays; otherwise the parent waits for the child to say
 * it is ready (or why it is not), so `pbr relay` exits non-zero on failure. */
static int daemonize(int *notify)
{
	int p[2];
	pid_t pid;
	char st = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys(errno, "pipe");
	pid = fork();
	if (pid < 0)
		return err_sys(errno, "fork");
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &st, 1) != 1)
			st = 1;
		_exit(st);
	}
	close(p[0]);
	setsid();
	*notify = p[1];
	return 0;
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static int open_pidfile(struct relay *r)
{
	r->pidfd = -1;
	if (!r->pidfile)
		return 0;
	r->pidfd = open(r->pidfile, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (r->pidfd < 0)
		return err_sys(errno, "cannot open pid file \"%s\"", r->pidfile);
	return 0;
}

static void write_pidfile(struct relay *r)
{
	char buf[32];
	int n;

	if (r->pidfd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(r->pidfd, 0) < 0 || pwrite(r->pidfd, buf, (size_t)n, 0) != n)
		relay_log(r, LOG_WARNING, "cannot write pid file %s", r->pidfile);
}

static void remove_pidfile(struct relay *r)
{
	if (r->pidfd < 0)
		return;
	/* As nobody the directory may not let us unlink: leave it empty then. */
	if (unlink(r->pidfile) < 0 && ftruncate(r->pidfd, 0) < 0) {
		/* nothing more to do */
	}
	close(r->pidfd);
}

static int open_signals(struct relay *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return err_sys(errno, "sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0)
		return err_sys(errno, "signalfd");
	return 0;
}

/* The privileges opening needs; afterwards none is needed at all. */
static int check_privileges(void)
{
	static const int need[] = {CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SETUID, CAP_SETGID};

	for (size_t i = 0; i < ARRAY_SIZE(need); i++)
		if (!caps_have(need[i])) {
			err_conflict("needs CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SETUID and "
				     "CAP_SETGID (run as root)");
			return -EPERM;
		}
	return 0;
}

static int loop(struct relay *r)
{
	struct epoll_event ev = {.events = EPOLLIN}, evs[EPOLL_EVENTS];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	const int fds[] = {r->udp, r->nlev, r->ctl, r->sigfd};

	if (ep < 0)
		return err_sys(errno, "epoll_create1");
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		ev.data.fd = fds[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			return err_sys(errno, "epoll_ctl");
	}
	for (int i = 0; i < r->n_servers; i++) {
		ev.data.fd = r->servers[i].fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev) < 0)
			return err_sys(errno, "epoll_ctl");
	}
	for (;;) {
		int n;

		if (r->dirty) {
			r->dirty = false;
			if (relay_net_refresh(r) < 0) {
				relay_log(r, LOG_ERR, "%s", err_message());
				err_clear();
			}
		}
		n = epoll_wait(ep, evs, EPOLL_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(errno, "epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct signalfd_siginfo si;

			if (relay_io_input(r, fd)) {
				/* one of the UDP sockets */
			} else if (fd == r->nlev) {
				relay_net_events(r);
			} else if (fd == r->ctl) {
				relay_ctl_accept(r);
			} else if (fd == r->sigfd) {
				while (read(r->sigfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGUSR1)
						relay_log_counters(r);
					else if (si.ssi_signo == SIGHUP)
						r->dirty = true;
					else
						goto out;
				}
			}
		}
	}
out:
	close(ep);
	relay_log(r, LOG_INFO, "exiting on signal");
	relay_log_counters(r);
	return 0;
}

static int relay_run(struct relay *r)
{
	int notify = -1, rc;
	char st = 1;

	rc = check_privileges();
	if (rc < 0)
		return rc;
	rc = open_pidfile(r);
	if (rc == 0)
		rc = relay_ctl_open(r);
	if (rc == 0)
		rc = relay_io_open(r);
	if (rc == 0)
		rc = relay_net_open(r);
	if (rc == 0)
		rc = relay_net_refresh(r);
	if (rc < 0)
		return rc;
	if (!r->foreground) {
		openlog("pbr-relay", LOG_PID, LOG_DAEMON);
		rc = daemonize(&notify);
		if (rc < 0)
			return rc;
	}
	write_pidfile(r);
	rc = priv_drop(run_uid, run_gid);
	if (rc == 0)
		rc = open_signals(r);
	if (rc < 0) {
		if (notify >= 0) {
			err_print("relay");
			st = (char)err_status(rc);
			if (write(notify, &st, 1) < 0)
				_exit(1);
			_exit(st);
		}
		return rc;
	}
	for (int i = 0; i < r->n_ifs; i++)
		if ((r->ifs[i].cfg_down || r->ifs[i].cfg_up) && !r->ifs[i].ifindex)
			relay_log(r, LOG_WARNING, "no interface %s yet; waiting for it",
				  r->ifs[i].name);
	relay_log(r, LOG_INFO, "relaying to %d server%s as uid %u", r->n_servers,
		  r->n_servers > 1 ? "s" : "", (unsigned int)run_uid);
	if (notify >= 0) {
		st = 0;
		if (write(notify, &st, 1) < 0) {
			/* the parent is gone: keep running */
		}
		close(notify);
		detach_stdio();
	}
	rc = loop(r);
	remove_pidfile(r);
	if (rc < 0)
		relay_log(r, LOG_ERR, "%s", err_message());
	return rc;
}

int relay_main(int argc, char **argv)
{
	if (argc >= 2 && is_help(argv[1])) {
		relay_usage();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "show")) {
		if (argc > 2)
			return err_usage("unknown word", argv[2], "pbr relay show takes none");
		return parsed() < 0 ? PARSED : relay_show();
	}
	if (relay_parse(&relay, argc, argv) < 0)
		return -EINVAL;
	if (parsed() < 0)
		return PARSED;
	return relay_run(&relay);
}
