/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One record against the compiled filter. Records are read from files that
 * anyone may have written: every field is looked up with its type checked,
 * and a filter that needs a field the record lacks (or has as the wrong
 * type) does not match it. The cheap tests come first; group membership and
 * the policy's verdict are worked out only when the filter needs them.
 */
#include <string.h>

#include <segwatch/flow.h>
#include <segwatch/proto.h>
#include <segwatch/units.h>

#include "internal.h"

bool sw_q_record_time(const json_t *rec, const char *key, uint64_t *us)
{
	const char *t = json_string_value(json_object_get(rec, key));

	/* only the absolute form: "10m" in a record is not a time */
	if (!t || strlen(t) < 10 || t[4] != '-' || t[7] != '-')
		return false;
	return sw_units_time_parse(t, 0, us);
}

static bool sw_q_type_ok(const struct sw_query *q, const json_t *rec)
{
	const char *type = json_string_value(json_object_get(rec, "type"));

	if (q->types & SW_Q_TYPE_ALL)
		return true;
	if (!type)
		return false;
	if (strcmp(type, "flow") == 0)
		return q->types & SW_Q_TYPE_FLOW;
	if (strcmp(type, "kernel_log") == 0)
		return q->types & SW_Q_TYPE_KLOG;
	if (strcmp(type, "counters") == 0)
		return q->types & SW_Q_TYPE_COUNTERS;
	return false;
}

/* The span [first_seen, last_seen] meets [since, until] (both ends included). */
static bool sw_q_time_ok(const struct sw_query *q, const json_t *rec)
{
	uint64_t first, last;

	if (!q->has_since && !q->has_until)
		return true;
	if (!sw_q_record_time(rec, "first_seen", &first) ||
	    !sw_q_record_time(rec, "last_seen", &last))
		return false;
	if (last < first) { /* a broken record: take the span it covers */
		uint64_t t = first;

		first = last;
		last = t;
	}
	if (q->has_since && last < q->since_us)
		return false;
	return !q->has_until || first <= q->until_us;
}

/* The IP protocol number: "proto_num", else the name in "proto". */
static bool sw_q_record_proto(const json_t *rec, uint8_t *p)
{
	json_t *num = json_object_get(rec, "proto_num");
	const char *name;

	if (json_is_integer(num)) {
		json_int_t v = json_integer_value(num);

		*p = (uint8_t)v;
		return v >= 0 && v <= 255;
	}
	name = json_string_value(json_object_get(rec, "proto"));
	return name && sw_proto_parse(name, p);
}

static bool sw_q_proto_port_ok(const struct sw_query *q, const json_t *rec)
{
	json_int_t port;
	uint8_t p;

	if (!q->has_proto && !q->n_ports)
		return true;
	if (!sw_q_record_proto(rec, &p))
		return false;
	if (q->has_proto && !(q->protos[p / 64] >> (p % 64) & 1))
		return false;
	if (!q->n_ports)
		return true;
	/* ICMP echo flows carry the identifier in dport: not a port */
	if (!sw_proto_has_ports(p) || !json_is_integer(json_object_get(rec, "dport")))
		return false;
	port = json_integer_value(json_object_get(rec, "dport"));
	for (size_t i = 0; i < q->n_ports; i++)
		if (port >= q->ports[i].lo && port <= q->ports[i].hi)
			return true;
	return false;
}

static bool sw_q_state_ok(const struct sw_query *q, const json_t *rec)
{
	const char *state = json_string_value(json_object_get(rec, "state"));

	if (!q->states)
		return true;
	if (!state)
		return false;
	for (unsigned s = 0; s <= SW_FLOW_CLOSED; s++)
		if (strcmp(state, sw_flow_state_name((enum sw_flow_state)s)) == 0)
			return q->states >> s & 1;
	return false;
}

static bool sw_q_eps_any(const struct sw_q_eps *l, const struct sw_q_end *e)
{
	for (size_t i = 0; i < l->n; i++)
		if (sw_q_ep_match(&l->v[i], e))
			return true;
	return false;
}

/* Group memberships and the verdict, when the filter or the caller needs them. */
static void sw_q_judge(struct sw_query *q, const json_t *rec, struct sw_q_end *src,
		       struct sw_q_end *dst, struct sw_query_result *res)
{
	const struct sw_policy *p = q->policy;

	if (sw_policy_record_membership(p, rec, "src", q->bits[0]))
		src->bits = q->bits[0];
	if (sw_policy_record_membership(p, rec, "dst", q->bits[1]))
		dst->bits = q->bits[1];
	if (!src->bits || !dst->bits)
		return;
	res->outcome = sw_policy_record_outcome(p, rec, src->bits, dst->bits, &res->verdict);
	res->judged = true;
}

bool sw_query_match(struct sw_query *q, const json_t *rec, struct sw_query_result *res)
{
	struct sw_query_result scratch;
	struct sw_q_end src, dst;

	if (!res)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	if (!q->compiled || !json_is_object(rec))
		return false;
	if (!sw_q_type_ok(q, rec) || !sw_q_time_ok(q, rec) || !sw_q_proto_port_ok(q, rec) ||
	    !sw_q_state_ok(q, rec))
		return false;
	sw_q_end_read(&src, rec, "src");
	sw_q_end_read(&dst, rec, "dst");
	if (q->policy)
		sw_q_judge(q, rec, &src, &dst, res);
	if (q->from.n && !sw_q_eps_any(&q->from, &src))
		return false;
	if (q->to.n && !sw_q_eps_any(&q->to, &dst))
		return false;
	if (q->peer.n && !sw_q_eps_any(&q->peer, &src) && !sw_q_eps_any(&q->peer, &dst))
		return false;
	return !q->verdicts || (res->judged && (q->verdicts >> res->outcome & 1));
}
