// SPDX-License-Identifier: GPL-2.0-or-later
/* baseline.c - the baseline document (docs/alerts.md) as a sorted edge array for lookups. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/flowfile.h>
#include <segwatch/jsonptr.h>
#include <segwatch/text.h>

#include "internal.h"

struct sw_baseline_edge {
	char *from, *to;
	uint8_t proto;
	uint16_t port;
};

struct sw_baseline {
	char *group_by;
	struct sw_baseline_edge *v;
	size_t n;
};

static int sw_baseline_cmp(const void *a, const void *b)
{
	const struct sw_baseline_edge *x = a, *y = b;
	int c = strcmp(x->from, y->from);

	if (c)
		return c;
	c = strcmp(x->to, y->to);
	if (c)
		return c;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (int)x->port - (int)y->port;
}

void sw_baseline_free(struct sw_baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].from);
		free(b->v[i].to);
	}
	free(b->v);
	free(b->group_by);
	free(b);
}

/* An error at @ptr: "POINTER: error: what" (the caller adds the file). */
static int sw_baseline_fail(struct sw_err *err, const struct sw_jsonptr *ptr, const char *what)
{
	return sw_err_set(err, SW_EXIT_USAGE, "%s: error: %s", ptr->len ? ptr->buf : "/", what);
}

/* Integer member @key of @je in [0, @hi] into @out; absent: false with @out untouched. */
static int sw_baseline_int(json_t *je, const char *key, json_int_t hi, struct sw_jsonptr *ptr,
			   json_int_t *out, struct sw_err *err)
{
	json_t *v = json_object_get(je, key);
	size_t mark;

	if (!v)
		return SW_EXIT_OK;
	mark = sw_jsonptr_key(ptr, key);
	if (!json_is_integer(v))
		return sw_baseline_fail(err, ptr, "expected an integer");
	if (json_integer_value(v) < 0 || json_integer_value(v) > hi) {
		char what[64];

		snprintf(what, sizeof(what), "%lld is out of range (0-%lld)",
			 (long long)json_integer_value(v), (long long)hi);
		return sw_baseline_fail(err, ptr, what);
	}
	sw_jsonptr_pop(ptr, mark);
	*out = json_integer_value(v);
	return SW_EXIT_OK;
}

static int sw_baseline_edge_read(json_t *je, struct sw_jsonptr *ptr, struct sw_baseline_edge *e,
				 struct sw_err *err)
{
	const char *from = json_string_value(json_object_get(je, "from"));
	const char *to = json_string_value(json_object_get(je, "to"));
	json_int_t proto = -1, port = -1;
	bool icmp = json_object_get(je, "icmp_type") && !json_object_get(je, "port");
	int ret;

	if (!json_is_object(je))
		return sw_baseline_fail(err, ptr, "an edge is an object");
	if (!from || !to) {
		sw_jsonptr_key(ptr, from ? "to" : "from");
		return sw_baseline_fail(err, ptr, "missing, or not a string");
	}
	if ((ret = sw_baseline_int(je, "proto_num", 255, ptr, &proto, err)) ||
	    (ret = sw_baseline_int(je, icmp ? "icmp_type" : "port", icmp ? 255 : 65535, ptr, &port,
				   err)))
		return ret;
	if (proto < 0 || port < 0) {
		sw_jsonptr_key(ptr, proto < 0 ? "proto_num" : "port");
		return sw_baseline_fail(err, ptr, proto < 0 ? "missing" :
					"missing (or \"icmp_type\")");
	}
	e->from = strdup(from);
	e->to = strdup(to);
	e->proto = (uint8_t)proto;
	e->port = (uint16_t)port;
	if (!e->from || !e->to)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

/* The document's shape: an object of version 1 with an "edges" array. */
static int sw_baseline_shape(json_t *doc, struct sw_jsonptr *ptr, struct sw_err *err)
{
	json_t *v = json_object_get(doc, "version");
	json_t *gb = json_object_get(doc, "group_by");
	char what[96];

	if (!json_is_object(doc))
		return sw_baseline_fail(err, ptr, "not a baseline ({\"type\":\"baseline\","
					"\"version\":1,\"edges\":[...]})");
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		sw_jsonptr_key(ptr, "version");
		if (!v)
			return sw_baseline_fail(err, ptr, "missing (a baseline has version 1)");
		if (!json_is_integer(v))
			return sw_baseline_fail(err, ptr, "expected an integer");
		snprintf(what, sizeof(what), "version %lld is not one this segwatch reads (1)",
			 (long long)json_integer_value(v));
		return sw_baseline_fail(err, ptr, what);
	}
	if (gb && !json_is_string(gb)) {
		sw_jsonptr_key(ptr, "group_by");
		return sw_baseline_fail(err, ptr, "expected a string");
	}
	if (!json_is_array(json_object_get(doc, "edges"))) {
		sw_jsonptr_key(ptr, "edges");
		return sw_baseline_fail(err, ptr, "missing, or not an array");
	}
	return SW_EXIT_OK;
}

static int sw_baseline_read(json_t *doc, struct sw_baseline *b, struct sw_err *err)
{
	json_t *edges = json_object_get(doc, "edges"), *je;
	const char *group_by = json_string_value(json_object_get(doc, "group_by"));
	struct sw_jsonptr ptr;
	size_t i, mark;
	int ret;

	sw_jsonptr_init(&ptr);
	if ((ret = sw_baseline_shape(doc, &ptr, err)) != SW_EXIT_OK)
		return ret;
	b->group_by = strdup(group_by ? group_by : "app");
	b->v = calloc(json_array_size(edges) + 1, sizeof(*b->v));
	if (!b->group_by || !b->v)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_jsonptr_key(&ptr, "edges");
	json_array_foreach(edges, i, je) {
		mark = sw_jsonptr_index(&ptr, i);
		ret = sw_baseline_edge_read(je, &ptr, &b->v[b->n++], err);
		if (ret != SW_EXIT_OK)
			return ret;
		sw_jsonptr_pop(&ptr, mark);
	}
	qsort(b->v, b->n, sizeof(*b->v), sw_baseline_cmp);
	return SW_EXIT_OK;
}

/* A parsed document into a baseline; @out on success. */
static int sw_baseline_from_json(json_t *doc, struct sw_baseline **out, struct sw_err *err)
{
	struct sw_baseline *b = calloc(1, sizeof(*b));
	int ret;

	*out = NULL;
	if (!b)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	ret = sw_baseline_read(doc, b, err);
	if (ret != SW_EXIT_OK) {
		sw_baseline_free(b);
		return ret;
	}
	*out = b;
	return SW_EXIT_OK;
}

int sw_baseline_load_buffer(const char *buf, size_t len, struct sw_baseline **out,
			    struct sw_err *err)
{
	json_error_t jerr;
	struct sw_json_err_text text;
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	int ret;

	*out = NULL;
	if (!doc)
		return sw_err_set(err, SW_EXIT_USAGE, "%d:%d: error: %s", jerr.line, jerr.column,
				  sw_text_json_error(&text, &jerr));
	ret = sw_baseline_from_json(doc, out, err);
	json_decref(doc);
	return ret;
}

int sw_baseline_load_file(const char *path, struct sw_baseline **out, struct sw_err *err)
{
	json_t *doc;
	int ret;

	*out = NULL;
	/* bounded (SW_FLOWFILE_DOC_MAX), "-" and FIFOs as every flow-file reader */
	if ((ret = sw_flowfile_doc_load(path, &doc, err)) != SW_EXIT_OK)
		return ret;
	ret = sw_baseline_from_json(doc, out, err); /* "/POINTER: error: ...": the caller adds the file */
	json_decref(doc);
	return ret;
}

const char *sw_baseline_group_by(const struct sw_baseline *b)
{
	return b->group_by;
}

bool sw_baseline_has(const struct sw_baseline *b, const char *from, const char *to,
		     uint8_t ipproto, uint16_t port)
{
	struct sw_baseline_edge key = { (char *)from, (char *)to, ipproto, port };

	if (ipproto == 1 && port == 0)
		key.port = 8;
	if (ipproto == 58 && port == 129)
		key.port = 128;
	return bsearch(&key, b->v, b->n, sizeof(*b->v), sw_baseline_cmp) != NULL;
}

size_t sw_baseline_count(const struct sw_baseline *b)
{
	return b->n;
}
