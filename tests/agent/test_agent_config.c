/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_agent_config - src/agent's config reader: the defaults, every key
 * landing in the struct the stages take, durations and sizes, types,
 * unknown keys with a suggestion, ranges, every error at once, the JSON
 * of the effective config loading back into the same config. The exact
 * messages of `segwatch agent check` are in the golden files (golden/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <segwatch/agent.h>
#include <segwatch/nflog.h>
#include <segwatch/diag.h>

#define SW_US 1000000ull

struct sw_tcfg {
	struct sw_agent_config cfg;
	struct sw_diags d;
	int rc;
};

static void sw_tload(struct sw_tcfg *t, const char *text)
{
	sw_diags_init(&t->d);
	t->rc = sw_agent_config_load_buffer(text, strlen(text), NULL, &t->cfg, &t->d);
}

static void sw_tdone(struct sw_tcfg *t)
{
	sw_agent_config_clear(&t->cfg);
	sw_diags_clear(&t->d);
}

/* Diagnostic @i as printed for "a.json". */
static const char *sw_tdiag(const struct sw_tcfg *t, size_t i, char *buf, size_t size)
{
	assert_true(i < t->d.n);
	return sw_diag_format("a.json", &t->d.v[i], buf, size);
}

static bool sw_thas(const struct sw_tcfg *t, const char *needle)
{
	char buf[800];

	for (size_t i = 0; i < t->d.n; i++)
		if (strstr(sw_tdiag(t, i, buf, sizeof(buf)), needle))
			return true;
	return false;
}

/* @text must fail with exactly one error, containing @needle. */
static void sw_tone_error(const char *text, const char *needle)
{
	struct sw_tcfg t;

	sw_tload(&t, text);
	if (t.rc != SW_EXIT_USAGE || t.d.n_errors != 1 || !sw_thas(&t, needle)) {
		char buf[800];

		for (size_t i = 0; i < t.d.n; i++)
			print_error("  %s\n", sw_tdiag(&t, i, buf, sizeof(buf)));
		fail_msg("%s: expected one error with \"%s\" (rc %d, %zu errors)", text, needle,
			 t.rc, t.d.n_errors);
	}
	sw_tdone(&t);
}

static void test_defaults(void **state)
{
	struct sw_agent_config cfg;
	struct sw_flow_config flow;
	struct sw_tcfg t;

	(void)state;
	sw_agent_config_defaults(&cfg);
	sw_flow_config_defaults(&flow);
	assert_memory_equal(&cfg.capture.flow, &flow, sizeof(flow));
	assert_int_equal(cfg.capture.opts.n_ifaces, 0);
	assert_null(cfg.capture.opts.filter);
	assert_int_equal(cfg.capture.opts.snaplen, 256);
	assert_int_equal(cfg.capture.opts.dedup, SW_DEDUP_AUTO);
	assert_int_equal(cfg.identity.engine, SW_AGENT_ENGINE_AUTO);
	assert_true(cfg.identity.kernel);
	assert_null(cfg.policy.file);
	assert_int_equal(cfg.policy.mode, SW_AGENT_POLICY_ENFORCE);
	assert_int_equal(cfg.policy.on_stop, SW_AGENT_ON_STOP_KEEP);
	assert_int_equal(cfg.policy.nflog_group, SW_NFLOG_GROUP_DEFAULT);
	assert_true(cfg.policy.watch_file);
	assert_null(cfg.alerts.output);
	assert_true(cfg.history.enabled);
	assert_string_equal(cfg.history.opts.dir, SW_AGENT_HISTORY_DIR);
	assert_int_equal(cfg.history.opts.rotate_us, 3600 * SW_US);
	assert_int_equal(cfg.history.opts.rotate_bytes, 64ull << 20);
	assert_int_equal(cfg.history.opts.keep_us, 7 * 86400 * SW_US);
	assert_int_equal(cfg.history.opts.keep_bytes, 1ull << 30);
	assert_true(cfg.history.opts.compress);
	assert_int_equal(cfg.history.opts.queue_max, 65536);
	assert_int_equal(cfg.log.level, LOG_INFO);
	assert_int_equal(cfg.log.target, SW_AGENT_LOG_AUTO);
	assert_int_equal(cfg.limits.identity_versions, 16);
	assert_int_equal(cfg.limits.kernel_log_records, SW_NFLOG_AGG_MAX_DEFAULT);
	sw_agent_config_clear(&cfg);
	sw_agent_config_clear(NULL);

	/* an empty object is the defaults */
	sw_tload(&t, "{}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.d.n, 0);
	assert_memory_equal(&t.cfg.capture.flow, &flow, sizeof(flow));
	sw_tdone(&t);
}

static const char sw_full[] =
	"{\"capture\": {\"interfaces\": [\"br0\", \"veth1\"], \"filter\": \"tcp\", \"snaplen\": 128,"
	"  \"max_flows\": 1000, \"dedup\": \"off\","
	"  \"timeouts\": {\"tcp\": \"2h\", \"tcp_closed\": 20, \"udp\": \"90s\", \"icmp\": \"1m\","
	"               \"other\": \"45s\", \"active\": \"1h30m\"}},"
	" \"identity\": {\"engine\": \"/run/podman/podman.sock\", \"inventories\": [\"pods.json\","
	"               \"/etc/segwatch/hosts.json\"], \"kernel\": false},"
	" \"policy\": {\"file\": \"/etc/segwatch/policy.json\", \"mode\": \"judge\","
	"             \"on_stop\": \"remove\", \"nflog_group\": 7, \"watch_file\": false},"
	" \"alerts\": {\"output\": \"alerts.jsonl\", \"baseline\": \"base.json\", \"config\": null},"
	" \"history\": {\"dir\": \"flows\", \"rotate_every\": \"10m\", \"rotate_size\": \"8MiB\","
	"              \"keep_for\": \"2d\", \"keep_size\": 1073741824, \"compress\": false,"
	"              \"queue\": 1024},"
	" \"log\": {\"level\": \"debug\", \"target\": \"journal\"},"
	" \"limits\": {\"identity_versions\": 4, \"kernel_log_records\": 500}}";

static void sw_tcheck_full(const struct sw_agent_config *c, const char *dir)
{
	char path[256];

	assert_int_equal(c->capture.opts.n_ifaces, 2);
	assert_string_equal(c->capture.opts.ifaces[0], "br0");
	assert_string_equal(c->capture.opts.ifaces[1], "veth1");
	assert_string_equal(c->capture.opts.filter, "tcp");
	assert_int_equal(c->capture.opts.snaplen, 128);
	assert_int_equal(c->capture.opts.dedup, SW_DEDUP_OFF);
	assert_int_equal(c->capture.flow.max_flows, 1000);
	assert_int_equal(c->capture.flow.idle_tcp_s, 7200);
	assert_int_equal(c->capture.flow.idle_tcp_closed_s, 20);
	assert_int_equal(c->capture.flow.idle_udp_s, 90);
	assert_int_equal(c->capture.flow.idle_icmp_s, 60);
	assert_int_equal(c->capture.flow.idle_other_s, 45);
	assert_int_equal(c->capture.flow.active_s, 5400);
	assert_int_equal(c->identity.engine, SW_AGENT_ENGINE_SOCKET);
	assert_string_equal(c->identity.engine_socket, "/run/podman/podman.sock");
	assert_int_equal(c->identity.n_inventories, 2);
	snprintf(path, sizeof(path), "%s%spods.json", dir ? dir : "", dir ? "/" : "");
	assert_string_equal(c->identity.inventories[0], path);
	assert_string_equal(c->identity.inventories[1], "/etc/segwatch/hosts.json");
	assert_false(c->identity.kernel);
	assert_string_equal(c->policy.file, "/etc/segwatch/policy.json");
	assert_int_equal(c->policy.mode, SW_AGENT_POLICY_JUDGE);
	assert_int_equal(c->policy.on_stop, SW_AGENT_ON_STOP_REMOVE);
	assert_int_equal(c->policy.nflog_group, 7);
	assert_false(c->policy.watch_file);
	snprintf(path, sizeof(path), "%s%salerts.jsonl", dir ? dir : "", dir ? "/" : "");
	assert_string_equal(c->alerts.output, path);
	assert_null(c->alerts.config);
	assert_true(c->history.enabled);
	assert_int_equal(c->history.opts.rotate_us, 600 * SW_US);
	assert_int_equal(c->history.opts.rotate_bytes, 8ull << 20);
	assert_int_equal(c->history.opts.keep_us, 2 * 86400 * SW_US);
	assert_int_equal(c->history.opts.keep_bytes, 1ull << 30);
	assert_false(c->history.opts.compress);
	assert_int_equal(c->history.opts.queue_max, 1024);
	assert_int_equal(c->log.level, LOG_DEBUG);
	assert_int_equal(c->log.target, SW_AGENT_LOG_JOURNAL);
	assert_int_equal(c->limits.identity_versions, 4);
	assert_int_equal(c->limits.kernel_log_records, 500);
}

static void test_every_key(void **state)
{
	struct sw_tcfg t;

	(void)state;
	sw_tload(&t, sw_full);
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.d.n, 0);
	sw_tcheck_full(&t.cfg, NULL);
	sw_tdone(&t);

	/* relative paths are taken from the config's directory */
	sw_diags_init(&t.d);
	t.rc = sw_agent_config_load_buffer(sw_full, strlen(sw_full), "/etc/segwatch", &t.cfg, &t.d);
	assert_int_equal(t.rc, SW_EXIT_OK);
	sw_tcheck_full(&t.cfg, "/etc/segwatch");
	assert_string_equal(t.cfg.history.opts.dir, "/etc/segwatch/flows");
	sw_tdone(&t);
}

static void test_special_values(void **state)
{
	static const char stderr_text[] = "{\"alerts\": {\"output\": \"stderr\"}, \"history\":"
					  " {\"keep_for\": null, \"keep_size\": null}}";
	struct sw_tcfg t;

	(void)state;
	sw_tload(&t, "{\"history\": false, \"identity\": {\"engine\": \"off\"},"
		     " \"policy\": {\"file\": \"p.json\", \"nflog_group\": null},"
		     " \"alerts\": {\"output\": \"syslog\"}, \"capture\": {\"filter\": null}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_false(t.cfg.history.enabled);
	assert_int_equal(t.cfg.identity.engine, SW_AGENT_ENGINE_OFF);
	assert_int_equal(t.cfg.policy.nflog_group, -1);
	assert_string_equal(t.cfg.alerts.output, "syslog");
	sw_tdone(&t);

	sw_diags_init(&t.d);
	t.rc = sw_agent_config_load_buffer(stderr_text, strlen(stderr_text), "/x", &t.cfg, &t.d);
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_string_equal(t.cfg.alerts.output, "stderr"); /* not a path under /x */
	assert_int_equal(t.cfg.history.opts.keep_us, 0);
	assert_int_equal(t.cfg.history.opts.keep_bytes, 0);
	sw_tdone(&t);
}

static void test_durations_sizes(void **state)
{
	struct sw_tcfg t;

	(void)state;
	sw_tload(&t, "{\"capture\": {\"timeouts\": {\"tcp\": 3600, \"udp\": 1.0e1, \"other\": \"1d\"}},"
		     " \"history\": {\"rotate_every\": 0.5e1, \"rotate_size\": \"64k\","
		     " \"keep_for\": \"1w\", \"keep_size\": \"2GB\"}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.cfg.capture.flow.idle_tcp_s, 3600);
	assert_int_equal(t.cfg.capture.flow.idle_udp_s, 10);
	assert_int_equal(t.cfg.capture.flow.idle_other_s, 86400);
	assert_int_equal(t.cfg.history.opts.rotate_us, 5 * SW_US);
	assert_int_equal(t.cfg.history.opts.rotate_bytes, 65536);
	assert_int_equal(t.cfg.history.opts.keep_us, 7 * 86400 * SW_US);
	assert_int_equal(t.cfg.history.opts.keep_bytes, 2000000000ull);
	sw_tdone(&t);

	sw_tone_error("{\"capture\": {\"timeouts\": {\"tcp\": \"2 hours\"}}}",
		      "/capture/timeouts/tcp: error: bad duration \"2 hours\"");
	sw_tone_error("{\"capture\": {\"timeouts\": {\"udp\": \"1.5s\"}}}",
		      "1500ms is not a whole number of seconds");
	sw_tone_error("{\"history\": {\"rotate_size\": \"64 MiB\"}}",
		      "/history/rotate_size: error: bad size \"64 MiB\"");
	sw_tone_error("{\"history\": {\"rotate_size\": -1}}", "a size cannot be negative");
	sw_tone_error("{\"history\": {\"keep_for\": -5}}", "-5 is not a number of seconds");
}

static void test_types(void **state)
{
	(void)state;
	sw_tone_error("{\"capture\": {\"filter\": 3}}",
		      "/capture/filter: error: expected a string, got a number");
	sw_tone_error("{\"capture\": {\"snaplen\": \"big\"}}", "expected an integer, got a string");
	sw_tone_error("{\"capture\": {\"interfaces\": \"br0\"}}",
		      "expected an array of interface names, got a string");
	sw_tone_error("{\"capture\": {\"interfaces\": [\"br0\", 5]}}",
		      "/capture/interfaces/1: error: expected an interface name, got a number");
	sw_tone_error("{\"capture\": {\"timeouts\": [1]}}",
		      "/capture/timeouts: error: expected an object, got an array");
	sw_tone_error("{\"identity\": {\"kernel\": \"yes\"}}",
		      "expected true or false, got a string");
	sw_tone_error("{\"history\": {\"rotate_every\": true}}",
		      "expected a duration (\"90s\", \"10m\", \"2h\", \"7d\") or a number of seconds,"
		      " got a boolean");
	sw_tone_error("{\"history\": \"off\"}",
		      "/history: error: expected an object, or false to keep no history, got a string");
	sw_tone_error("{\"policy\": {\"mode\": 1}}", "expected a string, got a number");
	sw_tone_error("{\"policy\": {\"file\": \"\"}}", "expected a non-empty string");
	/* jansson refuses NUL in strings (without JSON_ALLOW_NUL) */
	sw_tone_error("{\"policy\": {\"file\": \"a\\u0000b\"}}",
		      "a.json:1:30: error: \\u0000 is not allowed");
	sw_tone_error("[]", "a.json: error: expected a config object, got an array");
	sw_tone_error("{\"log\": null}", "/log: error: expected an object, got null");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	sw_tone_error("{\"histroy\": false}",
		      "a.json: /histroy: error: unknown key \"histroy\"; did you mean \"history\"?");
	sw_tone_error("{\"capture\": {\"snaplenn\": 100}}",
		      "/capture/snaplenn: error: unknown key \"snaplenn\"; did you mean \"snaplen\"?");
	sw_tone_error("{\"capture\": {\"timeouts\": {\"tcp-closed\": 5}}}",
		      "unknown key \"tcp-closed\"; did you mean \"tcp_closed\"?");
	sw_tone_error("{\"zzz\": 1}", "/zzz: error: unknown key \"zzz\"");
	sw_tone_error("{\"policy\": {\"mode\": \"enforcing\"}}",
		      "/policy/mode: error: unknown value \"enforcing\"; did you mean \"enforce\"?");
	sw_tone_error("{\"log\": {\"level\": \"loud\"}}",
		      "unknown value \"loud\"; expected \"debug\", \"info\", \"notice\", \"warning\" or "
		      "\"error\"");
	sw_tone_error("{\"identity\": {\"engine\": \"docker\"}}",
		      "unknown value \"docker\"; expected \"auto\", \"off\" or the absolute path");
	sw_tone_error("{\"identity\": {\"engine\": \"of\"}}", "did you mean \"off\"?");
}

static void test_ranges(void **state)
{
	(void)state;
	sw_tone_error("{\"history\": {\"rotate_every\": \"0s\"}}",
		      "/history/rotate_every: error: 0s is out of range: from 1s to 1d");
	sw_tone_error("{\"history\": {\"rotate_every\": \"500ms\"}}", "500ms is out of range");
	sw_tone_error("{\"capture\": {\"timeouts\": {\"active\": \"31d\"}}}",
		      "31d is out of range: from 1s to 30d");
	sw_tone_error("{\"capture\": {\"snaplen\": 10}}", "10 is out of range: from 64 to 262144");
	sw_tone_error("{\"capture\": {\"max_flows\": 0}}", "0 is out of range: from 1 to 2147483648");
	sw_tone_error("{\"policy\": {\"nflog_group\": 65536}}", "65536 is out of range");
	sw_tone_error("{\"history\": {\"rotate_size\": 100}}",
		      "100B is out of range: from 4KiB to 1TiB");
	sw_tone_error("{\"history\": {\"rotate_size\": \"1GiB\", \"keep_size\": \"512MiB\"}}",
		      "/history/keep_size: error: keep_size 512MiB is less than rotate_size 1GiB");
	sw_tone_error("{\"history\": {\"keep_size\": \"1MiB\"}}",
		      "keep_size 1MiB is less than rotate_size 64MiB");
	sw_tone_error("{\"limits\": {\"identity_versions\": 0}}", "0 is out of range: from 1 to 1024");
	sw_tone_error("{\"capture\": {\"interfaces\": [\"br0\", \"br0\"]}}", "\"br0\" is listed twice");
	sw_tone_error("{\"capture\": {\"interfaces\": [\"a/b\"]}}", "\"a/b\" is not an interface name");
	sw_tone_error("{\"capture\": {\"interfaces\": [\"sixteen-bytes-xx\"]}}",
		      "is not an interface name");
	sw_tone_error("{\"identity\": {\"inventories\": [\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\","
		      "\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\"]}}",
		      "17 inventories: at most 16");
}

/* metrics: the listen address is checked where it is written; off with false or null. */
static void test_metrics_keys(void **state)
{
	struct sw_tcfg t;

	(void)state;
	sw_tload(&t, "{}");
	assert_string_equal(t.cfg.metrics.listen, "127.0.0.1:9617");
	assert_int_equal(t.cfg.metrics.group_pairs, 100);
	sw_tdone(&t);
	sw_tload(&t, "{\"metrics\": {\"listen\": \"[::1]:9100\", \"group_pairs\": 7}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_string_equal(t.cfg.metrics.listen, "[::1]:9100");
	assert_int_equal(t.cfg.metrics.group_pairs, 7);
	sw_tdone(&t);
	sw_tload(&t, "{\"metrics\": false}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_null(t.cfg.metrics.listen);
	sw_tdone(&t);
	sw_tload(&t, "{\"metrics\": {\"listen\": null}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_null(t.cfg.metrics.listen);
	sw_tdone(&t);
	sw_tone_error("{\"metrics\": {\"listen\": \"localhost:9617\"}}",
		      "/metrics/listen: error: \"localhost:9617\" is not a listen address: not a "
		      "numeric IPv4 address");
	sw_tone_error("{\"metrics\": {\"listen\": \"127.0.0.1\"}}", "no port");
	sw_tone_error("{\"metrics\": {\"listen\": \"127.0.0.1:70000\"}}",
		      "the port must be a number from 1 to 65535");
	sw_tone_error("{\"metrics\": {\"listen\": \"::1:9617\"}}", "written in brackets");
	sw_tone_error("{\"metrics\": {\"listen\": 9617}}", "/metrics/listen: error: expected");
	sw_tone_error("{\"metrics\": {\"group_pairs\": 0}}", "0 is out of range: from 1 to 10000");
	sw_tone_error("{\"metrics\": {\"listn\": \"127.0.0.1:1\"}}", "did you mean \"listen\"?");
	sw_tone_error("{\"metrics\": true}", "expected an object, or false for no /metrics");
}

static void test_warnings(void **state)
{
	struct sw_tcfg t;

	(void)state;
	sw_tload(&t, "{\"policy\": {\"mode\": \"judge\"}, \"alerts\": {\"baseline\": \"b.json\"},"
		     " \"history\": {\"keep_for\": \"30m\"}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_int_equal(t.d.n_errors, 0);
	assert_int_equal(t.d.n_warnings, 3);
	assert_true(sw_thas(&t, "/policy: warning: no policy \"file\""));
	assert_true(sw_thas(&t, "/alerts: warning: no alerts \"output\""));
	assert_true(sw_thas(&t, "/history/keep_for: warning: keep_for 30m is shorter than "
				"rotate_every 1h"));
	sw_tdone(&t);
}

static void test_many_errors(void **state)
{
	struct sw_tcfg t;
	char buf[800];

	(void)state;
	sw_tload(&t, "{\"capture\": {\"snaplen\": 1, \"dedup\": \"maybe\"},"
		     " \"identity\": {\"kernel\": 1, \"inventories\": [1, \"ok.json\", false]},"
		     " \"policy\": {\"on_stop\": \"kep\"}, \"log\": {\"target\": \"syslog\"},"
		     " \"limits\": {\"kernel_log_records\": -1}, \"extra\": {}}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_int_equal(t.d.n_errors, 9);
	/* unknown keys first, then the keys in the order of the documentation */
	assert_string_equal(sw_tdiag(&t, 0, buf, sizeof(buf)),
			    "a.json: /extra: error: unknown key \"extra\"");
	assert_string_equal(sw_tdiag(&t, 1, buf, sizeof(buf)),
			    "a.json: /capture/snaplen: error: 1 is out of range: from 64 to 262144");
	assert_true(sw_thas(&t, "/capture/dedup: error: unknown value \"maybe\""));
	assert_true(sw_thas(&t, "/identity/kernel: error"));
	assert_true(sw_thas(&t, "/identity/inventories/0: error"));
	assert_true(sw_thas(&t, "/identity/inventories/2: error"));
	assert_true(sw_thas(&t, "/policy/on_stop: error: unknown value \"kep\"; did you mean \"keep\"?"));
	assert_true(sw_thas(&t, "/log/target: error"));
	assert_true(sw_thas(&t, "/limits/kernel_log_records: error: -1 is out of range"));
	sw_tdone(&t);
}

static void test_syntax_and_size(void **state)
{
	struct sw_tcfg t;
	char buf[800], *big;

	(void)state;
	sw_tload(&t, "{\"capture\": {\n  \"snaplen\": 12,,\n}}");
	assert_int_equal(t.rc, SW_EXIT_USAGE);
	assert_int_equal(t.d.n, 1);
	assert_non_null(strstr(sw_tdiag(&t, 0, buf, sizeof(buf)), "a.json:2:"));
	sw_tdone(&t);
	sw_tone_error("{\"log\": {}, \"log\": {}}", "duplicate object key");

	big = malloc(SW_AGENT_CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, ' ', SW_AGENT_CONFIG_MAX_BYTES + 1);
	big[0] = '{';
	big[SW_AGENT_CONFIG_MAX_BYTES] = '}';
	big[SW_AGENT_CONFIG_MAX_BYTES + 1] = '\0';
	sw_tone_error(big, "larger than 1 MiB");
	big[SW_AGENT_CONFIG_MAX_BYTES - 1] = '}';
	big[SW_AGENT_CONFIG_MAX_BYTES] = '\0';
	sw_tload(&t, big);
	assert_int_equal(t.rc, SW_EXIT_OK);
	sw_tdone(&t);
	free(big);

	sw_diags_init(&t.d);
	assert_int_equal(sw_agent_config_load("/nonexistent/agent.json", &t.cfg, &t.d),
			 SW_EXIT_RUNTIME);
	assert_string_equal(sw_tdiag(&t, 0, buf, sizeof(buf)),
			    "a.json: error: cannot read: No such file or directory");
	sw_tdone(&t);
}

/* The effective config as JSON loads back into the same config. */
static void test_json_roundtrip(void **state)
{
	const char *inputs[] = { "{}", sw_full, "{\"metrics\": false}",
				 "{\"metrics\": {\"listen\": \"0.0.0.0:1\", \"group_pairs\": 3}}",
				 "{\"history\": false, \"policy\": {\"nflog_group\":"
				 " null}, \"capture\": {\"timeouts\": {\"tcp\": 90061}}}" };

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct sw_tcfg a, b;
		char *text, *again;

		sw_tload(&a, inputs[i]);
		assert_int_equal(a.rc, SW_EXIT_OK);
		text = sw_agent_config_json(&a.cfg, JSON_INDENT(2));
		assert_non_null(text);
		sw_tload(&b, text);
		assert_int_equal(b.rc, SW_EXIT_OK);
		assert_int_equal(b.d.n_errors, 0);
		again = sw_agent_config_json(&b.cfg, JSON_INDENT(2));
		assert_string_equal(text, again);
		assert_memory_equal(&a.cfg.capture.flow, &b.cfg.capture.flow,
				    sizeof(a.cfg.capture.flow));
		assert_int_equal(a.cfg.history.opts.keep_us, b.cfg.history.opts.keep_us);
		assert_int_equal(a.cfg.policy.nflog_group, b.cfg.policy.nflog_group);
		free(text);
		free(again);
		sw_tdone(&a);
		sw_tdone(&b);
	}
}

/* "ipfix": the collector URL checked as --ipfix checks it; the rest defaults. */
static void test_ipfix(void **state)
{
	struct sw_tcfg t;
	char *text;

	(void)state;
	sw_tload(&t, "{}");
	assert_null(t.cfg.ipfix.collector);
	assert_int_equal(t.cfg.ipfix.opts.pen, SW_IPFIX_PEN_DEFAULT);
	sw_tdone(&t);

	sw_tload(&t, "{\"ipfix\": {\"collector\": \"tcp://[::1]:4739\", \"mode\": \"uniflow\","
		     " \"enterprise_number\": 4242, \"template_refresh\": \"2m\","
		     " \"observation_domain\": 7}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_string_equal(t.cfg.ipfix.collector, "tcp://[::1]:4739");
	assert_int_equal(t.cfg.ipfix.opts.url.proto, SW_IPFIX_TCP);
	assert_string_equal(t.cfg.ipfix.opts.url.host, "::1");
	assert_string_equal(t.cfg.ipfix.opts.url.port, "4739");
	assert_int_equal(t.cfg.ipfix.opts.mode, SW_IPFIX_UNIFLOW);
	assert_int_equal(t.cfg.ipfix.opts.pen, 4242);
	assert_int_equal(t.cfg.ipfix.opts.template_refresh_s, 120);
	assert_int_equal(t.cfg.ipfix.opts.domain, 7);
	text = sw_agent_config_json(&t.cfg, JSON_COMPACT);
	assert_non_null(strstr(text, "\"ipfix\":{\"collector\":\"tcp://[::1]:4739\",\"mode\":"
				     "\"uniflow\",\"enterprise_number\":4242,"
				     "\"observation_domain\":7,\"template_refresh\":120,"
				     "\"labels\":null}"));
	free(text);
	sw_tdone(&t);

	sw_tload(&t, "{\"ipfix\": {\"collector\": \"udp://h:1\", \"labels\": [\"app\", \"tier\"]}}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_string_equal(t.cfg.ipfix.opts.label_keys, "app,tier");
	text = sw_agent_config_json(&t.cfg, JSON_COMPACT);
	assert_non_null(strstr(text, "\"labels\":[\"app\",\"tier\"]}"));
	free(text);
	sw_tdone(&t);

	sw_tload(&t, "{\"ipfix\": null}");
	assert_int_equal(t.rc, SW_EXIT_OK);
	assert_null(t.cfg.ipfix.collector);
	sw_tdone(&t);

	sw_tone_error("{\"ipfix\": {\"collector\": \"127.0.0.1:4739\"}}",
		      "/ipfix/collector: error: \"127.0.0.1:4739\" does not begin with udp://");
	sw_tone_error("{\"ipfix\": {\"collector\": \"udp://h:0\"}}", "the port must be 1 to 65535");
	sw_tone_error("{\"ipfix\": {\"mode\": \"uniflow\"}}", "no \"collector\"");
	sw_tone_error("{\"ipfix\": {\"collector\": \"udp://h:1\", \"mode\": \"bi\"}}", "/ipfix/mode");
	sw_tone_error("{\"ipfix\": \"udp://h:1\"}", "expected an object");
	sw_tone_error("{\"ipfix\": {\"collector\": \"udp://h:1\", \"labels\": []}}",
		      "/ipfix/labels: error: expected a list of label keys");
	sw_tone_error("{\"ipfix\": {\"collector\": \"udp://h:1\", \"labels\": [\"a,b\"]}}",
		      "label key 0: expected a non-empty string without commas");
	sw_tone_error("{\"ipfix\": {\"collector\": \"udp://h:1\", \"labels\": \"app\"}}",
		      "/ipfix/labels");
}

static void test_check_files(void **state)
{
	char dir[] = "/tmp/sw-agent-test-XXXXXX", path[128], cfgtext[512];
	struct sw_tcfg t;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{}", f);
	fclose(f);
	snprintf(cfgtext, sizeof(cfgtext),
		 "{\"policy\": {\"file\": \"policy.json\"}, \"identity\": {\"inventories\":"
		 " [\"missing.json\"], \"engine\": \"%s/no.sock\"}, \"alerts\": {\"output\":"
		 " \"nodir/alerts.jsonl\", \"config\": \"%s\"}, \"history\": {\"dir\": \"policy.json\"}}",
		 dir, dir);
	sw_diags_init(&t.d);
	t.rc = sw_agent_config_load_buffer(cfgtext, strlen(cfgtext), dir, &t.cfg, &t.d);
	assert_int_equal(t.rc, SW_EXIT_OK);
	sw_agent_config_check_files(&t.cfg, &t.d);
	assert_false(sw_thas(&t, "/policy/file"));
	assert_true(sw_thas(&t, "/identity/inventories/0: error: cannot read"));
	assert_true(sw_thas(&t, "/identity/engine: warning: no engine socket"));
	assert_true(sw_thas(&t, "/alerts/output: error: cannot create"));
	assert_true(sw_thas(&t, "/alerts/config: error: ") && sw_thas(&t, "is not a regular file"));
	assert_true(sw_thas(&t, "/history/dir: error: ") && sw_thas(&t, "is not a directory"));
	assert_int_equal(t.d.n_errors, 4);
	sw_tdone(&t);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_ipfix),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_special_values),
		cmocka_unit_test(test_durations_sizes),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_metrics_keys),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_syntax_and_size),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_check_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
