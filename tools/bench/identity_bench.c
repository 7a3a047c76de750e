/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * identity_bench - cost of naming flow endpoints as the number of known
 * workloads grows: the registry must not scan (flat cost from 100 to
 * 100,000 workloads). Prints ns per lookup for each size.
 *
 *   identity_bench [LOOKUPS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/workload.h>

static uint64_t sw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sw_addr_of(uint8_t a[16], uint32_t i)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	a[12] = 10;
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

static struct sw_registry *sw_fill(uint32_t n)
{
	struct sw_registry *reg = sw_registry_alloc();
	char uid[32];

	for (uint32_t i = 0; i < n; i++) {
		struct sw_workload w = { 0 };
		uint8_t a[16];

		snprintf(uid, sizeof(uid), "c%u", i);
		w.uid = uid;
		w.name = uid;
		w.source = SW_WL_SRC_ENGINE;
		sw_addr_of(a, i * 7 + 1);
		sw_workload_add_addr(&w, a);
		sw_workload_add_label(&w, "app", i % 2 ? "web" : "db");
		sw_registry_upsert(reg, &w, 0);
		free(w.addrs);
		for (size_t l = 0; l < w.n_labels; l++) {
			free(w.labels[l].key);
			free(w.labels[l].value);
		}
		free(w.labels);
	}
	return reg;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 100, 1000, 10000, 100000 };
	uint64_t lookups = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000000;
	struct sw_resolver r;

	printf("%-10s %12s %10s %8s\n", "workloads", "lookups", "ns/lookup", "found");
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct sw_registry *reg = sw_fill(sizes[s]);
		uint64_t found = 0, t0, t1, x = 88172645463325252ull;

		sw_resolver_init(&r, reg);
		t0 = sw_now_ns();
		for (uint64_t i = 0; i < lookups; i++) {
			const struct sw_workload *wl;
			uint8_t a[16];

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half known workloads, half addresses nobody has */
			sw_addr_of(a, (uint32_t)(x % sizes[s]) * 7 + (uint32_t)(i & 1));
			found += sw_resolve_addr(&r, a, 1, &wl) == SW_EP_WORKLOAD;
		}
		t1 = sw_now_ns();
		printf("%-10u %12llu %10.1f %8llu\n", sizes[s], (unsigned long long)lookups,
		       (double)(t1 - t0) / (double)lookups, (unsigned long long)found);
		sw_resolver_clear(&r);
		sw_registry_free(reg);
	}
	return 0;
}
