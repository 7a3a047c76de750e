/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A filter over recorded flows, built from option values: each value is
 * parsed when it is added, so an error names the option and the value as
 * the user wrote them; group names wait for the policy (sw_query_compile).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/flow.h>
#include <segwatch/proto.h>
#include <segwatch/text.h>
#include <segwatch/units.h>

#include "internal.h"

static const char *const sw_q_opt_names[SW_QUERY_OPT_MAX] = {
	[SW_QUERY_SINCE] = "--since", [SW_QUERY_UNTIL] = "--until", [SW_QUERY_FROM] = "--from",
	[SW_QUERY_TO] = "--to", [SW_QUERY_PEER] = "--peer", [SW_QUERY_PORT] = "--port",
	[SW_QUERY_PROTO] = "--proto", [SW_QUERY_STATE] = "--state",
	[SW_QUERY_VERDICT] = "--verdict", [SW_QUERY_TYPE] = "--type",
};

static const char *const sw_q_type_names[] = { "flow", "kernel_log", "counters", "all" };

const char *sw_query_opt_name(enum sw_query_opt o)
{
	return (unsigned)o < SW_QUERY_OPT_MAX ? sw_q_opt_names[o] : "?";
}

bool sw_query_opt_parse(const char *name, enum sw_query_opt *o)
{
	if (strncmp(name, "--", 2) == 0)
		name += 2;
	for (unsigned i = 0; i < SW_QUERY_OPT_MAX; i++)
		if (strcmp(name, sw_q_opt_names[i] + 2) == 0) {
			*o = (enum sw_query_opt)i;
			return true;
		}
	return false;
}

struct sw_query *sw_query_alloc(void)
{
	return calloc(1, sizeof(struct sw_query));
}

static void sw_q_eps_clear(struct sw_q_eps *l)
{
	for (size_t i = 0; i < l->n; i++)
		sw_q_ep_clear(&l->v[i]);
	free(l->v);
}

void sw_query_free(struct sw_query *q)
{
	if (!q)
		return;
	sw_q_eps_clear(&q->from);
	sw_q_eps_clear(&q->to);
	sw_q_eps_clear(&q->peer);
	free(q->ports);
	free(q->bits[0]);
	free(q->bits[1]);
	free(q->line);
	free(q);
}

/* A value from a list of names: its index, or an error with a did-you-mean and the list. */
static int sw_q_pick(const char *opt, const char *what, const char *word,
		     const char *const *known, size_t n, unsigned *index, struct sw_err *err)
{
	struct sw_quote q1, q2;
	const char *hint;
	char list[256] = "";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(word, known[i]) == 0) {
			*index = (unsigned)i;
			return SW_EXIT_OK;
		}
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", known[i]);
		if (o >= sizeof(list))
			o = sizeof(list) - 1;
	}
	/* a typo, or a word cut short ("estab"): a hint, never taken as the word */
	hint = sw_text_suggest(word, known, n);
	for (size_t i = 0; !hint && i < n; i++)
		if (strncmp(word, known[i], strlen(word)) == 0)
			hint = known[i];
	if (hint)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: unknown %s %s; did you mean %s?", opt,
				  what, sw_text_quote(&q1, word), sw_text_quote(&q2, hint));
	return sw_err_set(err, SW_EXIT_USAGE, "%s: unknown %s %s (one of %s)", opt, what,
			  sw_text_quote(&q1, word), list);
}

static bool sw_q_port_num(const char *s, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return v <= 65535;
}

static int sw_q_add_port(struct sw_query *q, const char *opt, const char *text, struct sw_err *err)
{
	const char *dash = strchr(text, '-'), *end = text + strlen(text);
	struct sw_q_ports *v;
	struct sw_quote qt;
	unsigned lo, hi;

	if (!sw_q_port_num(text, dash ? dash : end, &lo) ||
	    !sw_q_port_num(dash ? dash + 1 : text, end, &hi) || lo > hi)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s is not a port (0-65535) or a range "
				  "of ports (N-M, N <= M)", opt, sw_text_quote(&qt, text));
	if (q->n_ports >= SW_Q_MAX_VALUES)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: more than %d values", opt,
				  SW_Q_MAX_VALUES);
	if (!(v = realloc(q->ports, (q->n_ports + 1) * sizeof(*v))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	q->ports = v;
	q->ports[q->n_ports].lo = (uint16_t)lo;
	q->ports[q->n_ports++].hi = (uint16_t)hi;
	return SW_EXIT_OK;
}

static int sw_q_add_proto(struct sw_query *q, const char *opt, const char *text,
			  struct sw_err *err)
{
	static const char *const names[] = { "tcp", "udp", "sctp", "udplite", "icmp", "icmpv6" };
	struct sw_quote q1, q2;
	const char *hint;
	uint8_t p;

	if (!sw_proto_parse(text, &p)) {
		if ((hint = sw_text_suggest(text, names, sizeof(names) / sizeof(names[0]))))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: unknown protocol %s; did you "
					  "mean %s?", opt, sw_text_quote(&q1, text),
					  sw_text_quote(&q2, hint));
		return sw_err_set(err, SW_EXIT_USAGE, "%s: unknown protocol %s (tcp, udp, sctp, "
				  "udplite, icmp, icmpv6, or a number 0-255)", opt,
				  sw_text_quote(&q1, text));
	}
	q->protos[p / 64] |= (uint64_t)1 << (p % 64);
	q->has_proto = true;
	return SW_EXIT_OK;
}

static int sw_q_add_name(struct sw_query *q, enum sw_query_opt o, const char *text,
			 struct sw_err *err)
{
	static const char *const verdicts[] = {
		[SW_POL_OUT_ALLOWED] = "allowed", [SW_POL_OUT_DENIED] = "denied",
		[SW_POL_OUT_MONITORED] = "monitored", [SW_POL_OUT_UNMANAGED] = "unmanaged",
	};
	const char *states[SW_FLOW_CLOSED + 1];
	unsigned i;
	int rc;

	for (i = 0; i <= SW_FLOW_CLOSED; i++)
		states[i] = sw_flow_state_name((enum sw_flow_state)i);
	if (o == SW_QUERY_STATE) {
		rc = sw_q_pick(sw_query_opt_name(o), "state", text, states, SW_FLOW_CLOSED + 1, &i,
			       err);
		q->states |= rc == SW_EXIT_OK ? 1u << i : 0;
	} else if (o == SW_QUERY_VERDICT) {
		rc = sw_q_pick(sw_query_opt_name(o), "verdict", text, verdicts, 4, &i, err);
		q->verdicts |= rc == SW_EXIT_OK ? 1u << i : 0;
	} else {
		rc = sw_q_pick(sw_query_opt_name(o), "record type", text, sw_q_type_names, 4, &i,
			       err);
		q->types |= rc == SW_EXIT_OK ? 1u << i : 0;
	}
	return rc;
}

static int sw_q_add_one(struct sw_query *q, enum sw_query_opt o, const char *text,
			struct sw_err *err)
{
	const char *opt = sw_query_opt_name(o);

	if (!*text)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: empty value", opt);
	switch (o) {
	case SW_QUERY_PORT:
		return sw_q_add_port(q, opt, text, err);
	case SW_QUERY_PROTO:
		return sw_q_add_proto(q, opt, text, err);
	default:
		return sw_q_add_name(q, o, text, err);
	}
}

/* --port 80,443 --state refused,attempted: comma-separated lists of simple values. */
static int sw_q_add_list(struct sw_query *q, enum sw_query_opt o, const char *value,
			 struct sw_err *err)
{
	char *copy = strdup(value), *item, *next;
	int rc = SW_EXIT_OK;

	if (!copy)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	for (item = copy; rc == SW_EXIT_OK && item; item = next) {
		if ((next = strchr(item, ',')))
			*next++ = '\0';
		rc = sw_q_add_one(q, o, item, err);
	}
	free(copy);
	return rc;
}

static int sw_q_add_ep(struct sw_q_eps *l, const char *opt, const char *value, struct sw_err *err)
{
	struct sw_q_ep ep, *v;
	int rc;

	if (l->n >= SW_Q_MAX_VALUES)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: more than %d values", opt,
				  SW_Q_MAX_VALUES);
	if ((rc = sw_q_ep_parse(&ep, opt, value, err)) != SW_EXIT_OK)
		return rc;
	if (!(v = realloc(l->v, (l->n + 1) * sizeof(*v)))) {
		sw_q_ep_clear(&ep);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	l->v = v;
	l->v[l->n++] = ep;
	return SW_EXIT_OK;
}

static int sw_q_add_time(struct sw_query *q, enum sw_query_opt o, const char *value,
			 uint64_t now_us, struct sw_err *err)
{
	struct sw_quote qt;
	uint64_t us;

	if (!sw_units_time_parse(value, now_us, &us))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s is not a time (10m, 2h or 1d ago; "
				  "2026-12-01T14:00:00Z; 2026-12-01; @1764597600; now)",
				  sw_query_opt_name(o), sw_text_quote(&qt, value));
	if (o == SW_QUERY_SINCE) {
		q->since_us = us;
		q->has_since = true;
		snprintf(q->since_text, sizeof(q->since_text), "%s", sw_text_quote(&qt, value));
	} else {
		q->until_us = us;
		q->has_until = true;
		snprintf(q->until_text, sizeof(q->until_text), "%s", sw_text_quote(&qt, value));
	}
	return SW_EXIT_OK;
}

int sw_query_add(struct sw_query *q, enum sw_query_opt o, const char *value, uint64_t now_us,
		 struct sw_err *err)
{
	switch (o) {
	case SW_QUERY_SINCE:
	case SW_QUERY_UNTIL:
		return sw_q_add_time(q, o, value, now_us, err);
	case SW_QUERY_FROM:
		return sw_q_add_ep(&q->from, sw_query_opt_name(o), value, err);
	case SW_QUERY_TO:
		return sw_q_add_ep(&q->to, sw_query_opt_name(o), value, err);
	case SW_QUERY_PEER:
		return sw_q_add_ep(&q->peer, sw_query_opt_name(o), value, err);
	case SW_QUERY_PORT:
	case SW_QUERY_PROTO:
	case SW_QUERY_STATE:
	case SW_QUERY_VERDICT:
	case SW_QUERY_TYPE:
		return sw_q_add_list(q, o, value, err);
	default:
		return sw_err_set(err, SW_EXIT_USAGE, "unknown filter option %d", (int)o);
	}
}

/* Resolve the group: values of one option against the policy's group names. */
static int sw_q_resolve_groups(struct sw_query *q, struct sw_q_eps *l, const char *opt,
			       const char *policy_name, const char **names, struct sw_err *err)
{
	const struct sw_policy *p = q->policy;

	for (size_t i = 0; i < l->n; i++) {
		struct sw_q_ep *ep = &l->v[i];
		struct sw_quote q1, q2;
		const char *hint;
		size_t g;

		if (ep->kind != SW_Q_EP_GROUP)
			continue;
		if (!p)
			return sw_err_set(err, SW_EXIT_USAGE, "%s: group %s needs a policy: add "
					  "--policy FILE", opt, sw_text_quote(&q1, ep->text));
		for (g = 0; g < p->n_groups && strcmp(p->groups[g].name, ep->text) != 0; g++)
			;
		if (g < p->n_groups) {
			ep->group = g;
			q->uses_groups = true;
			continue;
		}
		hint = sw_text_suggest(ep->text, names, p->n_groups);
		return sw_err_set(err, SW_EXIT_USAGE, "%s: unknown group %s in %s%s%s%s", opt,
				  sw_text_quote(&q1, ep->text), policy_name ? policy_name : "the policy",
				  hint ? "; did you mean " : "", hint ? sw_text_quote(&q2, hint) : "",
				  hint ? "?" : "");
	}
	return SW_EXIT_OK;
}

static int sw_q_compile_groups(struct sw_query *q, const char *policy_name, struct sw_err *err)
{
	const struct sw_policy *p = q->policy;
	const char **names = NULL;
	int rc;

	if (p && p->n_groups && !(names = calloc(p->n_groups, sizeof(*names))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	for (size_t g = 0; p && g < p->n_groups; g++)
		names[g] = p->groups[g].name;
	rc = sw_q_resolve_groups(q, &q->from, "--from", policy_name, names, err);
	if (rc == SW_EXIT_OK)
		rc = sw_q_resolve_groups(q, &q->to, "--to", policy_name, names, err);
	if (rc == SW_EXIT_OK)
		rc = sw_q_resolve_groups(q, &q->peer, "--peer", policy_name, names, err);
	free(names);
	return rc;
}

int sw_query_compile(struct sw_query *q, const struct sw_policy *p, const char *policy_name,
		     struct sw_err *err)
{
	int rc;

	q->policy = p;
	if (q->has_since && q->has_until && q->since_us > q->until_us)
		return sw_err_set(err, SW_EXIT_USAGE, "--until: %s is before --since %s: no flow "
				  "can match", q->until_text, q->since_text);
	if (q->verdicts && !p)
		return sw_err_set(err, SW_EXIT_USAGE, "--verdict needs a policy: add --policy FILE");
	if ((rc = sw_q_compile_groups(q, policy_name, err)) != SW_EXIT_OK)
		return rc;
	if (!q->types)
		q->types = SW_Q_TYPE_FLOW;
	free(q->bits[0]);
	free(q->bits[1]);
	q->bits[0] = q->bits[1] = NULL;
	if (p) {
		q->words = SW_POL_BITMAP_WORDS(p->n_groups) + 1;
		if (!(q->bits[0] = calloc(q->words, sizeof(uint64_t))) ||
		    !(q->bits[1] = calloc(q->words, sizeof(uint64_t))))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	q->compiled = true;
	return SW_EXIT_OK;
}

void sw_query_window(const struct sw_query *q, uint64_t *since_us, uint64_t *until_us)
{
	*since_us = q->has_since ? q->since_us : 0;
	*until_us = q->has_until ? q->until_us : 0;
}
