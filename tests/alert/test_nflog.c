// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nflog.c - NFLOG prefixes and packet messages built with libmnl, parsed back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <endian.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include <segwatch/nflog.h>

static void test_prefix(void **state)
{
	enum sw_nflog_action a;
	int r;

	(void)state;
	assert_true(sw_nflog_prefix_parse("sw deny rules/3", &a, &r));
	assert_int_equal(a, SW_NFLOG_DENY);
	assert_int_equal(r, 3);
	assert_true(sw_nflog_prefix_parse("sw monitor rules/12 ", &a, &r));
	assert_int_equal(a, SW_NFLOG_MONITOR);
	assert_int_equal(r, 12);
	assert_true(sw_nflog_prefix_parse("sw deny default", &a, &r));
	assert_int_equal(r, SW_NFLOG_RULE_DEFAULT);
	assert_false(sw_nflog_prefix_parse("sw deny rules/", &a, &r));
	assert_false(sw_nflog_prefix_parse("sw deny rules/-1", &a, &r));
	assert_false(sw_nflog_prefix_parse("sw allow rules/1", &a, &r));
	assert_false(sw_nflog_prefix_parse("IN=eth0", &a, &r));
	assert_int_equal(a, SW_NFLOG_UNKNOWN);
	assert_int_equal(r, SW_NFLOG_RULE_NONE);
	assert_false(sw_nflog_prefix_parse("", &a, &r));
}

/* A 40-byte IPv4 TCP SYN 10.0.0.1:40000 -> 10.0.0.2:9. */
static size_t syn(uint8_t *p)
{
	static const uint8_t pkt[40] = {
		0x45, 0, 0, 40, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};

	memcpy(p, pkt, sizeof(pkt));
	return sizeof(pkt);
}

static char *put_msg(char *buf, const char *prefix, bool payload, uint16_t unknown_attr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nfulnl_msg_packet_hdr ph = { .hw_protocol = htons(0x0800), .hook = 3 };
	struct nfulnl_msg_packet_timestamp ts = { .sec = htobe64(1795000000), .usec = htobe64(42) };
	uint8_t pkt[64];

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->res_id = htons(7);
	mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	mnl_attr_put(nlh, NFULA_TIMESTAMP, sizeof(ts), &ts);
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_OUTDEV, htonl(1));
	if (unknown_attr)
		mnl_attr_put_u32(nlh, unknown_attr, 0);
	mnl_attr_put_strz(nlh, NFULA_PREFIX, prefix);
	if (payload)
		mnl_attr_put(nlh, NFULA_PAYLOAD, syn(pkt), pkt);
	return buf + nlh->nlmsg_len;
}

struct got {
	int n;
	struct sw_nflog_rec r[4];
};

static void got_fn(const struct sw_nflog_rec *r, void *arg)
{
	struct got *g = arg;

	if (g->n < 4)
		g->r[g->n] = *r;
	g->n++;
}

static void test_parse(void **state)
{
	_Alignas(4) char buf[4096];
	char *end = buf;
	struct got g = { 0 };
	struct sw_nflog_stats st = { 0 };
	uint8_t a[16];

	(void)state;
	memset(buf, 0, sizeof(buf));
	end = put_msg(end, "sw deny rules/3", true, 0);
	end = put_msg(end, "sw monitor default", false, 200);
	assert_int_equal(sw_nflog_parse_msg(buf, (size_t)(end - buf), got_fn, &g, &st), 2);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.r[0].prefix, "sw deny rules/3");
	assert_int_equal(g.r[0].action, SW_NFLOG_DENY);
	assert_int_equal(g.r[0].rule, 3);
	assert_true(g.r[0].decoded);
	assert_int_equal(g.r[0].family, 4);
	assert_int_equal(g.r[0].proto, 6);
	assert_int_equal(g.r[0].sport, 40000);
	assert_int_equal(g.r[0].dport, 9);
	assert_int_equal(g.r[0].outdev, 1);
	assert_int_equal(g.r[0].ts_us, 1795000000ull * 1000000 + 42);
	assert_true(inet_pton(AF_INET, "10.0.0.2", a));
	assert_memory_equal(g.r[0].dst + 12, a, 4);
	assert_int_equal(g.r[1].action, SW_NFLOG_MONITOR);
	assert_int_equal(g.r[1].rule, SW_NFLOG_RULE_DEFAULT);
	assert_false(g.r[1].decoded);
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.undecoded, 1);
	/* a truncated buffer is refused, not read past */
	assert_int_equal(sw_nflog_parse_msg(buf, 10, got_fn, &g, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
