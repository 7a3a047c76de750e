/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_read.c - the records of a flow file checked against docs/flows.md
 * (include/segwatch/flowfile.h): the writer's schema read back. Each check
 * walks one record with a JSON Pointer (util/jsonptr.c) so an error says
 * where: "/fwd/bytes: -5 is not a count (0 to 9223372036854775807)".
 *
 * What is required is what a reader needs to place and judge a record
 * (type, family, both addresses, the protocol, the ports of a protocol
 * with ports, the state); everything else segwatch writes is optional when
 * read, but checked whenever it is there. Unknown members are left alone:
 * fields are only ever added.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/flowfile.h>
#include <segwatch/jsonptr.h>
#include <segwatch/report.h>
#include <segwatch/proto.h>
#include <segwatch/text.h>
#include <segwatch/units.h>
#include <segwatch/workload.h>

#include "flow_read.h"

bool sw_ffc_fail(struct sw_ffc *c, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sw_err_set(c->err, SW_EXIT_USAGE, "%s: %s", c->ptr.len ? c->ptr.buf : "/", what);
	return false;
}

/* Fail at member @key of the object being checked. */
static bool sw_ffc_fail_at(struct sw_ffc *c, const char *key, const char *what)
{
	sw_jsonptr_key(&c->ptr, key);
	return sw_ffc_fail(c, "%s", what);
}

const json_t *sw_ffc_member(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			    bool *ok)
{
	const json_t *v = json_object_get(o, key);

	*ok = true;
	if (!v && required)
		*ok = sw_ffc_fail_at(c, key, "missing");
	return v;
}

bool sw_ffc_int(struct sw_ffc *c, const json_t *o, const char *key, bool required,
		long long lo, long long hi, const char *what, long long *out)
{
	bool ok;
	const json_t *v = sw_ffc_member(c, o, key, required, &ok);
	size_t mark;

	if (!v)
		return ok;
	mark = sw_jsonptr_key(&c->ptr, key);
	if (!json_is_integer(v))
		return sw_ffc_fail(c, "expected an integer (%s), got %s", what,
				   sw_text_json_type(v));
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return sw_ffc_fail(c, "%lld is not %s (%lld-%lld)",
				   (long long)json_integer_value(v), what, lo, hi);
	sw_jsonptr_pop(&c->ptr, mark);
	if (out)
		*out = (long long)json_integer_value(v);
	return true;
}

bool sw_ffc_count(struct sw_ffc *c, const json_t *o, const char *key, bool required)
{
	bool ok;
	const json_t *v = sw_ffc_member(c, o, key, required, &ok);
	size_t mark;

	if (!v)
		return ok;
	mark = sw_jsonptr_key(&c->ptr, key);
	if (!json_is_integer(v))
		return sw_ffc_fail(c, "expected a count (an integer, 0 or more), got %s",
				   sw_text_json_type(v));
	if (json_integer_value(v) < 0)
		return sw_ffc_fail(c, "%lld is not a count (0 or more)",
				   (long long)json_integer_value(v));
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

const char *sw_ffc_string(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			  bool *ok)
{
	const json_t *v = sw_ffc_member(c, o, key, required, ok);

	if (!v || !*ok)
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	sw_jsonptr_key(&c->ptr, key);
	*ok = sw_ffc_fail(c, "expected a string, got %s", sw_text_json_type(v));
	return NULL;
}

bool sw_ffc_enum(struct sw_ffc *c, const json_t *o, const char *key, bool required,
		 const char *const *names)
{
	bool ok;
	const char *s = sw_ffc_string(c, o, key, required, &ok);
	char list[200] = "";
	struct sw_quote q;

	if (!s)
		return ok;
	for (size_t i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0)
			return true;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			 names[i]);
	}
	sw_jsonptr_key(&c->ptr, key);
	return sw_ffc_fail(c, "unknown %s %s (%s)", key, sw_text_quote(&q, s), list);
}

bool sw_ffc_bool(struct sw_ffc *c, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_boolean(v))
		return true;
	sw_jsonptr_key(&c->ptr, key);
	return sw_ffc_fail(c, "expected true or false, got %s", sw_text_json_type(v));
}

/* An optional object member: NULL when absent; @ok false when not an object. */
const json_t *sw_ffc_object(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			    bool *ok)
{
	const json_t *v = sw_ffc_member(c, o, key, required, ok);

	if (!v || !*ok || json_is_object(v))
		return v;
	sw_jsonptr_key(&c->ptr, key);
	*ok = sw_ffc_fail(c, "expected an object, got %s", sw_text_json_type(v));
	return NULL;
}

bool sw_flowfile_time_parse(const char *t, uint64_t *us)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i, n = strlen(t);

	if (n < sizeof(shape) || t[n - 1] != 'Z')
		return false;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
			return false;
	if (t[i] == '.') {
		size_t digits = strspn(t + i + 1, "0123456789");

		if (digits < 1 || digits > 9)
			return false;
		i += 1 + digits;
	}
	return i == n - 1 && sw_units_time_parse(t, 0, us);
}

/* Times @first and @last of @o: RFC 3339 UTC, the first not after the last. */
bool sw_ffc_span(struct sw_ffc *c, const json_t *o, const char *first, const char *last)
{
	const char *keys[2] = { first, last };
	uint64_t us[2] = { 0, 0 };
	bool have[2] = { false, false }, ok;
	struct sw_quote q;

	for (int i = 0; i < 2; i++) {
		const char *s = sw_ffc_string(c, o, keys[i], false, &ok);

		if (!ok)
			return false;
		if (!s)
			continue;
		if (!sw_flowfile_time_parse(s, &us[i])) {
			sw_jsonptr_key(&c->ptr, keys[i]);
			return sw_ffc_fail(c, "%s is not an RFC 3339 UTC time "
					   "(2026-11-22T13:52:03.123456Z)", sw_text_quote(&q, s));
		}
		have[i] = true;
	}
	if (have[0] && have[1] && us[0] > us[1])
		return sw_ffc_fail_at(c, last, "earlier than first_seen");
	return true;
}

/* Address member @key: text of an address of @family (4 or 6; 0: either). */
static bool sw_ffc_addr(struct sw_ffc *c, const json_t *o, const char *key, long long family)
{
	bool ok;
	const char *s = sw_ffc_string(c, o, key, true, &ok);
	uint8_t a[16];
	struct sw_quote q;

	if (!s)
		return ok;
	if (sw_addr_parse(s, a) && (!family || (strchr(s, ':') ? 6 : 4) == family))
		return true;
	sw_jsonptr_key(&c->ptr, key);
	if (!family)
		return sw_ffc_fail(c, "%s is not an IP address", sw_text_quote(&q, s));
	return sw_ffc_fail(c, "%s is not an IPv%lld address", sw_text_quote(&q, s), family);
}

bool sw_ffc_proto(struct sw_ffc *c, const json_t *o, const char *name_key, uint8_t *proto)
{
	long long num = -1;
	bool ok;
	const char *name = sw_ffc_string(c, o, name_key, false, &ok);
	struct sw_quote q;
	uint8_t p;
	size_t mark;

	if (!ok || !sw_ffc_int(c, o, "proto_num", true, 0, 255, "an IP protocol number", &num))
		return false;
	*proto = (uint8_t)num;
	if (!name)
		return true;
	mark = sw_jsonptr_key(&c->ptr, name_key);
	if (!sw_proto_parse(name, &p))
		return sw_ffc_fail(c, "unknown protocol %s", sw_text_quote(&q, name));
	if (p != num)
		return sw_ffc_fail(c, "%s is protocol %u, but proto_num is %lld",
				   sw_text_quote(&q, name), p, num);
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

static const char *const sw_ff_kinds[] = { "workload", "host", "external", "multicast",
					   "unspecified", NULL };
static const char *const sw_ff_sources[] = { "engine", "kubernetes", "inventory", "kernel", NULL };

/* Every value of a labels object is a string. */
static bool sw_ffc_labels(struct sw_ffc *c, const json_t *labels)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)labels, k, v)
		if (!json_is_string(v)) {
			sw_jsonptr_key(&c->ptr, k);
			return sw_ffc_fail(c, "a label's value is a string, not %s",
					   sw_text_json_type(v));
		}
	return true;
}

/* "src_kind" and "src_workload" (or dst_). */
static bool sw_ffc_end(struct sw_ffc *c, const json_t *o, const char *end)
{
	char key[16];
	const json_t *wl, *labels;
	size_t mark;
	bool ok;

	snprintf(key, sizeof(key), "%s_kind", end);
	if (!sw_ffc_enum(c, o, key, false, sw_ff_kinds))
		return false;
	snprintf(key, sizeof(key), "%s_workload", end);
	if (!(wl = sw_ffc_object(c, o, key, false, &ok)))
		return ok;
	mark = sw_jsonptr_key(&c->ptr, key);
	sw_ffc_string(c, wl, "name", true, &ok);
	if (ok)
		sw_ffc_string(c, wl, "namespace", false, &ok);
	if (ok)
		sw_ffc_string(c, wl, "id", false, &ok);
	if (ok && (!sw_ffc_enum(c, wl, "source", false, sw_ff_sources) ||
		   !sw_ffc_bool(c, wl, "labels_truncated")))
		return false;
	labels = ok ? sw_ffc_object(c, wl, "labels", false, &ok) : NULL;
	if (labels) {
		size_t m2 = sw_jsonptr_key(&c->ptr, "labels");

		if (!sw_ffc_labels(c, labels))
			return false;
		sw_jsonptr_pop(&c->ptr, m2);
	}
	if (ok)
		sw_jsonptr_pop(&c->ptr, mark);
	return ok;
}

/* One direction of a flow: counts, TCP flags, its own span. */
static bool sw_ffc_dir(struct sw_ffc *c, const json_t *o, const char *key)
{
	bool ok;
	const json_t *d = sw_ffc_object(c, o, key, false, &ok);
	const char *flags;
	size_t mark;

	if (!d)
		return ok;
	mark = sw_jsonptr_key(&c->ptr, key);
	if (!sw_ffc_count(c, d, "packets", false) || !sw_ffc_count(c, d, "bytes", false))
		return false;
	flags = sw_ffc_string(c, d, "tcp_flags", false, &ok);
	if (!ok)
		return false;
	if (flags && flags[strspn(flags, "FSRPAUEC")])
		return sw_ffc_fail_at(c, "tcp_flags", "TCP flags are letters of FSRPAUEC");
	if (!sw_ffc_span(c, d, "first_seen", "last_seen"))
		return false;
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

/* What flow and kernel_log records share: family, ends, protocol, ports or ICMP type. */
static bool sw_ffc_tuple(struct sw_ffc *c, const json_t *o, bool sport)
{
	long long family = 0;
	uint8_t p;
	bool ports;

	if (!sw_ffc_int(c, o, "family", false, LLONG_MIN, LLONG_MAX, "an address family", &family))
		return false;
	if (json_object_get(o, "family") && family != 4 && family != 6) {
		sw_jsonptr_key(&c->ptr, "family");
		return sw_ffc_fail(c, "%lld is not an address family (4 or 6)", family);
	}
	if (!sw_ffc_addr(c, o, "src", family) || !sw_ffc_addr(c, o, "dst", family) ||
	    !sw_ffc_proto(c, o, "proto", &p))
		return false;
	ports = sw_proto_has_ports(p);
	if ((sport && !sw_ffc_int(c, o, "sport", ports, 0, 65535, "a port", NULL)) ||
	    !sw_ffc_int(c, o, "dport", ports && !json_object_get(o, "icmp_type"), 0, 65535,
			"a port", NULL))
		return false;
	return sw_ffc_int(c, o, "icmp_type", false, 0, 255, "an ICMP type", NULL) &&
	       sw_ffc_int(c, o, "icmp_code", false, 0, 255, "an ICMP code", NULL) &&
	       sw_ffc_int(c, o, "icmp_id", false, 0, 65535, "an ICMP identifier", NULL) &&
	       sw_ffc_span(c, o, "first_seen", "last_seen") && sw_ffc_end(c, o, "src") &&
	       sw_ffc_end(c, o, "dst");
}

static bool sw_ffc_flow(struct sw_ffc *c, const json_t *o)
{
	static const char *const states[] = { "attempted", "refused", "established", "closed",
					      NULL };
	static const char *const initiators[] = { "observed", "inferred", NULL };
	static const char *const ends[] = { "idle", "active", "evicted", "flush", "reused", NULL };
	const json_t *d = json_object_get(o, "duration_s");

	if (!sw_ffc_tuple(c, o, true) || !sw_ffc_enum(c, o, "state", true, states) ||
	    !sw_ffc_enum(c, o, "initiator", false, initiators) ||
	    !sw_ffc_enum(c, o, "end", false, ends) || !sw_ffc_dir(c, o, "fwd") ||
	    !sw_ffc_dir(c, o, "rev") || !sw_ffc_bool(c, o, "continued") ||
	    !sw_ffc_bool(c, o, "fragments") || !sw_ffc_bool(c, o, "icmp_error"))
		return false;
	if (d && (!json_is_number(d) || json_number_value(d) < 0))
		return sw_ffc_fail_at(c, "duration_s", "not a duration (seconds, 0 or more)");
	return true;
}

static bool sw_ffc_klog(struct sw_ffc *c, const json_t *o)
{
	static const char *const actions[] = { "deny", "monitor", NULL };
	const json_t *rule = json_object_get(o, "rule");
	bool ok;

	if (!sw_ffc_enum(c, o, "action", true, actions))
		return false;
	if (!rule)
		return sw_ffc_fail_at(c, "rule", "missing");
	if (!sw_report_klog_rule_parse(json_string_value(rule), &(int){ 0 }) &&
	    !sw_ffc_int(c, o, "rule", true, 0, INT32_MAX, "a rule index", NULL))
		return false;
	sw_ffc_string(c, o, "prefix", false, &ok);
	return ok && sw_ffc_tuple(c, o, false) && sw_ffc_count(c, o, "packets", false);
}

/*
 * Counters: every number in them is a count, wherever it is (interfaces,
 * malformed_by_reason, flow, nflog, and counters added later).
 */
static bool sw_ffc_counts(struct sw_ffc *c, const json_t *v, int depth)
{
	const char *k;
	json_t *m;
	size_t i, mark;

	if (depth > 8)
		return sw_ffc_fail(c, "nested too deep for counters");
	if (json_is_real(v) || (json_is_integer(v) && json_integer_value(v) < 0))
		return sw_ffc_fail(c, "not a count (an integer, 0 or more)");
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, m) {
			mark = sw_jsonptr_key(&c->ptr, k);
			if (!sw_ffc_counts(c, m, depth + 1))
				return false;
			sw_jsonptr_pop(&c->ptr, mark);
		}
	}
	json_array_foreach(v, i, m) {
		mark = sw_jsonptr_index(&c->ptr, i);
		if (!sw_ffc_counts(c, m, depth + 1))
			return false;
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return true;
}

bool sw_ffc_counters(struct sw_ffc *c, const json_t *o)
{
	static const char *const objects[] = { "not_tracked", "malformed_by_reason", "flow",
					       "nflog", NULL };
	bool ok = true;

	for (size_t i = 0; objects[i] && ok; i++)
		sw_ffc_object(c, o, objects[i], false, &ok);
	if (ok && json_object_get(o, "interfaces") && !json_is_array(json_object_get(o, "interfaces")))
		return sw_ffc_fail_at(c, "interfaces", "expected an array");
	return ok && sw_ffc_counts(c, o, 0);
}

bool sw_ffc_record(struct sw_ffc *c, const json_t *o, enum sw_flowfile_kind *kind)
{
	bool ok;
	const char *type;

	*kind = SW_FLOWFILE_OTHER;
	if (!json_is_object(o))
		return sw_ffc_fail(c, "a record is a JSON object, not %s", sw_text_json_type(o));
	if (!(type = sw_ffc_string(c, o, "type", true, &ok)))
		return false;
	if (strcmp(type, "flow") == 0) {
		*kind = SW_FLOWFILE_FLOW;
		return sw_ffc_flow(c, o);
	}
	if (strcmp(type, "kernel_log") == 0) {
		*kind = SW_FLOWFILE_KERNEL_LOG;
		return sw_ffc_klog(c, o);
	}
	if (strcmp(type, "counters") == 0) {
		*kind = SW_FLOWFILE_COUNTERS;
		return sw_ffc_counters(c, o);
	}
	if (strcmp(type, "capture") == 0 || strcmp(type, "graph") == 0)
		return sw_ffc_doc(c, o, kind);
	return true;
}

int sw_flowfile_record_check(const json_t *rec, enum sw_flowfile_kind *kind, struct sw_err *err)
{
	struct sw_ffc c = { .err = err };

	sw_jsonptr_init(&c.ptr);
	return sw_ffc_record(&c, rec, kind) ? SW_EXIT_OK : SW_EXIT_USAGE;
}
