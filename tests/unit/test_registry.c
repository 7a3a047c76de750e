/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the workload registry (include/segwatch/workload.h): who held
 * an address when, across restarts, changes and address reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/workload.h>

static void wl_make(struct sw_workload *w, enum sw_wl_source src, const char *uid,
		    const char *name, const char *ip)
{
	uint8_t a[16];

	memset(w, 0, sizeof(*w));
	w->source = src;
	w->uid = strdup(uid);
	w->name = strdup(name);
	assert_true(sw_addr_parse(ip, a));
	assert_true(sw_workload_add_addr(w, a));
}

static const char *name_at(const struct sw_registry *reg, const char *ip, uint64_t ts)
{
	uint8_t a[16];
	const struct sw_workload *w;

	assert_true(sw_addr_parse(ip, a));
	w = sw_registry_lookup_addr(reg, a, ts);
	return w ? w->name : NULL;
}

static void test_address_reuse_keeps_history(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;

	(void)state;
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "web-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "c1", 200);
	wl_make(&w, SW_WL_SRC_ENGINE, "c2", "db-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 300));
	sw_workload_clear(&w);

	assert_null(name_at(reg, "10.0.0.5", 50));
	assert_string_equal(name_at(reg, "10.0.0.5", 150), "web-1");
	assert_null(name_at(reg, "10.0.0.5", 250));
	assert_string_equal(name_at(reg, "10.0.0.5", 350), "db-1");
	assert_int_equal(sw_registry_count(reg), 1);
	sw_registry_free(reg);
}

static void test_change_makes_new_version(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	const struct sw_workload *before, *after;
	struct sw_workload w;
	uint8_t a[16];

	(void)state;
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "web-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_addr_parse("10.0.0.5", a);
	before = sw_registry_lookup_addr(reg, a, 150);
	/* the same again: nothing changes */
	assert_true(sw_registry_upsert(reg, &w, 160));
	assert_ptr_equal(sw_registry_lookup_addr(reg, a, 170), before);
	/* a new label and a second address: new version from 200 on */
	assert_true(sw_workload_add_label(&w, "app", "web"));
	sw_addr_parse("fd00::5", a);
	assert_true(sw_workload_add_addr(&w, a));
	assert_true(sw_registry_upsert(reg, &w, 200));
	sw_workload_clear(&w);
	sw_addr_parse("10.0.0.5", a);
	after = sw_registry_lookup_addr(reg, a, 250);
	assert_non_null(after);
	assert_ptr_not_equal(before, after);
	assert_string_equal(sw_workload_label(after, "app"), "web");
	assert_null(sw_workload_label(before, "app")); /* the old version is untouched */
	assert_ptr_equal(sw_registry_lookup_addr(reg, a, 150), before);
	assert_string_equal(name_at(reg, "fd00::5", 250), "web-1");
	assert_null(name_at(reg, "fd00::5", 150));
	assert_int_equal(sw_registry_count(reg), 1);
	sw_registry_free(reg);
}

static void test_sources_ranked(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;

	(void)state;
	wl_make(&w, SW_WL_SRC_KERNEL, "netns:1", "netns-a", "10.0.0.7");
	assert_true(sw_registry_upsert(reg, &w, 0));
	sw_workload_clear(&w);
	wl_make(&w, SW_WL_SRC_INVENTORY, "inv#a", "inv-a", "10.0.0.7");
	assert_true(sw_registry_upsert(reg, &w, 0));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "10.0.0.7", 10), "inv-a");
	wl_make(&w, SW_WL_SRC_ENGINE, "c7", "engine-a", "10.0.0.7");
	assert_true(sw_registry_upsert(reg, &w, 5));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "10.0.0.7", 10), "engine-a");
	assert_string_equal(name_at(reg, "10.0.0.7", 1), "inv-a");
	sw_registry_free(reg);
}

static void test_ifindex_lookup(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;

	(void)state;
	wl_make(&w, SW_WL_SRC_KERNEL, "netns:9", "ns9", "10.0.0.9");
	w.ifindex = 42;
	assert_true(sw_registry_upsert(reg, &w, 10));
	sw_workload_clear(&w);
	assert_string_equal(sw_registry_lookup_ifindex(reg, 42, 20)->name, "ns9");
	assert_null(sw_registry_lookup_ifindex(reg, 43, 20));
	sw_registry_stop(reg, SW_WL_SRC_KERNEL, "netns:9", 30);
	assert_null(sw_registry_lookup_ifindex(reg, 42, 40));
	assert_int_equal(sw_registry_count(reg), 0);
	sw_registry_free(reg);
}

static void test_many_workloads(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	char uid[32], ip[32];

	(void)state;
	for (int i = 0; i < 10000; i++) {
		struct sw_workload w;

		snprintf(uid, sizeof(uid), "c%d", i);
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		wl_make(&w, SW_WL_SRC_ENGINE, uid, uid, ip);
		assert_true(sw_registry_upsert(reg, &w, 1));
		sw_workload_clear(&w);
	}
	assert_int_equal(sw_registry_count(reg), 10000);
	assert_string_equal(name_at(reg, "10.0.39.15", 5), "c9999");
	sw_registry_free(reg);
}

static void test_parse(void **state)
{
	uint8_t a[16], m[6];

	(void)state;
	assert_true(sw_addr_parse("192.0.2.1", a));
	assert_int_equal(a[10], 0xff);
	assert_int_equal(a[15], 1);
	assert_true(sw_addr_parse("2001:db8::1", a));
	assert_false(sw_addr_parse("10.0.0.300", a));
	assert_false(sw_addr_parse("", a));
	assert_true(sw_mac_parse("02:42:ac:11:00:02", m));
	assert_int_equal(m[5], 2);
	assert_false(sw_mac_parse("2:42:ac:11:00:02", m));
	assert_false(sw_mac_parse("02:42:ac:11:00:02:", m));
	assert_false(sw_mac_parse("zz:42:ac:11:00:02", m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_reuse_keeps_history),
		cmocka_unit_test(test_change_makes_new_version),
		cmocka_unit_test(test_sources_ranked),
		cmocka_unit_test(test_ifindex_lookup),
		cmocka_unit_test(test_many_workloads),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
