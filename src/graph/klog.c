// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's log in the report: kernel_log records of the flow files
 * (docs/flows.md) folded per (action, rule, node pair, protocol, port),
 * their ends becoming nodes the way flow ends do, and the capture's NFLOG
 * counters. Rows never add nodes or edges: the graph stays what the flows say.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>

#include "internal.h"

#define SW_GKLOG_PAIRS_MAX 20	/* pairs listed in the report, most packets first */

void sw_graph_klog_free(struct sw_gklog *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->rows[i].src);
		free(k->rows[i].dst);
		free(k->rows[i].src_name);
		free(k->rows[i].dst_name);
	}
	free(k->rows);
	json_decref(k->index);
	memset(k, 0, sizeof(*k));
}

void sw_graph_klog_counters(struct sw_graph *g, json_t *nflog)
{
	g->klog.files++;
	g->klog.messages = sw_flowfile_count_add(g->klog.messages, sw_json_u64(nflog, "messages"));
	g->klog.undecoded = sw_flowfile_count_add(g->klog.undecoded, sw_json_u64(nflog, "undecoded"));
	g->klog.invalid = sw_flowfile_count_add(g->klog.invalid, sw_json_u64(nflog, "invalid"));
	g->klog.overruns = sw_flowfile_count_add(g->klog.overruns, sw_json_u64(nflog, "overruns"));
	g->klog.not_aggregated = sw_flowfile_count_add(g->klog.not_aggregated, sw_json_u64(nflog, "not_aggregated"));
}

/* What a record says about its action and rule; false when it is not ours. */
static bool sw_klog_rec_rule(json_t *rec, bool *monitor, long *rule)
{
	const char *action = json_string_value(json_object_get(rec, "action"));
	json_t *r = json_object_get(rec, "rule");
	int word_rule;

	if (!action || (strcmp(action, "deny") && strcmp(action, "monitor")))
		return false;
	*monitor = strcmp(action, "monitor") == 0;
	if (json_is_integer(r) && json_integer_value(r) >= 0)
		*rule = (long)json_integer_value(r);
	else if (sw_report_klog_rule_parse(json_string_value(r), &word_rule))
		*rule = word_rule;
	else
		return false;
	return true;
}

/* A new row for @key, its ends named; NULL on out of memory. */
static struct sw_gklog_row *sw_klog_row_new(struct sw_gklog *k, const char *key,
					    const struct sw_gklog_row *proto)
{
	struct sw_gklog_row *r;

	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 32;

		if (!(r = realloc(k->rows, cap * sizeof(*r))))
			return NULL;
		k->rows = r;
		k->cap = cap;
	}
	if (!k->index && !(k->index = json_object()))
		return NULL;
	r = &k->rows[k->n];
	*r = *proto;
	r->src = strdup(proto->src);
	r->dst = strdup(proto->dst);
	r->src_name = strdup(proto->src_name);
	r->dst_name = strdup(proto->dst_name);
	if (!r->src || !r->dst || !r->src_name || !r->dst_name ||
	    json_object_set_new(k->index, key, json_integer((json_int_t)k->n))) {
		free(r->src), free(r->dst), free(r->src_name), free(r->dst_name);
		return NULL;
	}
	k->n++;
	return r;
}

/* The row of @t (names borrowed), created when new. */
static struct sw_gklog_row *sw_klog_row_get(struct sw_gklog *k, const struct sw_gklog_row *t)
{
	char key[1400];
	json_t *at;

	snprintf(key, sizeof(key), "%d\x1f%ld\x1f%s\x1f%s\x1f%u\x1f%s%u", t->monitor, t->rule, t->src,
		 t->dst, t->proto_num, t->icmp ? "type" : "", t->port);
	if (k->index && (at = json_object_get(k->index, key)))
		return &k->rows[json_integer_value(at)];
	return sw_klog_row_new(k, key, t);
}

/* The protocol and port of a record, into @t. */
static void sw_klog_rec_proto(json_t *rec, struct sw_gklog_row *t)
{
	const char *proto = json_string_value(json_object_get(rec, "proto"));
	json_int_t num = json_integer_value(json_object_get(rec, "proto_num"));

	t->proto_num = (uint8_t)num;
	t->icmp = json_is_integer(json_object_get(rec, "icmp_type"));
	t->port = (uint16_t)json_integer_value(json_object_get(rec, t->icmp ? "icmp_type" :
								  "dport"));
	if (proto)
		snprintf(t->proto, sizeof(t->proto), "%s", proto);
	else
		snprintf(t->proto, sizeof(t->proto), "%u", t->proto_num);
}

int sw_graph_add_kernel_log(struct sw_graph *g, json_t *rec, struct sw_err *err)
{
	struct sw_gklog_row t = { 0 }, *r;
	char sid[640], did[640], sname[512], dname[512];
	struct sw_gend s, d;

	if (!g->kernel_log)
		return SW_EXIT_OK;
	if (!sw_klog_rec_rule(rec, &t.monitor, &t.rule))
		return sw_err_set(err, SW_EXIT_USAGE, "kernel_log record without a usable action/rule");
	if (!sw_graph_end_read(rec, "src", &s) || !sw_graph_end_read(rec, "dst", &d))
		return sw_err_set(err, SW_EXIT_USAGE,
				  "kernel_log record without usable src/dst addresses");
	if (g->policy && (!sw_graph_end_bits(g, &s, 0) || !sw_graph_end_bits(g, &d, 1)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	/* the nodes the flows of these ends belong to, without adding them */
	sw_graph_node_key(g, &s, sid, sizeof(sid), sname, sizeof(sname));
	sw_graph_node_key(g, &d, did, sizeof(did), dname, sizeof(dname));
	t.src = sid, t.dst = did, t.src_name = sname, t.dst_name = dname;
	sw_klog_rec_proto(rec, &t);
	if (!(r = sw_klog_row_get(&g->klog, &t)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	r->packets = sw_flowfile_count_add(r->packets, sw_json_u64(rec, "packets"));
	sw_graph_times_widen(r->first, r->last, json_string_value(json_object_get(rec, "first_seen")),
			     json_string_value(json_object_get(rec, "last_seen")));
	g->klog.records++;
	return SW_EXIT_OK;
}

/* A row's rule as the report names it; the policy's name when the index matches it. */
void sw_graph_klog_rule_json(const struct sw_graph *g, bool monitor, long rule, json_t *o)
{
	const struct sw_pol_rule *pr = NULL;
	char where[32];

	json_object_set_new(o, "action", json_string(monitor ? "monitor" : "deny"));
	if (rule < 0) {
		const char *word = sw_report_klog_rule_word((int)rule);

		json_object_set_new(o, "rule", json_string(word ? word : "default"));
		return;
	}
	/* the log names the applied policy's rule N: only a deny rule N here can be it */
	if (g->policy && (size_t)rule < g->policy->n_rules &&
	    g->policy->rules[rule].action == SW_POL_DENY)
		pr = &g->policy->rules[rule];
	snprintf(where, sizeof(where), "/rules/%ld", rule);
	json_object_set_new(o, "rule", json_string(pr && pr->where ? pr->where : where));
	json_object_set_new(o, "rule_index", json_integer(rule));
	if (pr && pr->name)
		json_object_set_new(o, "rule_name", json_string(pr->name));
}

struct sw_klog_sum {
	bool monitor;
	long rule;
	uint64_t packets, pairs;
};

static int sw_klog_sum_cmp(const void *x, const void *y)
{
	const struct sw_klog_sum *a = x, *b = y;

	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if (a->monitor != b->monitor)
		return a->monitor ? 1 : -1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Packets per (action, rule), most first. */
static json_t *sw_klog_by_rule(const struct sw_graph *g)
{
	struct sw_klog_sum *v = calloc(g->klog.n + 1, sizeof(*v));
	json_t *out = json_array(), *o;
	size_t n = 0, j;

	for (size_t i = 0; v && i < g->klog.n; i++) {
		const struct sw_gklog_row *r = &g->klog.rows[i];

		for (j = 0; j < n && (v[j].monitor != r->monitor || v[j].rule != r->rule); j++)
			;
		if (j == n)
			v[n++] = (struct sw_klog_sum){ .monitor = r->monitor, .rule = r->rule };
		v[j].packets = sw_flowfile_count_add(v[j].packets, r->packets);
		v[j].pairs++;
	}
	if (v)
		qsort(v, n, sizeof(*v), sw_klog_sum_cmp);
	for (size_t i = 0; v && out && i < n; i++) {
		o = json_object();
		sw_graph_klog_rule_json(g, v[i].monitor, v[i].rule, o);
		json_object_set_new(o, "packets", json_integer((json_int_t)v[i].packets));
		json_object_set_new(o, "pairs", json_integer((json_int_t)v[i].pairs));
		json_array_append_new(out, o);
	}
	free(v);
	return out;
}

static int sw_klog_row_cmp(const void *x, const void *y, void *arg)
{
	const struct sw_gklog *k = arg;
	const struct sw_gklog_row *a = &k->rows[*(const size_t *)x], *b = &k->rows[*(const size_t *)y];
	int c;

	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if ((c = strcmp(a->src, b->src)) || (c = strcmp(a->dst, b->dst)))
		return c;
	if (a->proto_num != b->proto_num)
		return (int)a->proto_num - (int)b->proto_num;
	return (int)a->port - (int)b->port;
}

/* One pair: its ends, the edge the flows made (when they did) and the packets logged. */
static json_t *sw_klog_pair_json(const struct sw_graph *g, const struct sw_gklog_row *r)
{
	const struct sw_gedge *e = sw_graph_edge_find(g, r->src, r->dst, r->proto_num, r->icmp,
						       r->port);
	json_t *o = json_object();
	char id[1400];

	if (!o)
		return NULL;
	sw_graph_klog_rule_json(g, r->monitor, r->rule, o);
	snprintf(id, sizeof(id), "%s -> %s %s/%s%u", r->src, r->dst, r->proto, r->icmp ? "type " : "",
		 r->port);
	json_object_set_new(o, "edge", json_string(id));
	if (e && e->verdict != SW_GV_NONE)
		json_object_set_new(o, "edge_verdict", json_string(sw_graph_verdict_name(e->verdict)));
	json_object_set_new(o, "src", json_string(r->src));
	json_object_set_new(o, "src_name", json_string(r->src_name));
	json_object_set_new(o, "dst", json_string(r->dst));
	json_object_set_new(o, "dst_name", json_string(r->dst_name));
	json_object_set_new(o, "proto", json_string(r->proto));
	json_object_set_new(o, "proto_num", json_integer(r->proto_num));
	json_object_set_new(o, r->icmp ? "icmp_type" : "port", json_integer(r->port));
	json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
	if (r->first[0])
		json_object_set_new(o, "first_seen", json_string(r->first));
	if (r->last[0])
		json_object_set_new(o, "last_seen", json_string(r->last));
	return o;
}

/* The pairs with the most packets logged. */
static json_t *sw_klog_pairs(const struct sw_graph *g)
{
	size_t *o = malloc((g->klog.n + 1) * sizeof(*o));
	json_t *out = json_array();

	for (size_t i = 0; o && i < g->klog.n; i++)
		o[i] = i;
	if (o)
		qsort_r(o, g->klog.n, sizeof(*o), sw_klog_row_cmp, (void *)&g->klog);
	for (size_t i = 0; o && out && i < g->klog.n && i < SW_GKLOG_PAIRS_MAX; i++)
		json_array_append_new(out, sw_klog_pair_json(g, &g->klog.rows[o[i]]));
	free(o);
	return out;
}

json_t *sw_graph_klog_report(const struct sw_graph *g)
{
	uint64_t dropped = 0, monitor = 0;
	json_t *o;

	for (size_t i = 0; i < g->klog.n; i++) {
		if (g->klog.rows[i].monitor)
			monitor = sw_flowfile_count_add(monitor, g->klog.rows[i].packets);
		else
			dropped = sw_flowfile_count_add(dropped, g->klog.rows[i].packets);
	}
	o = json_pack("{s:b, s:I, s:I, s:I}", "recorded", g->klog.files || g->klog.records,
		      "dropped", (json_int_t)dropped, "monitor", (json_int_t)monitor, "pairs_total",
		      (json_int_t)g->klog.n);
	if (o) {
		size_t peers_total;

		json_object_set_new(o, "by_rule", sw_klog_by_rule(g));
		json_object_set_new(o, "peers", sw_graph_klog_peers(g, &peers_total));
		json_object_set_new(o, "peers_total", json_integer((json_int_t)peers_total));
		json_object_set_new(o, "pairs", sw_klog_pairs(g));
	}
	return o;
}

json_t *sw_graph_klog_completeness(const struct sw_graph *g)
{
	const struct sw_gklog *k = &g->klog;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "files", (json_int_t)k->files, "messages",
			 (json_int_t)k->messages, "undecoded", (json_int_t)k->undecoded, "invalid",
			 (json_int_t)k->invalid, "overruns", (json_int_t)k->overruns,
			 "not_aggregated", (json_int_t)k->not_aggregated);
}
