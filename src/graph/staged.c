// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Staged policies (docs/policy.md "Staged policies"): every flow of the
 * graph judged a second time, by a candidate policy that nothing enforces,
 * with the same function as the enforced verdict (judge.c), and what the
 * candidate would change: edges newly denied, newly allowed, verdict
 * changes by rule, rules of either policy that no flow used.
 *
 * "Denied" is what the ruleset would drop or, in monitor mode, log as
 * dropped (violation, monitor); "passes" is allowed or unmanaged. A flow is
 * newly denied when the enforced policy lets it pass and the candidate
 * denies it, newly allowed the other way round. An edge is listed when any
 * of its flows is (counts are per flow, so an aggregated edge whose flows
 * differ shows both).
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool sw_gv_denies(enum sw_graph_verdict v)
{
	return v == SW_GV_VIOLATION || v == SW_GV_MONITOR;
}

static bool sw_gv_passes(enum sw_graph_verdict v)
{
	return v == SW_GV_ALLOWED || v == SW_GV_UNMANAGED;
}

bool sw_graph_staged_alloc(struct sw_graph *g)
{
	const struct sw_policy *p = g->staged;

	g->swords = SW_POL_BITMAP_WORDS(p->n_groups) + 1;
	g->sbits[0] = calloc(g->swords, sizeof(uint64_t));
	g->sbits[1] = calloc(g->swords, sizeof(uint64_t));
	g->staged_hits = calloc(p->n_rules + 1, sizeof(uint64_t));
	g->staged_changes = json_object();
	return g->sbits[0] && g->sbits[1] && g->staged_hits && g->staged_changes;
}

void sw_graph_staged_free(struct sw_graph *g)
{
	free(g->sbits[0]);
	free(g->sbits[1]);
	free(g->staged_hits);
	json_decref(g->staged_changes);
}

void sw_gstaged_free(struct sw_gstaged *st)
{
	if (!st)
		return;
	free(st->rule);
	free(st->rule_name);
	free(st);
}

/* {"verdict": "allowed", "rule": "/rules/0", "rule_name": "web-to-api"}: one side of a change. */
static json_t *sw_staged_side(enum sw_graph_verdict v, const char *rule, const char *name)
{
	json_t *o = json_pack("{s:s}", "verdict", sw_graph_verdict_name(v));

	if (o && rule)
		json_object_set_new(o, "rule", json_string(rule));
	if (o && name)
		json_object_set_new(o, "rule_name", json_string(name));
	return o;
}

/* One more flow of edge @e whose verdict goes from @now to @cand: counted by (from, to). */
static bool sw_graph_staged_change(struct sw_graph *g, const struct sw_gedge *e,
				   const struct sw_gjudge *now, const struct sw_gjudge *cand)
{
	const char *nname = now->rule >= 0 ? g->policy->rules[now->rule].name : NULL;
	const char *cname = cand->rule >= 0 ? g->staged->rules[cand->rule].name : NULL;
	json_t *c, *seen;
	char key[96], idx[24];

	snprintf(key, sizeof(key), "%d\x1f%s\x1f%d\x1f%s", (int)now->verdict,
		 now->rule_where ? now->rule_where : "", (int)cand->verdict,
		 cand->rule_where ? cand->rule_where : "");
	if (!(c = json_object_get(g->staged_changes, key))) {
		c = json_pack("{s:o, s:o, s:I, s:{}}", "from",
			      sw_staged_side(now->verdict, now->rule_where, nname), "to",
			      sw_staged_side(cand->verdict, cand->rule_where, cname), "flows",
			      (json_int_t)0, "edge_set");
		if (!c || json_object_set_new(g->staged_changes, key, c))
			return false;
	}
	json_object_set_new(c, "flows",
			    json_integer(json_integer_value(json_object_get(c, "flows")) + 1));
	snprintf(idx, sizeof(idx), "%zu", (size_t)(e - g->edges));
	seen = json_object_get(c, "edge_set");
	return json_object_get(seen, idx) || json_object_set_new(seen, idx, json_true()) == 0;
}

bool sw_graph_staged_add(struct sw_graph *g, json_t *flow, const struct sw_gend *s,
			 const struct sw_gend *d, struct sw_gedge *e, const struct sw_gjudge *now)
{
	struct sw_gjudge j = { .verdict = SW_GV_NONE, .rule = -1 };
	struct sw_gstaged *st;

	if (!sw_graph_end_bits_under(g->staged, s, g->sbits[0], g->swords) ||
	    !sw_graph_end_bits_under(g->staged, d, g->sbits[1], g->swords))
		return false;
	sw_graph_judge_under(g->staged, flow, g->sbits[0], g->sbits[1], &j);
	if (!e->staged && !(e->staged = calloc(1, sizeof(*e->staged))))
		return false;
	st = e->staged;
	g->staged_flows++;
	if (j.rule >= 0)
		g->staged_hits[j.rule]++;
	st->vflows[j.verdict]++;
	if (!sw_graph_verdict_keep(&st->verdict, &st->rule, &st->rule_name, j.verdict,
				   j.rule_where, j.rule >= 0 ? g->staged->rules[j.rule].name : NULL))
		return false;
	if (sw_gv_passes(now->verdict) && sw_gv_denies(j.verdict))
		st->newly_denied++;
	else if (sw_gv_denies(now->verdict) && sw_gv_passes(j.verdict))
		st->newly_allowed++;
	return now->verdict == j.verdict || sw_graph_staged_change(g, e, now, &j);
}

json_t *sw_graph_staged_edge_json(const struct sw_gstaged *st)
{
	json_t *o = sw_staged_side(st->verdict, st->rule, st->rule_name);

	if (o)
		json_object_set_new(o, "verdicts", sw_graph_vflows_json(st->vflows));
	return o;
}

/* Rules of @p no flow matched (@hits per rule): allow and deny, in policy order. */
static json_t *sw_staged_unused(const struct sw_policy *p, const uint64_t *hits)
{
	json_t *out = json_array(), *r;

	for (size_t i = 0; out && i < p->n_rules; i++) {
		const struct sw_pol_rule *rule = &p->rules[i];

		if (hits[i])
			continue;
		r = json_pack("{s:s, s:s, s:s}", "rule", rule->where, "action",
			      sw_pol_action_name(rule->action), "mode", sw_pol_mode_name(rule->mode));
		if (r && rule->name)
			json_object_set_new(r, "rule_name", json_string(rule->name));
		json_array_append_new(out, r);
	}
	return out;
}

/* Most flows first, then by the sides' text: the same input, the same order. */
static int sw_staged_change_cmp(const void *a, const void *b, void *arg)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t fx = json_integer_value(json_object_get(x, "flows"));
	json_int_t fy = json_integer_value(json_object_get(y, "flows"));
	char *kx, *ky;
	int c;

	(void)arg;
	if (fx != fy)
		return fx > fy ? -1 : 1;
	kx = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
	ky = json_dumps(y, JSON_COMPACT | JSON_SORT_KEYS);
	c = kx && ky ? strcmp(kx, ky) : 0;
	free(kx);
	free(ky);
	return c;
}

/* The changes as a list: {"from", "to", "flows", "edges"}, most flows first. */
static json_t *sw_staged_changes(const struct sw_graph *g)
{
	size_t n = json_object_size(g->staged_changes), i = 0;
	json_t **v = calloc(n ? n : 1, sizeof(*v)), *out = json_array(), *c;
	const char *k;

	if (!v || !out) {
		free(v);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(g->staged_changes, k, c) {
		json_t *o = json_pack("{s:O, s:O, s:O, s:I}", "from", json_object_get(c, "from"),
				      "to", json_object_get(c, "to"), "flows",
				      json_object_get(c, "flows"), "edges",
				      (json_int_t)json_object_size(json_object_get(c, "edge_set")));

		if (o)
			v[i++] = o;
	}
	qsort_r(v, i, sizeof(*v), sw_staged_change_cmp, NULL);
	for (size_t j = 0; j < i; j++)
		json_array_append_new(out, v[j]);
	free(v);
	return out;
}

/* A listed edge: the report's form (with its "staged" object) and the flows that change. */
static json_t *sw_staged_edge(const struct sw_graph *g, const struct sw_gedge *e, uint64_t changed)
{
	json_t *o = sw_graph_report_edge(g, e, NULL);

	if (o)
		json_object_set_new(o, "flows_changed", json_integer((json_int_t)changed));
	return o;
}

json_t *sw_graph_staged_report(const struct sw_graph *g)
{
	json_t *r = json_object(), *den = json_array(), *alw = json_array(), *by = json_object();
	size_t *o = sw_graph_order(g, true);
	uint64_t n[4] = { 0 }, judged = 0, unchanged = 0, count[SW_GV_MAX] = { 0 };

	if (!r || !den || !alw || !by || !o)
		goto nomem;
	for (size_t i = 0; i < g->n_edges; i++) {
		const struct sw_gedge *e = &g->edges[o[i]];
		const struct sw_gstaged *st = e->staged;

		if (!st)
			continue; /* merged from a saved graph: no flows to judge */
		judged++;
		count[st->verdict]++;
		if (st->newly_denied) {
			n[0]++, n[1] += st->newly_denied;
			json_array_append_new(den, sw_staged_edge(g, e, st->newly_denied));
		}
		if (st->newly_allowed) {
			n[2]++, n[3] += st->newly_allowed;
			json_array_append_new(alw, sw_staged_edge(g, e, st->newly_allowed));
		}
		unchanged += !st->newly_denied && !st->newly_allowed;
	}
	for (int v = SW_GV_ALLOWED; v < SW_GV_MAX; v++)
		json_object_set_new(by, sw_graph_verdict_name(v), json_integer((json_int_t)count[v]));
	if (g->staged->name)
		json_object_set_new(r, "policy", json_string(g->staged->name));
	json_object_set_new(r, "flows", json_integer((json_int_t)g->staged_flows));
	json_object_set_new(r, "edges", json_integer((json_int_t)judged));
	json_object_set_new(r, "summary", json_pack("{s:{s:I, s:I}, s:{s:I, s:I}, s:I}",
		"newly_denied", "edges", (json_int_t)n[0], "flows", (json_int_t)n[1],
		"newly_allowed", "edges", (json_int_t)n[2], "flows", (json_int_t)n[3],
		"unchanged_edges", (json_int_t)unchanged));
	json_object_set_new(r, "verdicts", by);
	json_object_set_new(r, "newly_denied", den);
	json_object_set_new(r, "newly_allowed", alw);
	json_object_set_new(r, "changes", sw_staged_changes(g));
	json_object_set_new(r, "unused_rules", sw_staged_unused(g->staged, g->staged_hits));
	json_object_set_new(r, "enforced_unused_rules", sw_staged_unused(g->policy, g->rule_hits));
	free(o);
	return r;
nomem:
	free(o);
	json_decref(r);
	json_decref(den);
	json_decref(alw);
	json_decref(by);
	return NULL;
}
