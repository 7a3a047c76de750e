// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ecs.c - alerts with Elastic Common Schema names (docs/alerts.md
 * "Elastic Common Schema"). One fixed sequence of events (a kernel drop, a
 * refused attempt toward a sensitive group, an ICMPv6 packet a monitor
 * policy let through, a spoofed source, a scan and its summary, an
 * agent_health event) is run through the engine in each format; the lines
 * must equal the golden files byte for byte:
 *   golden/alerts.jsonl      segwatch's record (the default: it must not move)
 *   golden/alerts_ecs.jsonl  the same alerts with ECS names
 * SW_GOLDEN_UPDATE=1 rewrites them (review the diff). The RFC 5424
 * structured data, built from the record, is the same in both formats.
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

#define T0 1795000000000000ull	/* µs: 2026-11-18T11:06:40Z */
#define MAX_LINES 32

struct sink {
	char *lines[MAX_LINES];
	char *sd[MAX_LINES];	/* the RFC 5424 header and structured data of each */
	int n;
};

static void sink_fn(const struct sw_alert *a, const char *line, void *arg)
{
	struct sink *s = arg;
	char msg[8192], *end;

	assert_non_null(a->record);
	assert_true(s->n < MAX_LINES);
	assert_true(sw_alert_syslog_format(a, line, "node-1", 42, msg, sizeof(msg)) > 0);
	end = strstr(msg, "] {");
	assert_non_null(end);
	end[1] = '\0';
	s->sd[s->n] = strdup(msg);
	s->lines[s->n++] = strdup(line);
}

static void sink_clear(struct sink *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->lines[i]);
		free(s->sd[i]);
	}
}

static void addr4(uint8_t a[16], uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, 16);
	a[10] = a[11] = 0xff;
	a[12] = x, a[13] = y, a[14] = z, a[15] = w;
}

static void addr6(uint8_t a[16], uint8_t last)
{
	static const uint8_t doc[16] = { 0x20, 0x01, 0x0d, 0xb8 };	/* 2001:db8:: */

	memcpy(a, doc, 16);
	a[15] = last;
}

static void mkwl(struct sw_workload *w, const char *name, const char *app, uint8_t last)
{
	uint8_t a[16];

	memset(w, 0, sizeof(*w));
	w->name = strdup(name);
	w->uid = strdup(name);
	assert_true(sw_workload_add_label(w, "app", app));
	/* a dotted key: ECS lines write it with underscores */
	assert_true(sw_workload_add_label(w, "app.kubernetes.io/part-of", "shop"));
	addr4(a, 10, 0, 0, last);
	assert_true(sw_workload_add_addr(w, a));
}

static void end_wl(struct sw_alert_endpoint *ep, const struct sw_workload *w)
{
	ep->wl = w;
	ep->kind = SW_EP_WORKLOAD;
	memcpy(ep->addr, w->addrs[0], 16);
}

static void end_ext6(struct sw_alert_endpoint *ep, uint8_t last)
{
	ep->wl = NULL;
	ep->kind = SW_EP_EXTERNAL;
	addr6(ep->addr, last);
}

/* The fixed sequence, in @format, into @s. */
static void run(enum sw_alert_format format, struct sink *s)
{
	struct sw_alert_config cfg;
	struct sw_workload web, db;
	struct sw_alert_engine *e;
	struct sw_alert_conn c;
	uint8_t forged[16];
	char *sensitive[] = { "db" };

	assert_true(sw_alert_config_defaults(&cfg));
	cfg.fanout_count = SW_ALERT_FANOUT_ALL; /* the fan_out below: 21 SYNs, no answer needed */
	cfg.format = format;
	cfg.host = strdup("node-1");
	cfg.sensitive = sensitive;
	cfg.n_sensitive = 1;
	mkwl(&web, "shop/web-1", "web", 2);
	mkwl(&db, "shop/db-1", "db", 3);
	e = sw_alert_engine_alloc(&cfg, NULL, NULL, sink_fn, s);
	cfg.sensitive = NULL; /* the caller's array, not the config's */
	cfg.n_sensitive = 0;
	sw_alert_config_clear(&cfg);
	assert_non_null(e);

	/* the kernel dropped web -> db tcp/5432 (default verdict) */
	memset(&c, 0, sizeof(c));
	c.ts_us = T0;
	c.proto = 6;
	c.sport = 40000;
	c.dport = 5432;
	strcpy(c.community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	end_wl(&c.src, &web);
	end_wl(&c.dst, &db);
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_DENY, -1);

	/* an outside peer refused by db, a sensitive group (by another: nothing) */
	c.src.wl = NULL;
	c.src.kind = SW_EP_EXTERNAL;
	addr4(c.src.addr, 203, 0, 113, 9);
	addr4(c.dst.addr, 10, 0, 0, 4);
	c.dst.kind = SW_EP_HOST;
	c.dst.wl = NULL;
	c.ts_us = T0 + 1000;
	sw_alert_flow_end(e, &c, SW_FLOW_REFUSED);
	end_wl(&c.dst, &db);
	sw_alert_flow_end(e, &c, SW_FLOW_REFUSED);

	/* ICMPv6 echo a monitor policy let through (rule 3 of a policy not loaded) */
	memset(&c, 0, sizeof(c));
	c.ts_us = T0 + 2000;
	c.proto = 58;
	c.icmp_type = 128;
	strcpy(c.community_id, "1:9NZhuj5ntfNAkKEmDnhQD+sGpcE=");
	end_ext6(&c.src, 0x99);
	end_ext6(&c.dst, 0x10);
	sw_alert_kernel_log(e, &c, SW_ALERT_KLOG_MONITOR, 3);

	/* web sent from an address not its own */
	addr4(forged, 192, 0, 2, 66);
	sw_alert_spoofed(e, T0 + 3000, &web, forged);

	/* a scan: 21 ports of db within 21 ms, the last folded into the summary */
	memset(&c, 0, sizeof(c));
	c.proto = 6;
	c.sport = 41000;
	end_wl(&c.src, &web);
	end_wl(&c.dst, &db);
	for (int i = 0; i < 21; i++) {
		c.ts_us = T0 + 10000 + (uint64_t)i * 1000;
		c.dport = (uint16_t)(1000 + i);
		sw_alert_flow_new(e, &c);
	}

	/* an outside peer refused on 4 new ports of db: a scan by TRW, with its evidence */
	memset(&c, 0, sizeof(c));
	c.proto = 6;
	c.sport = 42000;
	end_ext6(&c.src, 0x77);
	end_wl(&c.dst, &db);
	for (int i = 0; i < 4; i++) {
		c.ts_us = T0 + 40000 + (uint64_t)i * 1000;
		c.dport = (uint16_t)(22 + i);
		sw_alert_flow_new(e, &c);
		c.ts_us += 200;
		sw_alert_flow_answered(e, &c, true);
	}

	sw_alert_health(e, T0 + 50000, "history_loss", SW_ALERT_SEV_HIGH, "disk full", 12);
	sw_alert_flush(e);
	sw_alert_engine_free(e);
	sw_workload_clear(&web);
	sw_workload_clear(&db);
}

static char *golden_path(const char *name)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/%s", SW_ALERT_GOLDEN_DIR, name);
	return path;
}

/* @s's lines must be the file's, one per line, byte for byte. */
static void check_golden(const struct sink *s, const char *name)
{
	const char *update = getenv("SW_GOLDEN_UPDATE");
	char buf[8192];
	FILE *f;
	int i = 0;

	if (update && strcmp(update, "1") == 0) {
		assert_non_null(f = fopen(golden_path(name), "w"));
		for (int j = 0; j < s->n; j++)
			fprintf(f, "%s\n", s->lines[j]);
		assert_int_equal(fclose(f), 0);
		return;
	}
	f = fopen(golden_path(name), "r");
	if (!f)
		fail_msg("%s: cannot read (SW_GOLDEN_UPDATE=1 writes it)", golden_path(name));
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (i >= s->n)
			fail_msg("%s:%d: expected %s, got no more alerts", name, i + 1, buf);
		if (strcmp(buf, s->lines[i]) != 0)
			fail_msg("%s:%d:\n expected %s\n got      %s", name, i + 1, buf, s->lines[i]);
		i++;
	}
	fclose(f);
	if (i != s->n)
		fail_msg("%s: %d lines, the engine wrote %d", name, i, s->n);
}

static void test_golden(void **state)
{
	struct sink seg = { 0 }, ecs = { 0 };

	(void)state;
	run(SW_ALERT_FORMAT_SEGWATCH, &seg);
	run(SW_ALERT_FORMAT_ECS, &ecs);
	assert_int_equal(seg.n, 8);
	assert_int_equal(ecs.n, seg.n);
	check_golden(&seg, "alerts.jsonl");
	check_golden(&ecs, "alerts_ecs.jsonl");
	/* syslog's structured data comes from the record, not from the line's names */
	for (int i = 0; i < seg.n; i++)
		assert_string_equal(seg.sd[i], ecs.sd[i]);
	sink_clear(&seg);
	sink_clear(&ecs);
}

/* The fields an ECS consumer keys on, read back from the lines (not only compared as text). */
static void test_fields(void **state)
{
	struct sink seg = { 0 }, ecs = { 0 };

	(void)state;
	run(SW_ALERT_FORMAT_SEGWATCH, &seg);
	run(SW_ALERT_FORMAT_ECS, &ecs);
	for (int i = 0; i < ecs.n; i++) {
		json_t *r = json_loads(seg.lines[i], 0, NULL), *x = json_loads(ecs.lines[i], 0, NULL);
		json_t *src = json_object_get(r, "src"), *dst = json_object_get(r, "dst");
		const char *kind = json_string_value(json_object_get(r, "kind"));

		assert_non_null(r);
		assert_non_null(x);
		assert_string_equal(json_string_value(json_object_get(x, "@timestamp")),
				    json_string_value(json_object_get(r, "time")));
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(x, "event"), "kind")), "alert");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(x, "event"), "action")), kind);
		assert_true(json_equal(json_object_get(json_object_get(x, "segwatch"), "count"),
				       json_object_get(r, "count")));
		if (json_is_object(src))
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(x, "source"), "ip")),
					    json_string_value(json_object_get(src, "address")));
		if (json_is_object(dst))
			assert_string_equal(json_string_value(json_object_get(
						    json_object_get(x, "destination"), "ip")),
					    json_string_value(json_object_get(dst, "address")));
		if (json_object_get(r, "community_id"))
			assert_true(json_equal(json_object_get(json_object_get(x, "network"),
							       "community_id"),
					       json_object_get(r, "community_id")));
		json_decref(r);
		json_decref(x);
	}
	sink_clear(&seg);
	sink_clear(&ecs);
}

static void test_format_names(void **state)
{
	enum sw_alert_format f = SW_ALERT_FORMAT_SEGWATCH;

	(void)state;
	assert_true(sw_alert_format_parse("ecs", &f));
	assert_int_equal(f, SW_ALERT_FORMAT_ECS);
	assert_true(sw_alert_format_parse("segwatch", &f));
	assert_int_equal(f, SW_ALERT_FORMAT_SEGWATCH);
	assert_false(sw_alert_format_parse("ECS", &f));
	assert_false(sw_alert_format_parse("", &f));
	assert_false(sw_alert_format_parse(NULL, &f));
	assert_string_equal(sw_alert_format_name(SW_ALERT_FORMAT_ECS), "ecs");
	assert_string_equal(sw_alert_format_name(SW_ALERT_FORMAT_SEGWATCH), "segwatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
