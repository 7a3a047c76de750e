/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_ENGINE_INTERNAL_H
#define SW_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/curl_api.h>
#include <jansson.h>

#include <segwatch/clock.h>
#include <segwatch/engine.h>

/* --- engine_json.c: typed access to a jansson tree, errors with a JSON Pointer --- */

struct sw_jctx {
	const char *doc;	/* names the document: "/containers/ID/json" */
	struct sw_err *err;
	char ptr[256];		/* RFC 6901 pointer to the value being read */
	size_t len;
};

void sw_jctx_init(struct sw_jctx *c, const char *doc, struct sw_err *err);
/* sw_jctx_load - parse @len bytes; NULL with a `doc: LINE:COL: error: ...` message. */
json_t *sw_jctx_load(struct sw_jctx *c, const char *json, size_t len);
size_t sw_jctx_push(struct sw_jctx *c, const char *key);
void sw_jctx_pop(struct sw_jctx *c, size_t mark);
/* sw_jctx_fail - `engine: DOC: /POINTER: error: WHAT`; returns SW_EXIT_USAGE. */
int sw_jctx_fail(struct sw_jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* sw_jctx_oom - out of memory while reading DOC; returns SW_EXIT_RUNTIME. */
int sw_jctx_oom(struct sw_jctx *c);
/* sw_quote - @s in double quotes, control bytes escaped, cut at 64 bytes. */
const char *sw_quote(char *buf, size_t size, const char *s);

/*
 * Member @key of object @obj (pushed on the pointer while the caller reads
 * it: pop with the returned mark). Absent and JSON null are the same; a
 * required member that is absent fails. *out is NULL when absent.
 */
int sw_jget_obj(struct sw_jctx *c, json_t *obj, const char *key, bool required, json_t **out);
int sw_jget_str(struct sw_jctx *c, json_t *obj, const char *key, bool required,
		const char **out);
int sw_jget_int(struct sw_jctx *c, json_t *obj, const char *key, bool required,
		json_int_t *out, bool *present);
int sw_jget_bool(struct sw_jctx *c, json_t *obj, const char *key, bool *out);
/* sw_jtype_name - "an object", "a string", ... for messages. */
const char *sw_jtype_name(const json_t *v);

/* sw_engine_id_ok - 1..SW_ENGINE_ID_MAX hex digits: safe to put in a URL. */
bool sw_engine_id_ok(const char *id);
/* sw_rfc3339_us - "2026-11-22T14:35:23.888186567Z" (or +hh:mm) to microseconds; false if not. */
bool sw_rfc3339_us(const char *s, uint64_t *out);

/* --- engine_parse.c: the other documents --- */

struct sw_engine_version {
	bool podman;		/* a "Podman Engine" component: the libpod API is there too */
	char api[16];		/* ApiVersion, e.g. "1.41" */
	char min_api[16];	/* MinAPIVersion; "" when not given */
	char libpod_api[16];	/* Podman: Components[Podman Engine].Details.APIVersion */
	char server[96];	/* for messages: "Podman Engine 4.3.1", "Docker Engine 24.0.7" */
};

int sw_engine_parse_version(const char *json, size_t len, struct sw_engine_version *out,
			    struct sw_err *err);
/*
 * sw_engine_version_from_ping - the same from the headers of GET /_ping
 * (Api-Version; Podman adds Libpod-Api-Version; Server), any of them NULL
 * when absent. No Api-Version: SW_EXIT_USAGE (ask /version instead).
 */
int sw_engine_version_from_ping(const char *api, const char *libpod_api, const char *server,
				struct sw_engine_version *out, struct sw_err *err);
/* GET /containers/json: the ids, in order. *ids is freed with sw_engine_ids_free. */
int sw_engine_parse_list(const char *json, size_t len, const char *doc, char ***ids, size_t *n,
			 struct sw_err *err);
void sw_engine_ids_free(char **ids, size_t n);
/* GET /libpod/pods/{id}/json: its Name (*name freed by the caller). */
int sw_engine_parse_pod(const char *json, size_t len, const char *doc, char **name,
			struct sw_err *err);
/* sw_engine_error_message - "message" of an engine error body, or "" (for HTTP errors). */
void sw_engine_error_message(const char *json, size_t len, char *buf, size_t size);

/* --- engine_http.c: HTTP on a unix socket, driven by a libcurl multi handle --- */

struct sw_buf {
	char *p;
	size_t len, cap;
};

struct sw_http;
struct sw_http_req;

/* Called once a request is over (done, failed or cancelled at close: not called then). */
typedef void (*sw_http_done_fn)(struct sw_http_req *r, void *arg);

struct sw_http_req {
	const struct sw_curl_api *api;	/* the client's */
	CURL *easy;
	char path[512];		/* "/v1.41/containers/ID/json" */
	struct sw_buf body;	/* the response body; a stream consumes it as it goes */
	size_t max_body;	/* larger bodies fail the request */
	bool too_big;
	bool stream;		/* no overall timeout */
	long status;		/* HTTP status, 0 before headers */
	CURLcode result;
	char errbuf[CURL_ERROR_SIZE];
	sw_http_done_fn done;
	void *arg;
	struct sw_http_req *next, *prev;
};

int sw_http_open(struct sw_http **out, const char *socket_path, struct sw_err *err);
void sw_http_close(struct sw_http *h);
int sw_http_fd(const struct sw_http *h);
/*
 * sw_http_get - start GET @path; NULL when out of memory (or curl refuses).
 * The request is freed after @done returns; never free it yourself.
 */
struct sw_http_req *sw_http_get(struct sw_http *h, const char *path, bool stream,
				sw_http_done_fn done, void *arg);
/* sw_http_cancel - abort @r without calling its done function, and free it. */
void sw_http_cancel(struct sw_http *h, struct sw_http_req *r);
/*
 * sw_http_drive - wait up to @timeout_ms for socket activity, let libcurl
 * work and call the done functions of finished requests. Returns the number
 * of descriptors that were ready (0: nothing happened).
 */
int sw_http_drive(struct sw_http *h, int timeout_ms);
/* sw_http_describe - "HTTP 404: no such container" / curl's reason, for messages. */
void sw_http_describe(const struct sw_http_req *r, char *buf, size_t size);
bool sw_buf_append(struct sw_buf *b, const void *p, size_t n, size_t max);
void sw_buf_consume(struct sw_buf *b, size_t n);

/* --- engine_set.c: container ids to a name or a pointer --- */

struct sw_idnode {
	char *id;
	char *name;		/* owned; may be NULL */
	void *ptr;		/* not owned */
	uint64_t tag;		/* running: fingerprint of what was bound */
	struct sw_idnode *next;
};

struct sw_idset {
	struct sw_idnode **b;
	size_t mask, count;
};

bool sw_idset_init(struct sw_idset *s);
void sw_idset_fini(struct sw_idset *s);
struct sw_idnode *sw_idset_find(const struct sw_idset *s, const char *id);
/* sw_idset_put - add @id or update it; @name is copied. NULL on out of memory. */
struct sw_idnode *sw_idset_put(struct sw_idset *s, const char *id, const char *name, void *ptr);
void sw_idset_del(struct sw_idset *s, const char *id);
/* sw_idset_ids - a new array of copies of every id (free with sw_engine_ids_free). */
bool sw_idset_ids(const struct sw_idset *s, char ***ids, size_t *n);

/* --- engine_netns.c: the host side of a container's veth --- */

/*
 * sw_engine_veth_find - enter /proc/@pid/ns/net in a short-lived thread, find
 * the interface carrying one of @w's MACs (else eth0) and its peer index;
 * then check that this peer is a veth in our own namespace pointing back.
 * Fills @ifname (IF_NAMESIZE) and *ifindex; false when any step fails
 * (no permission, container gone, peer elsewhere).
 */
bool sw_engine_veth_find(int pid, const struct sw_workload *w, char *ifname, int *ifindex);

/* --- engine.c and engine_jobs.c: the client --- */

/* One container to inspect (and, for a Podman pod member, its pod to name). */
struct sw_job {
	char id[SW_ENGINE_ID_MAX + 1];
	uint64_t event_us;	/* the event that asked for it; 0: a (re)sync */
	uint64_t stop_us;	/* a stop event arrived meanwhile (0: none) */
	uint64_t again_us;	/* a start or change arrived while in flight */
	bool again;
	bool retry;		/* the inspect failed: once more, same event */
	unsigned tries;
	bool sync;		/* counted in sw_engine.sync_pending */
	bool in_flight;
	struct sw_engine_container ctr;	/* between the inspect and the pod lookup */
	struct sw_engine *e;
	struct sw_job *qnext;		/* the queue of jobs not started */
	struct sw_job *prev, *next;	/* every job */
};

struct sw_engine {
	struct sw_registry *reg;
	struct sw_http *http;
	char socket_path[108];
	char api[24];		/* "/v1.41" */
	char libpod[40];	/* "/v4.3.1/libpod"; "" for Docker */
	char server[160];
	uint64_t now_us;
	/* the events stream */
	struct sw_http_req *events;
	uint64_t reconnect_at_us;
	unsigned backoff_ms;
	/* listing the containers: at open and after each reconnection */
	struct sw_http_req *list;
	size_t sync_pending;	/* the list and the inspects it asked for */
	bool list_failed;	/* the last listing failed: why in list_err */
	struct sw_err list_err;
	/* inspects */
	struct sw_job *jobs;		/* all of them */
	struct sw_job *qhead, *qtail;	/* not started yet */
	size_t in_flight;
	struct sw_idset by_id;		/* id -> job */
	struct sw_idset running;	/* id -> name: bound in the registry by us now */
	struct sw_idset pods;		/* Podman pod id -> name */
	struct sw_engine_stats st;
	sw_engine_change_fn notify;
	void *notify_arg;
	struct sw_err err;		/* the first problem no poll has returned yet */
	bool err_set;
};

/* sw_engine_problem - count a problem; keep the first for sw_engine_poll to return. */
void sw_engine_problem(struct sw_engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sw_engine_want - inspect @id (again); @event_us 0 for a sync. */
void sw_engine_want(struct sw_engine *e, const char *id, uint64_t event_us, bool sync);
/* sw_engine_stop_event - @id stopped at @t_us: release it, or mark its pending inspect. */
void sw_engine_stop_event(struct sw_engine *e, const char *id, uint64_t t_us);
/* sw_engine_jobs_free - drop every job (the requests are the HTTP client's). */
void sw_engine_jobs_free(struct sw_engine *e);
#endif
