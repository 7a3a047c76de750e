/* SPDX-License-Identifier: GPL-2.0-or-later */
/* infra: which flows are infrastructure traffic, from the table and from JSON records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/infra.h>
#include <segwatch/workload.h>

static const struct {
	const char *json;
	enum sw_infra_kind kind;
} sw_cases[] = {
	/* neighbour discovery: RS, RA, NS, NA, redirect */
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"ff02::2\",\"icmp_type\":133}", SW_INFRA_ND },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"ff02::1\",\"icmp_type\":134}", SW_INFRA_ND },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fd00::2\",\"dst\":\"ff02::1:ff00:3\",\"icmp_type\":135}", SW_INFRA_ND },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fd00::3\",\"dst\":\"fd00::2\",\"icmp_type\":136}", SW_INFRA_ND },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"fd00::2\",\"icmp_type\":137}", SW_INFRA_ND },
	/* DAD: a solicitation from :: */
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"::\",\"dst\":\"ff02::1:ff00:30\",\"icmp_type\":135}", SW_INFRA_DAD },
	/* MLD query, v1 report, done, v2 report (also from ::, as before an address is up) */
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"ff02::1\",\"icmp_type\":130}", SW_INFRA_MLD },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"ff02::fb\",\"icmp_type\":131}", SW_INFRA_MLD },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fe80::1\",\"dst\":\"ff02::2\",\"icmp_type\":132}", SW_INFRA_MLD },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"::\",\"dst\":\"ff02::16\",\"icmp_type\":143}", SW_INFRA_MLD },
	/* IGMP */
	{ "{\"family\":4,\"proto_num\":2,\"src\":\"10.0.0.2\",\"dst\":\"224.0.0.22\"}", SW_INFRA_IGMP },
	/* DHCP and DHCPv6, either way round, relays */
	{ "{\"family\":4,\"proto_num\":17,\"src\":\"0.0.0.0\",\"sport\":68,\"dst\":\"255.255.255.255\",\"dport\":67}", SW_INFRA_DHCP },
	{ "{\"family\":4,\"proto_num\":17,\"src\":\"10.0.0.1\",\"sport\":67,\"dst\":\"10.0.0.9\",\"dport\":68}", SW_INFRA_DHCP },
	{ "{\"family\":4,\"proto_num\":17,\"src\":\"10.0.0.1\",\"sport\":67,\"dst\":\"10.0.0.9\",\"dport\":67}", SW_INFRA_DHCP },
	{ "{\"family\":6,\"proto_num\":17,\"src\":\"fe80::2\",\"sport\":546,\"dst\":\"ff02::1:2\",\"dport\":547}", SW_INFRA_DHCP },
	/* older records without "family": told by the source address */
	{ "{\"proto_num\":58,\"src\":\"::\",\"dst\":\"ff02::1:ff00:1\",\"icmp_type\":135}", SW_INFRA_DAD },
	/* not infrastructure: real traffic, echo, errors, DNS, mDNS, near misses */
	{ "{\"family\":4,\"proto_num\":6,\"src\":\"10.0.0.2\",\"sport\":40000,\"dst\":\"10.0.0.3\",\"dport\":80}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fd00::2\",\"dst\":\"fd00::3\",\"icmp_type\":128}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fd00::2\",\"dst\":\"fd00::3\",\"icmp_type\":1}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":58,\"src\":\"fd00::2\",\"dst\":\"fd00::3\",\"icmp_type\":138}", SW_INFRA_NONE },
	{ "{\"family\":4,\"proto_num\":1,\"src\":\"10.0.0.2\",\"dst\":\"10.0.0.3\",\"icmp_type\":134}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":2,\"src\":\"fd00::2\",\"dst\":\"fd00::3\"}", SW_INFRA_NONE },
	{ "{\"family\":4,\"proto_num\":17,\"src\":\"10.0.0.2\",\"sport\":68,\"dst\":\"10.0.0.3\",\"dport\":53}", SW_INFRA_NONE },
	{ "{\"family\":4,\"proto_num\":6,\"src\":\"10.0.0.2\",\"sport\":68,\"dst\":\"10.0.0.3\",\"dport\":67}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":17,\"src\":\"fd00::2\",\"sport\":68,\"dst\":\"fd00::3\",\"dport\":67}", SW_INFRA_NONE },
	{ "{\"family\":4,\"proto_num\":17,\"src\":\"10.0.0.2\",\"sport\":5353,\"dst\":\"224.0.0.251\",\"dport\":5353}", SW_INFRA_NONE },
	{ "{}", SW_INFRA_NONE },
	{ "{\"family\":6,\"proto_num\":300,\"src\":\"::\",\"icmp_type\":135}", SW_INFRA_NONE },
};

/* The same flow as the table hands it on, built from the JSON case. */
static void sw_flow_from_json(json_t *o, struct sw_flow *f)
{
	const char *src = json_string_value(json_object_get(o, "src"));

	memset(f, 0, sizeof(*f));
	f->family = (uint8_t)json_integer_value(json_object_get(o, "family"));
	f->proto = (uint8_t)json_integer_value(json_object_get(o, "proto_num"));
	f->init_port = (uint16_t)json_integer_value(json_object_get(o, "sport"));
	f->resp_port = (uint16_t)json_integer_value(json_object_get(o, "dport"));
	f->icmp_type = (uint8_t)json_integer_value(json_object_get(o, "icmp_type"));
	if (src)
		assert_true(sw_addr_parse(src, f->init_addr));
}

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sw_cases) / sizeof(sw_cases[0]); i++) {
		json_t *o = json_loads(sw_cases[i].json, 0, NULL);
		struct sw_flow f;

		assert_non_null(o);
		if (sw_flow_json_infra_kind(o) != sw_cases[i].kind)
			fail_msg("json %s: %s, want %s", sw_cases[i].json,
				 sw_infra_kind_name(sw_flow_json_infra_kind(o)),
				 sw_infra_kind_name(sw_cases[i].kind));
		/* the table's entry point agrees wherever the record has a family and protocol */
		sw_flow_from_json(o, &f);
		if (f.family && json_integer_value(json_object_get(o, "proto_num")) <= 255 &&
		    sw_flow_infra_kind(&f) != sw_cases[i].kind)
			fail_msg("flow %s: %s", sw_cases[i].json, sw_infra_kind_name(sw_flow_infra_kind(&f)));
		json_decref(o);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sw_infra_kind_name(SW_INFRA_NONE), "");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_ND), "nd");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_MLD), "mld");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_IGMP), "igmp");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_DAD), "dad");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_DHCP), "dhcp");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_ARP), "arp");
	assert_string_equal(sw_infra_kind_name(SW_INFRA_MAX), "");
	/* a NULL source cannot be DAD: an NS stays ND */
	assert_int_equal(sw_infra_classify(6, 58, NULL, 0, 0, 135), SW_INFRA_ND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
