/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Community ID v1 against published values: the spec's baseline (its
 * tcp.pcap and icmp.pcap flows, seeds 0 and 1) and the examples in
 * Tenzir's documentation, and properties the spec promises: both
 * directions of a flow hash alike, a one-way ICMP message does not.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/flow.h>

static struct sw_flow flow(const char *src, const char *dst, uint8_t proto, uint16_t sport,
			   uint16_t dport)
{
	struct sw_flow f;

	memset(&f, 0, sizeof(f));
	f.proto = proto;
	if (strchr(src, ':')) {
		f.family = 6;
		assert_int_equal(inet_pton(AF_INET6, src, f.init_addr), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, f.resp_addr), 1);
	} else {
		f.family = 4;
		f.init_addr[10] = f.init_addr[11] = f.resp_addr[10] = f.resp_addr[11] = 0xff;
		assert_int_equal(inet_pton(AF_INET, src, f.init_addr + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst, f.resp_addr + 12), 1);
	}
	f.init_port = sport;
	f.resp_port = dport;
	return f;
}

static struct sw_flow icmp(const char *src, const char *dst, uint8_t proto, uint8_t type,
			   uint8_t code)
{
	struct sw_flow f = flow(src, dst, proto, 0x1234, 0x1234); /* echo id: not hashed */

	f.icmp_type = type;
	f.icmp_code = code;
	return f;
}

static void assert_cid(const struct sw_flow *f, uint16_t seed, const char *want)
{
	char got[SW_COMMUNITY_ID_LEN];

	sw_flow_community_id(f, seed, got);
	assert_string_equal(got, want);
}

static void test_spec_baseline(void **state)
{
	struct sw_flow f = flow("128.232.110.120", "66.35.250.204", 6, 34855, 80);
	struct sw_flow r = flow("66.35.250.204", "128.232.110.120", 6, 80, 34855);

	(void)state;
	assert_cid(&f, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	assert_cid(&r, 0, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	assert_cid(&f, 1, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
	f = flow("1.2.3.4", "43.3.132.3", 6, 4584, 3483);
	assert_cid(&f, 0, "1:koNcqhFRD5kb254ZrLsdv630jCM=");
}

static void test_icmp_request_and_answer(void **state)
{
	struct sw_flow req = icmp("192.168.0.89", "192.168.0.1", 1, 8, 0);
	struct sw_flow rep = icmp("192.168.0.1", "192.168.0.89", 1, 0, 0);

	(void)state;
	assert_cid(&req, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	assert_cid(&rep, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
}

static void test_one_way_icmp_keeps_direction(void **state)
{
	struct sw_flow a = icmp("10.0.0.2", "10.0.0.1", 1, 3, 3);
	struct sw_flow b = icmp("10.0.0.1", "10.0.0.2", 1, 3, 3);
	char ca[SW_COMMUNITY_ID_LEN], cb[SW_COMMUNITY_ID_LEN];

	(void)state;
	sw_flow_community_id(&a, 0, ca);
	sw_flow_community_id(&b, 0, cb);
	assert_string_not_equal(ca, cb);
}

static void test_ipv6_and_portless(void **state)
{
	struct sw_flow e6 = icmp("fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 128, 0);
	struct sw_flow r6 = icmp("fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 129, 0);
	struct sw_flow u6 = flow("2001:db8::2", "2001:db8::1", 17, 53, 40000);
	struct sw_flow gre = flow("10.0.0.2", "10.0.0.1", 47, 0, 0);
	struct sw_flow sctp = flow("10.0.0.1", "10.0.0.2", 132, 5000, 38412);

	(void)state;
	assert_cid(&e6, 0, "1:QrVnZEjGihSsEkRF1XxqheQ1Za8=");
	assert_cid(&r6, 0, "1:QrVnZEjGihSsEkRF1XxqheQ1Za8=");
	assert_cid(&u6, 0, "1:eO0ltZ3MqOvc7QA+zuku3dNgCuE=");
	assert_cid(&gre, 0, "1:+KlEHDT0vJgzs/eNmzHq0aSpRYw=");
	assert_cid(&sctp, 0, "1:Gajvay/Cp4XiShRCiHQLVSX8EGY=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_baseline),
		cmocka_unit_test(test_icmp_request_and_answer),
		cmocka_unit_test(test_one_way_icmp_keeps_direction),
		cmocka_unit_test(test_ipv6_and_portless),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
