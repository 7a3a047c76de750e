/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A staged policy (docs/policy.md "Staged policies"): every flow judged by a
 * candidate next to the enforced policy, with nothing put in the kernel. The
 * pipeline does it once per flow, before the sinks, with the identities the
 * record was resolved with (the same the enforced verdict uses), and hands
 * the result to every sink in the record (sw_flow_rec.staged): the history
 * writes it, the live graph shows it. The counts are kept here for the
 * agent's /metrics (docs/metrics.md): flows judged, verdict changes by kind,
 * and hits per candidate rule, bounded to SW_STAGED_RULES_MAX series.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/metrics.h>
#include <segwatch/policy.h>

#include "internal.h"

/* Rules with a series of their own; the rest are counted under rule="other". */
#define SW_STAGED_RULES_MAX 256

/* Hits past the rules: the default, intra_group, neighbour_discovery, other, unmanaged. */
enum sw_staged_special {
	SW_STAGED_DEFAULT = 0,
	SW_STAGED_INTRA,
	SW_STAGED_PLUMBING,
	SW_STAGED_OTHER,
	SW_STAGED_UNMANAGED,
	SW_STAGED_SPECIALS
};

static const char *const sw_staged_special_names[SW_STAGED_SPECIALS] = {
	"default", "intra_group", "neighbour_discovery", "other", "(unmanaged)",
};

struct sw_pipeline_staged {
	struct sw_policy *staged;	/* held */
	struct sw_policy *enforced;	/* held; NULL: changes are not counted */
	uint64_t flows;			/* judged */
	uint64_t newly_denied, newly_allowed;
	uint64_t *hits;			/* per rule up to SW_STAGED_RULES_MAX, then the specials */
	size_t n_rules;			/* rules with a series of their own */
};

static bool sw_outcome_denies(enum sw_pol_outcome o)
{
	return o == SW_POL_OUT_DENIED || o == SW_POL_OUT_MONITORED;
}

void sw_pipeline_staged_free(struct sw_pipeline_staged *s)
{
	if (!s)
		return;
	sw_policy_free(s->staged);
	sw_policy_free(s->enforced);
	free(s->hits);
	free(s);
}

int sw_pipeline_set_staged(struct sw_pipeline *p, struct sw_policy *staged,
			   struct sw_policy *enforced, struct sw_err *err)
{
	struct sw_pipeline_staged *s = p->staged;

	if (!staged) {
		sw_pipeline_staged_free(p->staged);
		p->staged = NULL;
		return SW_EXIT_OK;
	}
	if (s && s->staged == staged) { /* the same candidate: its counts go on */
		if (s->enforced != enforced) {
			sw_policy_free(s->enforced);
			s->enforced = enforced ? sw_policy_ref(enforced) : NULL;
		}
		return SW_EXIT_OK;
	}
	if (!(s = calloc(1, sizeof(*s))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	s->n_rules = staged->n_rules < SW_STAGED_RULES_MAX ? staged->n_rules : SW_STAGED_RULES_MAX;
	if (!(s->hits = calloc(s->n_rules + SW_STAGED_SPECIALS, sizeof(*s->hits)))) {
		free(s);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	s->staged = sw_policy_ref(staged);
	s->enforced = enforced ? sw_policy_ref(enforced) : NULL;
	sw_pipeline_staged_free(p->staged);
	p->staged = s;
	return SW_EXIT_OK;
}

/* The hit slot of a verdict: the rule's own, or one of the specials. */
static size_t sw_staged_slot(const struct sw_pipeline_staged *s, enum sw_pol_outcome out,
			     const struct sw_pol_verdict *v)
{
	if (out == SW_POL_OUT_UNMANAGED)
		return s->n_rules + SW_STAGED_UNMANAGED;
	switch (v->reason) {
	case SW_POL_BY_RULE:
		return v->rule < s->n_rules ? v->rule : s->n_rules + SW_STAGED_OTHER;
	case SW_POL_BY_INTRA: return s->n_rules + SW_STAGED_INTRA;
	case SW_POL_BY_PLUMBING: return s->n_rules + SW_STAGED_PLUMBING;
	default: return s->n_rules + SW_STAGED_DEFAULT;
	}
}

/*
 * sw_staged_outcome - @r judged by @pol, as the metrics and IPFIX sinks judge
 * it: the one function, called for the candidate and for the enforced policy.
 */
static enum sw_pol_outcome sw_staged_outcome(const struct sw_policy *pol,
					     const struct sw_flow_rec *r, struct sw_pol_verdict *v)
{
	size_t words = SW_POL_BITMAP_WORDS(pol->n_groups) + 1; /* never a zero-length array */
	uint64_t sbits[words], dbits[words];

	return sw_policy_judge_flow(pol, r, sbits, dbits, v);
}

bool sw_pipeline_staged_judge(struct sw_pipeline *p, struct sw_flow_rec *rec,
			      struct sw_flow_staged *out, bool count)
{
	struct sw_pipeline_staged *s = p->staged;
	struct sw_pol_verdict v, ev;
	enum sw_pol_outcome o, now;
	const struct sw_policy *pol;

	if (!s)
		return false;
	pol = s->staged;
	o = sw_staged_outcome(pol, rec, &v);
	memset(out, 0, sizeof(*out));
	out->verdict = sw_pol_outcome_name(o);
	if (o != SW_POL_OUT_UNMANAGED) {
		out->rule = v.reason == SW_POL_BY_RULE ? pol->rules[v.rule].where :
			    sw_policy_verdict_rule(pol, o, &v);
		out->rule_name = v.reason == SW_POL_BY_RULE ? pol->rules[v.rule].name : NULL;
	}
	if (s->enforced) {
		now = sw_staged_outcome(s->enforced, rec, &ev);
		if (!sw_outcome_denies(now) && sw_outcome_denies(o))
			out->change = "newly_denied";
		else if (sw_outcome_denies(now) && !sw_outcome_denies(o))
			out->change = "newly_allowed";
	}
	if (count) {
		s->flows++;
		s->hits[sw_staged_slot(s, o, &v)]++;
		if (out->change)
			(*(sw_outcome_denies(o) ? &s->newly_denied : &s->newly_allowed))++;
	}
	rec->staged = out;
	return true;
}

void sw_pipeline_staged_render(struct sw_pipeline *p, struct sw_metrics_text *t)
{
	struct sw_pipeline_staged *s = p ? p->staged : NULL;
	const char *hits = "segwatch_staged_rule_hits_total";
	const char *changes = "segwatch_staged_changes_total";

	if (!s)
		return;
	sw_metrics_counter(t, "segwatch_staged_flows_total",
			   "Ended flows judged by the staged (candidate) policy.", s->flows);
	sw_metrics_family(t, changes, SW_METRICS_COUNTER,
			  "Ended flows whose verdict the staged policy would change, by kind: "
			  "newly_denied (the enforced policy lets it pass, the candidate denies "
			  "it), newly_allowed (the other way round).");
	sw_metrics_u64(t, changes, &(struct sw_metrics_label){ "change", "newly_denied" }, 1,
		       s->newly_denied);
	sw_metrics_u64(t, changes, &(struct sw_metrics_label){ "change", "newly_allowed" }, 1,
		       s->newly_allowed);
	sw_metrics_family(t, hits, SW_METRICS_COUNTER,
			  "Ended flows the staged policy decided, by its rule (/rules/N, default, "
			  "intra_group, neighbour_discovery; other past 256 rules; (unmanaged)).");
	for (size_t i = 0; i < s->n_rules + SW_STAGED_SPECIALS; i++) {
		const struct sw_pol_rule *r = i < s->n_rules ? &s->staged->rules[i] : NULL;
		struct sw_metrics_label l[2] = {
			{ "rule", r ? r->where : sw_staged_special_names[i - s->n_rules] },
			{ "name", r && r->name ? r->name : "" },
		};

		sw_metrics_u64(t, hits, l, 2, s->hits[i]);
	}
}
