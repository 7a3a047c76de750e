/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce: a membership change counted per address (incsync.c) must leave
 * exactly the sets a full compile gives. Random sequences of workloads
 * starting, stopping and changing (labels, names, namespaces, addresses
 * shared between workloads and with CIDR groups, link-local addresses only
 * the kernel's view knows, merged through MACs and namespaces, bridge
 * networks changing), through both paths, compared after every step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforce/internal.h"

static const char *const sw_policies[] = {
	"{ \"version\": 1, \"name\": \"inc\", \"default\": \"deny\", \"unclassified\": \"deny\","
	"  \"l2_guard\": \"enforce\","
	"  \"groups\": {"
	"    \"web\": { \"labels\": { \"app\": \"web\" } },"
	"    \"webfront\": { \"labels\": { \"app\": \"web\", \"tier\": \"front\" } },"
	"    \"api\": { \"labels\": { \"app\": \"api\" }, \"names\": [\"shop/api-*\"] },"
	"    \"db\": { \"names\": [\"shop/postgres-*\"], \"cidrs\": [\"10.9.0.0/16\"] },"
	"    \"net\": { \"match\": [ { \"cidrs\": [\"10.0.0.0/24\"], \"except\": [\"10.0.0.16/28\"] } ] },"
	"    \"shop\": { \"match\": [ { \"namespaces\": [\"shop\"], \"labels\": { \"tier\": \"back\" } } ] },"
	"    \"v6\": { \"cidrs\": [\"fd00::/120\"] }"
	"  },"
	"  \"rules\": ["
	"    { \"name\": \"a\", \"from\": [\"web\", \"api\"], \"to\": [\"db\", \"net\"], \"proto\": \"tcp\","
	"      \"ports\": [80], \"action\": \"allow\" },"
	"    { \"name\": \"b\", \"from\": [\"shop\", \"webfront\", \"web\"], \"to\": \"api\", \"action\": \"allow\" },"
	"    { \"name\": \"c\", \"from\": \"any\", \"to\": [\"v6\", \"shop\"], \"action\": \"deny\" }"
	"  ] }",
	"{ \"version\": 1, \"name\": \"plain\", \"default\": \"allow\", \"intra_group\": \"policy\","
	"  \"groups\": {"
	"    \"web\": { \"labels\": { \"app\": \"web\" }, \"names\": [\"shop/web-*\"] },"
	"    \"db\": { \"labels\": { \"app\": \"db\", \"tier\": \"back\" } },"
	"    \"all\": { \"match\": [ {} ] }"
	"  },"
	"  \"rules\": ["
	"    { \"name\": \"x\", \"from\": [\"web\", \"all\"], \"to\": [\"db\", \"web\"], \"action\": \"deny\" }"
	"  ] }",
};

/* A small deterministic generator (xorshift64*), so a failure can be replayed. */
static uint64_t rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (unsigned)((rnd_state * 2685821657736338717ULL) >> 33) % n;
}

static void add_addr(struct sw_workload *w)
{
	char buf[64];
	uint8_t a[16];

	switch (rnd(6)) {
	case 0:
	case 1:
		snprintf(buf, sizeof(buf), "10.0.0.%u", 1 + rnd(40));	/* shared, some in "net" */
		break;
	case 2:
		snprintf(buf, sizeof(buf), "10.9.0.%u", 1 + rnd(4));	/* inside db's CIDR */
		break;
	case 3:
		snprintf(buf, sizeof(buf), "fd00::%x", 1 + rnd(8));
		break;
	case 4:
		snprintf(buf, sizeof(buf), "fe80::%x", 1 + rnd(4));	/* link-local */
		break;
	default:
		snprintf(buf, sizeof(buf), "10.77.0.%u", 1 + rnd(3));	/* outside every bridge */
		break;
	}
	assert_true(sw_addr_parse(buf, a));
	assert_true(sw_workload_add_addr(w, a));
}

/* A random version of workload @uid of @src. */
static void make_workload(struct sw_workload *w, enum sw_wl_source src, unsigned id)
{
	static const char *const apps[] = { "web", "api", "db" };
	static const char *const tiers[] = { "front", "back" };
	static const char *const names[] = { "shop/web-", "shop/api-", "shop/postgres-", "ops/x-" };
	char buf[64];
	unsigned n;

	memset(w, 0, sizeof(*w));
	w->source = src;
	snprintf(buf, sizeof(buf), "%c%u", "eikK"[src], id);
	w->uid = strdup(buf);
	snprintf(buf, sizeof(buf), "%s%u", names[rnd(4)], id);
	w->name = strdup(buf);
	w->namespace = rnd(3) ? strdup(rnd(2) ? "shop" : "ops") : NULL;
	assert_non_null(w->uid);
	assert_non_null(w->name);
	if (src != SW_WL_SRC_KERNEL) {
		if (rnd(4))
			assert_true(sw_workload_add_label(w, "app", apps[rnd(3)]));
		if (rnd(2))
			assert_true(sw_workload_add_label(w, "tier", tiers[rnd(2)]));
	}
	for (n = rnd(4); n; n--)
		add_addr(w);
	/* namespaces and MACs merge entries of one container across sources */
	if (src == SW_WL_SRC_KERNEL || rnd(3) == 0)
		w->netns = 1 + rnd(6);
	if (src != SW_WL_SRC_ENGINE && rnd(2)) {
		uint8_t mac[6] = { 0x02, 0, 0, 0, 0, (uint8_t)(1 + rnd(6)) };

		assert_true(sw_workload_add_mac(w, mac));
	}
	if (src == SW_WL_SRC_KERNEL) {
		w->ifindex = (int)(10 + id);
		snprintf(buf, sizeof(buf), "veth%u", id);
		w->iface = strdup(buf);
	}
}

static void set_bridge_nets(struct sw_registry *reg, bool wide)
{
	struct sw_bridge_net nets[2] = { 0 };

	assert_true(sw_addr_parse("10.0.0.0", nets[0].addr));
	nets[0].plen = wide ? 96 + 8 : 96 + 24;
	assert_true(sw_addr_parse("fd00::", nets[1].addr));
	nets[1].plen = 64;
	assert_true(sw_registry_set_bridge_nets(reg, nets, 2));
}

static void assert_same_sets(const struct sw_nft_plan *a, const struct sw_nft_plan *b, int step)
{
	assert_int_equal(a->n_sets, b->n_sets);
	for (size_t s = 0; s < a->n_sets; s++) {
		if (a->sets[s].n_elems != b->sets[s].n_elems ||
		    (a->sets[s].n_elems && memcmp(a->sets[s].elems, b->sets[s].elems,
						  a->sets[s].n_elems * sizeof(*a->sets[s].elems)) != 0))
			fail_msg("step %d: set %s: %zu elements incrementally, %zu compiled", step,
				 a->sets[s].name, a->sets[s].n_elems, b->sets[s].n_elems);
	}
}

static void run_policy(const char *doc, uint64_t seed, int steps)
{
	struct sw_pol_diags diags;
	struct sw_policy *p = NULL;
	struct sw_compile_opts o;
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_nft_plan applied = { 0 }, fresh;
	struct sw_enforce_inc *inc = NULL;
	struct sw_err err = { 0 };
	uint64_t now = 1000;
	int incremental = 0, full = 0, elements = 0;

	rnd_state = seed;
	sw_pol_diags_init(&diags);
	assert_non_null(reg);
	assert_int_equal(sw_policy_load_buffer(doc, strlen(doc), "inc", &p, &diags), SW_EXIT_OK);
	sw_pol_diags_clear(&diags);
	sw_compile_opts_defaults(&o);
	set_bridge_nets(reg, false);
	assert_int_equal(sw_policy_compile(p, reg, &o, &applied, &err), SW_EXIT_OK);
	/* what the enforcer does once applied and quiet: count what is applied */
	assert_int_equal(sw_enforce_inc_build(&inc, p, &o, reg, sw_registry_generation(reg),
					      &applied, &err), SW_EXIT_OK);
	assert_non_null(inc);
	for (int step = 0; step < steps; step++) {
		enum sw_wl_source src = (enum sw_wl_source)(rnd(4) == 0 ? SW_WL_SRC_INVENTORY :
							    rnd(2) ? SW_WL_SRC_ENGINE : SW_WL_SRC_KERNEL);
		unsigned id = rnd(12);
		char uid[16];

		now += 10;
		if (rnd(40) == 0) {
			set_bridge_nets(reg, rnd(2));
		} else if (rnd(3) == 0) {
			snprintf(uid, sizeof(uid), "%c%u", "eikK"[src], id);
			sw_registry_stop(reg, src, uid, now);
		} else {
			struct sw_workload w;

			make_workload(&w, src, id);
			assert_true(sw_registry_upsert(reg, &w, now));
			sw_workload_clear(&w);
		}
		if (rnd(4) == 0)
			continue;	/* several changes before the next sync */
		if (inc) {
			struct sw_nft_set_change *ch;
			size_t n, added, removed;
			int rc = sw_enforce_inc_delta(inc, reg, &applied, &ch, &n, &added, &removed);

			assert_true(rc == 0 || rc == 1);
			if (rc == 0) {
				assert_true(sw_enforce_inc_commit(&applied, ch, n));
				free(ch);
				incremental++;
				elements += (int)(added + removed);
			} else {
				sw_enforce_inc_free(inc);
				inc = NULL;
			}
		}
		assert_int_equal(sw_policy_compile(p, reg, &o, &fresh, &err), SW_EXIT_OK);
		if (!inc) {	/* the full compile: taken as applied, then counted */
			sw_nft_plan_free(&applied);
			applied = fresh;
			full++;
			assert_int_equal(sw_enforce_inc_build(&inc, p, &o, reg,
							      sw_registry_generation(reg), &applied,
							      &err), SW_EXIT_OK);
			assert_non_null(inc);	/* the counts must agree with the compile */
			continue;
		}
		assert_same_sets(&applied, &fresh, step);
		sw_nft_plan_free(&fresh);
	}
	/* the incremental path did the work, and changed elements on the way */
	assert_true(incremental > 4 * full);
	assert_true(elements > steps / 4);
	sw_enforce_inc_free(inc);
	sw_nft_plan_free(&applied);
	sw_registry_free(reg);
	sw_policy_free(p);
}

static void test_random_sequences(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sw_policies) / sizeof(*sw_policies); i++)
		for (uint64_t seed = 1; seed <= 3; seed++)
			run_policy(sw_policies[i], seed * 0x9e3779b97f4a7c15ULL, 250);
}

/* Two workloads share an address: it leaves the sets only with the second. */
static void test_shared_address(void **state)
{
	struct sw_pol_diags diags;
	struct sw_policy *p = NULL;
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_nft_plan applied = { 0 };
	struct sw_enforce_inc *inc = NULL;
	struct sw_nft_set_change *ch;
	struct sw_workload w;
	struct sw_err err = { 0 };
	size_t n, added, removed;
	uint8_t a[16];

	(void)state;
	sw_pol_diags_init(&diags);
	assert_int_equal(sw_policy_load_buffer(sw_policies[1], strlen(sw_policies[1]), "p", &p,
					       &diags), SW_EXIT_OK);
	sw_pol_diags_clear(&diags);
	for (int i = 0; i < 2; i++) {
		memset(&w, 0, sizeof(w));
		w.source = SW_WL_SRC_ENGINE;
		w.uid = strdup(i ? "b" : "a");
		assert_true(sw_workload_add_label(&w, "app", "web"));
		assert_true(sw_addr_parse("10.0.0.7", a));
		assert_true(sw_workload_add_addr(&w, a));
		assert_true(sw_registry_upsert(reg, &w, 100));
		sw_workload_clear(&w);
	}
	assert_int_equal(sw_policy_compile(p, reg, NULL, &applied, &err), SW_EXIT_OK);
	assert_int_equal(sw_enforce_inc_build(&inc, p, NULL, reg, sw_registry_generation(reg),
					      &applied, &err), SW_EXIT_OK);
	assert_non_null(inc);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "a", 200);
	assert_int_equal(sw_enforce_inc_delta(inc, reg, &applied, &ch, &n, &added, &removed), 0);
	assert_int_equal(n, 0);	/* "b" still holds it */
	free(ch);
	sw_registry_stop(reg, SW_WL_SRC_ENGINE, "b", 300);
	assert_int_equal(sw_enforce_inc_delta(inc, reg, &applied, &ch, &n, &added, &removed), 0);
	assert_true(n > 0);
	assert_int_equal(added, 0);
	assert_int_equal(removed, n);	/* one address out of each of its sets */
	assert_true(sw_enforce_inc_commit(&applied, ch, n));
	free(ch);
	for (size_t s = 0; s < applied.n_sets; s++)
		if (applied.sets[s].hash)
			assert_int_equal(applied.sets[s].n_elems, 0);
	sw_enforce_inc_free(inc);
	sw_nft_plan_free(&applied);
	sw_registry_free(reg);
	sw_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_address),
		cmocka_unit_test(test_random_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
