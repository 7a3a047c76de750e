// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Verdicts: each flow judged the way the compiled ruleset judges its first
 * packet (docs/policy.md, "What the ruleset looks like"), the same way as
 * `segwatch policy test`: the default applies only between two managed ends
 * (both selected by some group); otherwise an unmatched flow is unmanaged.
 */
#include <string.h>

#include "internal.h"

/* The workload a flow end names, for the policy's selectors (strings borrowed). */
static bool sw_gend_workload(const struct sw_gend *e, struct sw_workload *w)
{
	json_t *labels, *v;
	const char *k;

	memset(w, 0, sizeof(*w));
	if (!e->wl)
		return true;
	w->name = (char *)json_string_value(json_object_get(e->wl, "name"));
	w->namespace = (char *)json_string_value(json_object_get(e->wl, "namespace"));
	labels = json_object_get(e->wl, "labels");
	json_object_foreach(labels, k, v)
		if (json_is_string(v) && !sw_workload_add_label(w, k, json_string_value(v)))
			return false;
	return sw_workload_add_addr(w, e->addr16);
}

/*
 * sw_graph_end_bits_under - the groups of @p selecting @e, into @bits of
 * @words words (the enforced policy's or the staged one's scratch bitmap).
 */
bool sw_graph_end_bits_under(const struct sw_policy *p, const struct sw_gend *e,
			     uint64_t *bits, size_t words)
{
	struct sw_workload w;
	bool ok;

	memset(bits, 0, words * sizeof(uint64_t));
	ok = sw_gend_workload(e, &w);
	if (ok)
		sw_policy_membership(p, w.n_addrs ? &w : NULL, e->addr16, bits);
	w.name = NULL; /* borrowed from the JSON */
	w.namespace = NULL;
	sw_workload_clear(&w);
	return ok;
}

/* sw_graph_end_bits - the groups selecting @e, into the graph's scratch bitmap @which. */
bool sw_graph_end_bits(struct sw_graph *g, struct sw_gend *e, int which)
{
	bool ok = sw_graph_end_bits_under(g->policy, e, g->bits[which], g->words);

	e->bits = g->bits[which];
	return ok;
}

/*
 * sw_graph_judge_under - the verdict @p gives @flow whose ends' groups (of
 * @p) are @sbits and @dbits. The one place a flow of a graph is judged: the
 * enforced policy and a staged one (staged.c) both go through here.
 */
void sw_graph_judge_under(const struct sw_policy *p, json_t *flow, const uint64_t *sbits,
			  const uint64_t *dbits, struct sw_gjudge *j)
{
	struct sw_pol_verdict v;
	/* the record's connection read as `policy test` and `flows --verdict` read it */
	enum sw_pol_outcome out = sw_policy_record_outcome(p, flow, sbits, dbits, &v);

	j->rule = v.reason == SW_POL_BY_RULE ? (long)v.rule : -1;
	j->rule_where = v.reason == SW_POL_BY_RULE ? p->rules[v.rule].where :
			v.reason == SW_POL_BY_INTRA ? "intra_group" :
			v.reason == SW_POL_BY_PLUMBING ? "neighbour_discovery" : "default";
	if (out == SW_POL_OUT_UNMANAGED) {
		j->verdict = SW_GV_UNMANAGED;
		j->rule_where = NULL;
	} else if (out == SW_POL_OUT_ALLOWED)
		j->verdict = SW_GV_ALLOWED;
	else if (out == SW_POL_OUT_MONITORED)
		j->verdict = SW_GV_MONITOR;
	else
		j->verdict = SW_GV_VIOLATION;
}

/* sw_graph_judge - the verdict of @flow under the graph's policy; @s and @d have their bits. */
void sw_graph_judge(struct sw_graph *g, json_t *flow, const struct sw_gend *s,
		    const struct sw_gend *d, struct sw_gjudge *j)
{
	sw_graph_judge_under(g->policy, flow, s->bits, d->bits, j);
}
