// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for pbr's parsers, encoders and name resolution. No root, no
 * kernel: each check prints "ok - what" or "not ok - what" (tests/run counts
 * them). Expected texts are written from the contract (SPEC, ip(8)), not
 * copied from pbr's output.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "names.h"
#include "out.h"
#include "parse.h"
#include "pbr.h"
#include "rt.h"
#include "sysctl.h"

static int failures;

static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf(cond ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

/* A parser call fails with exactly this message (as printed after "pbr OBJECT: "). */
static void check_err(int rc, const char *want, const char *what)
{
	int good = rc == -EINVAL && err_kind() == ERR_USAGE && !strcmp(err_message(), want);

	check(good, "%s -> %s", what, want);
	if (!good)
		printf("#   got rc %d kind %d: %s\n", rc, err_kind(), err_message());
	err_clear();
}

static void test_numbers(void)
{
	uint32_t v = 0;

	check(parse_u32("0", &v) == 0 && v == 0, "parse_u32 0");
	check(parse_u32("4294967295", &v) == 0 && v == 4294967295u, "parse_u32 max");
	check(parse_u32("4294967296", &v) < 0, "parse_u32 overflow refused");
	check(parse_u32("0x10", &v) == 0 && v == 16, "parse_u32 hex");
	check(parse_u32("0x", &v) < 0, "parse_u32 bare 0x refused");
	check(parse_u32("", &v) < 0, "parse_u32 empty refused");
	check(parse_u32("-1", &v) < 0, "parse_u32 sign refused");
	check(parse_u32("12a", &v) < 0, "parse_u32 trailing junk refused");
	check(parse_u32(" 1", &v) < 0, "parse_u32 leading space refused");
	check_err(parse_num("weight", "0", 1, 256, &v), "invalid weight \"0\" (1-256)", "weight 0");
	check_err(parse_num("metric", "x", 0, 9, &v), "invalid metric \"x\" (0-9)", "metric x");
}

static void test_addresses(void)
{
	char buf[IPADDR_STRLEN];
	struct ipaddr a;

	check(parse_prefix("10.0.0.0/24", 0, &a) == 0 && a.family == AF_INET && a.len == 24,
	      "prefix 10.0.0.0/24");
	check(parse_prefix("192.168.1.169", 0, &a) == 0 && a.len == 32, "host prefix is /32");
	check(!strcmp(ipaddr_str(&a, buf, sizeof(buf)), "192.168.1.169"), "host printed bare");
	check(!strcmp(ipaddr_prefix_str(&a, buf, sizeof(buf)), "192.168.1.169/32"),
	      "host printed with /32 for JSON");
	check(parse_prefix("2001:db8::/32", 0, &a) == 0 && a.family == AF_INET6 && a.len == 32,
	      "prefix 2001:db8::/32");
	check(parse_prefix("0.0.0.0/0", 0, &a) == 0 && a.len == 0, "0.0.0.0/0");
	check(!strcmp(ipaddr_str(&a, buf, sizeof(buf)), "default"), "/0 printed as default");
	check_err(parse_prefix("10.0.0.1/24", 0, &a),
		  "invalid prefix \"10.0.0.1/24\" (host bits set; the network is 10.0.0.0/24)",
		  "host bits");
	check_err(parse_prefix("10.0.0.0/33", 0, &a), "invalid prefix length \"10.0.0.0/33\" (0-32)",
		  "v4 /33");
	check_err(parse_prefix("2001:db8::/129", 0, &a),
		  "invalid prefix length \"2001:db8::/129\" (0-128)", "v6 /129");
	check_err(parse_prefix("10.0.0.0/024", 0, &a), "invalid prefix length \"10.0.0.0/024\" (0-32)",
		  "leading zero length");
	check_err(parse_prefix("10.0.0.256", 0, &a), "invalid prefix \"10.0.0.256\"", "octet 256");
	check_err(parse_prefix("10.1", 0, &a), "invalid prefix \"10.1\"", "short dotted form");
	check_err(parse_prefix("default", 0, &a), "invalid prefix \"default\"",
		  "default is not a prefix");
	check_err(parse_prefix("2001:db8::/64", AF_INET, &a),
		  "address family mismatch \"2001:db8::/64\" (expected IPv4)", "family mismatch");
	check(parse_prefix_or_default("default", AF_INET6, &a) == 0 && a.len == 0 &&
		      a.family == AF_INET6,
	      "default with a family");
	check_err(parse_addr("10.0.0.1/32", 0, &a), "invalid address \"10.0.0.1/32\"",
		  "address with a length");
	check(parse_addr("fe80::1", 0, &a) == 0 && a.family == AF_INET6, "v6 address");
	{
		struct ipaddr net, in, out;

		parse_prefix("192.168.1.0/24", 0, &net);
		parse_addr("192.168.1.77", 0, &in);
		parse_addr("192.168.2.1", 0, &out);
		check(ipaddr_in_prefix(&in, &net) && !ipaddr_in_prefix(&out, &net), "in prefix");
	}
}

static void test_marks_ports(void)
{
	uint32_t m, k;
	bool has;
	struct port_range r[8];
	size_t n;

	check(parse_mark("0x2", &m, &k, &has) == 0 && m == 2 && k == 0xffffffffu && !has,
	      "mark alone is a full 32-bit value");
	check(parse_mark("0x100/0xff00", &m, &k, &has) == 0 && m == 0x100 && k == 0xff00 && has,
	      "mark/mask");
	check_err(parse_mark("0x1/0", &m, &k, &has),
		  "invalid mark mask \"0x1/0\" (a non-zero 32-bit number)", "zero mask");
	check_err(parse_mark("0x3/0x2", &m, &k, &has),
		  "invalid mark \"0x3/0x2\" (mark has bits outside its mask)", "mark outside mask");
	check_err(parse_mark("0x1ffffffff", &m, &k, &has),
		  "invalid mark \"0x1ffffffff\" (MARK or MARK/MASK, 32-bit numbers)", "mark > 32 bit");
	check(parse_port_range("80", r) == 0 && r[0].lo == 80 && r[0].hi == 80, "port 80");
	check(parse_port_range("1000-2000", r) == 0 && r[0].lo == 1000 && r[0].hi == 2000,
	      "port range");
	check_err(parse_port_range("80000", r), "invalid port \"80000\" (0-65535)",
		  "port 80000 (SPEC's example)");
	check_err(parse_port_range("2000-1000", r),
		  "invalid port range \"2000-1000\" (first port above last)", "reversed range");
	check(parse_port_list("80,443,1000-2000", r, 8, &n) == 0 && n == 3 && r[2].hi == 2000,
	      "port list");
	check_err(parse_port_list("80,", r, 8, &n), "invalid port list \"80,\"", "trailing comma");
	check_err(parse_port_list("80,99999", r, 8, &n), "invalid port \"80,99999\" (0-65535)",
		  "bad port inside a list");
}

static void test_words(void)
{
	uint8_t mac[6], proto;
	char line[] = "table  rule add \"my table\" from 10.0.0.0/8 # comment";
	char esc[] = "a\\ b 'c d' \"e\\\"f\"";
	char bad[] = "a \"b";
	char *w[8];
	int n;

	check(parse_ifname("eth0") == 0, "ifname eth0");
	check_err(parse_ifname("0123456789abcdef"), "invalid device name \"0123456789abcdef\"",
		  "16-byte ifname");
	check_err(parse_ifname("a/b"), "invalid device name \"a/b\"", "ifname with a slash");
	check(parse_l4proto("tcp", &proto) == 0 && proto == 6, "proto tcp");
	check(parse_l4proto("icmpv6", &proto) == 0 && proto == 58, "proto icmpv6");
	check(parse_l4proto("47", &proto) == 0 && proto == 47, "proto by number");
	check(parse_l4proto("dccp", &proto) == 0 && proto == 33, "proto dccp by name");
	check_err(parse_l4proto("tcpp", &proto),
		  "unknown protocol \"tcpp\" (tcp, udp, icmp, icmpv6, sctp, dccp, udplite, gre, esp, ah "
		  "or 0-255)",
		  "proto typo");
	check(parse_mac("52:54:00:c2:a5:43", mac) == 0 && mac[0] == 0x52 && mac[5] == 0x43,
	      "mac (seed 004's)");
	check_err(parse_mac("52:54:00:c2:a5", mac),
		  "invalid MAC address \"52:54:00:c2:a5\" (xx:xx:xx:xx:xx:xx)", "short mac");
	check(parse_table_name("eth0.1") == 0, "table name eth0.1 (seed 002)");
	check_err(parse_table_name("7375"),
		  "invalid table name \"7375\" (a letter, then letters, digits, '_', '.' or '-')",
		  "numeric table name");
	n = split_words(line, w, 8);
	check(n == 6 && !strcmp(w[3], "my table") && !strcmp(w[4], "from"), "split quotes");
	check(n == 6 && !strcmp(w[5], "10.0.0.0/8"), "split stops at a # comment");
	n = split_words(esc, w, 8);
	check(n == 3 && !strcmp(w[0], "a b") && !strcmp(w[1], "c d") && !strcmp(w[2], "e\"f"),
	      "split escapes");
	n = split_words(bad, w, 8);
	check(n == -EINVAL && !strcmp(err_message(), "unterminated quote"), "split unterminated");
	err_clear();
}

static void test_err(void)
{
	err_set_line(7);
	err_usage("invalid port", "80000", "0-65535");
	check(!strcmp(err_message(), "line 7: invalid port \"80000\" (0-65535)"),
	      "batch errors name the line");
	err_set_line(0);
	check(err_status(-EINVAL) == 2, "usage error exits 2");
	err_sys(ENODEV, "cannot add route");
	check(err_status(-ENODEV) == 1 && !strcmp(err_message(), "cannot add route: No such device"),
	      "system error exits 1 with strerror");
	err_set_extack("Nexthop has invalid gateway");
	err_sys(EINVAL, "ip route add x");
	check(!strcmp(err_message(),
		      "ip route add x: Invalid argument; kernel: Nexthop has invalid gateway"),
	      "kernel extended ack appended");
	check(err_status(0) == 0, "success exits 0");
	err_clear();
}

/* Parse back what rule_msg() builds. */
static void test_rule_msg(void)
{
	char buf[RT_MSG_SIZE];
	struct rule r, back;
	struct nlmsghdr *nlh;
	char *w;

	rule_init(&r, AF_INET);
	r.table = 7375;
	r.pref = 4100;
	r.has_pref = true;
	parse_prefix("192.168.1.169", AF_INET, &r.src);
	parse_prefix("10.0.0.0/8", AF_INET, &r.dst);
	r.has_fwmark = true;
	r.fwmark = 0x100;
	r.fwmask = 0xff00;
	strcpy(r.iif, "br-lan");
	r.ipproto = 6;
	r.dport.lo = 25;
	r.dport.hi = 25;
	r.sport.lo = 1024;
	r.sport.hi = 65535;
	r.tos = 0x10;
	r.invert = true;
	r.suppress_prefixlen = 0;
	nlh = rule_msg(buf, RTM_NEWRULE, NLM_F_CREATE, &r);
	check(rule_from_msg(nlh, &back) == 0, "rule message parses");
	check(rule_same(&r, &back) && back.pref == 4100 && back.protocol == PBR_PROTO,
	      "rule round trip keeps every selector, pref and protocol");
	check(((struct fib_rule_hdr *)mnl_nlmsg_get_payload(nlh))->table == RT_TABLE_UNSPEC,
	      "table > 255 goes in FRA_TABLE only");
	back.dport.hi = 26;
	check(!rule_same(&r, &back), "rules differing in one port differ");
	names_set_dirs("/nonexistent", "/nonexistent");
	w = rule_words(&r);
	check(!strcmp(w, "not from 192.168.1.169 to 10.0.0.0/8 tos 0x10 fwmark 0x100/0xff00 iif "
			 "br-lan ipproto tcp sport 1024-65535 dport 25 lookup 7375 "
			 "suppress_prefixlength 0"),
	      "rule printed as ip rule would");
	free(w);
	back.foreign = true;
	back.dport.hi = 25;
	check(!rule_same(&r, &back), "a rule with attributes pbr does not model is never the same");
}

static void test_route_msg(void)
{
	char buf[RT_MSG_SIZE];
	struct route r, back;
	struct nlmsghdr *nlh;
	char *w;

	route_init(&r, AF_INET);
	r.table = 200;
	parse_prefix_or_default("default", AF_INET, &r.dst);
	r.nh_n = 2;
	parse_addr("10.0.0.1", AF_INET, &r.nh[0].gw);
	r.nh[0].ifindex = 7;
	r.nh[0].weight = 1;
	parse_addr("10.1.0.1", AF_INET, &r.nh[1].gw);
	r.nh[1].ifindex = 8;
	r.nh[1].weight = 256;
	r.multipath = true;
	nlh = route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE, &r);
	check(route_from_msg(nlh, &back) == 0, "route message parses");
	check(route_same(&r, &back), "multipath route round trip (weights 1 and 256)");
	check(back.nh[1].weight == 256, "weight 256 is rtnh_hops 255");
	back.nh[1].weight = 2;
	check(!route_same(&r, &back), "different weights differ");
	check(route_same_key(&r, &back), "same key regardless of nexthops");
	nlh = route_msg(buf, RTM_DELROUTE, 0, &r);
	check(route_from_msg(nlh, &back) == 0 && back.nh_n == 0 &&
		      ((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope == RT_SCOPE_NOWHERE,
	      "delete carries the key only, scope nowhere");
	route_init(&r, AF_INET6);
	check(r.metric == 1024, "IPv6 routes default to metric 1024 as in the kernel");
	r.type = RTN_BLACKHOLE;
	r.table = 200;
	parse_prefix("2001:db8::/32", AF_INET6, &r.dst);
	w = route_words(&r);
	check(!strcmp(w, "blackhole 2001:db8::/32"), "blackhole route words");
	free(w);
	route_init(&r, AF_INET);
	r.nh_n = 1;
	r.nh[0].ifindex = 1;
	parse_prefix("10.9.0.0/16", AF_INET, &r.dst);
	nlh = route_msg(buf, RTM_NEWROUTE, NLM_F_CREATE, &r);
	check(((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_scope == RT_SCOPE_LINK,
	      "device route without gateway gets scope link (as ip does)");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_names(void)
{
	char dir[] = "/tmp/pbr-unit-XXXXXX", etc[300], usr[300], p[400];
	const struct table_name *t;
	uint32_t id;

	if (!mkdtemp(dir)) {
		check(0, "mkdtemp");
		return;
	}
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	snprintf(usr, sizeof(usr), "%s/usr", dir);
	mkdir(etc, 0755);
	mkdir(usr, 0755);
	snprintf(p, sizeof(p), "%s/rt_tables.d", etc);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/rt_tables.d", usr);
	mkdir(p, 0755);
	/* ETC/rt_tables wins over USR/rt_tables, which is then not read at all. */
	snprintf(p, sizeof(p), "%s/rt_tables", etc);
	write_file(p, "255\tlocal\n254\tmain\n# comment\n200 wan1\n0x10 hexname\n");
	snprintf(p, sizeof(p), "%s/rt_tables", usr);
	write_file(p, "201 onlyusr\n");
	/* USR/rt_tables.d/x.conf is shadowed by ETC/rt_tables.d/x.conf. */
	snprintf(p, sizeof(p), "%s/rt_tables.d/x.conf", usr);
	write_file(p, "300 shadowed\n");
	snprintf(p, sizeof(p), "%s/rt_tables.d/x.conf", etc);
	write_file(p, "301 fromx\n");
	snprintf(p, sizeof(p), "%s/rt_tables.d/y.conf", usr);
	write_file(p, "302 fromusr\n");
	/* Only *.conf files count; a corrupt line ends its file. */
	snprintf(p, sizeof(p), "%s/rt_tables.d/z.txt", etc);
	write_file(p, "303 notconf\n");
	snprintf(p, sizeof(p), "%s/rt_tables.d/c.conf", etc);
	write_file(p, "304 beforebad\nbad line\n305 afterbad\n");
	/* The same name with two ids: the lower bucket (id & 255) wins, as in ip. */
	snprintf(p, sizeof(p), "%s/rt_tables.d/d.conf", etc);
	write_file(p, "1000 twice\n10 twice\n");
	names_set_dirs(etc, usr);

	check((t = names_find("wan1")) && t->id == 200, "rt_tables name");
	check((t = names_find("hexname")) && t->id == 16, "hex id as iproute2 reads it");
	check(!names_find("onlyusr"), "USR/rt_tables ignored when ETC/rt_tables exists");
	check(!names_find("shadowed"), "USR rt_tables.d file shadowed by same-named ETC file");
	check((t = names_find("fromx")) && t->id == 301, "ETC rt_tables.d file read");
	check((t = names_find("fromusr")) && t->id == 302, "USR rt_tables.d file read");
	check(!names_find("notconf"), "files not ending in .conf are ignored");
	check(names_find("beforebad") && !names_find("afterbad"), "corrupt line ends the file");
	check((t = names_find("twice")) && t->id == 10, "duplicate name: lowest bucket wins");
	check((t = names_find("main")) && t->id == 254, "main is built in");
	check((t = names_find("default")) && t->id == 253, "default is built in");
	check(names_table_id("7375", &id) == 0 && id == 7375, "numbers are always accepted");
	check_err(names_table_id("nosuch", &id),
		  "no such table \"nosuch\" (add it with: pbr table add nosuch)",
		  "an unregistered name is an error");
	check_err(names_table_id("0", &id), "invalid table \"0\" (1-4294967295)", "table 0");
	check(names_reserved_name("local") && names_reserved_id(255) && !names_reserved_id(200),
	      "reserved names and ids");
	check(names_free_id(200, 210, NULL, 0, &id) == 0 && id == 201, "free id skips named ones");
	names_set_dirs("/nonexistent", "/nonexistent");
	snprintf(p, sizeof(p), "rm -rf '%s'", dir);
	if (system(p) != 0)
		check(0, "cleanup");
}

static void test_sysctl(void)
{
	const struct sc_key *k;
	char buf[256];

	k = sc_key_find("rp_filter", AF_INET);
	check(k && sc_value_ok(k, 2) && !sc_value_ok(k, 3), "rp_filter takes 0-2");
	k = sc_key_find("arp_ignore", AF_INET);
	check(k && sc_value_ok(k, 8) && !sc_value_ok(k, 5), "arp_ignore takes 0-3 and 8");
	check(!sc_key_find("accept_ra", AF_INET) && sc_key_find("accept_ra", AF_INET6),
	      "accept_ra is IPv6 only");
	k = sc_key_find("forwarding", AF_INET);
	sc_path(k, NULL, buf, sizeof(buf));
	check(!strcmp(buf, "/proc/sys/net/ipv4/ip_forward"), "global forwarding is ip_forward");
	k = sc_key_find("rp_filter", AF_INET);
	sc_path(k, "eth0.2", buf, sizeof(buf));
	check(!strcmp(buf, "/proc/sys/net/ipv4/conf/eth0.2/rp_filter"), "device path");
	sc_dotted(buf, buf, sizeof(buf));
	check(!strcmp(buf, "net.ipv4.conf.eth0/2.rp_filter"), "dotted name writes eth0.2 as sysctl does");
	check(sc_effective(k, 1, 0, false) == 1 && sc_effective(k, 0, 2, false) == 2,
	      "rp_filter is max(all, dev)");
	k = sc_key_find("proxy_arp", AF_INET);
	check(sc_effective(k, 1, 0, false) == 1 && sc_effective(k, 0, 0, false) == 0,
	      "proxy_arp is all || dev");
	k = sc_key_find("accept_redirects", AF_INET);
	check(sc_effective(k, 1, 0, true) == 0 && sc_effective(k, 1, 0, false) == 1,
	      "accept_redirects: AND when forwarding, OR otherwise");
}

static void test_out(void)
{
	char path[] = "/tmp/pbr-unit-out-XXXXXX", got[256] = "";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	FILE *f;

	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	out_init(true, false);
	out_arr_open(NULL);
	out_obj_open(NULL);
	out_str("name", "%s", "a\"b\\c\n");
	out_uint("id", "%llu", 7);
	out_bool("up", NULL, false);
	out_arr_open("list");
	out_arr_close();
	out_obj_close();
	out_arr_close();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	if (!fgets(got, sizeof(got), f))
		got[0] = 0;
	fclose(f);
	unlink(path);
	check(!strcmp(got, "[{\"name\":\"a\\\"b\\\\c\\n\",\"id\":7,\"up\":false,\"list\":[]}]\n"),
	      "JSON output escapes strings and places commas");
	if (strcmp(got, "[{\"name\":\"a\\\"b\\\\c\\n\",\"id\":7,\"up\":false,\"list\":[]}]\n"))
		printf("#   got %s", got);
	out_init(false, false);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_numbers();
	test_addresses();
	test_marks_ports();
	test_words();
	test_err();
	test_rule_msg();
	test_route_msg();
	test_names();
	test_sysctl();
	test_out();
	return failures ? 1 : 0;
}
