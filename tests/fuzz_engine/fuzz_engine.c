/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_engine - libFuzzer target for the container engine's JSON parsers
 * (src/engine/engine_parse.c). Whoever starts a container picks its name and
 * labels, so every document the engine answers with is untrusted.
 *
 * The input goes whole to every parse entry point (inspect, list, version,
 * pod, error body, event), then line by line to the event parser as the
 * /events stream feeds it. Besides "no crash, no leak, no sanitizer report",
 * the contracts of include/segwatch/engine.h and src/engine/internal.h are
 * checked, trapping when broken:
 *   - an error is SW_EXIT_USAGE or SW_EXIT_RUNTIME, says "engine: ", has no
 *     control characters (input is quoted) and leaves the output empty;
 *   - an inspect gives a hex id as uid, a name, and labels with keys;
 *   - a listing gives n hex ids; an event's id is hex or empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h" /* src/engine: list, version, pod and error-body parsers */

#include "fuzz_check.h"

static void sw_fuzz_check_err(int rc, const struct sw_err *err)
{
	SW_FUZZ_CHECK(rc == SW_EXIT_USAGE || rc == SW_EXIT_RUNTIME);
	SW_FUZZ_CHECK(strncmp(err->msg, "engine: ", 8) == 0);
	for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++)
		SW_FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
}

static void sw_fuzz_inspect(const char *s, size_t n)
{
	struct sw_engine_container c;
	struct sw_err err = { 0 };
	int rc = sw_engine_parse_inspect(s, n, "/containers/fuzz/json", &c, &err);

	if (rc) {
		sw_fuzz_check_err(rc, &err);
		SW_FUZZ_CHECK(!c.w.uid && !c.w.name && !c.pod_id && !c.w.n_labels);
		return;
	}
	SW_FUZZ_CHECK(c.w.uid && sw_engine_id_ok(c.w.uid) && c.w.name);
	SW_FUZZ_CHECK(c.w.source == SW_WL_SRC_ENGINE && c.pid >= 0);
	for (size_t i = 0; i < c.w.n_labels; i++)
		SW_FUZZ_CHECK(c.w.labels[i].key && c.w.labels[i].value);
	sw_engine_container_clear(&c);
}

static void sw_fuzz_list(const char *s, size_t n)
{
	struct sw_err err = { 0 };
	char **ids;
	size_t k;
	int rc = sw_engine_parse_list(s, n, "/containers/json", &ids, &k, &err);

	if (rc) {
		sw_fuzz_check_err(rc, &err);
		SW_FUZZ_CHECK(!ids && k == 0);
		return;
	}
	for (size_t i = 0; i < k; i++)
		SW_FUZZ_CHECK(sw_engine_id_ok(ids[i]));
	sw_engine_ids_free(ids, k);
}

static void sw_fuzz_version(const char *s, size_t n)
{
	struct sw_engine_version v;
	struct sw_err err = { 0 };
	int rc = sw_engine_parse_version(s, n, &v, &err);

	if (rc)
		sw_fuzz_check_err(rc, &err);
	else
		SW_FUZZ_CHECK(v.api[0] && strchr(v.api, '.') && (!v.podman || v.libpod_api[0]));
}

static void sw_fuzz_pod(const char *s, size_t n)
{
	struct sw_err err = { 0 };
	char *name;
	int rc = sw_engine_parse_pod(s, n, "/libpod/pods/fuzz/json", &name, &err);

	if (rc)
		sw_fuzz_check_err(rc, &err);
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || !name);
	free(name);
}

static void sw_fuzz_event(const char *s, size_t n)
{
	struct sw_engine_event ev;
	struct sw_err err = { 0 };
	int rc = sw_engine_parse_event(s, n, &ev, &err);

	if (rc) {
		sw_fuzz_check_err(rc, &err);
		SW_FUZZ_CHECK(ev.kind == SW_ENGINE_EV_IGNORE && !ev.id[0]);
		return;
	}
	SW_FUZZ_CHECK(!ev.id[0] || sw_engine_id_ok(ev.id));
	SW_FUZZ_CHECK(ev.kind == SW_ENGINE_EV_IGNORE || ev.id[0]);
	SW_FUZZ_CHECK(sw_engine_ev_kind_name(ev.kind) != NULL);
}

/* sw_fuzz_stream - each line an event, as engine.c reads the /events stream. */
static void sw_fuzz_stream(const char *s, size_t n)
{
	const char *nl;

	while (n && (nl = memchr(s, '\n', n))) {
		size_t len = (size_t)(nl - s);

		if (len)
			sw_fuzz_event(s, len);
		n -= len + 1;
		s = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char msg[256];

	sw_fuzz_inspect(s, size);
	sw_fuzz_list(s, size);
	sw_fuzz_version(s, size);
	sw_fuzz_pod(s, size);
	sw_fuzz_event(s, size);
	sw_fuzz_stream(s, size);
	sw_engine_error_message(s, size, msg, sizeof(msg));
	SW_FUZZ_CHECK(strlen(msg) < sizeof(msg));
	return 0;
}
