// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_scan.c - the scan detectors (docs/alerts.md "scan") driven with
 * synthetic first contacts and capture-time ticks: TRW, the long windows,
 * pending contacts and their timeout, fan_out counting failures, exemptions,
 * bounds, the config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/alert.h>

#define T0 1795000000000000ull	/* µs */
#define SEC 1000000ull

struct sink {
	int n;
	int by_kind[SW_ALERT_KIND_MAX];
	int methods[8];		/* first alerts (not summaries) by method */
	json_t *last_scan;	/* the last scan alert */
};

static const char *const methods[] = { "trw", "vertical", "horizontal", "block", "icmp_sweep" };

static int method_index(const char *m)
{
	for (int i = 0; i < 5; i++)
		if (m && strcmp(m, methods[i]) == 0)
			return i;
	return 7;
}

static void sink_fn(const struct sw_alert *a, const char *line, void *arg)
{
	struct sink *s = arg;
	json_t *o = json_loads(line, 0, NULL);

	assert_non_null(o);
	s->n++;
	s->by_kind[a->kind]++;
	if (a->kind == SW_ALERT_SCAN) {
		if (!a->summary)
			s->methods[method_index(json_string_value(json_object_get(o, "method")))]++;
		json_decref(s->last_scan);
		s->last_scan = json_incref(o);
	}
	json_decref(o);
}

static void sink_clear(struct sink *s)
{
	json_decref(s->last_scan);
	memset(s, 0, sizeof(*s));
}

static void v4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

static struct sw_workload scanner, db;

static int setup(void **state)
{
	uint8_t a[16];

	(void)state;
	memset(&scanner, 0, sizeof(scanner));
	scanner.name = strdup("shop/evil");
	scanner.uid = strdup("shop/evil");
	sw_workload_add_label(&scanner, "app", "evil");
	v4(a, 10, 0, 0, 2);
	sw_workload_add_addr(&scanner, a);
	memset(&db, 0, sizeof(db));
	db.name = strdup("shop/db\x1b[31m"); /* hostile: escaped in the sample */
	db.uid = strdup("shop/db");
	sw_workload_add_label(&db, "app", "db");
	v4(a, 10, 0, 0, 3);
	sw_workload_add_addr(&db, a);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sw_workload_clear(&scanner);
	sw_workload_clear(&db);
	return 0;
}

/* A connection from the scanner to peer 10.1.@peer/256.@peer%256 (or db when @peer < 0). */
static void conn(struct sw_alert_conn *c, int peer, uint8_t proto, uint16_t port, uint64_t ts)
{
	memset(c, 0, sizeof(*c));
	c->ts_us = ts;
	c->proto = proto;
	c->sport = 40000;
	if (proto == 1)
		c->icmp_type = (uint8_t)port;
	else
		c->dport = port;
	c->src.wl = &scanner;
	c->src.kind = SW_EP_WORKLOAD;
	memcpy(c->src.addr, scanner.addrs[0], 16);
	if (peer < 0) {
		c->dst.wl = &db;
		c->dst.kind = SW_EP_WORKLOAD;
		memcpy(c->dst.addr, db.addrs[0], 16);
	} else {
		c->dst.kind = SW_EP_EXTERNAL;
		v4(c->dst.addr, 10, 1, (uint8_t)(peer / 256), (uint8_t)(peer % 256));
	}
}

/* One first contact answered at once: refused (RST) or accepted. */
static void contact(struct sw_alert_engine *e, int peer, uint16_t port, uint64_t ts, bool ok)
{
	struct sw_alert_conn c;

	conn(&c, peer, 6, port, ts);
	sw_alert_flow_new(e, &c);
	c.ts_us = ts + 300;
	sw_alert_flow_answered(e, &c, !ok);
}

static struct sw_alert_engine *engine_json(const char *json, struct sink *s)
{
	struct sw_alert_config cfg;
	struct sw_alert_engine *e;
	struct sw_err err;

	assert_true(sw_alert_config_defaults(&cfg));
	if (json)
		assert_int_equal(sw_alert_config_load_buffer(&cfg, json, strlen(json), "t", &err),
				 SW_EXIT_OK);
	e = sw_alert_engine_alloc(&cfg, NULL, NULL, sink_fn, s);
	assert_non_null(e);
	sw_alert_config_clear(&cfg);
	return e;
}

static const char *sfield(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_int_t ifield(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* With the defaults, four straight failed first contacts alert, three do not. */
static void test_trw_four_failures(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	json_t *sample;

	(void)state;
	for (int i = 0; i < 3; i++)
		contact(e, -1, (uint16_t)(20 + i), T0 + (uint64_t)i * SEC, false);
	assert_int_equal(s.n, 0);
	contact(e, -1, 23, T0 + 3 * SEC, false);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.methods[0], 1);
	assert_string_equal(sfield(s.last_scan, "kind"), "scan");
	assert_string_equal(sfield(s.last_scan, "method"), "trw");
	assert_int_equal(ifield(s.last_scan, "failures"), 4);
	assert_int_equal(ifield(s.last_scan, "successes"), 0);
	assert_int_equal(ifield(s.last_scan, "distinct_peers"), 1);
	assert_int_equal(ifield(s.last_scan, "distinct_ports"), 4);
	assert_string_equal(sfield(s.last_scan, "first_attempt"), "2026-11-18T11:06:40.000000Z");
	assert_string_equal(sfield(s.last_scan, "last_attempt"), "2026-11-18T11:06:43.000000Z");
	assert_string_equal(sfield(json_object_get(s.last_scan, "src"), "name"), "shop/evil");
	sample = json_object_get(s.last_scan, "sample");
	assert_int_equal(json_array_size(sample), 4);
	assert_string_equal(sfield(json_array_get(sample, 0), "peer"), "shop/db\\x1b[31m");
	assert_int_equal(ifield(json_array_get(sample, 0), "port"), 23);
	assert_string_equal(sfield(json_array_get(sample, 0), "proto"), "tcp");
	assert_string_equal(sfield(json_array_get(sample, 0), "outcome"), "refused");
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 4);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* Three failures and a success are not four failures: the walk is net of both. */
static void test_trw_successes_count(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	json_t *sample;

	(void)state;
	contact(e, 1, 80, T0, false);
	contact(e, 2, 80, T0 + SEC, false);
	contact(e, 3, 80, T0 + 2 * SEC, false);
	contact(e, 4, 80, T0 + 3 * SEC, true);
	contact(e, 5, 80, T0 + 4 * SEC, false);
	assert_int_equal(s.n, 0);
	contact(e, 6, 80, T0 + 5 * SEC, false);
	assert_int_equal(s.methods[0], 1);
	assert_int_equal(ifield(s.last_scan, "failures"), 5);
	assert_int_equal(ifield(s.last_scan, "successes"), 1);
	/* failed first, then the answered one */
	sample = json_object_get(s.last_scan, "sample");
	assert_int_equal(json_array_size(sample), 6);
	assert_string_equal(sfield(json_array_get(sample, 0), "peer"), "10.1.0.6");
	assert_string_equal(sfield(json_array_get(sample, 4), "outcome"), "refused");
	assert_string_equal(sfield(json_array_get(sample, 5), "outcome"), "answered");
	assert_string_equal(sfield(json_array_get(sample, 5), "peer"), "10.1.0.4");
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/*
 * A scraper: 200 targets every 15 s, all answered, for 5 minutes, with a few
 * failures (a target restarting) among them; a start-up burst; DNS to two
 * resolvers; a health check. Nothing at all with the defaults.
 */
static void test_benign_scraper(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	struct sw_alert_conn c;
	uint64_t t = T0;

	(void)state;
	for (int round = 0; round < 20; round++, t += 15 * SEC) {
		for (int i = 0; i < 200; i++) {
			bool fails = round == 0 && i % 40 == 39; /* 5 failures in round 0 */

			contact(e, 1000 + i, 9100, t + (uint64_t)i * 5000, !fails);
		}
		/* DNS to two resolvers, answered */
		for (int r = 0; r < 2; r++) {
			conn(&c, 2000 + r, 17, 53, t + 2 * SEC);
			sw_alert_flow_new(e, &c);
			c.ts_us += 1000;
			sw_alert_flow_answered(e, &c, false);
		}
		/* a health check */
		contact(e, -1, 8080, t + 3 * SEC, true);
		for (uint64_t k = 1; k <= 15; k++)
			sw_alert_tick(e, t + k * SEC);
	}
	sw_alert_flush(e);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 200 + 2 + 1);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* A burst of 60 connections at start-up, answered within 2 ms: nothing. */
static void test_benign_burst(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	struct sw_alert_conn c[60];

	(void)state;
	for (int i = 0; i < 60; i++) {
		conn(&c[i], 100 + i, 6, 5432, T0 + (uint64_t)i * 20);
		sw_alert_flow_new(e, &c[i]);
		if (i >= 20) { /* the answers trail the SYNs by 20 connections */
			c[i - 20].ts_us = T0 + (uint64_t)i * 20 + 5;
			sw_alert_flow_answered(e, &c[i - 20], false);
		}
	}
	for (int i = 40; i < 60; i++) {
		c[i].ts_us = T0 + 2000;
		sw_alert_flow_answered(e, &c[i], false);
	}
	sw_alert_tick(e, T0 + 10 * SEC);
	sw_alert_flush(e);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->scan_pending_expired, 0);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* One SYN a minute to a new port, never answered, for an hour: alerted within 6 failures. */
static void test_slow_scan(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	struct sw_alert_conn c;
	int alerted_at = -1;

	(void)state;
	for (int m = 0; m < 60; m++) {
		conn(&c, -1, 6, (uint16_t)(1000 + m), T0 + (uint64_t)m * 60 * SEC);
		sw_alert_flow_new(e, &c);
		for (uint64_t k = 1; k <= 60; k++) {
			sw_alert_tick(e, T0 + (uint64_t)m * 60 * SEC + k * SEC);
			if (alerted_at < 0 && s.methods[0])
				alerted_at = m + 1;
		}
	}
	assert_true(alerted_at >= 4 && alerted_at <= 6);
	assert_int_equal(s.methods[0], 1);
	assert_int_equal(s.methods[1], 1);	/* 30 ports of one peer within the hour window */
	/* raised at a tick: the source is named by its key even with no workload at hand */
	assert_string_equal(sfield(json_object_get(s.last_scan, "src"), "name"), "shop/evil");
	assert_int_equal(sw_alert_engine_stats(e)->scan_pending_expired, 60);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* An unanswered first contact is a failure exactly at contact_timeout_ms. */
static void test_pending_timeout(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json("{\"scan\": {\"contact_timeout_ms\": 2000}}", &s);
	struct sw_alert_conn c;

	(void)state;
	conn(&c, 7, 17, 161, T0);
	sw_alert_flow_new(e, &c);
	sw_alert_tick(e, T0 + 1999999);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 0);
	sw_alert_tick(e, T0 + 2 * SEC);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 1);
	assert_int_equal(sw_alert_engine_stats(e)->scan_pending_expired, 1);
	/* the late answer finds nothing pending: not judged twice */
	c.ts_us = T0 + 3 * SEC;
	sw_alert_flow_answered(e, &c, false);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 1);
	/* a flow end resolves a contact the answer hook missed: success, no expiry */
	conn(&c, 8, 6, 443, T0 + 4 * SEC);
	sw_alert_flow_new(e, &c);
	sw_alert_flow_end(e, &c, SW_FLOW_ESTABLISHED);
	sw_alert_tick(e, T0 + 60 * SEC);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 2);
	assert_int_equal(sw_alert_engine_stats(e)->scan_pending_expired, 1);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* Clients retrying a service that is down: one first contact, however many retries. */
static void test_retries_down_service(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);
	struct sw_alert_conn c;

	(void)state;
	for (int i = 0; i < 500; i++) {
		conn(&c, -1, 6, 5432, T0 + (uint64_t)i * 2 * SEC);
		c.sport = (uint16_t)(40000 + i);
		sw_alert_flow_new(e, &c);
		if (i % 2)
			sw_alert_flow_answered(e, &c, true); /* RST */
		else
			sw_alert_flow_end(e, &c, SW_FLOW_ATTEMPTED);
		sw_alert_tick(e, T0 + (uint64_t)i * 2 * SEC + SEC);
	}
	sw_alert_flush(e);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 1);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* the windows alone: no TRW, no fan_out (which counts the same failures) */
#define WIN_ONLY "{\"kinds\": [\"scan\"], \"scan\": {\"trw\": {\"enabled\": false}}}"

/* vertical: 15 refused ports of one peer within 300 s; 14 are not enough. */
static void test_vertical(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(WIN_ONLY, &s);

	(void)state;
	for (int i = 0; i < 14; i++)
		contact(e, 9, (uint16_t)(100 + i), T0 + (uint64_t)i * 20 * SEC, false);
	assert_int_equal(s.n, 0);
	contact(e, 9, 114, T0 + 14 * 20 * SEC, false);
	assert_int_equal(s.methods[1], 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(ifield(s.last_scan, "window_s"), 300);
	assert_int_equal(ifield(s.last_scan, "distinct_ports"), 15);
	assert_int_equal(ifield(s.last_scan, "distinct_peers"), 1);
	sw_alert_engine_free(e);
	sink_clear(&s);

	/* one port every 100 s: never 15 in 300 s, 30 within the hour */
	e = engine_json(WIN_ONLY, &s);
	for (int i = 0; i < 29; i++)
		contact(e, 9, (uint16_t)(100 + i), T0 + (uint64_t)i * 100 * SEC, false);
	assert_int_equal(s.n, 0);
	contact(e, 9, 129, T0 + 29 * 100 * SEC, false);
	assert_int_equal(s.methods[1], 1);
	assert_int_equal(ifield(s.last_scan, "window_s"), 3600);
	assert_int_equal(ifield(s.last_scan, "distinct_ports"), 30);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* horizontal: one port on 25 peers (unanswered UDP, judged at the flow end); 24 are not. */
static void test_horizontal(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(WIN_ONLY, &s);
	struct sw_alert_conn c;

	(void)state;
	for (int i = 0; i < 25; i++) {
		if (i == 24)
			assert_int_equal(s.n, 0);
		conn(&c, 300 + i, 17, 161, T0 + (uint64_t)i * SEC);
		sw_alert_flow_new(e, &c);
		sw_alert_flow_end(e, &c, SW_FLOW_ATTEMPTED);
	}
	assert_int_equal(s.methods[2], 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(ifield(s.last_scan, "distinct_peers"), 25);
	assert_int_equal(ifield(s.last_scan, "distinct_ports"), 1);
	assert_string_equal(sfield(json_array_get(json_object_get(s.last_scan, "sample"), 0),
				   "outcome"), "unanswered");
	assert_string_equal(sfield(json_array_get(json_object_get(s.last_scan, "sample"), 0),
				   "proto"), "udp");
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/*
 * block: 5 peers x 5 ports (a fifth of 25 peers, a third of 15 ports), 25
 * failures in all: neither vertical nor horizontal; 24 are not enough.
 */
static void test_block(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(WIN_ONLY, &s);

	(void)state;
	for (int i = 0; i < 25; i++) {
		if (i == 24)
			assert_int_equal(s.n, 0); /* 24 failures: below */
		contact(e, 500 + i % 5, (uint16_t)(7000 + i / 5), T0 + (uint64_t)i * SEC, false);
	}
	assert_int_equal(s.methods[3], 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(ifield(s.last_scan, "distinct_peers"), 5);
	assert_int_equal(ifield(s.last_scan, "distinct_ports"), 5);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* icmp_sweep: unanswered echo requests to 25 peers; unreachable counts, echo replies do not. */
static void test_icmp_sweep(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(WIN_ONLY, &s);
	struct sw_alert_conn c;

	(void)state;
	for (int i = 0; i < 40; i++) { /* 40 peers that answer */
		conn(&c, 800 + i, 1, 8, T0 + (uint64_t)i * 1000);
		sw_alert_flow_new(e, &c);
		sw_alert_flow_answered(e, &c, false);
	}
	for (int i = 0; i < 24; i++) {
		conn(&c, 900 + i, 1, 8, T0 + SEC + (uint64_t)i * 1000);
		sw_alert_flow_new(e, &c);
		if (i % 3 == 0)
			sw_alert_flow_answered(e, &c, true); /* host unreachable */
	}
	sw_alert_tick(e, T0 + 10 * SEC);
	assert_int_equal(s.n, 0);
	conn(&c, 924, 1, 8, T0 + 11 * SEC);
	sw_alert_flow_new(e, &c);
	sw_alert_tick(e, T0 + 20 * SEC);
	assert_int_equal(s.methods[4], 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(sfield(s.last_scan, "severity"), "medium");
	assert_int_equal(ifield(s.last_scan, "distinct_peers"), 25);
	assert_int_equal(ifield(json_array_get(json_object_get(s.last_scan, "sample"), 0),
				"icmp_type"), 8);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/*
 * 30 peers x 20 ports, peer after peer: TRW, vertical, block and fan_out
 * each alert once (a key each), then summaries only. Not horizontal: the ring
 * holds the latest 128 failures, about 6 peers' worth in this order.
 */
static void test_every_method_dedup(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(NULL, &s);

	(void)state;
	for (int p = 0; p < 30; p++)
		for (int port = 0; port < 20; port++)
			contact(e, p, (uint16_t)(1 + port), T0 + (uint64_t)(p * 20 + port) * 10000,
				false);
	assert_int_equal(s.methods[0], 1);
	assert_int_equal(s.methods[1], 1);
	assert_int_equal(s.methods[2], 0);
	assert_int_equal(s.methods[3], 1);
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);	/* "count": "failed" */
	assert_int_equal(s.n, 4);
	sw_alert_flush(e);
	assert_int_equal(s.n, 8);	/* a summary for each */
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* fan_out.exempt silences every scan method, and fan_out; infrastructure is ignored. */
static void test_exempt_and_infra(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json("{\"fan_out\": {\"exempt\": [\"evil\"]}}", &s);
	struct sw_alert_conn c;

	(void)state;
	for (int p = 0; p < 30; p++)
		for (int port = 0; port < 20; port++)
			contact(e, p, (uint16_t)(1 + port), T0 + (uint64_t)(p * 20 + port) * 10000,
				false);
	sw_alert_flush(e);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 0);
	sw_alert_engine_free(e);
	sink_clear(&s);

	/* DHCP requests and IGMP reports, never answered: the link's plumbing */
	e = engine_json(NULL, &s);
	for (int i = 0; i < 40; i++) {
		conn(&c, 0, 2, 0, T0 + (uint64_t)i * SEC);
		c.sport = 0;
		v4(c.dst.addr, 224, 0, 0, (uint8_t)(22 + i));
		c.dst.kind = SW_EP_MULTICAST;
		sw_alert_flow_new(e, &c);
		conn(&c, 0, 17, 67, T0 + (uint64_t)i * SEC + 1);
		c.sport = 68;
		v4(c.dst.addr, 255, 255, 255, 255);
		sw_alert_flow_new(e, &c);
	}
	sw_alert_tick(e, T0 + 100 * SEC);
	assert_int_equal(s.n, 0);
	assert_int_equal(sw_alert_engine_stats(e)->scan_judged, 0);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* fan_out counts failed first contacts by default: 200 answered raise nothing, 20 refused do. */
static void test_fanout_failed(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json("{\"kinds\": [\"fan_out\"]}", &s);

	(void)state;
	for (int i = 0; i < 200; i++)
		contact(e, i, 9100, T0 + (uint64_t)i * 1000, true);
	assert_int_equal(s.n, 0);
	for (int i = 0; i < 20; i++)
		contact(e, -1, (uint16_t)(1 + i), T0 + SEC + (uint64_t)i * 1000, false);
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);
	assert_int_equal(s.n, 1);
	sw_alert_engine_free(e);
	sink_clear(&s);

	/* "all": the old behaviour, the scraper fires at its 20th target */
	e = engine_json("{\"kinds\": [\"fan_out\"], \"fan_out\": {\"count\": \"all\"}}", &s);
	for (int i = 0; i < 20; i++)
		contact(e, i, 9100, T0 + (uint64_t)i * 1000, true);
	assert_int_equal(s.by_kind[SW_ALERT_FAN_OUT], 1);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/* Bounds: the contacted set, the pending contacts, the sources, the ring; evictions counted. */
static void test_bounds(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(
		"{\"max_sources\": 4, \"scan\": {\"contacts_per_source\": 8}}", &s);
	const struct sw_alert_stats *st = sw_alert_engine_stats(e);
	struct sw_alert_conn c;

	(void)state;
	for (int i = 0; i < 20; i++)
		contact(e, i, 443, T0 + (uint64_t)i * 1000, true);
	assert_int_equal(st->scan_contacts_evicted, 12);
	/* evicted: a contact seen again is a first contact again */
	contact(e, 0, 443, T0 + SEC, true);
	assert_int_equal(st->scan_judged, 21);
	/* 10 sources through a table of 4 */
	for (int i = 0; i < 10; i++) {
		conn(&c, 1, 6, 443, T0 + 2 * SEC + (uint64_t)i);
		v4(c.src.addr, 10, 9, 0, (uint8_t)i);
		c.src.wl = NULL;
		c.src.kind = SW_EP_EXTERNAL;
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(st->scan_sources_evicted, 7); /* the scanner's and 6 of the 10 */
	sw_alert_engine_free(e);
	sink_clear(&s);

	/* 100 SYNs at once, no answer: 32 wait, older ones are judged failed as newer come */
	e = engine_json(NULL, &s);
	st = sw_alert_engine_stats(e);
	for (int i = 0; i < 100; i++) {
		conn(&c, -1, 6, (uint16_t)(1 + i), T0 + (uint64_t)i);
		sw_alert_flow_new(e, &c);
	}
	assert_int_equal(st->scan_pending_expired, 100 - 32);
	assert_int_equal(s.methods[0], 1);
	/* 300 failures on one peer: the ring holds the last 128 */
	for (int i = 100; i < 400; i++)
		contact(e, -1, (uint16_t)(1 + i), T0 + SEC + (uint64_t)i * 1000, false);
	sw_alert_tick(e, T0 + 400 * SEC);
	sw_alert_flush(e);
	assert_true(ifield(s.last_scan, "distinct_ports") <= SW_ALERT_SCAN_RING);
	assert_true(json_array_size(json_object_get(s.last_scan, "sample")) <= 16);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

/*
 * The source tables key a source by bytes, not text: a workload judged at a
 * tick (no endpoint at hand) is still named by its workload name, a name past
 * the key's cut still keys one source, and a source reusing an evicted slot
 * does not inherit its predecessor's pending contacts.
 */
static void test_source_keys(void **state)
{
	struct sink s = { 0 };
	struct sw_alert_engine *e = engine_json(
		"{\"max_sources\": 1, \"scan\": {\"contact_timeout_ms\": 1000}}", &s);
	const struct sw_alert_stats *st = sw_alert_engine_stats(e);
	char *name = scanner.name, longname[400];
	struct sw_alert_conn c;

	(void)state;
	for (int i = 0; i < 4; i++) { /* unanswered: judged at the tick */
		conn(&c, 1, 6, (uint16_t)(100 + i), T0 + (uint64_t)i);
		sw_alert_flow_new(e, &c);
	}
	sw_alert_tick(e, T0 + 2 * SEC);
	assert_int_equal(st->scan_judged, 4);
	assert_int_equal(s.methods[0], 1);
	assert_string_equal(sfield(json_object_get(s.last_scan, "src"), "name"), "shop/evil");

	/* three pending, then another source takes the only slot: theirs go unjudged */
	for (int i = 0; i < 3; i++) {
		conn(&c, 2, 6, (uint16_t)(200 + i), T0 + 3 * SEC + (uint64_t)i);
		sw_alert_flow_new(e, &c);
	}
	conn(&c, 2, 6, 300, T0 + 3 * SEC + 10);
	c.src.wl = NULL;
	c.src.kind = SW_EP_EXTERNAL;
	v4(c.src.addr, 10, 9, 0, 1);
	sw_alert_flow_new(e, &c);
	assert_int_equal(st->scan_sources_evicted, 1);
	sw_alert_tick(e, T0 + 10 * SEC);
	assert_int_equal(st->scan_judged, 4 + 1);

	/* a name longer than the key keeps one source (cut as its text id is) */
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	scanner.name = longname;
	for (int i = 0; i < 4; i++)
		contact(e, -1, (uint16_t)(400 + i), T0 + 20 * SEC + (uint64_t)i * SEC, false);
	scanner.name = name;
	assert_int_equal(s.methods[0], 2);
	assert_int_equal(strlen(sfield(json_object_get(s.last_scan, "src"), "name")),
			 sizeof(longname) - 1);
	sw_alert_engine_free(e);
	sink_clear(&s);
}

static void expect_error(const char *json, const char *msg)
{
	struct sw_alert_config cfg;
	struct sw_err err;

	assert_true(sw_alert_config_defaults(&cfg));
	assert_int_equal(sw_alert_config_load_buffer(&cfg, json, strlen(json), "a.json", &err),
			 SW_EXIT_USAGE);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("%s:\n expected %s\n got      %s", json, msg, err.msg);
	sw_alert_config_clear(&cfg);
}

static void test_config(void **state)
{
	struct sw_alert_config cfg;
	struct sw_err err;
	const char *full = "{\"alerts\": {\"kinds\": [\"scan\"], \"fan_out\": {\"count\": \"all\"},"
			   " \"scan\": {\"trw\": {\"enabled\": false, \"benign_success\": 0.9,"
			   " \"scanner_success\": 0.1, \"detection\": 0.999, \"false_positive\": 0.001},"
			   " \"contact_timeout_ms\": 3000, \"contacts_per_source\": 64,"
			   " \"windows\": [{\"seconds\": 60, \"ports\": 10, \"peers\": 12}]}}}";

	(void)state;
	assert_true(sw_alert_config_defaults(&cfg));
	assert_true(cfg.enabled[SW_ALERT_SCAN]);
	assert_int_equal(cfg.fanout_count, SW_ALERT_FANOUT_FAILED);
	assert_true(cfg.scan.trw_enabled);
	assert_true(cfg.scan.benign_success == 0.8 && cfg.scan.scanner_success == 0.2);
	assert_true(cfg.scan.detection == 0.99 && cfg.scan.false_positive == 0.01);
	assert_int_equal(cfg.scan.contact_timeout_ms, 5000);
	assert_int_equal(cfg.scan.contacts_per_source, 256);
	assert_int_equal(cfg.scan.n_windows, 2);
	assert_int_equal(cfg.scan.windows[1].seconds, 3600);
	assert_int_equal(cfg.scan.windows[1].ports, 30);
	assert_int_equal(cfg.scan.windows[1].peers, 50);
	assert_string_equal(sw_alert_kind_name(SW_ALERT_SCAN), "scan");
	assert_int_equal(sw_alert_config_load_buffer(&cfg, full, strlen(full), "a.json", &err),
			 SW_EXIT_OK);
	assert_false(cfg.enabled[SW_ALERT_FAN_OUT]);
	assert_int_equal(cfg.fanout_count, SW_ALERT_FANOUT_ALL);
	assert_false(cfg.scan.trw_enabled);
	assert_true(cfg.scan.detection == 0.999);
	assert_int_equal(cfg.scan.contact_timeout_ms, 3000);
	assert_int_equal(cfg.scan.contacts_per_source, 64);
	assert_int_equal(cfg.scan.n_windows, 1);
	assert_int_equal(cfg.scan.windows[0].peers, 12);
	sw_alert_config_clear(&cfg);

	expect_error("{\"scan\": {\"trw\": {\"detection\": 1}}}",
		     "a.json: /alerts/scan/trw/detection: error: expected a number between 0 and 1 (both excluded)");
	expect_error("{\"scan\": {\"trw\": {\"false_positive\": \"x\"}}}",
		     "a.json: /alerts/scan/trw/false_positive: error: expected a number between 0 and 1 (both excluded)");
	expect_error("{\"scan\": {\"trw\": {\"detectoin\": 0.9}}}",
		     "a.json: /alerts/scan/trw/detectoin: error: unknown key (did you mean \"detection\"?)");
	expect_error("{\"scan\": {\"trw\": {\"scanner_success\": 0.9}}}",
		     "a.json: /alerts/scan/trw/scanner_success: error: must be below benign_success (0.8)");
	expect_error("{\"scan\": {\"trw\": {\"detection\": 0.005}}}",
		     "a.json: /alerts/scan/trw/false_positive: error: must be below detection (0.005)");
	expect_error("{\"scan\": {\"trw\": {\"enabled\": 1}}}",
		     "a.json: /alerts/scan/trw/enabled: error: expected true or false");
	expect_error("{\"scan\": {\"contact_timeout_ms\": 0}}",
		     "a.json: /alerts/scan/contact_timeout_ms: error: expected an integer 1-3600000");
	expect_error("{\"scan\": {\"contacts_per_source\": 5000}}",
		     "a.json: /alerts/scan/contacts_per_source: error: expected an integer 1-4096");
	expect_error("{\"scan\": {\"windows\": [{\"seconds\": 60, \"ports\": 200, \"peers\": 3}]}}",
		     "a.json: /alerts/scan/windows/0/ports: error: expected an integer 1-128");
	expect_error("{\"scan\": {\"windows\": [{\"seconds\": 60, \"ports\": 2}]}}",
		     "a.json: /alerts/scan/windows/0: error: a window needs \"seconds\", \"ports\" and \"peers\"");
	expect_error("{\"scan\": {\"windows\": [{\"seconds\": 60, \"ports\": 2, \"peers\": 3, \"x\": 1}]}}",
		     "a.json: /alerts/scan/windows/0/x: error: unknown key");
	expect_error("{\"scan\": {\"windows\": [{}, {}, {}, {}, {}]}}",
		     "a.json: /alerts/scan/windows: error: expected an array of at most 4 windows");
	expect_error("{\"scan\": {\"window\": []}}",
		     "a.json: /alerts/scan/window: error: unknown key (did you mean \"windows\"?)");
	expect_error("{\"scan\": []}", "a.json: /alerts/scan: error: expected an object");
	expect_error("{\"max_sources\": 100000, \"scan\": {\"contacts_per_source\": 2048}}",
		     "a.json: /alerts/scan/contacts_per_source: error: at most 1024 with max_sources 100000 (the sets are reserved at start)");
	expect_error("{\"fan_out\": {\"count\": \"some\"}}",
		     "a.json: /alerts/fan_out/count: error: expected \"failed\" or \"all\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trw_four_failures),
		cmocka_unit_test(test_trw_successes_count),
		cmocka_unit_test(test_benign_scraper),
		cmocka_unit_test(test_benign_burst),
		cmocka_unit_test(test_slow_scan),
		cmocka_unit_test(test_pending_timeout),
		cmocka_unit_test(test_retries_down_service),
		cmocka_unit_test(test_vertical),
		cmocka_unit_test(test_horizontal),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_icmp_sweep),
		cmocka_unit_test(test_every_method_dedup),
		cmocka_unit_test(test_exempt_and_infra),
		cmocka_unit_test(test_fanout_failed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_source_keys),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
