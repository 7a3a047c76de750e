// SPDX-License-Identifier: GPL-2.0-or-later
/* test_alert.c - the alert engine: fan-out, rate limiting, new_edge, sensitive groups, policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>

#if defined(__SANITIZE_ADDRESS__)
#define SW_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SW_TEST_ASAN 1
#endif
#endif
#ifndef SW_TEST_ASAN
#define SW_TEST_ASAN 0
#endif
#if SW_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#endif

#include <segwatch/alert.h>
#include <segwatch/learn.h>

#define T0 1795000000000000ull	/* µs */

struct sink {
	int n;
	int by_kind[SW_ALERT_KIND_MAX];
	int summaries;
	json_t *last;
	json_t *last_of[SW_ALERT_KIND_MAX];
};

static void sink_fn(const struct sw_alert *a, const char *line, void *arg)
{
	struct sink *s = arg;
	json_error_t jerr;
	json_t *o = json_loads(line, 0, &jerr);

	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "kind")),
			    sw_alert_kind_name(a->kind));
	s->n++;
	s->by_kind[a->kind]++;
	s->summaries += a->summary;
	json_decref(s->last_of[a->kind]);
	s->last_of[a->kind] = json_incref(o);
	json_decref(s->last);
	s->last = o;
}

static void sink_clear(struct sink *s)
{
	json_decref(s->last);
	for (int k = 0; k < SW_ALERT_KIND_MAX; k++)
		json_decref(s->last_of[k]);
}

static void v4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

static void mkwl(struct sw_workload *w, const char *name, const char *app, uint8_t last)
{
	uint8_t a[16];

	memset(w, 0, sizeof(*w));
	w->name = strdup(name);
	w->uid = strdup(name);
	assert_true(sw_workload_add_label(w, "app", app));
	v4(a, 10, 0, 0, last);
	assert_true(sw_workload_add_addr(w, a));
}

static void conn(struct sw_alert_conn *c, const struct sw_workload *s,
		 const struct sw_workload *d, uint16_t dport, uint64_t ts)
{
	memset(c, 0, sizeof(*c));
	c->ts_us = ts;
	c->proto = 6;
	c->sport = 40000;
	c->dport = dport;
	c->src.wl = s;
	c->src.kind = SW_EP_WORKLOAD;
	memcpy(c->src.addr, s->addrs[0], 16);
	if (d) {
		c->dst.wl = d;
		c->dst.kind = SW_EP_WORKLOAD;
		memcpy(c->dst.addr, d->addrs[0], 16);
	}
}

static struct sw_alert_engine *engine(struct sw_alert_config *cfg, const struct sw_policy *p,
				      const struct sw_baseline *b, struct sink *s)
{
	struct sw_alert_engine *e = sw_alert_engine_alloc(cfg, p, b, sink_fn, s);

	assert_non_null(e);
	return e;
}

/*
 * 200 SYNs to distinct ports within 2 s: the alert fires on the 20th, then one
 * summary. fan_out "count": "all" (the behaviour before issue 15): every new
 * target counts at its first packet, answered or not.
 */
static void test_fanout_scan(void **state)
{
	struct sw_workload a, b;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;

	(void)state;
	mkwl(&a, "shop/evil", "web", 2);
	mkwl(&b, "shop/db", "db", 3);
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.fanout_count = SW_ALERT_FANOUT_ALL;
	cfg.enabled[SW_ALERT_SCAN] = false; /* fan_out alone here */
	e = engine(&cfg, NULL, NULL, &s);
	for (int i = 0; i < 200; i++) {
		conn(&c, &a, &b, (uint16_t)(1000 + i), T0 + (uint64_t)i * 10000);
		sw_alert_flow_new(e, &c);
		if (i == 18)
			assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 0);
		if (i == 19) {
			assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);
			assert_int_equal(json_integer_value(json_object_get(s.last, "distinct")), 20);
			assert_int_equal(json_integer_value(json_object_get(s.last, "port")), 1019);
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(s.last, "src"), "name")),
					    "shop/evil");
		}
	}
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);
	sw_alert_flush(e);
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 2);
	assert_int_equal(s.summaries, 1);
	assert_int_equal(json_integer_value(json_object_get(s.last, "count")), 181);
	assert_int_equal(json_integer_value(json_object_get(s.last, "suppressed")), 180);
	assert_true(json_is_true(json_object_get(s.last, "summary")));
	assert_int_equal(sw_alert_engine_stats(e)->events[SW_ALERT_FAN_OUT], 181);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&a);
	sw_workload_clear(&b);
}

/* A source named in fan_out.exempt (here by its node, app=monitor) never makes a fan_out. */
static void test_fanout_exempt(void **state)
{
	struct sw_workload mon, evil, b;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_err err = { 0 };
	json_t *sec = json_pack("{s:{s:[s]}}", "fan_out", "exempt", "monitor");

	(void)state;
	mkwl(&mon, "ops/prometheus", "monitor", 2);
	mkwl(&evil, "shop/evil", "web", 4);
	mkwl(&b, "shop/db", "db", 3);
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, sec, &err), SW_EXIT_OK);
	assert_int_equal(cfg.n_fanout_exempt, 1);
	e = engine(&cfg, NULL, NULL, &s);
	for (int i = 0; i < 100; i++) {
		conn(&c, &mon, &b, (uint16_t)(1000 + i), T0 + (uint64_t)i * 10000);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 0);
	for (int i = 0; i < 100; i++) {
		conn(&c, &evil, &b, (uint16_t)(1000 + i), T0 + (uint64_t)i * 10000);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);	/* the others are still watched */
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	json_decref(sec);
	sec = json_pack("{s:{s:s}}", "fan_out", "exempt", "monitor");
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, sec, &err), SW_EXIT_USAGE);
	assert_string_equal(err.msg, "/alerts/fan_out/exempt: error: expected an array of group names");
	sw_alert_config_clear(&cfg);
	json_decref(sec);
	sink_clear(&s);
	sw_workload_clear(&mon);
	sw_workload_clear(&evil);
	sw_workload_clear(&b);
}

/*
 * Repeated connections to one port are one target: no fan-out; slow scans age
 * out of fan_out's window ("count": "all"; the scan detectors, which would
 * rightly catch 100 unanswered ports, are off here: test_scan.c has them).
 */
static void test_fanout_window(void **state)
{
	struct sw_workload a, b;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;

	(void)state;
	mkwl(&a, "shop/web", "web", 2);
	mkwl(&b, "shop/api", "api", 3);
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.fanout_count = SW_ALERT_FANOUT_ALL;
	cfg.enabled[SW_ALERT_SCAN] = false;
	e = engine(&cfg, NULL, NULL, &s);
	for (int i = 0; i < 500; i++) {
		conn(&c, &a, &b, 8080, T0 + (uint64_t)i * 1000);
		sw_alert_flow_new(e, &c);
	}
	/* 100 ports, one per second: never 20 within 10 s. */
	for (int i = 0; i < 100; i++) {
		conn(&c, &a, &b, (uint16_t)(2000 + i), T0 + 1000000ull + (uint64_t)i * 1000000);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(s.n, 0);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&a);
	sw_workload_clear(&b);
}

/* One key: first alert, then a summary only once the interval passed; tick emits due ones. */
static void test_rate_limit(void **state)
{
	struct sw_workload a;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;
	uint8_t forged[16];

	(void)state;
	mkwl(&a, "shop/web", "web", 2);
	v4(forged, 10, 9, 9, 9);
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.summary_interval_s = 10;
	e = engine(&cfg, NULL, NULL, &s);
	for (int i = 0; i < 1000; i++)
		sw_alert_spoofed(e, T0 + (uint64_t)i * 1000, &a, forged); /* 1 s */
	assert_int_equal(s.n, 1);
	sw_alert_tick(e, T0 + 5000000);
	assert_int_equal(s.n, 1);
	sw_alert_tick(e, T0 + 10000000);
	assert_int_equal(s.n, 2);
	assert_int_equal(json_integer_value(json_object_get(s.last, "suppressed")), 999);
	assert_int_equal(json_integer_value(json_object_get(s.last, "count")), 1000);
	assert_true(json_is_null(json_object_get(s.last, "dst")));
	/* nothing pending: no more summaries */
	sw_alert_tick(e, T0 + 100000000);
	sw_alert_flush(e);
	assert_int_equal(s.n, 2);
	/* an event after the interval alerts at once as a summary */
	sw_alert_spoofed(e, T0 + 30000000, &a, forged);
	assert_int_equal(s.n, 3);
	assert_int_equal(json_integer_value(json_object_get(s.last, "count")), 1001);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&a);
}

/* A bounded dedup table: more keys than slots evicts, memory stays fixed. */
static void test_bounded_keys(void **state)
{
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_engine *e;
	struct sw_alert_conn c;

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.max_keys = 8;
	cfg.max_sources = 8;
	cfg.max_alerts_per_min = 0;
	e = engine(&cfg, NULL, NULL, &s);
	memset(&c, 0, sizeof(c));
	c.proto = 17;
	c.dport = 53;
	for (int i = 0; i < 100; i++) {
		c.ts_us = T0 + (uint64_t)i;
		v4(c.src.addr, 10, 1, 0, (uint8_t)i);
		sw_alert_spoofed(e, c.ts_us, NULL, c.src.addr);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(s.n, 100);
	assert_int_equal(sw_alert_engine_stats(e)->keys_evicted, 92);
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
}

static struct sw_baseline *baseline(void)
{
	static const char doc[] =
		"{\"type\":\"baseline\",\"version\":1,\"group_by\":\"app\",\"edges\":["
		"{\"from\":\"web\",\"to\":\"api\",\"proto\":\"tcp\",\"proto_num\":6,\"port\":8080}]}";
	struct sw_baseline *b;
	struct sw_err err;

	assert_int_equal(sw_baseline_load_buffer(doc, strlen(doc), &b, &err), SW_EXIT_OK);
	assert_int_equal(sw_baseline_count(b), 1);
	return b;
}

static void test_new_edge(void **state)
{
	struct sw_workload web, api, db;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_baseline *b = baseline();

	(void)state;
	mkwl(&web, "shop/web-1", "web", 2);
	mkwl(&api, "shop/api-1", "api", 3);
	mkwl(&db, "shop/db-1", "db", 4);
	assert_true(sw_alert_config_defaults(&cfg));
	e = engine(&cfg, NULL, b, &s);
	conn(&c, &web, &api, 8080, T0);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.n, 0);
	conn(&c, &web, &api, 8081, T0 + 1);
	sw_alert_flow_new(e, &c);
	conn(&c, &web, &db, 5432, T0 + 2);
	sw_alert_flow_new(e, &c);
	conn(&c, &web, &db, 5432, T0 + 3);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.by_kind[SW_ALERT_NEW_EDGE], 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(s.last, "dst"),
								 "node")), "db");
	assert_int_equal(json_integer_value(json_object_get(s.last, "port")), 5432);
	sw_alert_engine_free(e);
	sw_baseline_free(b);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&web);
	sw_workload_clear(&api);
	sw_workload_clear(&db);
}

static void test_sensitive(void **state)
{
	struct sw_workload web, db;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	json_t *sec = json_pack("{s:[s],s:{s:i}}", "sensitive_groups", "db", "fan_out",
				"distinct", 50);
	struct sw_err err;

	(void)state;
	mkwl(&web, "shop/web-1", "web", 2);
	mkwl(&db, "shop/db-1", "db", 4);
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, sec, &err), SW_EXIT_OK);
	json_decref(sec);
	assert_int_equal(cfg.fanout_distinct, 50);
	e = engine(&cfg, NULL, NULL, &s);
	conn(&c, &db, &web, 80, T0);
	sw_alert_flow_end(e, &c, SW_FLOW_REFUSED);	/* toward web: not sensitive */
	conn(&c, &web, &db, 5432, T0);
	sw_alert_flow_end(e, &c, SW_FLOW_ESTABLISHED);	/* answered */
	assert_int_equal(s.n, 0);
	sw_alert_flow_end(e, &c, SW_FLOW_REFUSED);
	sw_alert_flow_end(e, &c, SW_FLOW_ATTEMPTED);
	assert_int_equal(s.by_kind[SW_ALERT_REFUSED_OR_UNANSWERED], 1);
	assert_string_equal(json_string_value(json_object_get(s.last, "state")), "refused");
	assert_string_equal(json_string_value(json_object_get(s.last, "severity")), "high");
	sw_alert_engine_free(e);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&web);
	sw_workload_clear(&db);
}

/*
 * Infrastructure flows (here IGMP reports to 30 groups and a DHCP request)
 * raise nothing by default: no fan_out, no new_edge, no refused_or_unanswered;
 * "infrastructure": "alert" gives the old behaviour back.
 */
static int infra_run(const char *setting, struct sink *s)
{
	struct sw_workload web;
	struct sw_alert_config cfg;
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_baseline *b = baseline();
	/* fan_out "count": "all": the IGMP reports count at their first packet */
	json_t *sec = json_pack("{s:s, s:[s], s:{s:s}}", "infrastructure", setting, "sensitive_groups",
				"ip:255.255.255.255", "fan_out", "count", "all");
	struct sw_err err;

	mkwl(&web, "shop/web-1", "web", 2);
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, sec, &err), SW_EXIT_OK);
	json_decref(sec);
	e = engine(&cfg, NULL, b, s);
	for (int i = 0; i < 30; i++) {
		conn(&c, &web, NULL, 0, T0 + (uint64_t)i * 1000);
		c.proto = 2;
		c.sport = 0;
		v4(c.dst.addr, 224, 0, 0, (uint8_t)(22 + i));
		c.dst.kind = SW_EP_MULTICAST;
		sw_alert_flow_new(e, &c);
	}
	conn(&c, &web, NULL, 67, T0 + 50000);
	c.proto = 17;
	c.sport = 68;
	v4(c.dst.addr, 255, 255, 255, 255);
	c.dst.kind = SW_EP_MULTICAST;
	sw_alert_flow_new(e, &c);
	sw_alert_flow_end(e, &c, SW_FLOW_ATTEMPTED);
	sw_alert_flush(e);
	sw_alert_engine_free(e);
	sw_baseline_free(b);
	sw_alert_config_clear(&cfg);
	sw_workload_clear(&web);
	return s->n;
}

static void test_infrastructure(void **state)
{
	struct sink s = { 0 }, t = { 0 };
	struct sw_alert_config cfg;
	struct sw_err err;
	json_t *bad = json_pack("{s:b}", "infrastructure", 1);

	(void)state;
	assert_int_equal(infra_run("ignore", &s), 0);
	assert_true(infra_run("alert", &t) > 0);
	assert_int_equal(t.by_kind[SW_ALERT_FAN_OUT] > 0, 1);
	assert_int_equal(t.by_kind[SW_ALERT_NEW_EDGE] > 0, 1);
	assert_int_equal(t.by_kind[SW_ALERT_REFUSED_OR_UNANSWERED], 1);
	sink_clear(&s);
	sink_clear(&t);
	assert_true(sw_alert_config_defaults(&cfg));
	assert_false(cfg.infrastructure);
	assert_int_equal(sw_alert_config_from_json(&cfg, bad, &err), SW_EXIT_USAGE);
	assert_string_equal(err.msg, "/alerts/infrastructure: error: expected \"ignore\" or \"alert\"");
	json_decref(bad);
	sw_alert_config_clear(&cfg);
}

static void test_config_errors(void **state)
{
	struct sw_alert_config cfg;
	struct sw_err err;
	json_t *bad = json_pack("{s:i}", "max_kyes", 3);
	json_t *bad2 = json_pack("{s:[s]}", "kinds", "fan-out");

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_from_json(&cfg, bad, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "/alerts/max_kyes"));
	assert_int_equal(sw_alert_config_from_json(&cfg, bad2, &err), SW_EXIT_USAGE);
	json_decref(bad);
	json_decref(bad2);
	sw_alert_config_clear(&cfg);
}

static struct sw_policy *policy(const char *mode)
{
	char doc[1024];
	struct sw_policy *p = NULL;
	struct sw_pol_diags d;

	snprintf(doc, sizeof(doc),
		 "{\"version\":1,\"mode\":\"%s\",\"groups\":{\"front\":{\"labels\":{\"app\":\"web\"}},"
		 "\"dbs\":{\"labels\":{\"app\":\"db\"}},\"api\":{\"labels\":{\"app\":\"api\"}}},"
		 "\"rules\":[{\"name\":\"web-api\",\"from\":\"front\",\"to\":\"api\",\"proto\":\"tcp\","
		 "\"ports\":[8080],\"action\":\"allow\"},"
		 "{\"name\":\"no-db\",\"from\":\"front\",\"to\":\"dbs\",\"action\":\"deny\"}]}",
		 mode);
	sw_pol_diags_init(&d);
	assert_int_equal(sw_policy_load_buffer(doc, strlen(doc), "t", &p, &d), SW_EXIT_OK);
	sw_pol_diags_clear(&d);
	return p;
}

/* heap bytes in use: the sanitizer's count under ASan, glibc's otherwise */
static size_t heap_in_use(void)
{
#if SW_TEST_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

/*
 * A dedup key costs nothing past the fixed pools allocated with the engine:
 * its body is text in its own slot (a jansson tree was about 5 KiB a key,
 * and the agent's RSS climbed 16 MiB over a soak as the 4096 keys filled).
 * A body too long for the slot (key 500: a 2 KiB label) goes to the heap
 * and is freed with the engine (LeakSanitizer) or when replaced by a summary.
 */
static void test_key_memory(void **state)
{
	enum { N = 1000 };
	struct sw_workload *web = calloc(N, sizeof(*web)), db;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_policy *p = policy("monitor");
	size_t before, per_key;
	char name[64];

	(void)state;
	assert_non_null(web);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "shop/web-%d-with-a-longer-generated-name", i);
		mkwl(&web[i], name, "web", 2);
		v4(web[i].addrs[0], 10, 1, (uint8_t)(i >> 8), (uint8_t)i);
	}
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int k = 0; k < 32; k++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", k);
		assert_true(sw_workload_add_label(&web[500], key, name));
	}
	mkwl(&db, "shop/db-1", "db", 4);
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.max_alerts_per_min = 0;
	e = engine(&cfg, p, NULL, &s);
	conn(&c, &web[0], &db, 5432, T0);
	sw_alert_flow_new(e, &c); /* the sink's first record, jansson's first hashtable */
	before = heap_in_use();
	for (int i = 1; i < N; i++) {
		conn(&c, &web[i], &db, 5432, T0 + (uint64_t)i);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], N);
	per_key = (heap_in_use() - before) / (N - 1);
	print_message("heap per dedup key: %zu bytes\n", per_key);
	assert_true(per_key < 64);
	assert_non_null(json_object_get(json_object_get(s.last, "src"), "name"));
	/* the long body again, past the summary interval: replaced on the heap */
	conn(&c, &web[500], &db, 5432, T0 + 3600000000ull);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.summaries, 1);
	assert_int_equal(json_object_size(json_object_get(json_object_get(s.last, "src"),
							  "labels")), 33);
	sw_alert_engine_free(e);
	sw_policy_free(p);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	for (int i = 0; i < N; i++)
		sw_workload_clear(&web[i]);
	free(web);
	sw_workload_clear(&db);
}

static void test_policy_violation(void **state)
{
	struct sw_workload web, api, db;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_policy *p = policy("monitor");

	(void)state;
	mkwl(&web, "shop/web-1", "web", 2);
	mkwl(&api, "shop/api-1", "api", 3);
	mkwl(&db, "shop/db-1", "db", 4);
	assert_true(sw_alert_config_defaults(&cfg));
	e = engine(&cfg, p, NULL, &s);
	conn(&c, &web, &api, 8080, T0);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.n, 0);
	conn(&c, &web, &db, 5432, T0 + 1);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], 1);
	assert_string_equal(json_string_value(json_object_get(s.last, "rule")), "no-db");
	assert_string_equal(json_string_value(json_object_get(s.last, "mode")), "monitor");
	assert_true(json_is_false(json_object_get(s.last, "dropped")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
				    json_object_get(s.last, "dst"), "groups"), 0)), "dbs");
	conn(&c, &api, &web, 80, T0 + 2);
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], 2);
	assert_string_equal(json_string_value(json_object_get(s.last, "rule")), "default");
	/* an unmanaged end (no group selects it): the default does not apply */
	conn(&c, &api, NULL, 80, T0 + 2);
	v4(c.dst.addr, 192, 0, 2, 1);
	c.dst.kind = SW_EP_EXTERNAL;
	sw_alert_flow_new(e, &c);
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], 2);
	/* the kernel's log of the same policy: rule index -> name, its own key */
	conn(&c, &web, &db, 5432, T0 + 3);
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_MONITOR, 1);
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], 3);
	assert_string_equal(json_string_value(json_object_get(s.last, "origin")), "kernel");
	assert_string_equal(json_string_value(json_object_get(s.last, "rule")), "no-db");
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_MONITOR, 1);
	assert_int_equal(s.by_kind[SW_ALERT_POLICY_VIOLATION], 3);
	sw_alert_engine_free(e);
	sw_policy_free(p);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&web);
	sw_workload_clear(&api);
	sw_workload_clear(&db);
}

/*
 * A key whose last alert said dropped alerts at once for an event let
 * through (the guard or policy switched to monitor), however soon; an event
 * dropped again, or let through again, waits for the interval as before.
 */
static void test_verdict_change(void **state)
{
	struct sw_workload web, db;
	struct sw_alert_config cfg;
	struct sink s = { 0 };
	struct sw_alert_conn c;
	struct sw_alert_engine *e;
	struct sw_policy *p = policy("monitor");
	struct sw_alert_l2spoof sp = { .ts_us = T0, .wl = NULL, .iface = "veth0",
				       .forged = "arp_sender_ip", .dropped = true };

	(void)state;
	mkwl(&web, "shop/web-1", "web", 2);
	mkwl(&db, "shop/db-1", "db", 4);
	sp.wl = &web;
	assert_true(sw_alert_config_defaults(&cfg));
	cfg.summary_interval_s = 60;
	e = engine(&cfg, p, NULL, &s);
	/* the L2 guard: dropped, then delivered 0.2 s later, then both again */
	sw_alert_spoofed_l2(e, &sp);
	assert_int_equal(s.n, 1);
	assert_true(json_is_true(json_object_get(s.last, "dropped")));
	sp.ts_us = T0 + 200000;
	sp.dropped = false;
	sw_alert_spoofed_l2(e, &sp);
	assert_int_equal(s.n, 2);
	assert_true(json_is_true(json_object_get(s.last, "summary")));
	assert_true(json_is_false(json_object_get(s.last, "dropped")));
	assert_string_equal(json_string_value(json_object_get(s.last, "mode")), "monitor");
	assert_int_equal(json_integer_value(json_object_get(s.last, "count")), 2);
	sp.ts_us += 1000;
	sw_alert_spoofed_l2(e, &sp); /* delivered again: a repeat */
	sp.dropped = true;
	sp.ts_us += 1000;
	sw_alert_spoofed_l2(e, &sp); /* dropped again: no news either */
	assert_int_equal(s.n, 2);
	/* the kernel's log of a policy: a deny, then the same flow passed in monitor mode */
	conn(&c, &web, &db, 5432, T0 + 300000);
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_DENY, 1);
	assert_int_equal(s.n, 3);
	c.ts_us += 1000;
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_DENY, 1);
	assert_int_equal(s.n, 3);
	c.ts_us += 1000;
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_MONITOR, 1);
	assert_int_equal(s.n, 4);
	assert_true(json_is_false(json_object_get(s.last, "dropped")));
	assert_int_equal(json_integer_value(json_object_get(s.last, "count")), 3);
	assert_int_equal(json_integer_value(json_object_get(s.last, "suppressed")), 2);
	sw_alert_engine_free(e);
	sw_policy_free(p);
	sw_alert_config_clear(&cfg);
	sink_clear(&s);
	sw_workload_clear(&web);
	sw_workload_clear(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout_scan),   cmocka_unit_test(test_fanout_window),
		cmocka_unit_test(test_fanout_exempt),
		cmocka_unit_test(test_rate_limit),    cmocka_unit_test(test_bounded_keys),
		cmocka_unit_test(test_new_edge),      cmocka_unit_test(test_sensitive),
		cmocka_unit_test(test_config_errors), cmocka_unit_test(test_policy_violation),
		cmocka_unit_test(test_key_memory),    cmocka_unit_test(test_infrastructure),
		cmocka_unit_test(test_verdict_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
