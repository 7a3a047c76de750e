// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ingest.c - flow records (docs/flows.md) into nodes and edges: from paths
 * (files, history directories) through the query's record reader, or from a
 * buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/flowfile.h>
#include <segwatch/query.h>
#include <segwatch/text.h>

#include "internal.h"

/* sw_learn_endpoint - node of one end ("src" or "dst") of a flow record; SIZE_MAX - 1 when unusable. */
static size_t sw_learn_endpoint(struct sw_learn *l, json_t *flow, const char *side)
{
	char key[32], name[SW_LEARN_NODE_MAX];
	const char *addr, *kind, *wl_name = NULL, *label = NULL;
	uint8_t a16[16];
	json_t *wl;

	addr = json_string_value(json_object_get(flow, side));
	if (!addr)
		return SIZE_MAX - 1;
	snprintf(key, sizeof(key), "%s_kind", side);
	kind = json_string_value(json_object_get(flow, key));
	snprintf(key, sizeof(key), "%s_workload", side);
	wl = json_object_get(flow, key);
	if (kind && strcmp(kind, "workload") == 0 && json_is_object(wl)) {
		wl_name = json_string_value(json_object_get(wl, "name"));
		label = json_string_value(
			json_object_get(json_object_get(wl, "labels"), l->group_by));
	}
	if (!wl_name) {
		/* the policy names this end by address (a CIDR): text that is none cannot be */
		if (!sw_addr_parse(addr, a16))
			return SIZE_MAX - 1;
		sw_learn_node_name(NULL, NULL, addr, name, sizeof(name));
		return sw_learn_node_get(l, name, addr, SW_LEARN_SEL_CIDR);
	}
	sw_learn_node_name(label, wl_name, NULL, name, sizeof(name));
	return sw_learn_node_get(l, name, label ? label : wl_name,
				 label ? SW_LEARN_SEL_LABEL : SW_LEARN_SEL_NAME);
}

/* sw_learn_port - destination port, or the ICMP type with a reply mapped to its request. */
static uint16_t sw_learn_port(json_t *flow, uint8_t proto)
{
	json_int_t t;

	if (sw_learn_proto_has_ports(proto))
		return (uint16_t)json_integer_value(json_object_get(flow, "dport"));
	t = json_integer_value(json_object_get(flow, "icmp_type"));
	if (proto == 1 && t == 0)
		t = 8;
	if (proto == 58 && t == 129)
		t = 128;
	return (uint16_t)(t & 0xff);
}

static void sw_learn_seen(struct sw_learn_edge *e, json_t *flow)
{
	const char *f = json_string_value(json_object_get(flow, "first_seen"));
	const char *t = json_string_value(json_object_get(flow, "last_seen"));

	/* RFC 3339 UTC with a fixed width: text order is time order. */
	if (f && (!e->first_seen[0] || strcmp(f, e->first_seen) < 0))
		snprintf(e->first_seen, sizeof(e->first_seen), "%s", f);
	if (t && strcmp(t, e->last_seen) > 0)
		snprintf(e->last_seen, sizeof(e->last_seen), "%s", t);
}

int sw_learn_add_flow(struct sw_learn *l, const void *flow_v, struct sw_err *err)
{
	json_t *flow = (json_t *)flow_v;
	const char *state = json_string_value(json_object_get(flow, "state"));
	json_int_t proto = json_integer_value(json_object_get(flow, "proto_num"));
	enum sw_infra_kind ik;
	bool answered;
	size_t from, to, ei;

	if (!json_is_object(flow) || !state || proto <= 0 || proto > 255)
		return sw_err_set(err, SW_EXIT_USAGE, "flow record without state or proto_num");
	l->stats.flows++;
	if (!l->all && (ik = sw_flow_json_infra_kind(flow)) != SW_INFRA_NONE) {
		l->stats.infra[ik]++;
		return SW_EXIT_OK;
	}
	if (!sw_learn_proto_ok((uint8_t)proto)) {
		l->stats.skipped++;
		return SW_EXIT_OK;
	}
	answered = strcmp(state, "established") == 0 || strcmp(state, "closed") == 0;
	from = sw_learn_endpoint(l, flow, "src");
	to = sw_learn_endpoint(l, flow, "dst");
	if (from == SIZE_MAX - 1 || to == SIZE_MAX - 1)
		return sw_err_set(err, SW_EXIT_USAGE, "flow record without usable src or dst");
	if (from == SIZE_MAX || to == SIZE_MAX)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	ei = sw_learn_edge_get(l, from, to, (uint8_t)proto, sw_learn_port(flow, (uint8_t)proto));
	if (ei == SIZE_MAX)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (answered) {
		l->edges[ei].answered++;
		l->stats.learned++;
	} else {
		l->edges[ei].unanswered++;
		l->stats.unanswered++;
	}
	sw_learn_seen(&l->edges[ei], flow);
	return SW_EXIT_OK;
}

/* A record or a document; a capture document's flows in [@win[0], @win[1]] (0: open). */
static int sw_learn_add_doc(struct sw_learn *l, json_t *doc, const uint64_t win[2],
			    struct sw_err *err)
{
	const char *type = json_string_value(json_object_get(doc, "type"));
	json_t *flow;
	size_t i;
	int ret;

	if (type && strcmp(type, "capture") == 0) {
		json_array_foreach(json_object_get(doc, "flows"), i, flow) {
			if (!sw_query_span_meets(flow, win[0], win[1]))
				continue;
			ret = sw_learn_add_doc(l, flow, win, err);
			if (ret != SW_EXIT_OK)
				return ret;
		}
		return SW_EXIT_OK;
	}
	if (type && strcmp(type, "graph") == 0) /* edges, not flows: learning nothing is no policy */
		return sw_err_set(err, SW_EXIT_USAGE, "a graph document holds edges, not flows: "
				  "learn from the flow files");
	if (!type || strcmp(type, "flow") != 0)
		return SW_EXIT_OK; /* counters and other records */
	return sw_learn_add_flow(l, doc, err);
}

int sw_learn_load_buffer(struct sw_learn *l, const char *buf, size_t len, struct sw_err *err)
{
	static const uint64_t open_win[2];
	enum sw_flowfile_kind kind;
	size_t off = 0;
	int ret = SW_EXIT_OK;

	/* One document, or JSON lines: decode one value at a time. */
	while (off < len && ret == SW_EXIT_OK) {
		json_error_t jerr;
		struct sw_json_err_text text;
		json_t *doc;

		while (off < len && strchr(" \t\r\n", buf[off]) && buf[off])
			off++;
		if (off >= len)
			break;
		doc = json_loadb(buf + off, len - off, JSON_DISABLE_EOF_CHECK, &jerr);
		if (!doc)
			return sw_err_set(err, SW_EXIT_USAGE, "%d:%d: error: %s", jerr.line,
					  jerr.column, sw_text_json_error(&text, &jerr));
		off += jerr.position;
		/* the same check as every flow-file reader (flowfile.h) */
		ret = sw_flowfile_record_check(doc, &kind, err);
		if (ret == SW_EXIT_OK)
			ret = sw_learn_add_doc(l, doc, open_win, err);
		json_decref(doc);
	}
	return ret;
}

int sw_learn_load_window(struct sw_learn *l, const char *const *paths, size_t n,
			 uint64_t since_us, uint64_t until_us, struct sw_err *err)
{
	const uint64_t win[2] = { since_us, until_us };
	char msg[sizeof(err->msg)];
	struct sw_query_records *r;
	struct sw_query_rec_where w = { 0 };
	json_t *rec;
	int ret = sw_query_records_open(&r, paths, n, since_us, until_us, err);

	while (ret == SW_EXIT_OK && (ret = sw_query_records_next(r, &rec, &w, err)) == 1) {
		if ((ret = sw_learn_add_doc(l, rec, win, err)) == SW_EXIT_OK)
			continue;
		memcpy(msg, err->msg, sizeof(msg));
		if (w.document)
			sw_err_set(err, ret, "%s: error: %.400s", w.path, msg);
		else
			sw_err_set(err, ret, "%s:%llu: error: %.400s", w.path,
				   (unsigned long long)w.lineno, msg);
	}
	sw_query_records_close(r);
	return ret;
}

int sw_learn_load_file(struct sw_learn *l, const char *path, struct sw_err *err)
{
	return sw_learn_load_window(l, &path, 1, 0, 0, err);
}
