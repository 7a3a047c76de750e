/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * inventory_read - read inventory files and nothing else, the cost of
 * `--inventory FILE` alone in a fresh process (docs/benchmarks.md):
 *
 *   perf stat -r 10 inventory_read inv.json
 *
 * Prints the format and the number of workloads of each file; exits with
 * the loader's code (include/segwatch/exit.h) and its message on an error.
 */
#include <stdio.h>

#include <segwatch/inventory.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: inventory_read FILE...\n");
		return SW_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		struct sw_inventory_stats st;
		struct sw_workload *wl;
		struct sw_err err;
		size_t n;
		int rc = sw_inventory_load(argv[i], &wl, &n, &st, &err);

		if (rc) {
			fprintf(stderr, "%s\n", err.msg);
			return rc;
		}
		printf("%s: %s, %zu workloads\n", argv[i], sw_inventory_format_name(st.format), n);
		sw_inventory_free(wl, n);
	}
	return SW_EXIT_OK;
}
