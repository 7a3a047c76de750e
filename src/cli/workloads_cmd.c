/* SPDX-License-Identifier: GPL-2.0-or-later */
/* segwatch workloads: what segwatch knows about who is behind which address. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>
#include <segwatch/table.h>
#include <segwatch/text.h>

#include "cli.h"
#include <segwatch/engine.h>

#include "identity.h"

struct sw_workloads_args {
	struct sw_identity_opts id;
	bool json;
};

static void sw_workloads_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch workloads [OPTIONS]\n\n"
		"List the workloads segwatch knows of (running now) and where each identity\n"
		"comes from: the container engine, inventory files, or the kernel's view of\n"
		"network namespaces behind veths.\n\n"
		SW_IDENTITY_HELP
		"  -j, --json             JSON (docs/workloads.md) instead of a table\n"
		"  -h, --help             this text\n\n"
		"examples:\n"
		"  segwatch workloads                         engine, kernel view and their names\n"
		"  segwatch workloads --inventory pods.json --no-engine --json\n"
		SW_HELP_EXIT SW_HELP_EXIT_0 SW_HELP_EXIT_2 SW_HELP_EXIT_3);
}

static json_t *sw_workload_json(const struct sw_workload *w)
{
	json_t *o = json_object(), *labels = json_object(), *addrs = json_array();
	json_t *macs = json_array();
	char buf[INET6_ADDRSTRLEN];

	json_object_set_new(o, "name", json_string(w->name ? w->name : w->uid));
	json_object_set_new(o, "id", json_string(w->uid));
	json_object_set_new(o, "source", json_string(sw_wl_source_name(w->source)));
	if (w->namespace)
		json_object_set_new(o, "namespace", json_string(w->namespace));
	for (size_t i = 0; i < w->n_labels; i++)
		json_object_set_new(labels, w->labels[i].key, json_string(w->labels[i].value));
	json_object_set_new(o, "labels", labels);
	for (size_t i = 0; i < w->n_addrs; i++) {
		bool v4 = w->addrs[i][10] == 0xff && w->addrs[i][11] == 0xff &&
			  memcmp(w->addrs[i], "\0\0\0\0\0\0\0\0\0\0", 10) == 0;

		sw_report_addr(buf, sizeof(buf), w->addrs[i], v4 ? 4 : 6);
		json_array_append_new(addrs, json_string(buf));
	}
	json_object_set_new(o, "ips", addrs);
	for (size_t i = 0; i < w->n_macs; i++) {
		const uint8_t *m = w->macs[i];

		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		json_array_append_new(macs, json_string(buf));
	}
	json_object_set_new(o, "macs", macs);
	if (w->iface)
		json_object_set_new(o, "interface", json_string(w->iface));
	return o;
}

/*
 * One row per workload as the registry merges them (sw_registry_merged):
 * the running entries of every source, grouped under the one that stands
 * for them (the most specific source).
 */
struct sw_wl_group {
	const struct sw_workload *rep;
	const struct sw_workload **members;	/* rep first, then by source rank */
	size_t n;
};

struct sw_wl_groups {
	const struct sw_registry *reg;
	struct sw_wl_group *g;
	size_t n;
	bool oom;
};

static void sw_collect_running(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_wl_groups *gs = arg;
	const struct sw_workload *rep, **m;
	struct sw_wl_group *g = NULL;

	if (!running || gs->oom)
		return;
	rep = sw_registry_merged(gs->reg, w, SW_REG_NOW);
	for (size_t i = 0; i < gs->n && !g; i++)
		if (gs->g[i].rep == rep)
			g = &gs->g[i];
	if (!g) {
		struct sw_wl_group *ng = realloc(gs->g, (gs->n + 1) * sizeof(*ng));

		if (!ng) {
			gs->oom = true;
			return;
		}
		gs->g = ng;
		g = &ng[gs->n++];
		memset(g, 0, sizeof(*g));
		g->rep = rep;
	}
	m = realloc(g->members, (g->n + 1) * sizeof(*m));
	if (!m) {
		gs->oom = true;
		return;
	}
	g->members = m;
	m[g->n++] = w;
}

/* The order of sw_registry_lookup_addr: the representative's source comes first. */
static int sw_source_order(enum sw_wl_source s)
{
	static const int order[SW_WL_SRC_MAX] = {
		[SW_WL_SRC_ENGINE] = 0, [SW_WL_SRC_KUBERNETES] = 1,
		[SW_WL_SRC_INVENTORY] = 2, [SW_WL_SRC_KERNEL] = 3,
	};

	return (unsigned)s < SW_WL_SRC_MAX ? order[s] : SW_WL_SRC_MAX;
}

static int sw_member_cmp(const void *a, const void *b)
{
	const struct sw_workload *const *x = a, *const *y = b;
	int c = sw_source_order((*x)->source) - sw_source_order((*y)->source);

	return c ? c : strcmp((*x)->uid, (*y)->uid);
}

/* Append to @into each value of @from it does not hold yet (addresses, MACs). */
static void sw_json_array_union(json_t *into, json_t *from)
{
	size_t i, k;
	json_t *v, *x;

	json_array_foreach(from, i, v) {
		bool dup = false;

		json_array_foreach(into, k, x)
			dup = dup || json_equal(x, v);
		if (!dup)
			json_array_append(into, v);
	}
}

/*
 * The merged row: the representative's name, id, source and namespace; the
 * union of every member's addresses and MACs; labels of the more specific
 * source first (a key another member also gives keeps the first value);
 * "sources" and "members" list who said what.
 */
static json_t *sw_group_json(struct sw_wl_group *g)
{
	json_t *o = sw_workload_json(g->rep), *srcs = json_array(), *members = json_array();
	json_t *ips = json_object_get(o, "ips"), *macs = json_object_get(o, "macs");
	json_t *labels = json_object_get(o, "labels");
	bool seen[SW_WL_SRC_MAX] = { false };

	qsort(g->members, g->n, sizeof(*g->members), sw_member_cmp);
	for (size_t i = 0; i < g->n; i++) {
		const struct sw_workload *w = g->members[i];
		json_t *one = sw_workload_json(w), *v;
		const char *key;

		if ((unsigned)w->source < SW_WL_SRC_MAX && !seen[w->source]) {
			seen[w->source] = true;
			json_array_append_new(srcs, json_string(sw_wl_source_name(w->source)));
		}
		json_array_append_new(members, json_pack("{s:s, s:s, s:s}", "source",
			sw_wl_source_name(w->source), "id", w->uid, "name", w->name ? w->name : w->uid));
		sw_json_array_union(ips, json_object_get(one, "ips"));
		sw_json_array_union(macs, json_object_get(one, "macs"));
		json_object_foreach(json_object_get(one, "labels"), key, v)
			if (!json_object_get(labels, key))
				json_object_set(labels, key, v);
		if (!json_object_get(o, "interface") && w->iface)
			json_object_set_new(o, "interface", json_string(w->iface));
		json_decref(one);
	}
	json_object_set_new(o, "sources", srcs);
	json_object_set_new(o, "members", members);
	return o;
}

static int sw_by_name(const void *a, const void *b)
{
	json_t *const *x = a, *const *y = b;
	int c = strcmp(json_string_value(json_object_get(*x, "name")),
		       json_string_value(json_object_get(*y, "name")));

	return c ? c : strcmp(json_string_value(json_object_get(*x, "source")),
			      json_string_value(json_object_get(*y, "source")));
}

/* jansson arrays cannot be sorted in place: rebuild in order. */
static json_t *sw_sorted(json_t *list)
{
	size_t n = json_array_size(list);
	json_t **items = calloc(n ? n : 1, sizeof(*items)), *out = json_array();

	for (size_t i = 0; i < n; i++)
		items[i] = json_array_get(list, i);
	qsort(items, n, sizeof(*items), sw_by_name);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, items[i]);
	free(items);
	json_decref(list);
	return out;
}

static const struct sw_table_col sw_workload_cols[] = {
	{ "NAME", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "SOURCES", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "ADDRESSES", SW_TABLE_LEFT, 15, 0, true, false, 0 },
	{ "INTERFACE", SW_TABLE_LEFT, 6, 0, true, false, 1 },
	{ "LABELS", SW_TABLE_LEFT, 8, 0, true, false, 0 },
};

/* One row per workload; the table escapes and fits the cells (docs/output.md). */
static void sw_workloads_text(json_t *list)
{
	struct sw_table *t = sw_table_new(sw_workload_cols,
					  sizeof(sw_workload_cols) / sizeof(sw_workload_cols[0]));
	size_t i;
	json_t *w;

	if (!t) {
		fprintf(stderr, "segwatch: out of memory\n");
		return;
	}
	json_array_foreach(list, i, w) {
		char addrs[512] = "", labels[1024] = "", srcs[128] = "";
		const char *key;
		json_t *v, *ifc = json_object_get(w, "interface");
		size_t j, n = 0;

		json_array_foreach(json_object_get(w, "sources"), j, v)
			n += (size_t)snprintf(srcs + n, n < sizeof(srcs) ? sizeof(srcs) - n : 0,
					      "%s%s", j ? "+" : "", json_string_value(v));
		n = 0;
		json_array_foreach(json_object_get(w, "ips"), j, v)
			n += (size_t)snprintf(addrs + n, n < sizeof(addrs) ? sizeof(addrs) - n : 0,
					      "%s%s", j ? "," : "", json_string_value(v));
		n = 0;
		json_object_foreach(json_object_get(w, "labels"), key, v)
			n += (size_t)snprintf(labels + n, n < sizeof(labels) ? sizeof(labels) - n : 0,
					      "%s%s=%s", n ? "," : "", key, json_string_value(v) ?: "");
		sw_table_row(t);
		sw_table_cell(t, json_string_value(json_object_get(w, "name")), NULL);
		sw_table_cell(t, srcs, NULL);
		sw_table_cell(t, addrs, NULL);
		sw_table_cell(t, ifc ? json_string_value(ifc) : "-", NULL);
		sw_table_cell(t, labels, NULL);
	}
	sw_table_print(t, stdout);
	sw_table_free(t);
}

static const struct option sw_workloads_longopts[] = {
	SW_IDENTITY_LONGOPTS,
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int sw_cmd_workloads(int argc, char **argv)
{
	struct sw_workloads_args a = { .id = { .kernel = true } };
	struct sw_identity *id = NULL;
	struct sw_identity_stats st;
	struct sw_err err = { 0 };
	struct sw_wl_groups gs = { 0 };
	json_t *list;
	int c, rc;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "jh", sw_workloads_longopts, "segwatch workloads")) != -1) {
		if (c == 'j')
			a.json = true;
		else if (c == 'h')
			return sw_workloads_usage(stdout), SW_EXIT_OK;
		else if (!sw_identity_parse_opt(&a.id, c, optarg, argc, argv))
			return SW_EXIT_USAGE; /* said why (sw_cli_getopt or the option) */
	}
	if (optind < argc)
		return sw_cli_no_args("segwatch workloads", argc, argv, optind);
	rc = sw_identity_open(&id, &a.id, &err);
	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
		return rc;
	}
	list = json_array();
	gs.reg = sw_identity_registry(id);
	sw_registry_foreach(gs.reg, sw_collect_running, &gs);
	for (size_t i = 0; i < gs.n; i++) {
		json_array_append_new(list, sw_group_json(&gs.g[i]));
		free(gs.g[i].members);
	}
	free(gs.g);
	if (gs.oom) {
		json_decref(list);
		sw_identity_close(id);
		fprintf(stderr, "segwatch: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	sw_identity_stats(id, &st);
	list = sw_sorted(list);
	if (a.json) {
		json_t *doc = json_pack("{s:s, s:i, s:o}", "type", "workloads", "version", 1,
					"workloads", list);

		json_object_set_new(doc, "engine", sw_identity_engine(id) ?
			json_string(sw_engine_socket(sw_identity_engine(id))) : json_null());
		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		sw_workloads_text(list);
		if (!st.engine_connected && st.engine_error[0])
			fprintf(stderr, "note: no container engine: %s\n", SW_MSG(st.engine_error));
		json_decref(list);
	}
	sw_identity_close(id);
	return SW_EXIT_OK;
}
