// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading inputs: `capture -w` JSON lines, the agent's history (directories,
 * .zst files), `capture --json` documents and saved graph documents, read
 * through the query's record reader (include/segwatch/query.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/query.h>

#include "internal.h"

/* Fold one record of a flow file: a flow, the kernel's log, the counters, or something to skip. */
static int sw_graph_record(struct sw_graph *g, json_t *o, bool *counters, struct sw_err *err)
{
	const char *type = json_string_value(json_object_get(o, "type")) ?: "";

	if (strcmp(type, "flow") == 0)
		return sw_graph_add_flow(g, o, err);
	if (strcmp(type, "kernel_log") == 0)
		return sw_graph_add_kernel_log(g, o, err);
	if (strcmp(type, "counters") == 0) {
		sw_graph_add_counters(g, o);
		*counters = true;
	}
	return SW_EXIT_OK;
}

/* A capture document's flows and kernel log, those in [@since, @until]. */
static int sw_graph_capture_doc(struct sw_graph *g, json_t *doc, const char *path,
				const uint64_t win[2], struct sw_err *err)
{
	json_t *flows = json_object_get(doc, "flows"), *c = json_object_get(doc, "counters"), *f;
	json_t *klog = json_object_get(doc, "kernel_log");
	char msg[sizeof(err->msg)];
	size_t i;
	int rc;

	json_array_foreach(flows, i, f)
		if (sw_query_span_meets(f, win[0], win[1]) && (rc = sw_graph_add_flow(g, f, err))) {
			memcpy(msg, err->msg, sizeof(msg));
			return sw_err_set(err, rc, "%s: /flows/%zu: error: %.400s", path, i, msg);
		}
	json_array_foreach(klog, i, f)
		if (sw_query_span_meets(f, win[0], win[1]) &&
		    (rc = sw_graph_add_kernel_log(g, f, err))) {
			memcpy(msg, err->msg, sizeof(msg));
			return sw_err_set(err, rc, "%s: /kernel_log/%zu: error: %.400s", path, i, msg);
		}
	if (json_is_object(c))
		sw_graph_add_counters(g, c);
	else
		g->comp.files_without_counters++;
	return SW_EXIT_OK;
}

/* A whole-file document: a graph (merged) or a capture (flows, counters). */
static int sw_graph_doc(struct sw_graph *g, json_t *doc, const char *path, const uint64_t win[2],
			struct sw_err *err)
{
	const char *type = json_string_value(json_object_get(doc, "type")) ?: "";

	if (strcmp(type, "graph") == 0)
		return sw_graph_merge_json(g, doc, path, err);
	/* `capture --json -q` has no flows, but counters and maybe the kernel's log */
	return sw_graph_capture_doc(g, doc, path, win, err);
}

/* Files read, and of them those with a counters line (@last: the latest such file). */
struct sw_graph_files {
	uint64_t with_counters;
	char *last;
};

static int sw_graph_line(struct sw_graph *g, json_t *o, const struct sw_query_rec_where *w,
			 struct sw_graph_files *fc, struct sw_err *err)
{
	char msg[sizeof(err->msg)];
	bool counters = false;
	int rc = sw_graph_record(g, o, &counters, err);

	if (rc) {
		memcpy(msg, err->msg, sizeof(msg));
		return sw_err_set(err, rc, "%s:%llu: error: %.400s", w->path,
				  (unsigned long long)w->lineno, msg);
	}
	if (counters && (!fc->last || strcmp(fc->last, w->path) != 0)) {
		free(fc->last);
		if (!(fc->last = strdup(w->path)))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		fc->with_counters++;
	}
	return SW_EXIT_OK;
}

int sw_graph_load_window(struct sw_graph *g, const char *const *paths, size_t n,
			 uint64_t since_us, uint64_t until_us, struct sw_err *err)
{
	const uint64_t win[2] = { since_us, until_us };
	struct sw_graph_files fc = { 0 };
	struct sw_query_records *r;
	struct sw_query_rec_where w = { 0 };
	uint64_t docs = 0, graphs = 0, files;
	json_t *o;
	int rc = sw_query_records_open(&r, paths, n, since_us, until_us, err);

	while (rc == SW_EXIT_OK && (rc = sw_query_records_next(r, &o, &w, err)) == 1) {
		if (w.document) {
			docs++;
			graphs += strcmp(json_string_value(json_object_get(o, "type")) ?: "",
					 "graph") == 0;
			rc = sw_graph_doc(g, o, w.path, win, err);
		} else {
			rc = sw_graph_line(g, o, &w, &fc, err);
		}
	}
	if (rc == SW_EXIT_OK) {
		files = sw_query_records_files(r);
		g->comp.files += files - graphs; /* a graph brings its own */
		g->comp.files_without_counters += files - docs - fc.with_counters;
	}
	free(fc.last);
	sw_query_records_close(r);
	return rc;
}

int sw_graph_load_file(struct sw_graph *g, const char *path, struct sw_err *err)
{
	return sw_graph_load_window(g, &path, 1, 0, 0, err);
}
