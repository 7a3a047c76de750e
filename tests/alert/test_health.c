// SPDX-License-Identifier: GPL-2.0-or-later
/* test_health.c - agent_health alerts: dedup by event, summaries, config, escaping, JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/alert.h>

#define T0 1795000000000000ull	/* µs */
#define S 1000000ull

struct sink {
	int n, summaries;
	uint64_t value_total;	/* of the last alert, from the struct */
	char line[4096];	/* the last line as emitted */
	json_t *last;
};

static void sink_fn(const struct sw_alert *a, const char *line, void *arg)
{
	struct sink *s = arg;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);	/* rejects invalid UTF-8 */

	assert_non_null(o);
	assert_int_equal(a->kind, SW_ALERT_AGENT_HEALTH);
	assert_string_equal(json_string_value(json_object_get(o, "kind")), "agent_health");
	s->n++;
	s->summaries += a->summary;
	s->value_total = a->value_total;
	snprintf(s->line, sizeof(s->line), "%s", line);
	json_decref(s->last);
	s->last = o;
}

static struct sw_alert_engine *engine(struct sw_alert_config *cfg, struct sink *s)
{
	struct sw_alert_engine *e = sw_alert_engine_alloc(cfg, NULL, NULL, sink_fn, s);

	assert_non_null(e);
	return e;
}

static const char *str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	assert_non_null(v);
	return v;
}

static json_int_t num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* The first event alerts at once, with the envelope and the health fields, no endpoints. */
static void test_first_and_shape(void **state)
{
	static const char *const absent[] = { "src", "dst", "proto", "port", "icmp_type", "rule",
					      "mode", "dropped", "state", "distinct" };
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	assert_true(cfg.enabled[SW_ALERT_AGENT_HEALTH]);
	assert_string_equal(sw_alert_kind_name(SW_ALERT_AGENT_HEALTH), "agent_health");
	e = engine(&cfg, &s);
	sw_alert_health(e, T0, "history_loss", SW_ALERT_SEV_HIGH, "disk full", 12);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.summaries, 0);
	assert_string_equal(s.line,
		"{\"kind\":\"agent_health\",\"severity\":\"high\",\"origin\":\"agent\","
		"\"event\":\"history_loss\",\"detail\":\"disk full\",\"value\":12,"
		"\"message\":\"flow history records were lost\",\"type\":\"alert\","
		"\"time\":\"2026-11-18T11:06:40.000000Z\","
		"\"first_seen\":\"2026-11-18T11:06:40.000000Z\","
		"\"last_seen\":\"2026-11-18T11:06:40.000000Z\",\"summary\":false,\"count\":1,"
		"\"suppressed\":0,\"value_total\":12}");
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		assert_null(json_object_get(s.last, absent[i]));
	assert_int_equal(s.value_total, 12);
	/* no detail, nothing lost: detail is null, value 0; an unknown event has a generic message */
	sw_alert_health(e, T0 + 1, "engine_back", SW_ALERT_SEV_LOW, NULL, 0);
	assert_int_equal(s.n, 2);
	assert_true(json_is_null(json_object_get(s.last, "detail")));
	assert_int_equal(num(s.last, "value"), 0);
	assert_string_equal(str(s.last, "severity"), "low");
	sw_alert_health(e, T0 + 2, "frobnicator_stuck", SW_ALERT_SEV_MEDIUM, "x", 1);
	assert_int_equal(s.n, 3);
	assert_string_equal(str(s.last, "event"), "frobnicator_stuck");
	assert_string_equal(str(s.last, "message"), "the agent reported a problem");
	assert_int_equal(sw_alert_engine_stats(e)->alerts[SW_ALERT_AGENT_HEALTH], 3);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	json_decref(s.last);
}

/* Repeats of one event within summary_interval_s fold into one summary with the counts. */
static void test_repeats_summarized(void **state)
{
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));	/* summary_interval_s 30 */
	e = engine(&cfg, &s);
	for (int i = 0; i < 5; i++)
		sw_alert_health(e, T0 + (uint64_t)i * S, "history_loss", SW_ALERT_SEV_HIGH,
				"queue full", 10);
	assert_int_equal(s.n, 1);
	/* another event is another key: alerts at once */
	sw_alert_health(e, T0 + 5 * S, "table_full", SW_ALERT_SEV_MEDIUM, "flows", 3);
	assert_int_equal(s.n, 2);
	assert_string_equal(str(s.last, "event"), "table_full");
	sw_alert_tick(e, T0 + 20 * S);	/* the interval has not passed */
	assert_int_equal(s.n, 2);
	sw_alert_tick(e, T0 + 31 * S);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.summaries, 1);
	assert_string_equal(str(s.last, "event"), "history_loss");
	assert_true(json_is_true(json_object_get(s.last, "summary")));
	assert_int_equal(num(s.last, "count"), 5);
	assert_int_equal(num(s.last, "suppressed"), 4);
	assert_int_equal(num(s.last, "value_total"), 50);
	assert_int_equal(s.value_total, 50);
	assert_string_equal(str(s.last, "first_seen"), "2026-11-18T11:06:40.000000Z");
	assert_string_equal(str(s.last, "last_seen"), "2026-11-18T11:06:44.000000Z");
	/* an event after the interval is reported at once as a summary, with its own detail */
	sw_alert_health(e, T0 + 62 * S, "history_loss", SW_ALERT_SEV_HIGH, "disk full", 7);
	assert_int_equal(s.n, 4);
	assert_true(json_is_true(json_object_get(s.last, "summary")));
	assert_int_equal(num(s.last, "count"), 6);
	assert_int_equal(num(s.last, "suppressed"), 1);
	assert_int_equal(num(s.last, "value"), 7);
	assert_int_equal(num(s.last, "value_total"), 57);
	assert_string_equal(str(s.last, "detail"), "disk full");
	assert_int_equal(sw_alert_engine_stats(e)->events[SW_ALERT_AGENT_HEALTH], 7);
	sw_alert_flush(e);	/* nothing pending */
	assert_int_equal(s.n, 4);
	sw_alert_health(e, T0 + 63 * S, "table_full", SW_ALERT_SEV_MEDIUM, "flows", 2);
	sw_alert_flush(e);
	assert_int_equal(s.n, 5);
	assert_int_equal(num(s.last, "count"), 2);
	assert_int_equal(num(s.last, "value_total"), 5);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	json_decref(s.last);
}

/* "kinds" in the alerts section: agent_health off unless listed, and a known name. */
static void test_disabled_by_config(void **state)
{
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;
	struct sw_err err;
	json_t *off = json_pack("{s:[s]}", "kinds", "fan_out");
	json_t *on = json_pack("{s:[s]}", "kinds", "agent_health");

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, off, &err), SW_EXIT_OK);
	assert_false(cfg.enabled[SW_ALERT_AGENT_HEALTH]);
	e = engine(&cfg, &s);
	sw_alert_health(e, T0, "ruleset_deleted", SW_ALERT_SEV_HIGH, "table inet segwatch", 0);
	sw_alert_flush(e);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->events[SW_ALERT_AGENT_HEALTH], 0);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);

	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, on, &err), SW_EXIT_OK);
	assert_true(cfg.enabled[SW_ALERT_AGENT_HEALTH]);
	assert_false(cfg.enabled[SW_ALERT_FAN_OUT]);
	e = engine(&cfg, &s);
	sw_alert_health(e, T0, "ruleset_deleted", SW_ALERT_SEV_HIGH, "table inet segwatch", 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(str(s.last, "severity"), "high");
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	json_decref(off);
	json_decref(on);
	json_decref(s.last);
}

/* Container names in @detail: control bytes, invalid UTF-8, bidi overrides never reach the line raw. */
static void test_hostile_detail(void **state)
{
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;
	char big[5000];

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	e = engine(&cfg, &s);
	sw_alert_health(e, T0, "engine_lost", SW_ALERT_SEV_MEDIUM,
			"web\x1b[2J\n\xff\xe2\x80\xae\xc2\x9b\\x \"q\" caf\xc3\xa9", 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(str(s.last, "detail"),
			    "web\\x1b[2J\\x0a\\xff\\xe2\\x80\\xae\\xc2\\x9b\\x5cx \"q\" caf\xc3\xa9");
	for (const char *p = s.line; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p != 0x7f);
	assert_null(strstr(s.line, "\xe2\x80\xae"));
	assert_null(strstr(s.line, "\xc2\x9b"));
	/* a hostile event name is escaped the same way, and keys stay apart */
	sw_alert_health(e, T0, "evil\nname", SW_ALERT_SEV_LOW, NULL, 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(str(s.last, "event"), "evil\\x0aname");
	sw_alert_health(e, T0, NULL, SW_ALERT_SEV_LOW, NULL, 0);
	assert_string_equal(str(s.last, "event"), "unknown");
	/* a long detail is cut, the line stays one valid line */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[100] = '\x07';
	sw_alert_health(e, T0, "reload_refused", SW_ALERT_SEV_MEDIUM, big, 0);
	assert_int_equal(s.n, 4);
	assert_true(strlen(str(s.last, "detail")) < 512);
	assert_non_null(strstr(str(s.last, "detail"), "..."));
	assert_non_null(strstr(str(s.last, "detail"), "\\x07"));
	/* huge counts saturate rather than wrap negative */
	sw_alert_health(e, T0, "table_full", SW_ALERT_SEV_MEDIUM, "x", UINT64_MAX);
	sw_alert_health(e, T0 + 31 * S, "table_full", SW_ALERT_SEV_MEDIUM, "x", UINT64_MAX);
	assert_true(num(s.last, "value") > 0);
	assert_true(num(s.last, "value_total") > 0);
	assert_int_equal(s.value_total, UINT64_MAX);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	json_decref(s.last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_and_shape),
		cmocka_unit_test(test_repeats_summarized),
		cmocka_unit_test(test_disabled_by_config),
		cmocka_unit_test(test_hostile_detail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
