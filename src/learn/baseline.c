// SPDX-License-Identifier: GPL-2.0-or-later
/* baseline.c - the baseline document (docs/alerts.md) as a sorted edge array for lookups. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
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

static int sw_baseline_edge_read(json_t *je, size_t i, struct sw_baseline_edge *e,
				 struct sw_err *err)
{
	const char *from = json_string_value(json_object_get(je, "from"));
	const char *to = json_string_value(json_object_get(je, "to"));
	json_t *proto = json_object_get(je, "proto_num");
	json_t *port = json_object_get(je, "port");

	if (!port)
		port = json_object_get(je, "icmp_type");
	if (!from || !to || !json_is_integer(proto) || !json_is_integer(port) ||
	    json_integer_value(proto) < 0 || json_integer_value(proto) > 255 ||
	    json_integer_value(port) < 0 || json_integer_value(port) > 65535)
		return sw_err_set(err, SW_EXIT_USAGE,
				  "/edges/%zu: error: needs from, to, proto_num and port or icmp_type",
				  i);
	e->from = strdup(from);
	e->to = strdup(to);
	e->proto = (uint8_t)json_integer_value(proto);
	e->port = (uint16_t)json_integer_value(port);
	if (!e->from || !e->to)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

static int sw_baseline_read(json_t *doc, struct sw_baseline *b, struct sw_err *err)
{
	json_t *edges = json_object_get(doc, "edges"), *je;
	const char *group_by = json_string_value(json_object_get(doc, "group_by"));
	size_t i;
	int ret;

	if (!json_is_array(edges) ||
	    json_integer_value(json_object_get(doc, "version")) != 1)
		return sw_err_set(err, SW_EXIT_USAGE,
				  "error: not a baseline (version 1 with an \"edges\" array)");
	b->group_by = strdup(group_by ? group_by : "app");
	b->v = calloc(json_array_size(edges) + 1, sizeof(*b->v));
	if (!b->group_by || !b->v)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	json_array_foreach(edges, i, je) {
		ret = sw_baseline_edge_read(je, i, &b->v[b->n++], err);
		if (ret != SW_EXIT_OK)
			return ret;
	}
	qsort(b->v, b->n, sizeof(*b->v), sw_baseline_cmp);
	return SW_EXIT_OK;
}

int sw_baseline_load_buffer(const char *buf, size_t len, struct sw_baseline **out,
			    struct sw_err *err)
{
	json_error_t jerr;
	struct sw_json_err_text text;
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	struct sw_baseline *b;
	int ret;

	*out = NULL;
	if (!doc)
		return sw_err_set(err, SW_EXIT_USAGE, "%d:%d: error: %s", jerr.line, jerr.column,
				  sw_text_json_error(&text, &jerr));
	b = calloc(1, sizeof(*b));
	if (!b) {
		json_decref(doc);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	ret = sw_baseline_read(doc, b, err);
	json_decref(doc);
	if (ret != SW_EXIT_OK) {
		sw_baseline_free(b);
		return ret;
	}
	*out = b;
	return SW_EXIT_OK;
}

int sw_baseline_load_file(const char *path, struct sw_baseline **out, struct sw_err *err)
{
	json_error_t jerr;
	struct sw_json_err_text why;
	FILE *f = fopen(path, "rb");
	json_t *doc;
	char *text, name[256];
	int ret;

	*out = NULL;
	sw_text_escape(name, sizeof(name), path);
	if (!f) /* missing or unreadable: 3, with the reason (docs/exit-codes.md) */
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name, strerror(errno));
	doc = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!doc)
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", name, jerr.line,
				  jerr.column,
				  sw_text_json_error(&why, &jerr));
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	ret = sw_baseline_load_buffer(text, strlen(text), out, err);
	free(text);
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
