/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container engine client: Docker Engine API on a unix socket.
 *
 *   open:  GET /_ping            Docker or Podman; which API version to speak
 *          (its headers; GET /version when they do not say)
 *          GET /events?since=..  the stream, started first so nothing is missed
 *          GET /containers/json  then one inspect per running container
 *   poll:  events -> inspect (engine_jobs.c) -> sw_registry_upsert / _stop
 *          a dropped stream is reopened with back-off, then everything is
 *          listed again: a container that stopped meanwhile is released at
 *          its FinishedAt, one that started is bound.
 *
 * Podman answers the same paths; we inspect through its libpod API instead,
 * which also says which pod a container belongs to and which containers are
 * pod infrastructure (not workloads).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define SW_ENGINE_API "1.41"		/* what we ask for unless the engine cannot */
#define SW_ENGINE_OPEN_MS 5000		/* /_ping (or /version) at open */
#define SW_ENGINE_SYNC_MS 60000		/* the first listing and its inspects */
#define SW_ENGINE_SINCE_US 2000000u	/* replay this much before the stream starts */
#define SW_ENGINE_BACKOFF_MIN 250u
#define SW_ENGINE_BACKOFF_MAX 4000u
#define SW_ENGINE_POLL_ROUNDS 16
/* filters={"type":["container","network"]} */
#define SW_ENGINE_EVENT_FILTER "%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D"

static bool sw_is_socket(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

int sw_engine_socket_detect(char *buf, size_t size, struct sw_err *err)
{
	const char *host = getenv("DOCKER_HOST"), *xdg = getenv("XDG_RUNTIME_DIR");
	char cand[4][512];
	int n = 0;

	if (host && strncmp(host, "unix://", 7) == 0)
		snprintf(cand[n++], sizeof(cand[0]), "%s", host + 7);
	snprintf(cand[n++], sizeof(cand[0]), "/var/run/docker.sock");
	snprintf(cand[n++], sizeof(cand[0]), "/run/podman/podman.sock");
	if (xdg && *xdg)
		snprintf(cand[n++], sizeof(cand[0]), "%s/podman/podman.sock", xdg);
	for (int i = 0; i < n; i++) {
		if (sw_is_socket(cand[i])) {
			snprintf(buf, size, "%s", cand[i]);
			return SW_EXIT_OK;
		}
	}
	return sw_err_set(err, SW_EXIT_RUNTIME,
			  "engine: no container engine socket found (tried %s%s%s, "
			  "/var/run/docker.sock, /run/podman/podman.sock%s%s); start one "
			  "(systemctl start docker, or podman system service) or name it",
			  host ? "DOCKER_HOST=" : "$DOCKER_HOST", host ? host : "",
			  host && strncmp(host, "unix://", 7) != 0 ? " (not unix://)" : "",
			  xdg && *xdg ? ", " : "", xdg && *xdg ? cand[n - 1] : "");
}

/* "1.41" < "1.9"? Compare major, then minor, as numbers. */
static int sw_api_cmp(const char *a, const char *b)
{
	unsigned amaj = 0, amin = 0, bmaj = 0, bmin = 0;

	sscanf(a, "%u.%u", &amaj, &amin);
	sscanf(b, "%u.%u", &bmaj, &bmin);
	if (amaj != bmaj)
		return amaj < bmaj ? -1 : 1;
	return amin < bmin ? -1 : amin > bmin;
}

/* 1.41, unless the engine is older (its own) or has dropped it (its minimum). */
static void sw_engine_pick_api(struct sw_engine *e, const struct sw_engine_version *v)
{
	const char *api = SW_ENGINE_API;

	if (sw_api_cmp(v->api, api) < 0)
		api = v->api;
	else if (v->min_api[0] && sw_api_cmp(v->min_api, api) > 0)
		api = v->min_api;
	snprintf(e->api, sizeof(e->api), "/v%s", api);
	if (v->podman)
		snprintf(e->libpod, sizeof(e->libpod), "/v%s/libpod", v->libpod_api);
	snprintf(e->server, sizeof(e->server), "%s (API %s)", v->server, api);
}

/* --- the events stream --- */

static void sw_engine_event(struct sw_engine *e, const char *line, size_t len)
{
	struct sw_engine_event ev;
	struct sw_err err;

	if (sw_engine_parse_event(line, len, &ev, &err)) {
		sw_engine_problem(e, "%s", err.msg);
		return;
	}
	e->st.events++;
	switch (ev.kind) {
	case SW_ENGINE_EV_START:
	case SW_ENGINE_EV_CHANGE:
		sw_engine_want(e, ev.id, ev.time_us, false);
		break;
	case SW_ENGINE_EV_STOP:
		sw_engine_stop_event(e, ev.id, ev.time_us);
		break;
	case SW_ENGINE_EV_IGNORE:
		break;
	}
}

/* Each complete line of the stream is one event (the engines write JSON then "\n"). */
static void sw_engine_stream_lines(struct sw_engine *e, struct sw_http_req *r)
{
	long status = 0;
	char *nl;
	size_t n;

	r->api->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return;	/* an error body: read whole when the request ends */
	while (r->body.len && (nl = memchr(r->body.p, '\n', r->body.len))) {
		n = (size_t)(nl - r->body.p);
		if (strspn(r->body.p, " \t\r") < n) {
			sw_engine_event(e, r->body.p, n);
			e->backoff_ms = SW_ENGINE_BACKOFF_MIN;	/* the stream works */
		}
		sw_buf_consume(&r->body, n + 1);
	}
}

static void sw_engine_stream_done(struct sw_http_req *r, void *arg)
{
	struct sw_engine *e = arg;
	char why[320];

	e->events = NULL;
	if (r->status == 200) {
		sw_engine_stream_lines(e, r);
		snprintf(why, sizeof(why), "%s", r->result == CURLE_OK ? "closed by the engine" :
			 r->errbuf[0] ? r->errbuf : r->api->easy_strerror(r->result));
	} else {
		sw_http_describe(r, why, sizeof(why));
	}
	sw_engine_problem(e, "engine: events stream from %s ended (%s); reconnecting in %u ms",
			  e->socket_path, why, e->backoff_ms);
	e->reconnect_at_us = e->now_us + e->backoff_ms * 1000ull;
	e->backoff_ms = e->backoff_ms * 2 > SW_ENGINE_BACKOFF_MAX ? SW_ENGINE_BACKOFF_MAX :
								    e->backoff_ms * 2;
}

static bool sw_engine_stream_start(struct sw_engine *e)
{
	uint64_t since = e->now_us > SW_ENGINE_SINCE_US ? e->now_us - SW_ENGINE_SINCE_US : 0;
	char path[256];

	snprintf(path, sizeof(path), "%s/events?since=%llu.%06llu000&filters=%s", e->api,
		 (unsigned long long)(since / 1000000u), (unsigned long long)(since % 1000000u),
		 SW_ENGINE_EVENT_FILTER);
	e->events = sw_http_get(e->http, path, true, sw_engine_stream_done, e);
	return e->events != NULL;
}

/* --- listing --- */

static void sw_engine_list_done(struct sw_http_req *r, void *arg)
{
	struct sw_engine *e = arg;
	char **ids = NULL, **known = NULL, why[320];
	size_t n = 0, n_known = 0;

	e->list = NULL;
	e->st.requests++;
	if (r->result != CURLE_OK || r->status != 200) {
		sw_http_describe(r, why, sizeof(why));
		sw_err_set(&e->list_err, SW_EXIT_RUNTIME, "engine: GET /containers/json: %s", why);
		e->list_failed = true;
		sw_engine_problem(e, "%s", e->list_err.msg);
	} else if (sw_engine_parse_list(r->body.p, r->body.len, "/containers/json", &ids, &n,
					&e->list_err)) {
		e->list_failed = true;
		sw_engine_problem(e, "%s", e->list_err.msg);
	} else {
		/* what we hold but is not listed any more gets inspected too: released then */
		if (!sw_idset_ids(&e->running, &known, &n_known))
			sw_engine_problem(e, "engine: out of memory listing containers");
		for (size_t i = 0; i < n; i++)
			sw_engine_want(e, ids[i], 0, true);
		for (size_t i = 0; i < n_known; i++)
			sw_engine_want(e, known[i], 0, true);
	}
	sw_engine_ids_free(ids, n);
	sw_engine_ids_free(known, n_known);
	e->sync_pending--;
}

static bool sw_engine_list_start(struct sw_engine *e)
{
	char path[64];

	if (e->list)
		return true;
	snprintf(path, sizeof(path), "%s/containers/json", e->api);
	if (!(e->list = sw_http_get(e->http, path, false, sw_engine_list_done, e)))
		return false;
	e->list_failed = false;
	e->sync_pending++;
	return true;
}

/* --- open, poll, close --- */

/* One round: let libcurl work, then read the stream. Returns descriptors that were ready. */
static int sw_engine_step(struct sw_engine *e, int timeout_ms)
{
	int n = sw_http_drive(e->http, timeout_ms);

	if (e->events)
		sw_engine_stream_lines(e, e->events);
	return n;
}

struct sw_version_wait {
	bool done;
	int rc;
	struct sw_engine_version v;
	struct sw_err err;
};

static void sw_engine_version_done(struct sw_http_req *r, void *arg)
{
	struct sw_version_wait *w = arg;
	char why[320];

	w->done = true;
	if (r->result != CURLE_OK || r->status != 200) {
		sw_http_describe(r, why, sizeof(why));
		w->rc = sw_err_set(&w->err, SW_EXIT_RUNTIME, "engine: no answer from %s: %s",
				   r->path, why);
		return;
	}
	w->rc = sw_engine_parse_version(r->body.p, r->body.len, &w->v, &w->err);
	if (w->rc)
		w->rc = SW_EXIT_RUNTIME;	/* the engine's fault, not the user's input */
}

/* Check the socket path first: curl would only say "couldn't connect to localhost port 80". */
static int sw_engine_check_socket(const char *path, struct sw_err *err)
{
	if (!sw_is_socket(path))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: %s: %s", path,
				  access(path, F_OK) == 0 ? "not a unix socket" : strerror(errno));
	if (access(path, R_OK | W_OK) != 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: %s: %s (root or the docker "
				  "group is needed?)", path, strerror(errno));
	return SW_EXIT_OK;
}

/* A header of the answer @r, or NULL. */
static const char *sw_engine_header(struct sw_http_req *r, const char *name)
{
	struct curl_header *h;

	if (r->api->easy_header(r->easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	return h->value;
}

static void sw_engine_ping_done(struct sw_http_req *r, void *arg)
{
	struct sw_version_wait *w = arg;
	char why[320];

	w->done = true;
	if (r->result != CURLE_OK) {
		sw_http_describe(r, why, sizeof(why));
		w->rc = sw_err_set(&w->err, SW_EXIT_RUNTIME, "engine: no answer from %s: %s",
				   r->path, why);
		return;
	}
	if (r->status != 200) { /* answered, but not as Docker and Podman do: ask /version */
		w->rc = SW_EXIT_USAGE;
		return;
	}
	w->rc = sw_engine_version_from_ping(sw_engine_header(r, "Api-Version"),
					    sw_engine_header(r, "Libpod-Api-Version"),
					    sw_engine_header(r, "Server"), &w->v, &w->err);
}

/* GET @path and wait for @done (bounded); SW_EXIT_RUNTIME with @err when there is no answer. */
static int sw_engine_ask(struct sw_engine *e, const char *path, sw_http_done_fn done,
			 struct sw_version_wait *w, struct sw_err *err)
{
	uint64_t deadline = sw_clock_wall_us() + SW_ENGINE_OPEN_MS * 1000ull;

	if (!sw_http_get(e->http, path, false, done, w))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	while (!w->done && sw_clock_wall_us() < deadline)
		sw_http_drive(e->http, 100);
	if (!w->done)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: %s: no answer to GET %s "
				  "within %d s", e->socket_path, path, SW_ENGINE_OPEN_MS / 1000);
	return SW_EXIT_OK;
}

/*
 * Which API to speak: the headers of /_ping say it, and the engine answers
 * it at once (Podman's /version runs its runtime's binaries to report them:
 * seconds on a busy host). An engine whose /_ping says nothing: /version.
 */
static int sw_engine_hello(struct sw_engine *e, struct sw_err *err)
{
	struct sw_version_wait w = { 0 };
	int rc = sw_engine_ask(e, "/_ping", sw_engine_ping_done, &w, err);

	if (rc != SW_EXIT_OK)
		return rc;
	if (w.rc == SW_EXIT_USAGE) {
		memset(&w, 0, sizeof(w));
		if ((rc = sw_engine_ask(e, "/version", sw_engine_version_done, &w, err)))
			return rc;
	}
	if (w.rc) {
		*err = w.err;
		err->code = SW_EXIT_RUNTIME;
		return w.rc;
	}
	sw_engine_pick_api(e, &w.v);
	return SW_EXIT_OK;
}

/* Start the stream, list, and wait for the inspects (bounded). */
static int sw_engine_sync(struct sw_engine *e, struct sw_err *err)
{
	uint64_t deadline = sw_clock_wall_us() + SW_ENGINE_SYNC_MS * 1000ull;

	e->now_us = sw_clock_wall_us();
	if (!sw_engine_stream_start(e) || !sw_engine_list_start(e))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	while (e->sync_pending && e->now_us < deadline) {
		sw_engine_step(e, 100);
		e->now_us = sw_clock_wall_us();
	}
	if (e->sync_pending && e->list)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: %s: no answer to GET "
				  "/containers/json within %d s", e->socket_path,
				  SW_ENGINE_SYNC_MS / 1000);
	/* the listing itself failing is fatal; a container that could not be read is not */
	if (e->list_failed) {
		*err = e->list_err;
		err->code = SW_EXIT_RUNTIME;
		return SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

static int sw_engine_init(struct sw_engine *e, const char *path, struct sw_registry *reg,
			  struct sw_err *err)
{
	int rc;

	e->reg = reg;
	e->backoff_ms = SW_ENGINE_BACKOFF_MIN;
	snprintf(e->socket_path, sizeof(e->socket_path), "%s", path);
	if (!sw_idset_init(&e->by_id) || !sw_idset_init(&e->running) || !sw_idset_init(&e->pods))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	if ((rc = sw_engine_check_socket(path, err)) || (rc = sw_http_open(&e->http, path, err)) ||
	    (rc = sw_engine_hello(e, err)))
		return rc;
	return sw_engine_sync(e, err);
}

int sw_engine_open(struct sw_engine **out, const char *socket_path, struct sw_registry *reg,
		   struct sw_err *err)
{
	struct sw_engine *e;
	char found[512];
	int rc;

	*out = NULL;
	if (!socket_path) {
		if ((rc = sw_engine_socket_detect(found, sizeof(found), err)))
			return rc;
		socket_path = found;
	}
	if (strlen(socket_path) >= sizeof(e->socket_path))
		return sw_err_set(err, SW_EXIT_USAGE, "engine: socket path too long: %s",
				  socket_path);
	if (!(e = calloc(1, sizeof(*e))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	rc = sw_engine_init(e, socket_path, reg, err);
	if (rc) {
		sw_engine_close(e);
		return rc;
	}
	*out = e;
	return SW_EXIT_OK;
}

int sw_engine_fd(const struct sw_engine *e)
{
	return sw_http_fd(e->http);
}

/* Reopen a dropped stream when its back-off is over, and list everything again. */
static void sw_engine_reconnect(struct sw_engine *e)
{
	if (e->events || e->now_us < e->reconnect_at_us)
		return;
	e->st.reconnects++;
	if (!sw_engine_stream_start(e)) {
		sw_engine_problem(e, "engine: out of memory reopening the events stream");
		e->reconnect_at_us = e->now_us + SW_ENGINE_BACKOFF_MAX * 1000ull;
		return;
	}
	if (!sw_engine_list_start(e))
		sw_engine_problem(e, "engine: out of memory listing containers");
}

int sw_engine_poll(struct sw_engine *e, uint64_t now_us, struct sw_err *err)
{
	e->now_us = now_us;
	sw_engine_reconnect(e);
	for (int i = 0; i < SW_ENGINE_POLL_ROUNDS; i++)
		if (sw_engine_step(e, 0) == 0)
			break;
	if (!e->err_set)
		return SW_EXIT_OK;
	e->err_set = false;
	*err = e->err;
	return err->code;
}

void sw_engine_set_notify(struct sw_engine *e, sw_engine_change_fn fn, void *arg)
{
	e->notify = fn;
	e->notify_arg = arg;
}

void sw_engine_get_stats(const struct sw_engine *e, struct sw_engine_stats *st)
{
	*st = e->st;
	st->connected = e->events != NULL;
}

const char *sw_engine_socket(const struct sw_engine *e)
{
	return e->socket_path;
}

const char *sw_engine_server(const struct sw_engine *e)
{
	return e->server;
}

void sw_engine_close(struct sw_engine *e)
{
	if (!e)
		return;
	sw_http_close(e->http);	/* requests go without calling back */
	sw_engine_jobs_free(e);
	sw_idset_fini(&e->by_id);
	sw_idset_fini(&e->running);
	sw_idset_fini(&e->pods);
	free(e);
}
