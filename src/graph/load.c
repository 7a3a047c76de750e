// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading inputs: `capture -w` JSON lines, `capture --json` documents and
 * saved graph documents, told apart by their content.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>

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

static int sw_graph_capture_doc(struct sw_graph *g, json_t *doc, const char *path,
				struct sw_err *err)
{
	json_t *flows = json_object_get(doc, "flows"), *c = json_object_get(doc, "counters"), *f;
	json_t *klog = json_object_get(doc, "kernel_log");
	char msg[sizeof(err->msg)];
	size_t i;
	int rc;

	json_array_foreach(flows, i, f)
		if ((rc = sw_graph_add_flow(g, f, err))) {
			memcpy(msg, err->msg, sizeof(msg));
			return sw_err_set(err, rc, "%s: /flows/%zu: error: %.400s", path, i, msg);
		}
	json_array_foreach(klog, i, f)
		if ((rc = sw_graph_add_kernel_log(g, f, err))) {
			memcpy(msg, err->msg, sizeof(msg));
			return sw_err_set(err, rc, "%s: /kernel_log/%zu: error: %.400s", path, i, msg);
		}
	g->comp.files++;
	if (json_is_object(c))
		sw_graph_add_counters(g, c);
	else
		g->comp.files_without_counters++;
	return SW_EXIT_OK;
}

/* A whole-file document: a capture (flows, counters) or a graph; -1 when it is neither. */
static int sw_graph_doc(struct sw_graph *g, json_t *doc, const char *path, struct sw_err *err)
{
	const char *type = json_string_value(json_object_get(doc, "type")) ?: "";

	if (strcmp(type, "graph") == 0)
		return sw_graph_merge_json(g, doc, path, err);
	/* `capture --json -q` has no flows, but counters and maybe the kernel's log */
	if (strcmp(type, "capture") == 0 || json_is_array(json_object_get(doc, "flows")))
		return sw_graph_capture_doc(g, doc, path, err);
	return -1;
}

static int sw_graph_line(struct sw_graph *g, const char *path, int lineno, const char *line,
			 bool *counters, struct sw_err *err)
{
	char msg[sizeof(err->msg)];
	json_error_t e;
	struct sw_json_err_text text;
	json_t *o;
	int rc;

	if (line[strspn(line, " \t\r\n")] == '\0')
		return SW_EXIT_OK;
	if (!(o = json_loads(line, 0, &e)))
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", path, lineno, e.column,
				  sw_text_json_error(&text, &e));
	rc = sw_graph_record(g, o, counters, err);
	json_decref(o);
	if (rc) {
		memcpy(msg, err->msg, sizeof(msg));
		return sw_err_set(err, rc, "%s:%d: error: %.400s", path, lineno, msg);
	}
	return SW_EXIT_OK;
}

/* JSON lines; @whole is the error of reading the file as one document. */
static int sw_graph_lines(struct sw_graph *g, FILE *f, const char *path, const json_error_t *whole,
			  struct sw_err *err)
{
	bool counters = false;
	char *line = NULL;
	size_t cap = 0;
	int rc = SW_EXIT_OK, lineno = 1;

	for (; getline(&line, &cap, f) > 0 && rc == SW_EXIT_OK; lineno++) {
		rc = sw_graph_line(g, path, lineno, line, &counters, err);
		if (rc && lineno == 1 && whole->line > 1) /* a document, broken further down */
			rc = sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", path,
					whole->line, whole->column, whole->text);
	}
	free(line);
	if (ferror(f))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
	if (rc == SW_EXIT_OK) {
		g->comp.files++;
		g->comp.files_without_counters += !counters;
	}
	return rc;
}

int sw_graph_load_file(struct sw_graph *g, const char *path, struct sw_err *err)
{
	json_error_t e;
	json_t *doc;
	FILE *f;
	int rc;

	if (!(f = fopen(path, "r")))
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
	doc = json_loadf(f, 0, &e);
	if (doc && json_is_object(doc) && (rc = sw_graph_doc(g, doc, path, err)) >= 0) {
		json_decref(doc);
		fclose(f);
		return rc;
	}
	json_decref(doc);
	if (!doc)
		e.line = e.line > 0 ? e.line : 0;
	else
		e.line = 0;
	rewind(f);
	rc = sw_graph_lines(g, f, path, &e, err);
	fclose(f);
	return rc;
}
