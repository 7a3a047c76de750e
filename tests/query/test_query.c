/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_query - src/query: every filter kind against records as `segwatch
 * capture -w` writes them, the edges of the time window, endpoint values
 * (globs, label selectors, prefixes, policy groups), the messages for bad
 * values, and records that are not what they should be (any JSON at all).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/flow.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>
#include <segwatch/report.h>
#include <segwatch/text.h>
#include <segwatch/workload.h>

/* 2026-11-22T10:15:00Z: "now" for relative times */
#define SW_T_NOW 1795342500000000ULL

static const char *sw_t_policy_text =
	"{\"version\":1,\"name\":\"t\",\"default\":\"deny\","
	"\"groups\":{\"web\":{\"labels\":{\"app\":\"web\"}},"
	"\"db\":{\"cidrs\":[\"10.0.0.3/32\"]},\"apis\":{\"names\":[\"shop/api-*\"]}},"
	"\"rules\":[{\"name\":\"web-db\",\"from\":\"web\",\"to\":\"db\",\"proto\":\"tcp\",\"ports\":[5432],"
	"\"action\":\"allow\"},{\"name\":\"web-api\",\"from\":\"web\",\"to\":\"apis\",\"proto\":\"tcp\","
	"\"action\":\"deny\",\"mode\":\"monitor\"}]}";

static struct sw_policy *sw_t_policy(void)
{
	struct sw_pol_diags d;
	struct sw_policy *p = NULL;

	sw_pol_diags_init(&d);
	if (sw_policy_load_buffer(sw_t_policy_text, strlen(sw_t_policy_text), "t.json", &p, &d) !=
	    SW_EXIT_OK) {
		char buf[512];

		fail_msg("%s", d.n ? sw_pol_diag_format("t.json", &d.v[0], buf, sizeof(buf)) : "?");
	}
	sw_pol_diags_clear(&d);
	return p;
}

/*
 * A query from "OPT=VALUE" strings (OPT as in sw_query_opt_name without the
 * dashes), NULL-terminated; compiled with @p. Every value must be good.
 */
static struct sw_query *sw_tq(const struct sw_policy *p, ...)
{
	struct sw_query *q = sw_query_alloc();
	struct sw_err err = { 0 };
	const char *arg;
	va_list ap;

	assert_non_null(q);
	va_start(ap, p);
	while ((arg = va_arg(ap, const char *))) {
		const char *eq = strchr(arg, '=');
		int o;

		assert_non_null(eq);
		for (o = 0; o < SW_QUERY_OPT_MAX; o++)
			if (strncmp(sw_query_opt_name((enum sw_query_opt)o) + 2, arg,
				    (size_t)(eq - arg)) == 0 &&
			    strlen(sw_query_opt_name((enum sw_query_opt)o)) == (size_t)(eq - arg) + 2)
				break;
		assert_true(o < SW_QUERY_OPT_MAX);
		if (sw_query_add(q, (enum sw_query_opt)o, eq + 1, SW_T_NOW, &err) != SW_EXIT_OK)
			fail_msg("%s: %s", arg, err.msg);
	}
	va_end(ap);
	if (sw_query_compile(q, p, "t.json", &err) != SW_EXIT_OK)
		fail_msg("compile: %s", err.msg);
	return q;
}

/* The error for one bad value: SW_EXIT_USAGE, and its message. */
static const char *sw_tq_bad(enum sw_query_opt o, const char *value, struct sw_err *err)
{
	struct sw_query *q = sw_query_alloc();

	memset(err, 0, sizeof(*err));
	if (sw_query_add(q, o, value, SW_T_NOW, err) != SW_EXIT_USAGE)
		fail_msg("%s \"%s\": accepted", sw_query_opt_name(o), value);
	sw_query_free(q);
	return err->msg;
}

static void sw_t_has(const char *msg, const char *needle)
{
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
}

/* A TCP flow 10.0.0.1:40000 (web-1, app=web) -> 10.0.0.3:5432 (shop/db-0), 10:00-10:05. */
static const char *sw_t_flow =
	"{\"type\":\"flow\",\"family\":4,\"proto\":\"tcp\",\"proto_num\":6,"
	"\"src\":\"10.0.0.1\",\"sport\":40000,\"dst\":\"10.0.0.3\",\"dport\":5432,"
	"\"initiator\":\"observed\",\"state\":\"established\",\"end\":\"idle\","
	"\"first_seen\":\"2026-11-22T10:00:00.000000Z\",\"last_seen\":\"2026-11-22T10:05:00.000000Z\","
	"\"src_kind\":\"workload\",\"src_workload\":{\"name\":\"web-1\",\"id\":\"a\","
	"\"source\":\"engine\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"}},"
	"\"dst_kind\":\"workload\",\"dst_workload\":{\"name\":\"db-0\",\"namespace\":\"shop\","
	"\"id\":\"b\",\"source\":\"kubernetes\",\"labels\":{\"app\":\"db\"}}}";

static const char *sw_t_flow6 =
	"{\"type\":\"flow\",\"family\":6,\"proto\":\"udp\",\"proto_num\":17,"
	"\"src\":\"fd00::1\",\"sport\":5353,\"dst\":\"fd00:1::2\",\"dport\":53,\"state\":\"attempted\","
	"\"first_seen\":\"2026-11-22T10:10:00Z\",\"last_seen\":\"2026-11-22T10:10:00Z\"}";

static const char *sw_t_ping =
	"{\"type\":\"flow\",\"family\":4,\"proto\":\"icmp\",\"proto_num\":1,\"src\":\"10.0.0.1\","
	"\"sport\":80,\"dst\":\"10.0.0.9\",\"dport\":80,\"icmp_type\":8,\"icmp_id\":80,"
	"\"state\":\"established\",\"first_seen\":\"2026-11-22T10:00:00Z\","
	"\"last_seen\":\"2026-11-22T10:00:01Z\"}";

static bool sw_tm(struct sw_query *q, const char *text)
{
	json_error_t e;
	json_t *rec = json_loads(text, JSON_DECODE_ANY, &e);
	bool m;

	if (!rec)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	m = sw_query_match(q, rec, NULL);
	json_decref(rec);
	return m;
}

/* One query built, matched against one record, freed. */
#define SW_TMATCH(rec, ...) sw_tmatch1(rec, NULL, __VA_ARGS__, NULL)
#define SW_TMATCH_P(rec, p, ...) sw_tmatch1(rec, p, __VA_ARGS__, NULL)
static bool sw_tmatch1(const char *rec, const struct sw_policy *p, ...)
{
	const char *a[4] = { NULL };
	struct sw_query *q;
	va_list ap;
	bool m;

	va_start(ap, p);
	for (int i = 0; i < 3 && (a[i] = va_arg(ap, const char *)); i++)
		;
	va_end(ap);
	q = sw_tq(p, a[0], a[1], a[2], NULL);
	m = sw_tm(q, rec);
	sw_query_free(q);
	return m;
}

static void test_types(void **state)
{
	struct sw_query *q = sw_tq(NULL, NULL);

	(void)state;
	assert_true(sw_tm(q, sw_t_flow));
	assert_false(sw_tm(q, "{\"type\":\"kernel_log\",\"src\":\"10.0.0.1\"}"));
	assert_false(sw_tm(q, "{\"type\":\"counters\",\"packets_seen\":1}"));
	assert_false(sw_tm(q, "{\"type\":\"alert\"}"));
	assert_false(sw_tm(q, "{\"src\":\"10.0.0.1\"}"));
	sw_query_free(q);
	q = sw_tq(NULL, "type=kernel_log", NULL);
	assert_false(sw_tm(q, sw_t_flow));
	assert_true(sw_tm(q, "{\"type\":\"kernel_log\",\"src\":\"10.0.0.1\"}"));
	sw_query_free(q);
	q = sw_tq(NULL, "type=flow,counters", NULL);
	assert_true(sw_tm(q, sw_t_flow));
	assert_true(sw_tm(q, "{\"type\":\"counters\"}"));
	assert_false(sw_tm(q, "{\"type\":\"kernel_log\"}"));
	sw_query_free(q);
	q = sw_tq(NULL, "type=all", NULL);
	assert_true(sw_tm(q, "{\"type\":\"alert\"}"));
	assert_true(sw_tm(q, "{}"));
	assert_false(sw_tm(q, "[1]")); /* not a record */
	sw_query_free(q);
}

static void test_window(void **state)
{
	(void)state;
	/* the span [10:00, 10:05] meets the window: both edges included */
	assert_true(SW_TMATCH(sw_t_flow, "since=2026-11-22T10:05:00Z"));
	assert_false(SW_TMATCH(sw_t_flow, "since=2026-11-22T10:05:00.000001Z"));
	assert_true(SW_TMATCH(sw_t_flow, "until=2026-11-22T10:00:00Z"));
	assert_false(SW_TMATCH(sw_t_flow, "until=2026-11-22T09:59:59.999999Z"));
	assert_true(SW_TMATCH(sw_t_flow, "since=2026-11-22T10:01:00Z", "until=2026-11-22T10:02:00Z"));
	assert_true(SW_TMATCH(sw_t_flow, "since=2026-11-22T11:00:00+01:00"));
	assert_false(SW_TMATCH(sw_t_flow, "since=2026-11-22T11:05:01+01:00"));
	assert_true(SW_TMATCH(sw_t_flow, "since=2026-11-22"));
	assert_false(SW_TMATCH(sw_t_flow, "since=2026-11-23"));
	/* relative to now (10:15): 10m ago is 10:05, 9m ago is 10:06 */
	assert_true(SW_TMATCH(sw_t_flow, "since=10m"));
	assert_false(SW_TMATCH(sw_t_flow, "since=9m"));
	assert_true(SW_TMATCH(sw_t_flow, "until=15m"));
	assert_false(SW_TMATCH(sw_t_flow, "until=16m"));
	/* seconds since the epoch: 10:05:00Z is 1795341900 */
	assert_true(SW_TMATCH(sw_t_flow, "since=@1795341900"));
	assert_false(SW_TMATCH(sw_t_flow, "since=@1795341901"));
	assert_true(SW_TMATCH(sw_t_flow, "until=now"));
	/* no times (or not times) in the record: no match when a window is given */
	assert_false(SW_TMATCH("{\"type\":\"flow\"}", "since=1h"));
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"first_seen\":\"10m\",\"last_seen\":\"10m\"}",
			       "since=1h"));
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"first_seen\":1,\"last_seen\":2}", "until=now"));
	assert_true(SW_TMATCH("{\"type\":\"flow\"}", "type=flow"));
}

static void test_names(void **state)
{
	(void)state;
	assert_true(SW_TMATCH(sw_t_flow, "from=web-1"));
	assert_true(SW_TMATCH(sw_t_flow, "from=web-*"));
	assert_false(SW_TMATCH(sw_t_flow, "from=db-*"));
	assert_true(SW_TMATCH(sw_t_flow, "to=db-?"));
	/* namespace/name */
	assert_true(SW_TMATCH(sw_t_flow, "to=shop/db-0"));
	assert_true(SW_TMATCH(sw_t_flow, "to=shop/*"));
	assert_false(SW_TMATCH(sw_t_flow, "to=other/*"));
	assert_false(SW_TMATCH(sw_t_flow, "from=shop/*")); /* web-1 has no namespace */
	assert_true(SW_TMATCH(sw_t_flow, "from=[vw]eb-[0-9]"));
	/* a name that carries its namespace matches without it */
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"name\":\"shop/web-1\","
			      "\"namespace\":\"shop\"}}", "from=web-*"));
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"name\":\"shop/web-1\","
			      "\"namespace\":\"shop\"}}", "from=shop/web-*"));
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"name\":\"shop/web-1\"}}",
			       "from=web-*"));
	/* "*" is any workload; an end without one has no name */
	assert_true(SW_TMATCH(sw_t_flow, "to=*"));
	assert_false(SW_TMATCH(sw_t_flow6, "from=*"));
	/* name: forces a name, even one that looks like something else */
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"name\":\"a=b\"}}", "from=name:a=b"));
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"name\":\"1.2\"}}", "from=name:1.2"));
	assert_false(SW_TMATCH(sw_t_flow, "from=name:10.0.0.1"));
}

static void test_selectors(void **state)
{
	(void)state;
	assert_true(SW_TMATCH(sw_t_flow, "from=app=web"));
	assert_true(SW_TMATCH(sw_t_flow, "from=app==web"));
	assert_false(SW_TMATCH(sw_t_flow, "from=app=db"));
	assert_true(SW_TMATCH(sw_t_flow, "from=app=web,tier=front"));
	assert_false(SW_TMATCH(sw_t_flow, "from=app=web,tier=back"));
	assert_true(SW_TMATCH(sw_t_flow, "from=app=web, tier!=back"));
	assert_true(SW_TMATCH(sw_t_flow, "from=app=web,tier"));
	assert_false(SW_TMATCH(sw_t_flow, "from=app=web,!tier"));
	assert_true(SW_TMATCH(sw_t_flow, "to=app=db,!tier"));
	assert_false(SW_TMATCH(sw_t_flow, "from=app!=web"));
	/* != and !key hold for an end without the label, or without a workload */
	assert_true(SW_TMATCH(sw_t_flow, "to=tier!=front"));
	assert_true(SW_TMATCH(sw_t_flow6, "from=app!=web"));
	assert_false(SW_TMATCH(sw_t_flow6, "from=app=web"));
	/* label: for a selector without '=' */
	assert_true(SW_TMATCH(sw_t_flow, "from=label:tier"));
	assert_false(SW_TMATCH(sw_t_flow, "to=label:tier"));
	assert_true(SW_TMATCH(sw_t_flow, "to=label:!tier"));
	/* '!' first or a ',' is a selector without the prefix too */
	assert_true(SW_TMATCH(sw_t_flow, "to=!tier"));
	assert_false(SW_TMATCH(sw_t_flow, "from=!tier"));
	assert_true(SW_TMATCH(sw_t_flow, "from=app,tier"));
	assert_false(SW_TMATCH(sw_t_flow, "to=app,tier"));
	/* an empty value is a value */
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"labels\":{\"x\":\"\"}}}",
			      "from=x="));
	/* labels that are not strings are not labels */
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"src_workload\":{\"labels\":{\"x\":1}}}",
			       "from=label:x"));
}

static void test_cidrs(void **state)
{
	(void)state;
	assert_true(SW_TMATCH(sw_t_flow, "from=10.0.0.1"));
	assert_false(SW_TMATCH(sw_t_flow, "from=10.0.0.3"));
	assert_true(SW_TMATCH(sw_t_flow, "to=10.0.0.0/24"));
	assert_true(SW_TMATCH(sw_t_flow, "to=10.0.0.2/31"));
	assert_false(SW_TMATCH(sw_t_flow, "to=10.0.0.4/30"));
	assert_true(SW_TMATCH(sw_t_flow, "to=10.0.0.77/24")); /* host bits cleared */
	assert_true(SW_TMATCH(sw_t_flow, "to=0.0.0.0/0"));
	assert_true(SW_TMATCH(sw_t_flow, "to=::ffff:10.0.0.0/120"));
	/* families do not mix */
	assert_false(SW_TMATCH(sw_t_flow, "to=::/0"));
	assert_false(SW_TMATCH(sw_t_flow6, "to=0.0.0.0/0"));
	assert_true(SW_TMATCH(sw_t_flow6, "to=::/0"));
	assert_true(SW_TMATCH(sw_t_flow6, "to=fd00:1::/64"));
	assert_false(SW_TMATCH(sw_t_flow6, "to=fd00:2::/64"));
	assert_true(SW_TMATCH(sw_t_flow6, "from=fd00::1"));
	assert_true(SW_TMATCH(sw_t_flow6, "from=fd00::/15"));
	assert_false(SW_TMATCH(sw_t_flow6, "from=fd00::2/128"));
	/* a record without a usable address */
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"src\":\"10.0.0.1.5\"}", "from=0.0.0.0/0"));
}

static void test_endpoint_logic(void **state)
{
	struct sw_query *q;

	(void)state;
	/* several --from: any; --from and --to: both */
	q = sw_tq(NULL, "from=db-*", "from=web-1", NULL);
	assert_true(sw_tm(q, sw_t_flow));
	sw_query_free(q);
	q = sw_tq(NULL, "from=web-1", "to=10.0.0.3", NULL);
	assert_true(sw_tm(q, sw_t_flow));
	sw_query_free(q);
	q = sw_tq(NULL, "from=web-1", "to=10.0.0.4", NULL);
	assert_false(sw_tm(q, sw_t_flow));
	sw_query_free(q);
	/* --peer: either end */
	assert_true(SW_TMATCH(sw_t_flow, "peer=db-0"));
	assert_true(SW_TMATCH(sw_t_flow, "peer=web-1"));
	assert_false(SW_TMATCH(sw_t_flow, "peer=api-*"));
	assert_true(SW_TMATCH(sw_t_flow, "peer=api-*", "peer=10.0.0.3"));
	assert_false(SW_TMATCH(sw_t_flow, "peer=db-0", "from=db-0"));
}

static void test_port_proto_state(void **state)
{
	(void)state;
	assert_true(SW_TMATCH(sw_t_flow, "port=5432"));
	assert_false(SW_TMATCH(sw_t_flow, "port=5433"));
	assert_true(SW_TMATCH(sw_t_flow, "port=5000-6000"));
	assert_true(SW_TMATCH(sw_t_flow, "port=5432-5432"));
	assert_false(SW_TMATCH(sw_t_flow, "port=5433-6000"));
	assert_true(SW_TMATCH(sw_t_flow, "port=22,5432"));
	assert_true(SW_TMATCH(sw_t_flow, "port=22", "port=5432"));
	assert_false(SW_TMATCH(sw_t_flow, "port=40000")); /* the source port is not it */
	assert_false(SW_TMATCH(sw_t_ping, "port=80")); /* ICMP's "ports" are the echo id */
	assert_true(SW_TMATCH(sw_t_flow6, "port=53"));

	assert_true(SW_TMATCH(sw_t_flow, "proto=tcp"));
	assert_true(SW_TMATCH(sw_t_flow, "proto=6"));
	assert_false(SW_TMATCH(sw_t_flow, "proto=udp"));
	assert_true(SW_TMATCH(sw_t_flow, "proto=udp,tcp"));
	assert_true(SW_TMATCH(sw_t_ping, "proto=icmp"));
	assert_false(SW_TMATCH(sw_t_ping, "proto=icmpv6"));
	/* no proto_num: the name */
	assert_true(SW_TMATCH("{\"type\":\"flow\",\"proto\":\"udp\"}", "proto=17"));
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"proto_num\":300}", "proto=44"));

	assert_true(SW_TMATCH(sw_t_flow, "state=established"));
	assert_false(SW_TMATCH(sw_t_flow, "state=refused"));
	assert_true(SW_TMATCH(sw_t_flow, "state=refused,established"));
	assert_true(SW_TMATCH(sw_t_flow6, "state=attempted"));
	assert_false(SW_TMATCH("{\"type\":\"flow\",\"state\":\"weird\"}", "state=closed"));
	assert_false(SW_TMATCH("{\"type\":\"kernel_log\"}", "type=kernel_log", "state=closed"));
}

static void test_groups_verdicts(void **state)
{
	struct sw_policy *p = sw_t_policy();
	struct sw_query_result res;
	struct sw_query *q;
	json_t *rec;

	(void)state;
	assert_true(SW_TMATCH_P(sw_t_flow, p, "from=group:web"));
	assert_false(SW_TMATCH_P(sw_t_flow, p, "to=group:web"));
	assert_true(SW_TMATCH_P(sw_t_flow, p, "to=group:db"));	/* by its address */
	assert_true(SW_TMATCH_P(sw_t_flow, p, "peer=group:db"));
	assert_false(SW_TMATCH_P(sw_t_flow6, p, "peer=group:db"));
	/* web -> db tcp/5432 is allowed by rule 0 */
	assert_true(SW_TMATCH_P(sw_t_flow, p, "verdict=allowed"));
	assert_false(SW_TMATCH_P(sw_t_flow, p, "verdict=denied"));
	/* web -> 10.0.0.9 (no group): unmanaged; the default only judges managed ends */
	assert_true(SW_TMATCH_P(sw_t_ping, p, "verdict=unmanaged"));
	assert_false(SW_TMATCH_P(sw_t_flow6, p, "verdict=allowed,denied,monitored"));
	q = sw_tq(p, "verdict=denied,monitored", NULL);
	rec = json_loads("{\"type\":\"flow\",\"proto_num\":6,\"dport\":8080,\"src\":\"10.0.0.1\","
			 "\"dst\":\"10.0.0.7\",\"src_workload\":{\"name\":\"w\",\"labels\":{\"app\":\"web\"}},"
			 "\"dst_workload\":{\"name\":\"shop/api-1\"}}", 0, NULL);
	assert_true(sw_query_match(q, rec, &res));
	assert_true(res.judged);
	assert_int_equal(res.outcome, SW_POL_OUT_MONITORED);
	assert_int_equal(res.verdict.rule, 1);
	assert_string_equal(sw_pol_outcome_name(res.outcome), "monitored");
	json_object_set_new(rec, "dport", json_integer(5432));
	json_object_set_new(rec, "dst", json_string("10.0.0.3"));
	json_object_del(rec, "dst_workload");
	assert_false(sw_query_match(q, rec, &res)); /* now allowed */
	assert_true(res.judged);
	assert_int_equal(res.outcome, SW_POL_OUT_ALLOWED);
	json_object_set_new(rec, "dport", json_integer(22));
	assert_true(sw_query_match(q, rec, &res)); /* web -> db tcp/22: default deny */
	assert_int_equal(res.outcome, SW_POL_OUT_DENIED);
	assert_int_equal(res.verdict.reason, SW_POL_BY_DEFAULT);
	json_decref(rec);
	sw_query_free(q);
	/* a policy without a verdict filter still judges, for the caller's column */
	q = sw_tq(p, "from=web-1", NULL);
	rec = json_loads(sw_t_flow, 0, NULL);
	assert_true(sw_query_match(q, rec, &res));
	assert_true(res.judged);
	assert_int_equal(res.outcome, SW_POL_OUT_ALLOWED);
	json_decref(rec);
	sw_query_free(q);
	sw_policy_free(p);
}

static void sw_t_compile_bad(const struct sw_policy *p, enum sw_query_opt o, const char *value,
			     const char *needle)
{
	struct sw_query *q = sw_query_alloc();
	struct sw_err err = { 0 };

	assert_int_equal(sw_query_add(q, o, value, SW_T_NOW, &err), SW_EXIT_OK);
	assert_int_equal(sw_query_compile(q, p, "t.json", &err), SW_EXIT_USAGE);
	sw_t_has(err.msg, needle);
	sw_query_free(q);
}

static void test_bad_values(void **state)
{
	struct sw_policy *p = sw_t_policy();
	struct sw_query *q;
	struct sw_err e;

	(void)state;
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "10.0.0.0/33", &e),
		 "--from: \"10.0.0.0/33\" is not a valid prefix: the length after '/' must be 0 to 32");
	sw_t_has(sw_tq_bad(SW_QUERY_TO, "fd00::/129", &e), "--to: \"fd00::/129\" is not a valid prefix");
	sw_t_has(sw_tq_bad(SW_QUERY_TO, "fd00::/", &e), "is not a valid prefix");
	sw_t_has(sw_tq_bad(SW_QUERY_TO, "10.0.0.0/8x", &e), "is not a valid prefix");
	sw_t_has(sw_tq_bad(SW_QUERY_PEER, "10.1.2/24", &e),
		 "--peer: \"10.1.2/24\" is not an IP address or prefix");
	sw_t_has(sw_tq_bad(SW_QUERY_PEER, "fd00:::1", &e), "is not an IP address");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "", &e), "--from: empty value");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "group:", &e), "--from: group: needs a group name");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "name:", &e), "needs a name");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "app=web,,tier=x", &e),
		 "--from: label selector \"app=web,,tier=x\" has an empty term");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "app=web,=x", &e), "term \"=x\" has no valid key");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "a b=c", &e), "term \"a b=c\" has no valid key");
	sw_t_has(sw_tq_bad(SW_QUERY_FROM, "label:", &e), "has an empty term");
	sw_t_has(sw_tq_bad(SW_QUERY_STATE, "estab", &e),
		 "--state: unknown state \"estab\"; did you mean \"established\"?");
	sw_t_has(sw_tq_bad(SW_QUERY_STATE, "xyzzy", &e),
		 "unknown state \"xyzzy\" (one of attempted, refused, established, closed)");
	sw_t_has(sw_tq_bad(SW_QUERY_STATE, "closed,", &e), "--state: empty value");
	sw_t_has(sw_tq_bad(SW_QUERY_VERDICT, "alowed", &e), "did you mean \"allowed\"?");
	sw_t_has(sw_tq_bad(SW_QUERY_TYPE, "flows", &e),
		 "--type: unknown record type \"flows\"; did you mean \"flow\"?");
	sw_t_has(sw_tq_bad(SW_QUERY_PROTO, "tpc", &e),
		 "--proto: unknown protocol \"tpc\"; did you mean \"tcp\"?");
	sw_t_has(sw_tq_bad(SW_QUERY_PROTO, "256", &e), "unknown protocol \"256\"");
	sw_t_has(sw_tq_bad(SW_QUERY_PORT, "70000", &e), "--port: \"70000\" is not a port");
	sw_t_has(sw_tq_bad(SW_QUERY_PORT, "90-80", &e), "\"90-80\" is not a port");
	sw_t_has(sw_tq_bad(SW_QUERY_PORT, "http", &e), "\"http\" is not a port");
	sw_t_has(sw_tq_bad(SW_QUERY_PORT, "-5", &e), "\"-5\" is not a port");
	sw_t_has(sw_tq_bad(SW_QUERY_PORT, "1-", &e), "\"1-\" is not a port");
	sw_t_has(sw_tq_bad(SW_QUERY_SINCE, "yesterday", &e),
		 "--since: \"yesterday\" is not a time");
	sw_t_has(sw_tq_bad(SW_QUERY_UNTIL, "2026-13-01", &e), "--until: \"2026-13-01\" is not a time");
	/* control bytes in a value are escaped in the message */
	sw_t_has(sw_tq_bad(SW_QUERY_STATE, "\x1b[31m", &e), "\"\\x1b[31m\"");

	sw_t_compile_bad(p, SW_QUERY_FROM, "group:dbs", "--from: unknown group \"dbs\" in t.json; "
			 "did you mean \"db\"?");
	sw_t_compile_bad(p, SW_QUERY_PEER, "group:zzzzzz", "--peer: unknown group \"zzzzzz\" in t.json");
	sw_t_compile_bad(NULL, SW_QUERY_TO, "group:db", "--to: group \"db\" needs a policy: add --policy FILE");
	sw_t_compile_bad(NULL, SW_QUERY_VERDICT, "denied", "--verdict needs a policy");

	q = sw_query_alloc();
	assert_int_equal(sw_query_add(q, SW_QUERY_SINCE, "1h", SW_T_NOW, &e), SW_EXIT_OK);
	assert_int_equal(sw_query_add(q, SW_QUERY_UNTIL, "2h", SW_T_NOW, &e), SW_EXIT_OK);
	assert_int_equal(sw_query_compile(q, NULL, NULL, &e), SW_EXIT_USAGE);
	sw_t_has(e.msg, "--until: \"2h\" is before --since \"1h\"");
	sw_query_free(q);
	sw_policy_free(p);
}

/* A deterministic generator of records that are anything but what they should be. */
static uint32_t sw_t_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static json_t *sw_t_junk(uint32_t *s, int depth)
{
	static const char *const keys[] = {
		"type", "src", "dst", "proto", "proto_num", "dport", "sport", "state", "icmp_type",
		"first_seen", "last_seen", "src_workload", "dst_workload", "name", "namespace",
		"labels", "app", "tier",
	};
	static const char *const strs[] = {
		"flow", "kernel_log", "10.0.0.1", "10.0.0.3", "fd00::1", "tcp", "established",
		"2026-11-22T10:00:00Z", "2026-99-99T99:99:99Z", "10m", "web-1", "web", "", "\x1b]0;x\x07",
	};
	json_t *o;

	switch (depth > 3 ? sw_t_rand(s) % 6 : sw_t_rand(s) % 8) {
	case 0: return json_null();
	case 1: return json_integer((json_int_t)(int32_t)sw_t_rand(s) * (sw_t_rand(s) % 3 ? 1 : 1000000007LL));
	case 2: return json_real((double)(int32_t)sw_t_rand(s) / 7.0);
	case 3: return sw_t_rand(s) % 2 ? json_true() : json_false();
	case 4:
	case 5: return json_string(strs[sw_t_rand(s) % (sizeof(strs) / sizeof(strs[0]))]);
	case 6:
		o = json_array();
		for (uint32_t i = sw_t_rand(s) % 3; i > 0; i--)
			json_array_append_new(o, sw_t_junk(s, depth + 1));
		return o;
	default:
		o = json_object();
		for (uint32_t i = sw_t_rand(s) % 12; i > 0; i--)
			json_object_set_new(o, keys[sw_t_rand(s) % (sizeof(keys) / sizeof(keys[0]))],
					    sw_t_junk(s, depth + 1));
		return o;
	}
}

static void test_any_json(void **state)
{
	struct sw_policy *p = sw_t_policy();
	struct sw_query *qs[3];
	struct sw_query_result res;
	uint32_t seed = 2463534242u;
	const char *fixed[] = {
		"null", "[]", "\"flow\"", "7", "{}", "{\"type\":5}", "{\"type\":\"flow\",\"src\":5}",
		("{\"type\":\"flow\",\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.3\",\"src_workload\":\"x\","
		"\"dst_workload\":{\"name\":7,\"namespace\":[],\"labels\":[1,2]},\"proto_num\":\"tcp\","
		"\"dport\":\"80\",\"first_seen\":5,\"state\":{},\"icmp_type\":-1}"),
		"{\"type\":\"flow\",\"proto_num\":-1,\"dport\":-1}",
		"{\"type\":\"flow\",\"proto_num\":6,\"dport\":9223372036854775807}",
		("{\"type\":\"flow\",\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.3\",\"proto_num\":9999999999,"
		 "\"dport\":1e300,\"src_workload\":{\"labels\":{\"app\":null}}}"),
	};

	(void)state;
	qs[0] = sw_tq(NULL, NULL);
	qs[1] = sw_tq(p, "type=all", "since=1d", "until=now", NULL);
	qs[2] = sw_tq(p, "from=group:web", "to=app!=x,!y", "peer=10.0.0.0/8", "port=1-65535",
		      "proto=tcp,udp", "state=established", "verdict=allowed,denied", NULL);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		json_t *rec = json_loads(fixed[i], JSON_DECODE_ANY, NULL);

		assert_non_null(rec);
		for (int k = 0; k < 3; k++)
			sw_query_match(qs[k], rec, &res);
		assert_false(sw_query_match(qs[2], rec, NULL));
		json_decref(rec);
	}
	for (int i = 0; i < 20000; i++) {
		json_t *rec = sw_t_junk(&seed, 0);

		for (int k = 0; k < 3; k++)
			sw_query_match(qs[k], rec, &res);
		json_decref(rec);
	}
	for (int k = 0; k < 3; k++)
		sw_query_free(qs[k]);
	sw_policy_free(p);
}

/* sw_text_escape: what `segwatch flows` puts in table cells. */
static void test_escape(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(sw_text_escape(b, sizeof(b), "shop/web-1"), "shop/web-1");
	assert_string_equal(sw_text_escape(b, sizeof(b), "a\x1b[2Jb\x07\\"), "a\\x1b[2Jb\\x07\\x5c");
	assert_string_equal(sw_text_escape(b, sizeof(b), "caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
	/* C1 CSI (U+009B), right-to-left override (U+202E), isolates (U+2066) */
	assert_string_equal(sw_text_escape(b, sizeof(b), "x\xc2\x9by"), "x\\xc2\\x9by");
	assert_string_equal(sw_text_escape(b, sizeof(b), "\xe2\x80\xae" "evil"), "\\xe2\\x80\\xae" "evil");
	assert_string_equal(sw_text_escape(b, sizeof(b), "\xe2\x81\xa6"), "\\xe2\\x81\\xa6");
	/* not UTF-8: a lone continuation byte, a cut sequence, an overlong form, 0xff */
	assert_string_equal(sw_text_escape(b, sizeof(b), "\x80\xe6\x97"), "\\x80\\xe6\\x97");
	assert_string_equal(sw_text_escape(b, sizeof(b), "\xc0\xaf\xff"), "\\xc0\\xaf\\xff");
	/* cut to fit, never in the middle of an escape or a character */
	sw_text_escape(b, 16, "\x1b\x1b\x1b\x1b\x1b");
	assert_string_equal(b, "\\x1b\\x1b\\x1b...");
	sw_text_escape(b, 12, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5");
	assert_string_equal(b, "\xe6\x97\xa5\xe6\x97\xa5...");
	assert_string_equal(sw_text_escape(b, 4, "abc"), "");
}

/* ---- options by name, and flows as the pipeline holds them (capture) ---- */

static void test_opt_parse(void **state)
{
	enum sw_query_opt o = SW_QUERY_OPT_MAX;

	(void)state;
	assert_true(sw_query_opt_parse("from", &o));
	assert_int_equal(o, SW_QUERY_FROM);
	assert_true(sw_query_opt_parse("--verdict", &o));
	assert_int_equal(o, SW_QUERY_VERDICT);
	assert_true(sw_query_opt_parse("since", &o));
	assert_int_equal(o, SW_QUERY_SINCE);
	for (unsigned i = 0; i < SW_QUERY_OPT_MAX; i++) {
		assert_true(sw_query_opt_parse(sw_query_opt_name((enum sw_query_opt)i), &o));
		assert_int_equal(o, i);
	}
	assert_false(sw_query_opt_parse("-from", &o));
	assert_false(sw_query_opt_parse("fro", &o));
	assert_false(sw_query_opt_parse("", &o));
	assert_false(sw_query_opt_parse("--", &o));
}

/* web-ish 10.0.0.1:40000 -> 10.0.0.2:5432 TCP, established, 2026-11-22T10:00:00-01Z. */
static struct sw_flow_rec sw_t_rec(void)
{
	struct sw_flow_rec r;

	memset(&r, 0, sizeof(r));
	r.f.family = 4;
	r.f.proto = 6;
	r.f.state = SW_FLOW_ESTABLISHED;
	assert_true(sw_addr_parse("10.0.0.1", r.f.init_addr));
	assert_true(sw_addr_parse("10.0.0.2", r.f.resp_addr));
	r.f.init_port = 40000;
	r.f.resp_port = 5432;
	r.f.fwd = (struct sw_flow_dir){ .packets = 3, .bytes = 180, .first_us = 1795341600000000ULL,
					.last_us = 1795341601000000ULL, .tcp_flags = 0x12 };
	r.f.rev = (struct sw_flow_dir){ .packets = 2, .bytes = 120, .first_us = 1795341600100000ULL,
					.last_us = 1795341600900000ULL, .tcp_flags = 0x12 };
	return r;
}

/* The flow matches exactly when its JSON line does (one meaning, match.c). */
static bool sw_t_match_flow(const struct sw_flow_rec *r, const char *opt)
{
	struct sw_query *q = sw_tq(NULL, opt, NULL);
	struct sw_report_clock clk = { 0 };
	char line[SW_REPORT_FLOW_LINE_MAX];
	bool m = sw_query_match_flow(q, r, NULL);

	assert_true(sw_report_flow_line(&clk, &r->f, &r->id, line, sizeof(line)) > 0);
	assert_int_equal(m, sw_tm(q, line));
	sw_query_free(q);
	return m;
}

static void test_match_flow(void **state)
{
	struct sw_flow_rec r = sw_t_rec();

	(void)state;
	assert_true(sw_t_match_flow(&r, NULL));
	assert_true(sw_t_match_flow(&r, "port=5432"));
	assert_true(sw_t_match_flow(&r, "port=5000-6000"));
	assert_false(sw_t_match_flow(&r, "port=40000")); /* the source port is not it */
	assert_true(sw_t_match_flow(&r, "from=10.0.0.0/24"));
	assert_false(sw_t_match_flow(&r, "to=10.0.0.1"));
	assert_true(sw_t_match_flow(&r, "peer=10.0.0.1"));
	assert_true(sw_t_match_flow(&r, "proto=tcp"));
	assert_false(sw_t_match_flow(&r, "proto=udp"));
	assert_true(sw_t_match_flow(&r, "state=established"));
	assert_false(sw_t_match_flow(&r, "state=refused"));
	assert_true(sw_t_match_flow(&r, "since=2026-11-22T10:00:01Z"));
	assert_false(sw_t_match_flow(&r, "since=2026-11-22T10:00:01.5Z"));
	assert_false(sw_t_match_flow(&r, "until=2026-11-22T09:59:59Z"));
	/* no identity: names and labels do not match, negations do (as in Kubernetes) */
	assert_false(sw_t_match_flow(&r, "from=web-*"));
	assert_false(sw_t_match_flow(&r, "from=app=web"));
	assert_true(sw_t_match_flow(&r, "from=!app"));
	/* ICMP: no port, even with the identifier in the port fields */
	r.f.proto = 1;
	r.f.icmp_type = 8;
	r.f.resp_port = r.f.init_port = 5432;
	assert_false(sw_t_match_flow(&r, "port=5432"));
	assert_true(sw_t_match_flow(&r, "proto=icmp"));
}

/* The verdict of a flow in memory is that of its line, judged by the policy. */
static void test_match_flow_verdict(void **state)
{
	struct sw_policy *p = sw_t_policy();
	struct sw_flow_rec r = sw_t_rec();
	struct sw_query *q = sw_tq(p, "verdict=denied", NULL);
	struct sw_query_result res;

	(void)state;
	/* 10.0.0.2 is not in db (10.0.0.3): the source is in no group, unmanaged */
	assert_false(sw_query_match_flow(q, &r, &res));
	assert_true(res.judged);
	assert_int_equal(res.outcome, SW_POL_OUT_UNMANAGED);
	sw_query_free(q);
	q = sw_tq(p, "to=group:db", NULL);
	assert_false(sw_query_match_flow(q, &r, NULL));
	assert_true(sw_addr_parse("10.0.0.3", r.f.resp_addr));
	assert_true(sw_query_match_flow(q, &r, NULL));
	sw_query_free(q);
	sw_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_cidrs),
		cmocka_unit_test(test_endpoint_logic),
		cmocka_unit_test(test_port_proto_state),
		cmocka_unit_test(test_groups_verdicts),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_any_json),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_opt_parse),
		cmocka_unit_test(test_match_flow),
		cmocka_unit_test(test_match_flow_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
