/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure parts of IPFIX export: collector URLs, and what one flow record
 * becomes (biflow, and each direction of uniflow), without libfixbuf state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/flow.h>
#include <segwatch/ipfix.h>

#include "ipfix/internal.h"

static void test_url_ok(void **state)
{
	struct sw_ipfix_url u;
	struct sw_err err = { 0 };

	(void)state;
	assert_int_equal(sw_ipfix_url_parse("udp://127.0.0.1:4739", &u, &err), SW_EXIT_OK);
	assert_int_equal(u.proto, SW_IPFIX_UDP);
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "4739");
	assert_int_equal(sw_ipfix_url_parse("tcp://[::1]:65535", &u, &err), SW_EXIT_OK);
	assert_int_equal(u.proto, SW_IPFIX_TCP);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "65535");
	assert_int_equal(sw_ipfix_url_parse("tcp://collector.example:1", &u, &err), SW_EXIT_OK);
	assert_string_equal(u.host, "collector.example");
}

static void test_url_bad(void **state)
{
	static const struct { const char *url, *why; } bad[] = {
		{ "127.0.0.1:4739", "does not begin with udp:// or tcp://" },
		{ "sctp://h:1", "does not begin with udp:// or tcp://" },
		{ "udp://h", "has no :PORT" },
		{ "udp://:4739", "the host is empty" },
		{ "udp://h:0", "the port must be 1 to 65535" },
		{ "udp://h:65536", "the port must be 1 to 65535" },
		{ "udp://h:47x", "the port must be 1 to 65535" },
		{ "udp://h:", "the port must be 1 to 65535" },
		{ "udp://::1:4739", "an IPv6 address is written [ADDR]:PORT" },
		{ "udp://[::1]4739", "an IPv6 address is written [ADDR]:PORT" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sw_ipfix_url u;
		struct sw_err err = { 0 };

		assert_int_equal(sw_ipfix_url_parse(bad[i].url, &u, &err), SW_EXIT_USAGE);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].url, err.msg, bad[i].why);
	}
}

static void test_mode(void **state)
{
	enum sw_ipfix_mode m;

	(void)state;
	assert_true(sw_ipfix_mode_parse("uniflow", &m));
	assert_int_equal(m, SW_IPFIX_UNIFLOW);
	assert_true(sw_ipfix_mode_parse("biflow", &m));
	assert_int_equal(m, SW_IPFIX_BIFLOW);
	assert_false(sw_ipfix_mode_parse("Biflow", &m));
	assert_string_equal(sw_ipfix_mode_name(SW_IPFIX_UNIFLOW), "uniflow");
}

/* 10.0.0.1:40000 -> 10.0.0.2:80 TCP, 3 packets out and 2 back; the client a workload. */
static void one_flow(struct sw_flow_rec *r, struct sw_workload *wl, struct sw_label *labels)
{
	static const uint8_t a[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	static const uint8_t b[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 };

	memset(r, 0, sizeof(*r));
	memset(wl, 0, sizeof(*wl));
	r->f.family = 4;
	r->f.proto = 6;
	r->f.state = SW_FLOW_CLOSED;
	r->f.end = SW_END_IDLE;
	r->f.init_port = 40000;
	r->f.resp_port = 80;
	memcpy(r->f.init_addr, a, 16);
	memcpy(r->f.resp_addr, b, 16);
	r->f.fwd = (struct sw_flow_dir){ 300, 3, 1000000, 3000000, 0x1b };
	r->f.rev = (struct sw_flow_dir){ 200, 2, 1500000, 2500000, 0x12 };
	labels[0] = (struct sw_label){ "app", "web" };
	labels[1] = (struct sw_label){ "tier", "front" };
	wl->name = "shop/web-1";
	wl->namespace = "shop";
	wl->labels = labels;
	wl->n_labels = 2;
	wl->ifindex = 7;
	r->id.kind[0] = SW_EP_WORKLOAD;
	r->id.wl[0] = wl;
	r->id.kind[1] = SW_EP_EXTERNAL;
}

static void assert_var(const fbVarfield_t *v, const char *want)
{
	assert_int_equal(v->len, strlen(want));
	assert_memory_equal(v->buf, want, v->len);
}

static void test_biflow(void **state)
{
	struct sw_flow_rec r;
	struct sw_workload wl;
	struct sw_label labels[2];
	struct sw_ipfix_rec x;
	struct sw_ipfix_scratch s = { 0 };

	(void)state;
	one_flow(&r, &wl, labels);
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_int_equal(x.start_ms, 1000);
	assert_int_equal(x.end_ms, 3000);
	assert_int_equal(x.octets, 300);
	assert_int_equal(x.packets, 3);
	assert_int_equal(x.rev_octets, 200);
	assert_int_equal(x.rev_packets, 2);
	assert_int_equal(x.tcp_flags, 0x1b);
	assert_int_equal(x.rev_tcp_flags, 0x12);
	assert_int_equal(x.src4, 0x0a000001);
	assert_int_equal(x.dst4, 0x0a000002);
	assert_int_equal(x.sport, 40000);
	assert_int_equal(x.dport, 80);
	assert_int_equal(x.proto, 6);
	assert_int_equal(x.end_reason, 3);	/* closed, then idle: end of flow detected */
	assert_int_equal(x.direction, 1);	/* the source initiated */
	assert_int_equal(x.in_if, 7);
	assert_int_equal(x.out_if, 0);
	assert_var(&x.src_name, "shop/web-1");
	assert_var(&x.src_ns, "shop");
	assert_var(&x.src_kind, "workload");
	assert_var(&x.src_labels, "app=web,tier=front");
	assert_var(&x.dst_name, "");
	assert_var(&x.dst_kind, "external");
	assert_var(&x.state, "closed");
	{
		char cid[SW_COMMUNITY_ID_LEN];

		sw_flow_community_id(&r.f, 0, cid);
		assert_var(&x.community_id, cid);
	}
}

static void test_uniflow(void **state)
{
	struct sw_flow_rec r;
	struct sw_workload wl;
	struct sw_label labels[2];
	struct sw_ipfix_rec x;
	struct sw_ipfix_scratch s = { 0 };

	(void)state;
	one_flow(&r, &wl, labels);
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_FWD, &s);
	assert_int_equal(x.octets, 300);
	assert_int_equal(x.rev_octets, 0);
	assert_int_equal(x.start_ms, 1000);
	assert_int_equal(x.end_ms, 3000);
	assert_int_equal(x.direction, 1);

	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_REV, &s);
	assert_int_equal(x.octets, 200);
	assert_int_equal(x.packets, 2);
	assert_int_equal(x.rev_octets, 0);
	assert_int_equal(x.start_ms, 1500);
	assert_int_equal(x.end_ms, 2500);
	assert_int_equal(x.tcp_flags, 0x12);
	assert_int_equal(x.src4, 0x0a000002);	/* the responder is this record's source */
	assert_int_equal(x.dst4, 0x0a000001);
	assert_int_equal(x.sport, 80);
	assert_int_equal(x.dport, 40000);
	assert_int_equal(x.direction, 2);	/* reverseInitiator: the destination began it */
	assert_var(&x.src_kind, "external");
	assert_var(&x.dst_name, "shop/web-1");
	assert_int_equal(x.in_if, 0);
	assert_int_equal(x.out_if, 7);
	{
		char cid[SW_COMMUNITY_ID_LEN];

		sw_flow_community_id(&r.f, 0, cid);	/* one ID for both directions */
		assert_var(&x.community_id, cid);
	}

	r.f.flags |= SW_FLOW_F_INFERRED;	/* picked up mid-stream: nobody knows who began */
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_REV, &s);
	assert_int_equal(x.direction, 0);
}

static void test_end_reason(void **state)
{
	(void)state;
	assert_int_equal(sw_ipfix_end_reason(SW_END_IDLE, SW_FLOW_ESTABLISHED), 1);
	assert_int_equal(sw_ipfix_end_reason(SW_END_IDLE, SW_FLOW_CLOSED), 3);
	assert_int_equal(sw_ipfix_end_reason(SW_END_ACTIVE, SW_FLOW_ESTABLISHED), 2);
	assert_int_equal(sw_ipfix_end_reason(SW_END_FLUSH, SW_FLOW_CLOSED), 4);
	assert_int_equal(sw_ipfix_end_reason(SW_END_EVICTED, SW_FLOW_ATTEMPTED), 5);
	assert_int_equal(sw_ipfix_end_reason(SW_END_REUSED, SW_FLOW_CLOSED), 3);
}

/* Labels that do not fit are cut at a label boundary, never mid-label. */
static void test_labels_cut(void **state)
{
	static char big[SW_IPFIX_LABELS_MAX];
	struct sw_flow_rec r;
	struct sw_workload wl;
	struct sw_label labels[3];
	struct sw_ipfix_rec x;
	struct sw_ipfix_scratch s = { 0 };

	(void)state;
	one_flow(&r, &wl, labels);
	memset(big, 'v', sizeof(big) - 1);
	labels[1] = (struct sw_label){ "huge", big };
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_labels, "app=web");
	assert_true(sw_ipfix_rec_size(&x) < sizeof(x) + 200);
}

/* The policy's word: the same in both directions, the groups following the ends. */
static void test_verdict(void **state)
{
	struct sw_flow_rec r;
	struct sw_workload wl;
	struct sw_label labels[2];
	struct sw_ipfix_rec x;
	struct sw_ipfix_scratch s = { 0 };
	struct sw_ipfix_verdict v = { "web", "api+db", "w2a", "allowed" };

	(void)state;
	one_flow(&r, &wl, labels);
	sw_ipfix_rec_fill(&x, &r, &v, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_groups, "web");
	assert_var(&x.dst_groups, "api+db");
	assert_var(&x.rule, "w2a");
	assert_var(&x.verdict, "allowed");
	sw_ipfix_rec_fill(&x, &r, &v, SW_IPFIX_DIR_REV, &s);
	assert_var(&x.src_groups, "api+db");	/* the responder is this record's source */
	assert_var(&x.dst_groups, "web");
	assert_var(&x.rule, "w2a");
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_groups, "");
	assert_var(&x.verdict, "");
}

/* Only the label keys asked for; a key that is a prefix of another is not it. */
static void test_label_keys(void **state)
{
	struct sw_flow_rec r;
	struct sw_workload wl;
	struct sw_label labels[3];
	struct sw_ipfix_rec x;
	struct sw_ipfix_scratch s = { 0 };
	struct sw_ipfix_opts o = { 0 };

	(void)state;
	one_flow(&r, &wl, labels);
	labels[2] = (struct sw_label){ "tiers", "3" };
	wl.n_labels = 3;
	assert_true(sw_ipfix_label_keys_set(&o, "tier,zone"));
	s.label_keys = o.label_keys;
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_labels, "tier=front");
	assert_true(sw_ipfix_label_keys_set(&o, "tiers,app"));
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_labels, "app=web,tiers=3");
	assert_true(sw_ipfix_label_keys_set(&o, ""));	/* every label */
	sw_ipfix_rec_fill(&x, &r, NULL, SW_IPFIX_DIR_BOTH, &s);
	assert_var(&x.src_labels, "app=web,tier=front,tiers=3");
	assert_false(sw_ipfix_label_keys_set(&o, ",app"));
	assert_false(sw_ipfix_label_keys_set(&o, "app,"));
	assert_false(sw_ipfix_label_keys_set(&o, "app,,tier"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_ok),     cmocka_unit_test(test_url_bad),
		cmocka_unit_test(test_mode),       cmocka_unit_test(test_biflow),
		cmocka_unit_test(test_uniflow),    cmocka_unit_test(test_end_reason),
		cmocka_unit_test(test_labels_cut), cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_label_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
