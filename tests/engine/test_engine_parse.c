/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Engine JSON parsers: real Podman 4.3 answers (recorded from `podman system
 * service` on Debian 12), real Docker 20.10 answers (docker_20_10_*: recorded
 * from Debian's dockerd as tests/engine/docker_lib.sh runs it), Docker answers
 * written from the Engine API reference, then malformed documents and the
 * exact messages they give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

static char *sw_fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", SW_ENGINE_FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void sw_addr_text(const uint8_t a[16], char *buf, size_t size)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)size);
}

static bool sw_has_addr_text(const struct sw_workload *w, const char *text)
{
	char buf[64];

	for (size_t i = 0; i < w->n_addrs; i++) {
		sw_addr_text(w->addrs[i], buf, sizeof(buf));
		if (strcmp(buf, text) == 0)
			return true;
	}
	return false;
}

static bool sw_has_mac_text(const struct sw_workload *w, const char *text)
{
	uint8_t m[6];

	assert_true(sw_mac_parse(text, m));
	for (size_t i = 0; i < w->n_macs; i++)
		if (memcmp(w->macs[i], m, 6) == 0)
			return true;
	return false;
}

static void sw_parse_fixture(const char *name, struct sw_engine_container *c)
{
	struct sw_err err = { 0 };
	size_t len;
	char *json = sw_fixture(name, &len);
	int rc = sw_engine_parse_inspect(json, len, name, c, &err);

	if (rc)
		fail_msg("%s: %s", name, err.msg);
	free(json);
}

/* --- inspect, the real thing --- */

static void test_podman_libpod_pod_member(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("podman_libpod_inspect_db1.json", &c);
	assert_string_equal(c.w.uid, "8834cb4548c3811a8fdf730448c48fe2e8b6233ffb39bfffc3408a2d0bbc908f");
	assert_string_equal(c.w.name, "db1");
	assert_null(c.w.namespace);	/* the pod name comes from /libpod/pods/{id}/json */
	assert_string_equal(c.pod_id,
			    "db2f9238a6c59e64247e7aa0d5f5aa4c9213cf6af43d4323829566cda82718ff");
	assert_int_equal(c.w.source, SW_WL_SRC_ENGINE);
	assert_true(c.running);
	assert_false(c.infra);
	assert_true(c.pid > 0);
	assert_true(c.started_us > 0);
	assert_int_equal(c.finished_us, 0);
	assert_int_equal(c.w.n_labels, 1);
	assert_string_equal(sw_workload_label(&c.w, "app"), "db");
	assert_int_equal(c.w.n_addrs, 2);
	assert_true(sw_has_addr_text(&c.w, "10.213.7.41"));
	assert_true(sw_has_addr_text(&c.w, "fd42:213:7::28"));
	assert_int_equal(c.w.n_macs, 1);
	assert_true(sw_has_mac_text(&c.w, "b2:49:b2:e1:5f:73"));
	assert_null(c.w.iface);
	sw_engine_container_clear(&c);
}

static void test_podman_libpod_infra(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("podman_libpod_inspect_infra.json", &c);
	assert_true(c.infra);
	assert_true(c.running);
	assert_string_equal(c.w.name, "db2f9238a6c5-infra");
	sw_engine_container_clear(&c);
}

static void test_podman_libpod_stopped(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("podman_libpod_inspect_db1_stopped.json", &c);
	assert_false(c.running);
	assert_int_equal(c.pid, 0);
	/* 2026-11-22T14:48:02.33185709Z */
	assert_int_equal(c.finished_us, 1795358882331857ULL);
	sw_engine_container_clear(&c);
}

static void test_podman_compat(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("podman_compat_inspect_web1.json", &c);
	assert_string_equal(c.w.name, "web1");	/* "/web1" */
	assert_null(c.pod_id);
	assert_true(c.running);
	assert_int_equal(c.w.n_labels, 2);
	assert_string_equal(sw_workload_label(&c.w, "tier"), "front");
	assert_int_equal(c.w.n_addrs, 2);
	assert_int_equal(c.w.n_macs, 1);
	/* 2026-11-22T14:47:58.812749953Z */
	assert_int_equal(c.started_us, 1795358878812749ULL);
	sw_engine_container_clear(&c);
}

static void test_docker_compose(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("docker_inspect_compose.json", &c);
	assert_string_equal(c.w.name, "shop-web-1");
	assert_string_equal(c.w.namespace, "shop");	/* com.docker.compose.project */
	assert_int_equal(c.pid, 48213);
	assert_int_equal(c.w.n_labels, 6);
	/* top-level IPAddress "" is no address; the network's are */
	assert_int_equal(c.w.n_addrs, 2);
	assert_true(sw_has_addr_text(&c.w, "172.18.0.3"));
	assert_true(sw_has_addr_text(&c.w, "fd00:5:0:1::3"));
	assert_true(sw_has_mac_text(&c.w, "02:42:ac:12:00:03"));
	sw_engine_container_clear(&c);
}

static void test_docker_bridge(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("docker_inspect_bridge.json", &c);
	assert_string_equal(c.w.name, "cache");
	assert_int_equal(c.w.n_labels, 0);	/* "Labels": null */
	assert_null(c.w.namespace);
	/* the top-level and the bridge network say the same: one of each */
	assert_int_equal(c.w.n_addrs, 1);
	assert_true(sw_has_addr_text(&c.w, "172.17.0.2"));
	assert_int_equal(c.w.n_macs, 1);
	/* 2026-11-21T17:03:10.64423+01:00 = 16:03:10.64423Z */
	assert_int_equal(c.started_us, 1795276990644230ULL);
	sw_engine_container_clear(&c);
}

/*
 * Docker 20.10 on a user-defined network: the top-level IPAddress,
 * GlobalIPv6Address and MacAddress are all "", everything is in Networks.
 */
static void test_docker_20_10_user_net(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("docker_20_10_inspect_user_net.json", &c);
	assert_string_equal(c.w.uid, "22a648202326f4cf645a4db4d7705dce6639b9e59b5de6cb83d9e6e1afa2cc13");
	assert_string_equal(c.w.name, "web1");
	assert_true(c.running);
	assert_int_equal(c.pid, 23047);
	assert_null(c.pod_id);
	assert_null(c.w.namespace);
	assert_int_equal(c.w.n_labels, 2);
	assert_string_equal(sw_workload_label(&c.w, "app"), "web");
	assert_string_equal(sw_workload_label(&c.w, "tier"), "front");
	assert_int_equal(c.w.n_addrs, 2);
	assert_true(sw_has_addr_text(&c.w, "10.213.40.2"));
	assert_true(sw_has_addr_text(&c.w, "fd42:213:40::2"));
	assert_int_equal(c.w.n_macs, 1);
	assert_true(sw_has_mac_text(&c.w, "02:42:0a:d5:28:02"));
	/* 2026-12-01T23:07:05.12908958Z; FinishedAt "0001-01-01T00:00:00Z" is no time */
	assert_int_equal(c.started_us, 1796166425129089ULL);
	assert_int_equal(c.finished_us, 0);
	sw_engine_container_clear(&c);
}

/* Docker 20.10, a stopped container: its network entry stays, every address "". */
static void test_docker_20_10_stopped(void **state)
{
	struct sw_engine_container c;

	(void)state;
	sw_parse_fixture("docker_20_10_inspect_stopped.json", &c);
	assert_string_equal(c.w.name, "late1");
	assert_false(c.running);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.w.n_addrs, 0);
	assert_int_equal(c.w.n_macs, 0);
	/* 2026-12-01T23:13:57.190947905Z */
	assert_int_equal(c.finished_us, 1796166837190947ULL);
	sw_engine_container_clear(&c);
}

/* --- inspect, malformed --- */

struct sw_bad_doc {
	const char *json;
	const char *msg;	/* exact, or a prefix when it ends with '*' */
};

static void sw_expect_error(int rc, const struct sw_err *err, const char *want)
{
	size_t n = strlen(want);

	assert_int_equal(rc, SW_EXIT_USAGE);
	if (n && want[n - 1] == '*') {
		if (strncmp(err->msg, want, n - 1) != 0)
			fail_msg("got  %s\nwant %s", err->msg, want);
	} else if (strcmp(err->msg, want) != 0) {
		fail_msg("got  %s\nwant %s", err->msg, want);
	}
}

#define SW_ID "abc123"
#define SW_OK_STATE "\"State\": {\"Running\": true, \"Pid\": 7}"

static void test_inspect_malformed(void **state)
{
	static const struct sw_bad_doc bad[] = {
		{ "{\"Id\": \"abc123\",",
		  "engine: /containers/abc123/json: 1:16: error: *" },
		{ "[1, 2]",
		  "engine: /containers/abc123/json: top level: error: expected an object, got an array" },
		{ "{\"Name\": \"/x\", " SW_OK_STATE "}",
		  "engine: /containers/abc123/json: top level: error: missing \"Id\"" },
		{ "{\"Id\": \"../../version\", " SW_OK_STATE "}",
		  "engine: /containers/abc123/json: /Id: error: not a container id \"../../version\"" },
		{ "{\"Id\": 12, " SW_OK_STATE "}",
		  "engine: /containers/abc123/json: /Id: error: expected a string, got an integer" },
		{ "{\"Id\": \"" SW_ID "\"}",
		  "engine: /containers/abc123/json: top level: error: missing \"State\"" },
		{ "{\"Id\": \"" SW_ID "\", \"State\": {\"Running\": true, \"Pid\": \"7\"}}",
		  "engine: /containers/abc123/json: /State/Pid: error: expected an integer, got a string" },
		{ "{\"Id\": \"" SW_ID "\", \"State\": {\"Running\": \"yes\"}}",
		  "engine: /containers/abc123/json: /State/Running: error: expected a boolean, got a string" },
		{ "{\"Id\": \"" SW_ID "\", \"State\": {\"Running\": true, \"Pid\": -4}}",
		  "engine: /containers/abc123/json: /State/Pid: error: not a process id: -4" },
		{ "{\"Id\": \"" SW_ID "\", \"State\": {\"StartedAt\": \"yesterday\"}}",
		  "engine: /containers/abc123/json: /State/StartedAt: error: not an RFC 3339 time \"yesterday\"" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"Config\": {\"Labels\": {\"app\": 3}}}",
		  "engine: /containers/abc123/json: /Config/Labels/app: error: label value: expected a string, got an integer" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"Config\": {\"Labels\": [\"app=web\"]}}",
		  "engine: /containers/abc123/json: /Config/Labels: error: expected an object, got an array" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"NetworkSettings\": {\"Networks\": "
		  "{\"bridge\": {\"IPAddress\": \"x\"}}}}",
		  "engine: /containers/abc123/json: /NetworkSettings/Networks/bridge/IPAddress: error: not an IP address \"x\"" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"NetworkSettings\": {\"Networks\": "
		  "{\"a/b~c\": {\"GlobalIPv6Address\": \"fd00::zz\"}}}}",
		  "engine: /containers/abc123/json: /NetworkSettings/Networks/a~1b~0c/GlobalIPv6Address: error: not an IP address \"fd00::zz\"" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"NetworkSettings\": {\"Networks\": "
		  "{\"bridge\": {\"MacAddress\": \"02:42:ac:11:00\"}}}}",
		  "engine: /containers/abc123/json: /NetworkSettings/Networks/bridge/MacAddress: error: not a MAC address \"02:42:ac:11:00\"" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"NetworkSettings\": {\"IPAddress\": \"1.2.3.4\\n\\\"\"}}",
		  "engine: /containers/abc123/json: /NetworkSettings/IPAddress: error: not an IP address \"1.2.3.4\\x0a\\x22\"" },
		{ "{\"Id\": \"" SW_ID "\", " SW_OK_STATE ", \"NetworkSettings\": {\"Networks\": {\"bridge\": 5}}}",
		  "engine: /containers/abc123/json: /NetworkSettings/Networks/bridge: error: expected an object, got an integer" },
	};
	struct sw_engine_container c;
	struct sw_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		sw_expect_error(sw_engine_parse_inspect(bad[i].json, strlen(bad[i].json),
							"/containers/abc123/json", &c, &err),
				&err, bad[i].msg);
		assert_null(c.w.uid);	/* nothing half-filled is returned */
		assert_null(c.w.addrs);
	}
}

static void test_inspect_minimal(void **state)
{
	static const char json[] = "{\"Id\": \"ABCDEF0123456789\", \"State\": {}}";
	struct sw_engine_container c;
	struct sw_err err;

	(void)state;
	assert_int_equal(sw_engine_parse_inspect(json, strlen(json), NULL, &c, &err), SW_EXIT_OK);
	assert_string_equal(c.w.name, "ABCDEF012345");	/* no Name: the short id */
	assert_false(c.running);
	assert_int_equal(c.w.n_addrs, 0);
	sw_engine_container_clear(&c);
	sw_engine_container_clear(NULL);
}

/* --- events --- */

static void sw_parse_lines(const char *name, struct sw_engine_event *ev, size_t max, size_t *n)
{
	size_t len;
	char *buf = sw_fixture(name, &len), *line, *save = NULL;
	struct sw_err err;

	*n = 0;
	for (line = strtok_r(buf, "\n", &save); line && *n < max; line = strtok_r(NULL, "\n", &save)) {
		if (sw_engine_parse_event(line, strlen(line), &ev[*n], &err))
			fail_msg("%s line %zu: %s", name, *n + 1, err.msg);
		(*n)++;
	}
	free(buf);
}

static void test_podman_events(void **state)
{
	static const enum sw_engine_ev_kind want[] = {
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_START,	/* web1 create init start */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_CHANGE,	/* infra create, db1 create, infra restart */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_START,			/* infra init start */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_START,			/* db1 init start */
		SW_ENGINE_EV_CHANGE, SW_ENGINE_EV_CHANGE,			/* network connect disconnect */
		SW_ENGINE_EV_STOP, SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE,	/* web1 die cleanup cleanup */
		SW_ENGINE_EV_STOP,						/* web1 remove */
		SW_ENGINE_EV_STOP, SW_ENGINE_EV_STOP,				/* db1 stop die */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE,
	};
	struct sw_engine_event ev[32];
	size_t n;

	(void)state;
	sw_parse_lines("podman_events.jsonl", ev, 32, &n);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind != want[i])
			fail_msg("event %zu (%s %s): %s, want %s", i + 1, ev[i].type, ev[i].action,
				 sw_engine_ev_kind_name(ev[i].kind), sw_engine_ev_kind_name(want[i]));
	assert_string_equal(ev[2].id, "4bf0a21c2d955371a63b9d063bb325a325b9f7ce2623fcd809322c85867ea90e");
	assert_string_equal(ev[2].name, "web1");
	assert_int_equal(ev[2].time_us, 1795358878815981ULL);
	/* Podman names the container of a network event in Actor.ID */
	assert_string_equal(ev[10].type, "network");
	assert_string_equal(ev[10].id, ev[2].id);
	assert_string_equal(ev[10].name, "");	/* not a container event: no container name */
}

static void test_docker_events(void **state)
{
	struct sw_engine_event ev[16];
	size_t n;

	(void)state;
	sw_parse_lines("docker_events.jsonl", ev, 16, &n);
	assert_int_equal(n, 9);
	assert_int_equal(ev[0].kind, SW_ENGINE_EV_START);
	assert_string_equal(ev[0].name, "shop-web-1");
	assert_int_equal(ev[0].time_us, 1795165965093716ULL);
	assert_int_equal(ev[1].kind, SW_ENGINE_EV_IGNORE);	/* exec_start: ... */
	assert_string_equal(ev[1].action, "exec_start: /bin/sh -c curl -f ");	/* cut */
	/* Docker: the network is the actor, the container an attribute */
	assert_int_equal(ev[2].kind, SW_ENGINE_EV_CHANGE);
	assert_string_equal(ev[2].id, ev[0].id);
	assert_int_equal(ev[3].kind, SW_ENGINE_EV_IGNORE);	/* network create */
	assert_int_equal(ev[4].kind, SW_ENGINE_EV_IGNORE);	/* kill: a signal, not a death */
	assert_int_equal(ev[5].kind, SW_ENGINE_EV_STOP);	/* die */
	assert_int_equal(ev[6].kind, SW_ENGINE_EV_STOP);	/* destroy */
	assert_int_equal(ev[7].kind, SW_ENGINE_EV_IGNORE);	/* image pull */
	assert_string_equal(ev[7].type, "image");
	/* pre-1.22: no Type, no Actor, no timeNano */
	assert_int_equal(ev[8].kind, SW_ENGINE_EV_START);
	assert_string_equal(ev[8].type, "container");
	assert_string_equal(ev[8].id, "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90");
	assert_int_equal(ev[8].time_us, 1795166010000000ULL);
}

/*
 * Docker 20.10 as it really speaks: a network's connect comes before its
 * container's start (the inspect it asks for sees a container not running
 * yet), a stop is die, disconnect, stop, and a removal die, disconnect, destroy.
 */
static void test_docker_20_10_events(void **state)
{
	static const enum sw_engine_ev_kind want[] = {
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE,	/* network create, web1 create */
		SW_ENGINE_EV_CHANGE, SW_ENGINE_EV_START,	/* network connect, web1 start */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE,	/* exec_* */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_IGNORE,	/* late1 kill kill */
		SW_ENGINE_EV_STOP, SW_ENGINE_EV_CHANGE, SW_ENGINE_EV_STOP,	/* die disconnect stop */
		SW_ENGINE_EV_IGNORE, SW_ENGINE_EV_STOP,		/* wb1 kill die */
		SW_ENGINE_EV_CHANGE, SW_ENGINE_EV_STOP,		/* disconnect destroy */
	};
	struct sw_engine_event ev[32];
	size_t n;

	(void)state;
	sw_parse_lines("docker_20_10_events.jsonl", ev, 32, &n);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind != want[i])
			fail_msg("event %zu (%s %s): %s, want %s", i + 1, ev[i].type, ev[i].action,
				 sw_engine_ev_kind_name(ev[i].kind), sw_engine_ev_kind_name(want[i]));
	/* the connect names web1 in Actor.Attributes.container, the network in Actor.ID */
	assert_string_equal(ev[2].id, "22a648202326f4cf645a4db4d7705dce6639b9e59b5de6cb83d9e6e1afa2cc13");
	assert_string_equal(ev[2].name, "");
	assert_string_equal(ev[3].id, ev[2].id);
	assert_string_equal(ev[3].name, "web1");
	assert_true(ev[2].time_us < ev[3].time_us);
	assert_int_equal(ev[3].time_us, 1796166425132252ULL);
	assert_string_equal(ev[10].id, ev[9].id);	/* late1's disconnect */
	assert_string_equal(ev[15].action, "destroy");
}

static void test_events_malformed(void **state)
{
	static const struct sw_bad_doc bad[] = {
		{ "{\"Type\":\"container\",\"Action\":\"start\"",
		  "engine: /events: 1:36: error: *" },
		{ "\"start\"", "engine: /events: top level: error: expected an object, got a string" },
		{ "{\"Type\":\"container\",\"time\":1}",
		  "engine: /events: top level: error: missing \"Action\"" },
		{ "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"xyz\"},\"time\":1}",
		  "engine: /events: top level: error: not a container id \"xyz\"" },
		{ "{\"Type\":\"container\",\"Action\":\"die\",\"time\":1}",
		  "engine: /events: top level: error: container die event names no container" },
		{ "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ab\"},\"timeNano\":\"1\"}",
		  "engine: /events: /timeNano: error: expected an integer, got a string" },
		{ "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ab\"}}",
		  "engine: /events: top level: error: missing \"timeNano\" and \"time\"" },
		{ "{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"ab\",\"Attributes\":{\"name\":5}},\"time\":1}",
		  "engine: /events: /Actor/Attributes/name: error: expected a string, got an integer" },
		{ "{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":{\"Attributes\":{\"name\":\"n\"}},\"time\":1}",
		  "engine: /events: top level: error: network connect event names no container" },
		{ "{\"Type\":7,\"Action\":\"start\",\"time\":1}",
		  "engine: /events: /Type: error: expected a string, got an integer" },
	};
	struct sw_engine_event ev;
	struct sw_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		sw_expect_error(sw_engine_parse_event(bad[i].json, strlen(bad[i].json), &ev, &err),
				&err, bad[i].msg);
		assert_int_equal(ev.kind, SW_ENGINE_EV_IGNORE);
	}
}

/* --- list, version, pod, errors --- */

static void test_list(void **state)
{
	static const char bad[] = "[{\"Id\": \"ab\"}, {\"Names\": [\"/x\"]}]";
	struct sw_err err;
	size_t len, n;
	char *json = sw_fixture("podman_containers_list.json", &len), **ids;

	(void)state;
	assert_int_equal(sw_engine_parse_list(json, len, "/containers/json", &ids, &n, &err), 0);
	assert_int_equal(n, 3);	/* web1, the pod's infra, db1 */
	for (size_t i = 0; i < n; i++)
		assert_true(sw_engine_id_ok(ids[i]));
	sw_engine_ids_free(ids, n);
	free(json);
	assert_int_equal(sw_engine_parse_list("[]", 2, "/containers/json", &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	sw_expect_error(sw_engine_parse_list(bad, strlen(bad), "/containers/json", &ids, &n, &err),
			&err, "engine: /containers/json: /1: error: missing \"Id\"");
	assert_null(ids);
	json = sw_fixture("docker_20_10_containers_list.json", &len);
	assert_int_equal(sw_engine_parse_list(json, len, "/containers/json", &ids, &n, &err), 0);
	assert_int_equal(n, 5);
	sw_engine_ids_free(ids, n);
	free(json);
	sw_expect_error(sw_engine_parse_list("{}", 2, "/containers/json", &ids, &n, &err), &err,
			"engine: /containers/json: top level: error: expected an array, got an object");
}

static void test_version(void **state)
{
	struct sw_engine_version v;
	struct sw_err err;
	size_t len;
	char *json = sw_fixture("podman_version.json", &len);
	static const char bad[] = "{\"ApiVersion\": \"latest\"}";

	(void)state;
	assert_int_equal(sw_engine_parse_version(json, len, &v, &err), 0);
	assert_true(v.podman);
	assert_string_equal(v.api, "1.41");
	assert_string_equal(v.min_api, "1.24");
	assert_string_equal(v.libpod_api, "4.3.1");
	assert_string_equal(v.server, "Podman Engine 4.3.1");
	free(json);
	json = sw_fixture("docker_version.json", &len);
	assert_int_equal(sw_engine_parse_version(json, len, &v, &err), 0);
	assert_false(v.podman);
	assert_string_equal(v.api, "1.43");
	assert_string_equal(v.server, "Docker Engine 24.0.7");
	free(json);
	json = sw_fixture("docker_20_10_version.json", &len);
	assert_int_equal(sw_engine_parse_version(json, len, &v, &err), 0);
	assert_false(v.podman);
	assert_string_equal(v.api, "1.41");
	assert_string_equal(v.min_api, "1.12");
	assert_string_equal(v.server, "Docker Engine 20.10.24+dfsg1");
	free(json);
	sw_expect_error(sw_engine_parse_version(bad, strlen(bad), &v, &err), &err,
			"engine: /version: top level: error: not an API version \"latest\"");
}

/* The headers Podman 4.3 and Docker 20.10 send with /_ping (taken from both, here). */
static void test_version_from_ping(void **state)
{
	struct sw_engine_version v;
	struct sw_err err;

	(void)state;
	assert_int_equal(sw_engine_version_from_ping("1.41", "4.3.1", "Libpod/4.3.1 (linux)", &v,
						     &err), 0);
	assert_true(v.podman);
	assert_string_equal(v.api, "1.41");
	assert_string_equal(v.libpod_api, "4.3.1");
	assert_string_equal(v.server, "Libpod/4.3.1 (linux)");
	assert_int_equal(sw_engine_version_from_ping("1.41", NULL, "Docker/20.10.24+dfsg1 (linux)",
						     &v, &err), 0);
	assert_false(v.podman);
	assert_string_equal(v.min_api, "");
	assert_string_equal(v.server, "Docker/20.10.24+dfsg1 (linux)");
	/* a server name with control bytes goes into logs escaped */
	assert_int_equal(sw_engine_version_from_ping("1.41", NULL, "evil\x1b[2J", &v, &err), 0);
	assert_string_equal(v.server, "evil?[2J");
	/* no header: ask /version; a bad one: the engine's fault, said */
	assert_int_equal(sw_engine_version_from_ping(NULL, NULL, NULL, &v, &err), SW_EXIT_USAGE);
	assert_int_equal(sw_engine_version_from_ping("latest", NULL, NULL, &v, &err), SW_EXIT_USAGE);
	assert_non_null(strstr(err.msg, "not an API version"));
	assert_int_equal(sw_engine_version_from_ping("1.41", "x", NULL, &v, &err), SW_EXIT_USAGE);
}

static void test_pod_and_error_body(void **state)
{
	struct sw_err err;
	size_t len;
	char *json = sw_fixture("podman_pod_shop.json", &len), *name, msg[128];

	(void)state;
	assert_int_equal(sw_engine_parse_pod(json, len, "/libpod/pods/x/json", &name, &err), 0);
	assert_string_equal(name, "shop");
	free(name);
	free(json);
	json = sw_fixture("podman_error_404.json", &len);
	sw_engine_error_message(json, len, msg, sizeof(msg));
	assert_string_equal(msg, "no container with name or ID \"0123abcd\" found: no such container");
	free(json);
	sw_engine_error_message("oops", 4, msg, sizeof(msg));
	assert_string_equal(msg, "");
}

/* --- helpers --- */

static void test_rfc3339(void **state)
{
	uint64_t us;

	(void)state;
	assert_true(sw_rfc3339_us("1970-01-01T00:00:01Z", &us));
	assert_int_equal(us, 1000000);
	assert_true(sw_rfc3339_us("1970-01-01T00:00:01.5Z", &us));
	assert_int_equal(us, 1500000);
	assert_true(sw_rfc3339_us("1970-01-01T01:00:00.000001+01:00", &us));
	assert_int_equal(us, 1);
	assert_true(sw_rfc3339_us("1970-01-01T00:00:00.1234567891-00:30", &us));
	assert_int_equal(us, 1800123456);
	assert_true(sw_rfc3339_us("0001-01-01T00:00:00Z", &us));	/* Go's zero time */
	assert_int_equal(us, 0);
	assert_false(sw_rfc3339_us("2026-11-22 14:48:02Z", &us));
	assert_false(sw_rfc3339_us("2026-11-22T14:48:02", &us));
	assert_false(sw_rfc3339_us("2026-11-22T14:48:02.Z", &us));
	assert_false(sw_rfc3339_us("2026-13-22T14:48:02Z", &us));
	assert_false(sw_rfc3339_us("2026-11-22T14:48:02+0100", &us));
	assert_false(sw_rfc3339_us("2026-11-22T14:48:02Zjunk", &us));
}

static void test_ids_and_quote(void **state)
{
	char q[128], big[400];

	(void)state;
	assert_true(sw_engine_id_ok("0123456789abcdefABCDEF"));
	assert_false(sw_engine_id_ok(""));
	assert_false(sw_engine_id_ok("abc/def"));
	assert_false(sw_engine_id_ok("abc?x=1"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(sw_engine_id_ok(big));	/* longer than SW_ENGINE_ID_MAX */
	assert_string_equal(sw_quote(q, sizeof(q), "a\tb"), "\"a\\x09b\"");
	sw_quote(q, sizeof(q), big);
	assert_int_equal(strlen(q), 1 + 64 + 3 + 1);	/* cut at 64 bytes, "..." */
}

static void test_idset(void **state)
{
	struct sw_idset s;
	char id[32], **ids;
	size_t n;

	(void)state;
	assert_true(sw_idset_init(&s));
	for (int i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "%x", i * 7919);
		assert_non_null(sw_idset_put(&s, id, i % 2 ? "odd" : NULL, NULL));
	}
	assert_int_equal(s.count, 5000);
	assert_non_null(sw_idset_put(&s, "0", "zero", NULL));	/* update, not add */
	assert_int_equal(s.count, 5000);
	assert_string_equal(sw_idset_find(&s, "0")->name, "zero");
	snprintf(id, sizeof(id), "%x", 3 * 7919);
	assert_string_equal(sw_idset_find(&s, id)->name, "odd");
	sw_idset_del(&s, id);
	sw_idset_del(&s, "nope");
	assert_null(sw_idset_find(&s, id));
	assert_int_equal(s.count, 4999);
	assert_true(sw_idset_ids(&s, &ids, &n));
	assert_int_equal(n, 4999);
	sw_engine_ids_free(ids, n);
	sw_idset_fini(&s);
}

static void test_socket_detect(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/sw-engine-test.XXXXXX", buf[512], env[600];
	struct sw_err err;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/docker.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(env, sizeof(env), "unix://%s", sa.sun_path);
	setenv("DOCKER_HOST", env, 1);
	assert_int_equal(sw_engine_socket_detect(buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, sa.sun_path);
	close(fd);
	unlink(sa.sun_path);
	rmdir(dir);
	/* the usual places only say "none" where nothing listens there */
	setenv("DOCKER_HOST", "tcp://127.0.0.1:2375", 1);
	setenv("XDG_RUNTIME_DIR", dir, 1);
	if (access("/var/run/docker.sock", F_OK) != 0 && access("/run/podman/podman.sock", F_OK) != 0) {
		assert_int_equal(sw_engine_socket_detect(buf, sizeof(buf), &err), SW_EXIT_RUNTIME);
		assert_non_null(strstr(err.msg, "DOCKER_HOST=tcp://127.0.0.1:2375 (not unix://)"));
		assert_non_null(strstr(err.msg, "/run/podman/podman.sock"));
		assert_non_null(strstr(err.msg, dir));
	}
	unsetenv("DOCKER_HOST");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_libpod_pod_member),
		cmocka_unit_test(test_podman_libpod_infra),
		cmocka_unit_test(test_podman_libpod_stopped),
		cmocka_unit_test(test_podman_compat),
		cmocka_unit_test(test_docker_compose),
		cmocka_unit_test(test_docker_bridge),
		cmocka_unit_test(test_docker_20_10_user_net),
		cmocka_unit_test(test_docker_20_10_stopped),
		cmocka_unit_test(test_inspect_malformed),
		cmocka_unit_test(test_inspect_minimal),
		cmocka_unit_test(test_podman_events),
		cmocka_unit_test(test_docker_events),
		cmocka_unit_test(test_docker_20_10_events),
		cmocka_unit_test(test_events_malformed),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_version_from_ping),
		cmocka_unit_test(test_pod_and_error_body),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_ids_and_quote),
		cmocka_unit_test(test_idset),
		cmocka_unit_test(test_socket_detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
