/* SPDX-License-Identifier: GPL-2.0-or-later */
/* segwatch workloads: what segwatch knows about who is behind which address. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>
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

static void sw_collect_running(const struct sw_workload *w, bool running, void *arg)
{
	if (running)
		json_array_append_new(arg, sw_workload_json(w));
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

static void sw_workloads_text(json_t *list)
{
	size_t i;
	json_t *w;

	printf("%-32s %-10s %-34s %-14s %s\n", "NAME", "SOURCE", "ADDRESSES", "INTERFACE", "LABELS");
	json_array_foreach(list, i, w) {
		char addrs[256] = "", labels[1024] = "", kv[512];
		const char *key;
		json_t *v, *ifc = json_object_get(w, "interface");
		size_t j, n = 0;

		json_array_foreach(json_object_get(w, "ips"), j, v)
			n += (size_t)snprintf(addrs + n, n < sizeof(addrs) ? sizeof(addrs) - n : 0,
					      "%s%s", j ? "," : "", json_string_value(v));
		n = 0;
		json_object_foreach(json_object_get(w, "labels"), key, v) {
			snprintf(kv, sizeof(kv), "%s", SW_CELL(key));
			n += n < sizeof(labels) ? (size_t)snprintf(labels + n, sizeof(labels) - n,
								   "%s%s=", n ? "," : "", kv) : 0;
			if (n < sizeof(labels))
				n += sw_text_escape_len(labels + n, sizeof(labels) - n,
							json_string_value(v));
		}
		printf("%-32s %-10s %-34s %-14s %s\n",
		       SW_CELL(json_string_value(json_object_get(w, "name"))),
		       json_string_value(json_object_get(w, "source")), addrs,
		       ifc ? SW_CELL(json_string_value(ifc)) : "-", labels);
	}
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
	sw_registry_foreach(sw_identity_registry(id), sw_collect_running, list);
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
