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

static struct sw_registry_stats stats_of(const struct sw_registry *reg)
{
	struct sw_registry_stats st;

	sw_registry_stats(reg, &st);
	return st;
}

static void test_prune_frees_stopped(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_registry_stats st;
	struct sw_workload w;

	(void)state;
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "web-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "c1", 200);
	wl_make(&w, SW_WL_SRC_ENGINE, "c2", "db-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 300));
	sw_workload_clear(&w);
	st = stats_of(reg);
	assert_int_equal(st.entries_running, 1);
	assert_int_equal(st.entries_stopped, 1);
	assert_int_equal(st.bindings, 2);

	/* stopped at 200: not before 200 */
	assert_int_equal(sw_registry_prune(reg, 200), 0);
	assert_string_equal(name_at(reg, "10.0.0.5", 150), "web-1");
	assert_int_equal(sw_registry_prune(reg, 201), 1);
	assert_null(name_at(reg, "10.0.0.5", 150));
	assert_string_equal(name_at(reg, "10.0.0.5", 350), "db-1");
	/* nothing left to free, and a running workload is never freed */
	assert_int_equal(sw_registry_prune(reg, UINT64_MAX), 0);
	assert_string_equal(name_at(reg, "10.0.0.5", 350), "db-1");
	assert_int_equal(sw_registry_count(reg), 1);
	st = stats_of(reg);
	assert_int_equal(st.entries_running, 1);
	assert_int_equal(st.entries_stopped, 0);
	assert_int_equal(st.bindings, 1);
	assert_int_equal(st.pruned, 1);
	assert_int_equal(st.forced_pruned, 0);

	/* a restart under the same uid after its entry was freed */
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "web-1", "10.0.0.6");
	assert_true(sw_registry_upsert(reg, &w, 400));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "10.0.0.6", 450), "web-1");
	assert_int_equal(sw_registry_count(reg), 2);
	sw_registry_free(reg);
}

static void test_prune_superseded_versions(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	const struct sw_workload *v2;
	struct sw_registry_stats st;
	struct sw_workload w;
	uint8_t a[16];

	(void)state;
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "web-1", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 100));
	assert_true(sw_workload_add_label(&w, "app", "web"));
	assert_true(sw_registry_upsert(reg, &w, 200));
	sw_workload_clear(&w);
	assert_int_equal(sw_registry_prune(reg, 150), 0);
	assert_string_equal(name_at(reg, "10.0.0.5", 150), "web-1");
	/* the first version was superseded at 200 */
	assert_int_equal(sw_registry_prune(reg, 201), 1);
	assert_null(name_at(reg, "10.0.0.5", 150));
	sw_addr_parse("10.0.0.5", a);
	v2 = sw_registry_lookup_addr(reg, a, 250);
	assert_non_null(v2);
	assert_string_equal(sw_workload_label(v2, "app"), "web");
	/* the current version of a running workload stays, whatever the horizon */
	assert_int_equal(sw_registry_prune(reg, UINT64_MAX), 0);
	assert_ptr_equal(sw_registry_lookup_addr(reg, a, 250), v2);

	/* an interface binding goes with its entry */
	wl_make(&w, SW_WL_SRC_KERNEL, "netns:9", "ns9", "10.0.0.9");
	w.ifindex = 42;
	assert_true(sw_registry_upsert(reg, &w, 200));
	sw_workload_clear(&w);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "c1", 300);
	sw_registry_stop(reg, SW_WL_SRC_KERNEL, "netns:9", 310);
	assert_string_equal(sw_registry_lookup_ifindex(reg, 42, 250)->name, "ns9");
	assert_int_equal(sw_registry_prune(reg, 305), 1);
	assert_string_equal(sw_registry_lookup_ifindex(reg, 42, 250)->name, "ns9");
	assert_null(name_at(reg, "10.0.0.5", 250));
	assert_int_equal(sw_registry_prune(reg, 311), 1);
	assert_null(sw_registry_lookup_ifindex(reg, 42, 250));
	assert_null(name_at(reg, "10.0.0.9", 250));
	st = stats_of(reg);
	assert_int_equal(st.entries_running + st.entries_stopped + st.bindings, 0);
	assert_int_equal(st.pruned, 3);
	sw_registry_free(reg);
}

/* Ten workloads in turn on one address, three bindings kept. */
static void test_max_versions(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_registry_stats st;
	char uid[16];

	(void)state;
	sw_registry_set_max_versions(reg, 3);
	for (int i = 0; i < 10; i++) {
		struct sw_workload w;

		snprintf(uid, sizeof(uid), "c%d", i);
		wl_make(&w, SW_WL_SRC_ENGINE, uid, uid, "10.0.0.5");
		assert_true(sw_registry_upsert(reg, &w, (uint64_t)i * 10));
		sw_workload_clear(&w);
		sw_registry_stop(reg, SW_WL_SRC_ENGINE, uid, (uint64_t)i * 10 + 5);
	}
	for (int i = 0; i < 10; i++) {
		snprintf(uid, sizeof(uid), "c%d", i);
		if (i < 7)
			assert_null(name_at(reg, "10.0.0.5", (uint64_t)i * 10 + 1));
		else
			assert_string_equal(name_at(reg, "10.0.0.5", (uint64_t)i * 10 + 1), uid);
	}
	st = stats_of(reg);
	assert_int_equal(st.bindings, 3);
	assert_int_equal(st.versions_dropped, 7);
	assert_int_equal(st.entries_stopped, 10); /* entries wait for the horizon */
	assert_int_equal(st.pruned + st.forced_pruned, 0);
	assert_int_equal(sw_registry_prune(reg, 1000), 10);
	st = stats_of(reg);
	assert_int_equal(st.bindings + st.entries_stopped, 0);
	sw_registry_free(reg);
}

static void test_forced_prune(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_registry_stats st;
	char uid[16], ip[32];

	(void)state;
	sw_registry_set_max_stopped(reg, 4);
	for (int i = 0; i < 10; i++) {
		struct sw_workload w;

		snprintf(uid, sizeof(uid), "c%d", i);
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		wl_make(&w, SW_WL_SRC_ENGINE, uid, uid, ip);
		assert_true(sw_registry_upsert(reg, &w, (uint64_t)i * 10));
		sw_workload_clear(&w);
		sw_registry_stop(reg, SW_WL_SRC_ENGINE, uid, (uint64_t)i * 10 + 5);
		assert_true(stats_of(reg).entries_stopped <= 4);
	}
	st = stats_of(reg);
	assert_int_equal(st.entries_stopped, 4);
	assert_int_equal(st.forced_pruned, 6);
	assert_int_equal(st.pruned, 0);
	assert_int_equal(st.bindings, 4);
	for (int i = 0; i < 10; i++) {
		snprintf(uid, sizeof(uid), "c%d", i);
		snprintf(ip, sizeof(ip), "10.0.1.%d", i);
		if (i < 6)
			assert_null(name_at(reg, ip, (uint64_t)i * 10 + 1));
		else
			assert_string_equal(name_at(reg, ip, (uint64_t)i * 10 + 1), uid);
	}
	/* lowering the bound frees the excess now, oldest first */
	sw_registry_set_max_stopped(reg, 2);
	st = stats_of(reg);
	assert_int_equal(st.entries_stopped, 2);
	assert_int_equal(st.forced_pruned, 8);
	assert_null(name_at(reg, "10.0.1.7", 71));
	assert_string_equal(name_at(reg, "10.0.1.8", 81), "c8");
	/* a running workload is not counted against the bound, nor freed */
	{
		struct sw_workload w;

		wl_make(&w, SW_WL_SRC_ENGINE, "r", "running", "10.0.2.1");
		assert_true(sw_registry_upsert(reg, &w, 200));
		sw_workload_clear(&w);
	}
	sw_registry_set_max_stopped(reg, 1);
	assert_string_equal(name_at(reg, "10.0.2.1", 300), "running");
	assert_int_equal(sw_registry_prune(reg, UINT64_MAX), 1);
	st = stats_of(reg);
	assert_int_equal(st.pruned, 1);
	assert_int_equal(st.forced_pruned, 9);
	assert_int_equal(st.entries_running, 1);
	assert_int_equal(st.entries_stopped, 0);
	sw_registry_free(reg);
}

/*
 * Months of churn in miniature: 100,000 containers, each running CHURN_LIVE
 * steps on one of CHURN_ADDRS addresses (reused), some changing midway (a
 * new version). Flow records hold workload pointers for up to CHURN_HOLD
 * steps; the registry is pruned every CHURN_EVERY steps with a horizon past
 * that. Every held pointer is read after each prune (ASan catches a freed
 * one), lookups give the right workload or NULL, and the gauges stay under
 * their bounds.
 */
#define CHURN_N 100000
#define CHURN_ADDRS 256
#define CHURN_LIVE 50
#define CHURN_HOLD 100
#define CHURN_EVERY 64
#define CHURN_STEP 1000
#define CHURN_VERSIONS 8

struct churn_rec {
	const struct sw_workload *wl;
	int who;
	uint64_t at;
};

static void churn_ip(char *ip, size_t n, int i)
{
	snprintf(ip, n, "10.9.0.%d", i % CHURN_ADDRS);
}

static void churn_start(struct sw_registry *reg, int i, bool changed, uint64_t now)
{
	struct sw_workload w;
	char uid[16], ip[32];

	snprintf(uid, sizeof(uid), "c%d", i);
	churn_ip(ip, sizeof(ip), i);
	wl_make(&w, SW_WL_SRC_ENGINE, uid, uid, ip);
	if (changed)
		assert_true(sw_workload_add_label(&w, "v", "2"));
	assert_true(sw_registry_upsert(reg, &w, now));
	sw_workload_clear(&w);
}

/* Who held container @j's address at @ts (while @j ran): @j, or nothing once pruned. */
static void churn_check_past(const struct sw_registry *reg, int j, uint64_t ts, bool kept)
{
	char uid[16], ip[32];
	const char *got;

	snprintf(uid, sizeof(uid), "c%d", j);
	churn_ip(ip, sizeof(ip), j);
	got = name_at(reg, ip, ts);
	if (kept) {
		assert_non_null(got);
		assert_string_equal(got, uid);
	} else {
		assert_null(got);
	}
}

static void churn_prune(struct sw_registry *reg, struct churn_rec *held, int i, uint64_t now)
{
	uint64_t keep = (CHURN_HOLD + 10) * CHURN_STEP;
	uint64_t horizon = now > keep ? now - keep : 0;
	struct sw_registry_stats st;
	char uid[16];

	sw_registry_prune(reg, horizon);
	for (int k = 0; k < CHURN_HOLD; k++) {
		if (!held[k].wl || held[k].at + CHURN_HOLD * CHURN_STEP < now)
			continue;
		snprintf(uid, sizeof(uid), "c%d", held[k].who);
		assert_string_equal(held[k].wl->name, uid);
		assert_string_equal(held[k].wl->uid, uid);
	}
	st = stats_of(reg);
	assert_int_equal(st.entries_running, i + 1 < CHURN_LIVE ? i + 1 : CHURN_LIVE);
	/* what stopped within the horizon and the prune interval, versions included */
	assert_true(st.entries_stopped <= 2 * (CHURN_HOLD + 10 + CHURN_EVERY));
	assert_true(st.bindings <= CHURN_ADDRS * CHURN_VERSIONS);
	assert_int_equal(st.forced_pruned, 0);
	/* stopped long before the horizon: gone; stopped just after it: still there */
	if (i >= 400) {
		int old = i - 400, young = i - CHURN_LIVE - CHURN_HOLD;

		churn_check_past(reg, old, (uint64_t)(old + 1) * CHURN_STEP + 1, false);
		/* just before it stopped, and just after it started: every 7th changed
		 * 25 steps in, and that first version was superseded before the horizon */
		churn_check_past(reg, young, (uint64_t)(young + CHURN_LIVE + 1) * CHURN_STEP, true);
		churn_check_past(reg, young, (uint64_t)(young + 1) * CHURN_STEP + 1, young % 7 != 0);
	}
}

static void test_churn_bounded(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct churn_rec held[CHURN_HOLD] = { { 0 } };
	struct sw_registry_stats st;
	char uid[16], ip[32];
	uint8_t a[16];

	(void)state;
	sw_registry_set_max_versions(reg, CHURN_VERSIONS);
	for (int i = 0; i < CHURN_N; i++) {
		uint64_t now = (uint64_t)(i + 1) * CHURN_STEP;
		int j = i - CHURN_LIVE;

		churn_start(reg, i, false, now);
		if (i >= CHURN_LIVE / 2 && (i - CHURN_LIVE / 2) % 7 == 0)
			churn_start(reg, i - CHURN_LIVE / 2, true, now);	/* a new version */
		if (j >= 0) {
			snprintf(uid, sizeof(uid), "c%d", j);
			sw_registry_stop(reg, SW_WL_SRC_ENGINE, uid, now + CHURN_STEP / 2);
		}
		/* a flow of a container started 10 steps ago, resolved now */
		if (i >= 10) {
			churn_ip(ip, sizeof(ip), i - 10);
			assert_true(sw_addr_parse(ip, a));
			held[i % CHURN_HOLD].wl = sw_registry_lookup_addr(reg, a, now);
			held[i % CHURN_HOLD].who = i - 10;
			held[i % CHURN_HOLD].at = now;
			assert_non_null(held[i % CHURN_HOLD].wl);
		}
		if (i % CHURN_EVERY == 0)
			churn_prune(reg, held, i, now);
	}
	st = stats_of(reg);
	assert_int_equal(sw_registry_count(reg), CHURN_LIVE);
	assert_true(st.pruned > CHURN_N - 2 * (CHURN_HOLD + 10 + CHURN_EVERY) - CHURN_LIVE);
	assert_int_equal(st.versions_dropped, 0);
	/* at the end: everything stopped goes, the running stay */
	sw_registry_prune(reg, UINT64_MAX);
	st = stats_of(reg);
	assert_int_equal(st.entries_stopped, 0);
	assert_int_equal(st.entries_running, CHURN_LIVE);
	assert_int_equal(st.bindings, CHURN_LIVE);
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

/* ---- merging the sources of one container (issue 13) ---- */

static void wl_add_ip(struct sw_workload *w, const char *ip)
{
	uint8_t a[16];

	assert_true(sw_addr_parse(ip, a));
	assert_true(sw_workload_add_addr(w, a));
}

static void wl_add_mac(struct sw_workload *w, const char *mac)
{
	uint8_t m[6];

	assert_true(sw_mac_parse(mac, m));
	assert_true(sw_workload_add_mac(w, m));
}

/* The kernel's view of a namespace: its link-local and global addresses. */
static void wl_kernel(struct sw_workload *w, const char *uid, const char *name, uint64_t netns,
		      const char *ll, const char *ip)
{
	wl_make(w, SW_WL_SRC_KERNEL, uid, name, ll);
	if (ip)
		wl_add_ip(w, ip);
	w->netns = netns;
}

static const char *source_at(const struct sw_registry *reg, const char *ip, uint64_t ts)
{
	uint8_t a[16];
	const struct sw_workload *w;

	assert_true(sw_addr_parse(ip, a));
	w = sw_registry_lookup_addr(reg, a, ts);
	return w ? sw_wl_source_name(w->source) : NULL;
}

/* Engine and kernel share the namespace: fe80:: (kernel only) names the container. */
static void test_merge_same_netns(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_registry_stats st;
	struct sw_workload w;

	(void)state;
	wl_kernel(&w, "netns:4026532100", "pid:4434/sleep", 4026532100, "fe80::42:acff:fe11:2", NULL);
	wl_add_ip(&w, "172.17.0.2");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);
	/* different address on purpose: only the namespace joins them */
	wl_make(&w, SW_WL_SRC_ENGINE, "c0ffee", "dweb", "172.18.0.2");
	w.netns = 4026532100;
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);

	assert_string_equal(name_at(reg, "fe80::42:acff:fe11:2", 150), "dweb");
	assert_string_equal(name_at(reg, "172.17.0.2", 150), "dweb");
	assert_string_equal(name_at(reg, "172.18.0.2", 150), "dweb");
	/* before the engine knew it, the kernel's name */
	assert_null(name_at(reg, "fe80::42:acff:fe11:2", 50));
	sw_registry_stats(reg, &st);
	assert_int_equal(st.merge_bindings, 2);
	assert_int_equal(st.bindings, 3);
	sw_registry_free(reg);
}

/* Inventory and kernel share a MAC (and nothing else). */
static void test_merge_same_mac(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;

	(void)state;
	wl_kernel(&w, "netns:7", "swl-demo-api", 7, "fe80::10", "fd00::10");
	wl_add_mac(&w, "02:00:00:00:00:10");
	assert_true(sw_registry_upsert(reg, &w, 10));
	sw_workload_clear(&w);
	wl_make(&w, SW_WL_SRC_INVENTORY, "inv.json#shop/api-0", "shop/api-0", "10.0.0.10");
	wl_add_mac(&w, "02:00:00:00:00:10");
	assert_true(sw_registry_upsert(reg, &w, 0));
	sw_workload_clear(&w);

	assert_string_equal(name_at(reg, "fe80::10", 20), "shop/api-0");
	assert_string_equal(name_at(reg, "fd00::10", 20), "shop/api-0");
	assert_string_equal(name_at(reg, "10.0.0.10", 20), "shop/api-0");
	sw_registry_free(reg);
}

/* Nothing shared (and group or zero MACs do not join): two workloads. */
static void test_merge_different_stay_apart(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;

	(void)state;
	wl_kernel(&w, "netns:7", "swl-demo-api", 7, "fe80::10", "10.0.0.10");
	wl_add_mac(&w, "02:00:00:00:00:10");
	wl_add_mac(&w, "ff:ff:ff:ff:ff:ff");
	wl_add_mac(&w, "00:00:00:00:00:00");
	assert_true(sw_registry_upsert(reg, &w, 10));
	sw_workload_clear(&w);
	wl_make(&w, SW_WL_SRC_INVENTORY, "inv.json#shop/db-0", "shop/db-0", "10.0.0.20");
	wl_add_mac(&w, "02:00:00:00:00:20");
	wl_add_mac(&w, "ff:ff:ff:ff:ff:ff");
	wl_add_mac(&w, "00:00:00:00:00:00");
	w.netns = 8;
	assert_true(sw_registry_upsert(reg, &w, 0));
	sw_workload_clear(&w);
	/* a link-local address in common is no reason: fe80::1 is on many links */
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "gw", "fe80::10");
	assert_true(sw_registry_upsert(reg, &w, 10));
	sw_workload_clear(&w);

	assert_string_equal(name_at(reg, "10.0.0.10", 20), "swl-demo-api");
	assert_string_equal(name_at(reg, "10.0.0.20", 20), "shop/db-0");
	assert_string_equal(name_at(reg, "fe80::10", 20), "gw");
	sw_registry_free(reg);
}

/* One source stops: the other's entry names its addresses again, history intact. */
static void test_merge_removal_keeps_other(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_workload w;
	uint8_t a[16];

	(void)state;
	wl_kernel(&w, "netns:9", "pid:4434/sleep", 9, "fe80::9", "172.17.0.9");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);
	wl_make(&w, SW_WL_SRC_ENGINE, "c9", "dweb", "172.17.0.9");
	w.netns = 9;
	assert_true(sw_registry_upsert(reg, &w, 200));
	sw_workload_clear(&w);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "c9", 300);

	assert_string_equal(name_at(reg, "fe80::9", 150), "pid:4434/sleep");
	assert_string_equal(name_at(reg, "fe80::9", 250), "dweb");
	assert_string_equal(name_at(reg, "fe80::9", 350), "pid:4434/sleep");
	assert_string_equal(name_at(reg, "172.17.0.9", 350), "pid:4434/sleep");
	assert_int_equal(sw_registry_count(reg), 1);
	/* pruning the stopped engine version leaves the kernel's whole */
	assert_int_equal(sw_registry_prune(reg, 1000), 1);
	assert_string_equal(name_at(reg, "fe80::9", 250), "pid:4434/sleep");
	assert_string_equal(name_at(reg, "fe80::9", 1500), "pid:4434/sleep");
	/* and the kernel going too leaves nothing bound */
	sw_registry_stop(reg, SW_WL_SRC_KERNEL, "netns:9", 2000);
	assert_int_equal(sw_registry_prune(reg, 3000), 1);
	assert_true(sw_addr_parse("fe80::9", a));
	assert_null(sw_registry_lookup_addr(reg, a, 1500));
	{
		struct sw_registry_stats st;

		sw_registry_stats(reg, &st);
		assert_int_equal(st.bindings + st.merge_bindings + st.entries_stopped, 0);
	}
	sw_registry_free(reg);
}

/* engine > kubernetes > inventory > kernel, along a chain too. */
static void test_merge_name_precedence(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	const struct sw_workload *k;
	struct sw_workload w;
	uint8_t a[16];

	(void)state;
	wl_kernel(&w, "netns:5", "swl-demo-api", 5, "fe80::5", NULL);
	wl_add_mac(&w, "02:00:00:00:00:05");
	assert_true(sw_registry_upsert(reg, &w, 10));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "fe80::5", 20), "swl-demo-api");

	wl_make(&w, SW_WL_SRC_INVENTORY, "inv#api", "inv-api", "10.0.0.5");
	wl_add_mac(&w, "02:00:00:00:00:05");
	assert_true(sw_registry_upsert(reg, &w, 30));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "fe80::5", 40), "inv-api");

	/* the pod shares only the IPv4 address with the inventory: kernel -MAC-> inventory -IP-> pod */
	wl_make(&w, SW_WL_SRC_KUBERNETES, "u5", "shop/api-0", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 50));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "fe80::5", 60), "shop/api-0");

	wl_make(&w, SW_WL_SRC_ENGINE, "c5", "api", "10.0.0.5");
	assert_true(sw_registry_upsert(reg, &w, 70));
	sw_workload_clear(&w);
	assert_string_equal(name_at(reg, "fe80::5", 80), "api");
	assert_string_equal(source_at(reg, "10.0.0.5", 80), "engine");
	/* each time stays as it was */
	assert_string_equal(name_at(reg, "fe80::5", 40), "inv-api");
	assert_string_equal(name_at(reg, "fe80::5", 20), "swl-demo-api");

	/* sw_registry_merged from any member gives the same */
	assert_true(sw_addr_parse("fe80::5", a));
	k = sw_registry_lookup_ifindex(reg, 1, 80);
	assert_null(k);
	k = sw_registry_lookup_addr(reg, a, 80);
	assert_ptr_equal(sw_registry_merged(reg, k, SW_REG_NOW), k);
	sw_registry_free(reg);
}

/* A frame's MAC binds a link-local address nobody holds, once, and only that. */
static void test_learn_linklocal(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_registry_stats st;
	struct sw_workload w;
	uint8_t a[16], m[6], other[6];

	(void)state;
	wl_make(&w, SW_WL_SRC_INVENTORY, "inv#api", "shop/api-0", "10.0.0.10");
	wl_add_mac(&w, "02:00:00:00:00:10");
	assert_true(sw_registry_upsert(reg, &w, 0));
	sw_workload_clear(&w);
	assert_true(sw_mac_parse("02:00:00:00:00:10", m));
	assert_true(sw_mac_parse("02:00:00:00:00:99", other));

	assert_true(sw_addr_parse("fe80::10", a));
	assert_null(sw_registry_lookup_addr(reg, a, 500));
	assert_false(sw_registry_learn_linklocal(reg, a, other, 500));
	assert_true(sw_registry_learn_linklocal(reg, a, m, 500));
	assert_false(sw_registry_learn_linklocal(reg, a, m, 600)); /* known now */
	/* from the workload's start: a flow that began earlier is named too */
	assert_string_equal(name_at(reg, "fe80::10", 100), "shop/api-0");
	assert_true(sw_addr_parse("169.254.3.4", a));
	assert_true(sw_registry_learn_linklocal(reg, a, m, 700));
	assert_string_equal(name_at(reg, "169.254.3.4", 800), "shop/api-0");
	/* not link-local: a frame's MAC says nothing about it */
	assert_true(sw_addr_parse("10.9.9.9", a));
	assert_false(sw_registry_learn_linklocal(reg, a, m, 700));
	sw_registry_stats(reg, &st);
	assert_int_equal(st.learned_linklocal, 2);
	/* released with the workload, freed with it */
	sw_registry_stop(reg, SW_WL_SRC_INVENTORY, "inv#api", 900);
	assert_null(name_at(reg, "fe80::10", 950));
	assert_string_equal(name_at(reg, "fe80::10", 850), "shop/api-0");
	assert_int_equal(sw_registry_prune(reg, 1000), 1);
	sw_registry_stats(reg, &st);
	assert_int_equal(st.bindings + st.merge_bindings, 0);
	sw_registry_free(reg);
}

/* Bridge networks: kept sorted and unique; the generation moves only when they change. */
static void test_bridge_nets(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_bridge_net in[3] = { { .plen = 120, .ifindex = 7 }, { .plen = 64, .ifindex = 7 },
				       { .plen = 120, .ifindex = 7 } };
	const struct sw_bridge_net *got;
	uint64_t gen;
	size_t n;

	(void)state;
	assert_non_null(reg);
	got = sw_registry_bridge_nets(reg, &n);
	assert_int_equal(n, 0);
	assert_true(sw_addr_parse("10.1.2.0", in[0].addr));
	assert_true(sw_addr_parse("fd00:1::", in[1].addr));
	memcpy(in[2].addr, in[0].addr, 16);	/* the same network twice */
	gen = sw_registry_generation(reg);
	assert_true(sw_registry_set_bridge_nets(reg, in, 3));
	assert_int_not_equal(sw_registry_generation(reg), gen);
	got = sw_registry_bridge_nets(reg, &n);
	assert_int_equal(n, 2);
	assert_int_equal(got[0].plen, 120);	/* ::ffff:10.1.2.0 sorts before fd00:1:: */
	assert_int_equal(got[1].plen, 64);
	/* the same networks in another order: nothing changed */
	gen = sw_registry_generation(reg);
	assert_true(sw_registry_set_bridge_nets(reg, (struct sw_bridge_net[]){ in[1], in[0] }, 2));
	assert_int_equal(sw_registry_generation(reg), gen);
	/* one goes */
	assert_true(sw_registry_set_bridge_nets(reg, in, 1));
	assert_int_not_equal(sw_registry_generation(reg), gen);
	got = sw_registry_bridge_nets(reg, &n);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].plen, 120);
	assert_true(sw_registry_set_bridge_nets(reg, NULL, 0));
	sw_registry_bridge_nets(reg, &n);
	assert_int_equal(n, 0);
	sw_registry_free(reg);
}

/* The journal: which workloads a change touched, merges included; false when it cannot say. */
struct seen {
	char uids[8][16];
	size_t n;
};

static void seen_add(enum sw_wl_source source, const char *uid, void *arg)
{
	struct seen *s = arg;

	(void)source;
	if (s->n < 8)
		snprintf(s->uids[s->n++], sizeof(s->uids[0]), "%s", uid);
}

static bool seen_has(const struct seen *s, const char *uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->uids[i], uid) == 0)
			return true;
	return false;
}

static void test_changes_since(void **state)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_bridge_net net = { .plen = 120 };
	struct seen s = { .n = 0 };
	struct sw_workload w;
	uint64_t g0, g1;

	(void)state;
	/* not kept before anyone asks */
	g0 = sw_registry_generation(reg);
	wl_make(&w, SW_WL_SRC_ENGINE, "c0", "a", "10.0.0.1");
	assert_true(sw_registry_upsert(reg, &w, 100));
	sw_workload_clear(&w);
	assert_false(sw_registry_changes_since(reg, g0, seen_add, &s));
	g0 = sw_registry_generation(reg);
	assert_true(sw_registry_changes_since(reg, g0, seen_add, &s));
	assert_int_equal(s.n, 0);
	/* kept from then on */
	wl_make(&w, SW_WL_SRC_ENGINE, "c1", "b", "10.0.0.2");
	assert_true(sw_registry_upsert(reg, &w, 110));
	sw_workload_clear(&w);
	assert_true(sw_registry_changes_since(reg, g0, seen_add, &s));
	assert_int_equal(s.n, 1);
	assert_true(seen_has(&s, "c1"));
	/* the kernel's entry of a container merged with the engine's (one namespace) comes too */
	wl_make(&w, SW_WL_SRC_KERNEL, "k1", "k", "fe80::1");
	w.netns = 5;
	assert_true(sw_registry_upsert(reg, &w, 120));
	sw_workload_clear(&w);
	g1 = sw_registry_generation(reg);
	wl_make(&w, SW_WL_SRC_ENGINE, "c2", "c", "10.0.0.3");
	w.netns = 5;
	assert_true(sw_registry_upsert(reg, &w, 130));
	sw_workload_clear(&w);
	s.n = 0;
	assert_true(sw_registry_changes_since(reg, g1, seen_add, &s));
	assert_true(seen_has(&s, "c2") && seen_has(&s, "k1"));
	assert_false(seen_has(&s, "c1"));
	s.n = 0;
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "c2", 140);
	assert_true(sw_registry_changes_since(reg, g1, seen_add, &s));
	assert_true(seen_has(&s, "c2") && seen_has(&s, "k1"));
	assert_null(sw_registry_running(reg, SW_WL_SRC_ENGINE, "c2"));
	assert_non_null(sw_registry_running(reg, SW_WL_SRC_KERNEL, "k1"));
	/* new bridge networks change every set: no answer from before them */
	g1 = sw_registry_generation(reg);
	assert_true(sw_addr_parse("10.0.0.0", net.addr));
	assert_true(sw_registry_set_bridge_nets(reg, &net, 1));
	assert_false(sw_registry_changes_since(reg, g1, seen_add, &s));
	assert_true(sw_registry_changes_since(reg, sw_registry_generation(reg), seen_add, &s));
	/* more changes than the journal keeps: no answer from before them */
	g1 = sw_registry_generation(reg);
	for (int i = 0; i < 5000; i++) {
		char uid[16], ip[32];

		snprintf(uid, sizeof(uid), "n%d", i);
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 250, 1 + i % 250);
		wl_make(&w, SW_WL_SRC_ENGINE, uid, "n", ip);
		assert_true(sw_registry_upsert(reg, &w, 200 + (uint64_t)i));
		sw_workload_clear(&w);
	}
	assert_false(sw_registry_changes_since(reg, g1, seen_add, &s));
	assert_true(sw_registry_changes_since(reg, sw_registry_generation(reg) - 1, seen_add, &s));
	/* a change reaching too many workloads (one address shared by 70): no answer either */
	g1 = sw_registry_generation(reg);
	for (int i = 0; i < 70; i++) {
		char uid[16];

		snprintf(uid, sizeof(uid), "s%d", i);
		wl_make(&w, SW_WL_SRC_ENGINE, uid, "s", "10.2.0.1");
		assert_true(sw_registry_upsert(reg, &w, 6000 + (uint64_t)i));
		sw_workload_clear(&w);
	}
	assert_false(sw_registry_changes_since(reg, g1, seen_add, &s));
	sw_registry_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_address_reuse_keeps_history),
		cmocka_unit_test(test_change_makes_new_version),
		cmocka_unit_test(test_sources_ranked),
		cmocka_unit_test(test_ifindex_lookup),
		cmocka_unit_test(test_many_workloads),
		cmocka_unit_test(test_prune_frees_stopped),
		cmocka_unit_test(test_prune_superseded_versions),
		cmocka_unit_test(test_max_versions),
		cmocka_unit_test(test_forced_prune),
		cmocka_unit_test(test_churn_bounded),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_merge_same_netns),
		cmocka_unit_test(test_merge_same_mac),
		cmocka_unit_test(test_merge_different_stay_apart),
		cmocka_unit_test(test_merge_removal_keeps_other),
		cmocka_unit_test(test_merge_name_precedence),
		cmocka_unit_test(test_learn_linklocal),
		cmocka_unit_test(test_bridge_nets),
		cmocka_unit_test(test_changes_since),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
