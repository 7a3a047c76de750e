// SPDX-License-Identifier: GPL-2.0-or-later
/* engine.c - the event hooks: what each event may raise. */
#include <stdlib.h>
#include <string.h>

#include <segwatch/infra.h>
#include <segwatch/learn.h>

#include "internal.h"

/* A copy of a name list; *@n counts what was copied, so a partial copy frees cleanly. */
static bool sw_alert_names_copy(char ***dst, size_t *n, char *const *src, size_t n_src)
{
	*n = 0;
	if (!(*dst = calloc(n_src + 1, sizeof(**dst))))
		return false;
	for (size_t i = 0; i < n_src; i++) {
		if (!((*dst)[i] = strdup(src[i])))
			return false;
		(*n)++;
	}
	return true;
}

static bool sw_alert_config_copy(struct sw_alert_config *dst, const struct sw_alert_config *src)
{
	*dst = *src;
	dst->sensitive = dst->fanout_exempt = NULL;
	dst->n_sensitive = dst->n_fanout_exempt = 0;
	dst->host = NULL;
	dst->group_by = strdup(src->group_by ? src->group_by : "app");
	if (!dst->group_by || (src->host && !(dst->host = strdup(src->host))) ||
	    !sw_alert_names_copy(&dst->sensitive, &dst->n_sensitive, src->sensitive,
				 src->n_sensitive) ||
	    !sw_alert_names_copy(&dst->fanout_exempt, &dst->n_fanout_exempt, src->fanout_exempt,
				 src->n_fanout_exempt))
		return false;
	if (dst->fanout_distinct == 0)
		dst->fanout_distinct = 1;
	if (dst->fanout_distinct > SW_ALERT_FANOUT_CAP)
		dst->fanout_distinct = SW_ALERT_FANOUT_CAP;
	if (dst->scan.contacts_per_source == 0)
		dst->scan.contacts_per_source = 1;
	if (dst->scan.contacts_per_source > SW_ALERT_SCAN_CONTACTS_MAX)
		dst->scan.contacts_per_source = SW_ALERT_SCAN_CONTACTS_MAX;
	return true;
}

struct sw_alert_engine *sw_alert_engine_alloc(const struct sw_alert_config *cfg,
					      const struct sw_policy *policy,
					      const struct sw_baseline *baseline,
					      sw_alert_sink_fn sink, void *arg)
{
	struct sw_alert_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->policy = policy;
	e->baseline = baseline;
	e->sink = sink;
	e->arg = arg;
	if (!sw_alert_config_copy(&e->cfg, cfg) || !sw_lru_init(&e->keys, e->cfg.max_keys) ||
	    !sw_lru_init(&e->sources, e->cfg.max_sources))
		goto err;
	e->dedup = calloc(e->keys.n, sizeof(*e->dedup));
	e->fan = calloc(e->sources.n, sizeof(*e->fan));
	e->targets = calloc((size_t)e->sources.n * e->cfg.fanout_distinct, sizeof(*e->targets));
	e->bodies = malloc((size_t)e->keys.n * SW_ALERT_BODY_INLINE);
	if (!e->dedup || !e->fan || !e->targets || !e->bodies || !sw_scan_init(e))
		goto err;
	sw_alert_prefault(e->dedup, e->keys.n * sizeof(*e->dedup));
	sw_alert_prefault(e->bodies, (size_t)e->keys.n * SW_ALERT_BODY_INLINE);
	sw_alert_prefault(e->fan, e->sources.n * sizeof(*e->fan));
	sw_alert_prefault(e->targets,
			  (size_t)e->sources.n * e->cfg.fanout_distinct * sizeof(*e->targets));
	return e;
err:
	sw_alert_engine_free(e);
	return NULL;
}

void sw_alert_engine_free(struct sw_alert_engine *e)
{
	if (!e)
		return;
	for (uint32_t i = 0; e->dedup && i < e->keys.used; i++)
		if (e->dedup[i].body_heap)
			free(e->dedup[i].body);
	free(e->dedup);
	free(e->bodies);
	free(e->fan);
	free(e->targets);
	sw_scan_free(e);
	sw_lru_clear(&e->keys);
	sw_lru_clear(&e->sources);
	sw_alert_config_clear(&e->cfg);
	free(e);
}

const struct sw_alert_stats *sw_alert_engine_stats(const struct sw_alert_engine *e)
{
	return &e->stats;
}

static void sw_alert_check_policy(struct sw_alert_engine *e, const struct sw_alert_conn *c)
{
	struct sw_pol_conn pc = { .ipproto = c->proto, .dport = c->dport,
				  .icmp_type = c->icmp_type };
	struct sw_pol_verdict v;
	struct sw_alert_event ev = { .kind = SW_ALERT_POLICY_VIOLATION, .ts_us = c->ts_us,
				     .conn = c, .src = &c->src, .dst = &c->dst,
				     .origin = "capture" };
	size_t words = e->policy ? SW_POL_BITMAP_WORDS(e->policy->n_groups) + 1 : 1;
	uint64_t sbits[words], dbits[words];
	enum sw_pol_outcome out;

	if (!e->policy)
		return;
	sw_policy_membership(e->policy, c->src.wl, c->src.addr, sbits);
	sw_policy_membership(e->policy, c->dst.wl, c->dst.addr, dbits);
	/* the ruleset's view: allowed, or the default between ends it does not manage */
	out = sw_policy_outcome(e->policy, sbits, dbits, &pc, &v);
	if (out == SW_POL_OUT_ALLOWED || out == SW_POL_OUT_UNMANAGED)
		return;
	ev.rule = v.reason == SW_POL_BY_RULE ? e->policy->rules[v.rule].name : "default";
	ev.verdict_mode = sw_pol_mode_name(v.mode);
	ev.dropped = v.drop;
	/* Traffic that got through is worse than an attempt the kernel dropped. */
	ev.severity = v.drop ? SW_ALERT_SEV_MEDIUM : SW_ALERT_SEV_HIGH;
	ev.message = "connection not allowed by the policy";
	sw_alert_raise(e, &ev);
}

static void sw_alert_check_edge(struct sw_alert_engine *e, const struct sw_alert_conn *c)
{
	char from[SW_LEARN_NODE_MAX], to[SW_LEARN_NODE_MAX];
	const char *gb;
	uint16_t port = (c->proto == 1 || c->proto == 58) ? c->icmp_type : c->dport;
	struct sw_alert_event ev = { .kind = SW_ALERT_NEW_EDGE, .severity = SW_ALERT_SEV_MEDIUM,
				     .ts_us = c->ts_us, .conn = c, .src = &c->src,
				     .dst = &c->dst, .origin = "capture", .dropped = -1,
				     .message = "edge not in the baseline" };

	if (!e->baseline)
		return;
	gb = sw_baseline_group_by(e->baseline);
	sw_learn_endpoint_node(c->src.wl, c->src.addr, gb, from, sizeof(from));
	sw_learn_endpoint_node(c->dst.wl, c->dst.addr, gb, to, sizeof(to));
	if (!sw_baseline_has(e->baseline, from, to, c->proto, port))
		sw_alert_raise(e, &ev);
}

bool sw_alert_conn_ignored(const struct sw_alert_engine *e, const struct sw_alert_conn *c)
{
	static const uint8_t v4[12] = { [10] = 0xff, [11] = 0xff };
	int family = memcmp(c->src.addr, v4, sizeof(v4)) == 0 ? 4 : 6;

	return !e->cfg.infrastructure &&
	       sw_infra_classify(family, c->proto, c->src.addr, c->sport, c->dport,
				 c->icmp_type) != SW_INFRA_NONE;
}

bool sw_alert_flow_new(struct sw_alert_engine *e, const struct sw_alert_conn *c)
{
	uint32_t n = 0;
	bool answer = false;

	/* the link's plumbing is no lateral movement: not a scan, not an edge, not a violation */
	if (sw_alert_conn_ignored(e, c))
		return false;

	/* exempt sources (monitoring, proxies) make no fan_out and no scan, by any method */
	if (!sw_alert_endpoint_named(e, &c->src, e->cfg.fanout_exempt, e->cfg.n_fanout_exempt)) {
		if (e->cfg.enabled[SW_ALERT_FAN_OUT] && e->cfg.fanout_count == SW_ALERT_FANOUT_ALL)
			n = sw_alert_fanout_track(e, c, NULL);
		answer = sw_scan_flow_new(e, c);
	}
	if (n && n >= e->cfg.fanout_distinct) {
		struct sw_alert_event ev = { .kind = SW_ALERT_FAN_OUT,
					     .severity = SW_ALERT_SEV_HIGH, .ts_us = c->ts_us,
					     .conn = c, .src = &c->src, .origin = "capture",
					     .dropped = -1, .distinct = n,
					     .message = "connections to many distinct peers or ports" };
		sw_alert_raise(e, &ev);
	}
	if (e->cfg.enabled[SW_ALERT_POLICY_VIOLATION])
		sw_alert_check_policy(e, c);
	if (e->cfg.enabled[SW_ALERT_NEW_EDGE])
		sw_alert_check_edge(e, c);
	return answer;
}

void sw_alert_flow_answered(struct sw_alert_engine *e, const struct sw_alert_conn *c, bool refused)
{
	sw_scan_flow_result(e, c, refused ? SW_SCAN_REFUSED : SW_SCAN_ANSWERED, c->ts_us);
}
