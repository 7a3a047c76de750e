/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft_driver - drives the nft backend for nft_apply.sh:
 *   nft_driver render|apply PLAN      PLAN: demo mixed broken1 broken2 big:S,A,R
 *   nft_driver remove | exists
 *   nft_driver counters CHAIN
 *   nft_driver update SET add|del PREFIX...   (IPv4 sets of the demo)
 *   nft_driver bench S A R SCRIPT     apply time, and the script written for nft -f
 *   nft_driver delta PLAN NEW         NEW replaces PLAN (in force) by sw_nft_apply_delta,
 *                                     the handles read first; prints how many were known
 * PLAN@PORT: PLAN with its first port match on PORT instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plans.h"

/* The first port match of @p on @port. */
static void port_set(struct sw_nft_plan *p, unsigned port)
{
	for (size_t c = 0; c < p->n_chains; c++)
		for (size_t r = 0; r < p->chains[c].n_rules; r++)
			for (size_t m = 0; m < p->chains[c].rules[r].n_matches; m++) {
				struct sw_nft_match *x = &p->chains[c].rules[r].matches[m];

				if (x->kind == SW_NFT_M_DPORT && x->n_ranges) {
					x->ranges[0].lo = x->ranges[0].hi = (uint16_t)port;
					return;
				}
			}
}

static int build(const char *arg, struct sw_nft_plan *p)
{
	size_t s, a, r;
	char name[64];
	const char *at = strchr(arg, '@');

	snprintf(name, sizeof(name), "%.*s", at ? (int)(at - arg) : (int)strlen(arg), arg);

	if (strcmp(name, "demo") == 0)
		plan_demo(p);
	else if (strcmp(name, "mixed") == 0)
		plan_mixed(p);
	else if (strcmp(name, "broken1") == 0)
		plan_broken(p, 1);
	else if (strcmp(name, "broken2") == 0)
		plan_broken(p, 2);
	else if (sscanf(name, "big:%zu,%zu,%zu", &s, &a, &r) == 3)
		plan_big(p, s, a, r);
	else
		return -1;
	if (at)
		port_set(p, (unsigned)atoi(at + 1));
	return 0;
}

/* delta PLAN NEW: the handles of PLAN (in force) read, then NEW sent as a delta. */
static int delta(const char *was, const char *now, struct sw_err *err)
{
	struct sw_nft_plan a, b;
	struct sw_nft_conn *conn = NULL;
	size_t known = 0;
	int ret;

	if (build(was, &a) < 0 || build(now, &b) < 0)
		return 2;
	ret = sw_nft_plan_learn_handles(&a, err);
	for (size_t c = 0; c < a.n_chains; c++)
		known += a.chains[c].handles ? a.chains[c].n_rules : 0;
	if (!ret && !(conn = sw_nft_conn_open(err)))
		ret = err->code;
	if (!ret)
		ret = sw_nft_apply_delta(conn, &a, &b, NULL, 0, err);
	if (!ret)
		printf("handles known: %zu\n", known);
	sw_nft_conn_close(conn);
	sw_nft_plan_free(&a);
	sw_nft_plan_free(&b);
	return ret;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sw_nft_plan p = { .n_sets = 0 };
	struct sw_err err = { 0 };
	int ret = 0;

	if (argc < 2)
		goto usage;
	if ((strcmp(argv[1], "render") == 0 || strcmp(argv[1], "apply") == 0) && argc == 3) {
		if (build(argv[2], &p) < 0)
			goto usage;
		if (argv[1][0] == 'r')
			ret = sw_nft_render(&p, stdout);
		else
			ret = sw_nft_apply(&p, &err);
	} else if (strcmp(argv[1], "delta") == 0 && argc == 4) {
		ret = delta(argv[2], argv[3], &err);
	} else if (strcmp(argv[1], "remove") == 0) {
		ret = sw_nft_remove("segwatch", &err);
	} else if (strcmp(argv[1], "exists") == 0) {
		return sw_nft_table_exists("segwatch") ? 0 : 1;
	} else if (strcmp(argv[1], "counters") == 0 && argc == 3) {
		struct sw_nft_rule_counters *c;
		size_t n;

		ret = sw_nft_read_counters("segwatch", argv[2], &c, &n, &err);
		for (size_t i = 0; !ret && i < n; i++)
			printf("%zu packets=%llu bytes=%llu handle=%llu comment=%s\n", i + 1,
			       (unsigned long long)c[i].packets, (unsigned long long)c[i].bytes,
			       (unsigned long long)c[i].handle, c[i].comment);
		if (!ret)
			free(c);
	} else if (strcmp(argv[1], "update") == 0 && argc >= 4) {
		struct sw_nft_set set = { .family = 4 };
		struct sw_nft_prefix *v = calloc((size_t)argc, sizeof(*v));
		size_t n = 0;
		bool add = strcmp(argv[3], "add") == 0;

		snprintf(set.name, sizeof(set.name), "%s", argv[2]);
		for (int i = 4; i < argc; i++) {
			v[n] = pfx(argv[i]);
			if (n == 0 && v[n].plen <= 128 && v[n].addr[10] != 0xff)
				set.family = 6;
			n++;
		}
		double t = now();

		ret = sw_nft_set_update("segwatch", &set, add ? v : NULL, add ? n : 0, add ? NULL : v,
					add ? 0 : n, &err);
		fprintf(stderr, "update: %.3f ms\n", (now() - t) * 1e3);
		free(v);
	} else if (strcmp(argv[1], "bench") == 0 && argc == 6) {
		char name[64];
		FILE *f;
		double t;

		snprintf(name, sizeof(name), "big:%s,%s,%s", argv[2], argv[3], argv[4]);
		if (build(name, &p) < 0)
			goto usage;
		f = fopen(argv[5], "w");
		if (!f || sw_nft_render(&p, f) != 0 || fclose(f) != 0) {
			fprintf(stderr, "cannot write %s\n", argv[5]);
			return 3;
		}
		t = now();
		ret = sw_nft_apply(&p, &err);
		printf("apply: %.1f ms\n", (now() - t) * 1e3);
	} else {
		goto usage;
	}
	if (ret && err.msg[0])
		fprintf(stderr, "error: %s\n", err.msg);
	sw_nft_plan_free(&p);
	return ret;
usage:
	fprintf(stderr, "usage: see the comment at the top of nft_driver.c\n");
	return 2;
}
