/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The live graph over HTTP (docs/web.md), with libmicrohttpd on a thread of
 * its own, as /metrics is served (src/metrics/server.c).
 *
 *   GET /             the graph page in live mode (src/graph_html), rendered
 *                     once at start; its CSP lets it fetch from here only
 *   GET /api/graph    the graph document of the flows in the window that
 *                     pass the filters, judged by the agent's policy
 *   GET /api/flows    matching flow records, newest first
 *   GET /api/alerts   alerts newer than a sequence number
 *
 * A request copies what it needs out of the store under the store's lock,
 * then parses, filters and builds without it: the capture thread waits at
 * most for a memcpy. One thread answers every request in turn, so a busy
 * page costs one core at most; connections, request size, idle time and
 * answer size are bounded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include <segwatch/clock.h>
#include <segwatch/graph_html.h>
#include <segwatch/metrics.h>
#include <segwatch/mhd_api.h>
#include <segwatch/report.h>
#include <segwatch/web.h>

#define SW_WEB_MAX_CONNECTIONS 32	/* a page polls with one or two at a time */
#define SW_WEB_TIMEOUT_S 10		/* an idle or stuck client is dropped */
#define SW_WEB_REQUEST_MAX (32 * 1024)	/* the request line and headers, per connection */
#define SW_WEB_ANSWER_MAX (64u << 20)	/* larger: 503, narrow the window or the filters */
#define SW_WEB_CSP "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; " \
		   "style-src 'unsafe-inline'; img-src data:"
#define SW_WEB_JSON "application/json"

struct sw_web_server {
	const struct sw_mhd_api *mhd;	/* libmicrohttpd, opened by the first server */
	struct MHD_Daemon *d;
	int fd;
	char listen[64];
	char *token;			/* NULL: none */
	struct sw_web_store *store;
	char *page;
	size_t page_len;
	pthread_mutex_t mu;		/* policy */
	struct sw_policy *policy;
	struct sw_policy *staged;	/* edges judged by it too ("staged"); NULL: none */
	uint64_t requests, unauthorized, bad_requests, too_large;	/* atomics */
};

bool sw_web_listen_is_loopback(const char *listen)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	struct sw_metrics_addr a;
	char why[128];

	if (!sw_metrics_addr_parse(listen, &a, why, sizeof(why)))
		return false;
	return a.family == AF_INET ? a.addr[0] == 127 : memcmp(a.addr, v6_loopback, 16) == 0;
}

/* ---- answers ---- */

static void sw_web_count(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

static enum MHD_Result sw_web_reply(struct sw_web_server *s, struct MHD_Connection *c,
				    unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = s->mhd->create_response_from_buffer(len, body,
								     MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	sw_web_count(&s->requests);
	if (status == MHD_HTTP_UNAUTHORIZED)
		sw_web_count(&s->unauthorized);
	else if (status == MHD_HTTP_BAD_REQUEST)
		sw_web_count(&s->bad_requests);
	else if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
		sw_web_count(&s->too_large);
	s->mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	s->mhd->add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	s->mhd->add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* the page's URL may hold the token: never sent on */
	s->mhd->add_response_header(r, "Referrer-Policy", "no-referrer");
	s->mhd->add_response_header(r, "Content-Security-Policy", SW_WEB_CSP);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		s->mhd->add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		s->mhd->add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"segwatch\"");
	rc = s->mhd->queue_response(c, status, r);
	s->mhd->destroy_response(r);
	return rc;
}

static enum MHD_Result sw_web_json(struct sw_web_server *s, struct MHD_Connection *c,
				   unsigned status, json_t *doc)
{
	char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	size_t len = body ? strlen(body) : 0;

	json_decref(doc);
	if (!body) {
		const char *nomem = "{\"error\":\"out of memory\"}";

		return sw_web_reply(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, SW_WEB_JSON,
				    strdup(nomem), strlen(nomem));
	}
	if (len > SW_WEB_ANSWER_MAX) {
		free(body);
		body = strdup("{\"error\":\"the answer is larger than 64 MiB: narrow the window or "
			      "the filters\"}");
		return sw_web_reply(s, c, MHD_HTTP_SERVICE_UNAVAILABLE, SW_WEB_JSON, body,
				    body ? strlen(body) : 0);
	}
	return sw_web_reply(s, c, status, SW_WEB_JSON, body, len);
}

static enum MHD_Result sw_web_error(struct sw_web_server *s, struct MHD_Connection *c,
				    unsigned status, const char *msg)
{
	return sw_web_json(s, c, status, json_pack("{s:s}", "error", msg));
}

/* ---- access ---- */

/* Equal strings, in a time that depends on the lengths only (a token is not guessed byte by byte). */
static bool sw_web_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < lb; i++)
		diff |= (unsigned char)(b[i] ^ (i < la ? a[i] : 0));
	return diff == 0;
}

static bool sw_web_authorized(struct sw_web_server *s, struct MHD_Connection *c)
{
	const char *auth, *q;

	if (!s->token)
		return true;
	auth = s->mhd->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && sw_web_same(auth + 7, s->token))
		return true;
	q = s->mhd->lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	return q && sw_web_same(q, s->token);
}

/* ---- the API ---- */

struct sw_web_args {
	struct sw_web_params *p;
	uint64_t now_us;
	struct sw_err err;
	int rc;
};

static enum MHD_Result sw_web_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct sw_web_args *a = cls;

	(void)kind;
	a->rc = sw_web_params_add(a->p, key, value ? value : "", a->now_us, &a->err);
	return a->rc == SW_EXIT_OK ? MHD_YES : MHD_NO;
}

/* The policy and the staged one (*@staged), each held for the request; NULL: none. */
static struct sw_policy *sw_web_policy(struct sw_web_server *s, struct sw_policy **staged)
{
	struct sw_policy *p;

	pthread_mutex_lock(&s->mu);
	p = s->policy ? sw_policy_ref(s->policy) : NULL;
	*staged = p && s->staged ? sw_policy_ref(s->staged) : NULL;
	pthread_mutex_unlock(&s->mu);
	return p;
}

static json_t *sw_web_window_json(const struct sw_web_params *p, uint64_t now_us)
{
	char since[40], until[40], now[40];

	sw_report_time(since, sizeof(since), p->since_us);
	sw_report_time(now, sizeof(now), now_us);
	if (p->until_us)
		sw_report_time(until, sizeof(until), p->until_us);
	return json_pack("{s:s,s:s?,s:s}", "since", since, "until", p->until_us ? until : NULL,
			 "now", now);
}

static json_t *sw_web_graph(struct sw_web_params *p, struct sw_policy *pol,
			    struct sw_policy *staged, const struct sw_web_snap *snap,
			    uint64_t now_us, struct sw_err *err)
{
	struct sw_graph_opts go = { .by = p->by, .label = p->label, .policy = pol, .all = p->all,
				    .staged = staged };
	struct sw_graph *g = sw_graph_alloc(&go, err);
	size_t flows = 0, open = 0, bad = 0;
	json_t *doc = NULL, *live;

	if (!g)
		return NULL;
	for (size_t i = 0; i < snap->n; i++) {
		json_t *rec = json_loadb(snap->v[i].line, snap->v[i].len, 0, NULL);
		struct sw_err e2 = { 0 };

		if (rec && sw_query_match(p->q, rec, NULL)) {
			if (sw_graph_add_flow(g, rec, &e2) == SW_EXIT_OK) {
				flows++;
				open += snap->v[i].open;
			} else {
				bad++;
			}
		}
		json_decref(rec);
	}
	doc = sw_graph_to_json(g);
	sw_graph_free(g);
	live = json_pack("{s:o,s:I,s:I,s:I}", "window", sw_web_window_json(p, now_us), "flows",
			 (json_int_t)flows, "open", (json_int_t)open, "records",
			 (json_int_t)snap->n);
	if (doc && live)
		json_object_set_new(doc, "live", live);
	else
		json_decref(live);
	if (!doc)
		sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	(void)bad;
	return doc;
}

static int sw_web_rec_newest_first(const void *a, const void *b)
{
	const struct sw_web_rec *x = a, *y = b;

	return x->last_us < y->last_us ? 1 : x->last_us > y->last_us ? -1 : 0;
}

static json_t *sw_web_flows(struct sw_web_params *p, struct sw_policy *pol,
			    struct sw_web_snap *snap, uint64_t now_us)
{
	json_t *list = json_array(), *doc;
	bool more = false;

	qsort(snap->v, snap->n, sizeof(*snap->v), sw_web_rec_newest_first);
	for (size_t i = 0; list && i < snap->n; i++) {
		json_t *rec = json_loadb(snap->v[i].line, snap->v[i].len, 0, NULL);
		struct sw_query_result res;

		if (rec && sw_query_match(p->q, rec, &res)) {
			if (json_array_size(list) == p->limit) {
				more = true;
				json_decref(rec);
				break;
			}
			if (snap->v[i].open)
				json_object_set_new(rec, "open", json_true());
			if (pol && res.judged)
				json_object_set_new(rec, "verdict",
						    json_string(sw_pol_outcome_name(res.outcome)));
			json_array_append(list, rec);
		}
		json_decref(rec);
	}
	doc = json_pack("{s:o,s:b,s:o}", "flows", list, "more", more, "window",
			sw_web_window_json(p, now_us));
	return doc;
}

static json_t *sw_web_alerts(struct sw_web_params *p, const struct sw_web_snap *snap,
			     uint64_t last_seq)
{
	json_t *list = json_array();
	size_t from = snap->n > p->limit ? snap->n - p->limit : 0;

	/* the newest @limit of them, oldest first: a feed appends them */
	for (size_t i = from; list && i < snap->n; i++) {
		json_t *a = json_loadb(snap->v[i].line, snap->v[i].len, 0, NULL);

		if (a)
			json_array_append_new(list, json_pack("{s:I,s:o}", "seq",
							      (json_int_t)snap->v[i].seq, "alert", a));
	}
	/* skipped: cut by @limit, or gone from memory (max_alerts) before this poll */
	return json_pack("{s:o,s:I,s:b}", "alerts", list, "last_seq", (json_int_t)last_seq,
			 "skipped", from > 0 || (snap->n && snap->v[0].seq > p->after + 1));
}

static enum MHD_Result sw_web_api(struct sw_web_server *s, struct MHD_Connection *c,
				  enum sw_web_api api)
{
	struct sw_web_params p;
	struct sw_web_args a = { .p = &p, .now_us = sw_clock_wall_us() };
	struct sw_web_snap snap = { 0 };
	struct sw_policy *pol = NULL, *staged = NULL;
	struct sw_web_store_stats st;
	json_t *doc = NULL;
	int rc;

	if (sw_web_params_init(&p, api, &a.err) != SW_EXIT_OK)
		return sw_web_error(s, c, MHD_HTTP_INTERNAL_SERVER_ERROR, a.err.msg);
	a.rc = SW_EXIT_OK;
	s->mhd->get_connection_values(c, MHD_GET_ARGUMENT_KIND, sw_web_arg, &a);
	rc = a.rc;
	if (rc == SW_EXIT_OK) {
		pol = sw_web_policy(s, &staged);
		rc = sw_web_params_finish(&p, pol, a.now_us, sw_web_store_window(s->store), &a.err);
	}
	if (rc == SW_EXIT_OK)
		rc = api == SW_WEB_API_ALERTS ? sw_web_store_alerts(s->store, p.after, &snap) :
		     sw_web_store_flows(s->store, p.since_us, p.until_us, &snap);
	if (rc == SW_EXIT_RUNTIME && !a.err.msg[0])
		sw_err_set(&a.err, rc, "out of memory");
	if (rc == SW_EXIT_OK) {
		switch (api) {
		case SW_WEB_API_GRAPH:
			doc = sw_web_graph(&p, pol, staged, &snap, a.now_us, &a.err);
			break;
		case SW_WEB_API_FLOWS:
			doc = sw_web_flows(&p, pol, &snap, a.now_us);
			break;
		case SW_WEB_API_ALERTS:
			sw_web_store_stats(s->store, &st);
			doc = sw_web_alerts(&p, &snap, st.last_seq);
			break;
		}
		if (!doc && !a.err.msg[0])
			sw_err_set(&a.err, SW_EXIT_RUNTIME, "out of memory");
		rc = doc ? SW_EXIT_OK : a.err.code ? a.err.code : SW_EXIT_RUNTIME;
	}
	sw_web_snap_clear(&snap);
	sw_web_params_clear(&p);
	sw_policy_free(staged);
	sw_policy_free(pol);
	if (rc != SW_EXIT_OK)
		return sw_web_error(s, c, rc == SW_EXIT_USAGE ? MHD_HTTP_BAD_REQUEST :
				    MHD_HTTP_INTERNAL_SERVER_ERROR, a.err.msg);
	return sw_web_json(s, c, MHD_HTTP_OK, doc);
}

static enum MHD_Result sw_web_handle(void *cls, struct MHD_Connection *c, const char *url,
				     const char *method, const char *version,
				     const char *upload, size_t *upload_size, void **req)
{
	struct sw_web_server *s = cls;

	(void)version;
	(void)upload;
	(void)req;
	if (*upload_size) { /* a request with a body: take none of it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return sw_web_error(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!sw_web_authorized(s, c))
		return sw_web_error(s, c, MHD_HTTP_UNAUTHORIZED,
				    "a token is needed: Authorization: Bearer TOKEN, or ?token= "
				    "on the page's URL");
	if (strcmp(url, "/") == 0) {
		char *body = malloc(s->page_len);

		if (!body)
			return MHD_NO;
		memcpy(body, s->page, s->page_len);
		return sw_web_reply(s, c, MHD_HTTP_OK, "text/html; charset=utf-8", body,
				    s->page_len);
	}
	if (strcmp(url, "/api/graph") == 0)
		return sw_web_api(s, c, SW_WEB_API_GRAPH);
	if (strcmp(url, "/api/flows") == 0)
		return sw_web_api(s, c, SW_WEB_API_FLOWS);
	if (strcmp(url, "/api/alerts") == 0)
		return sw_web_api(s, c, SW_WEB_API_ALERTS);
	return sw_web_error(s, c, MHD_HTTP_NOT_FOUND,
			    "not found: GET /, /api/graph, /api/flows, /api/alerts");
}

static int sw_web_page(struct sw_web_server *s, struct sw_err *err)
{
	FILE *f = open_memstream(&s->page, &s->page_len);
	int rc;

	if (!f)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	rc = sw_graph_html_write_live(f, "segwatch live graph");
	if (fclose(f) != 0 || rc != 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "web: the page could not be made");
	return SW_EXIT_OK;
}

int sw_web_server_start(struct sw_web_server **out, const struct sw_web_server_opts *o,
			struct sw_err *err)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	const struct sw_mhd_api *mhd;
	struct sw_web_server *s;
	struct sw_metrics_addr a;
	char why[128];

	*out = NULL;
	if (!o->listen || !sw_metrics_addr_parse(o->listen, &a, why, sizeof(why)))
		return sw_err_set(err, SW_EXIT_USAGE, "web: \"%s\": %s",
				  o->listen ? o->listen : "", o->listen ? why : "no address");
	if (!o->token && !sw_web_listen_is_loopback(o->listen))
		return sw_err_set(err, SW_EXIT_USAGE, "web: %s is not a loopback address: "
				  "set web.token", o->listen);
	if (!(mhd = sw_mhd_api(err)))
		return err->code;
	if (!(s = calloc(1, sizeof(*s))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	s->mhd = mhd;
	pthread_mutex_init(&s->mu, NULL);
	s->fd = -1;
	s->store = o->store;
	snprintf(s->listen, sizeof(s->listen), "%s", o->listen);
	if ((o->token && !(s->token = strdup(o->token))) || sw_web_page(s, err) != SW_EXIT_OK) {
		if (!err->msg[0])
			sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		sw_web_server_stop(s);
		return SW_EXIT_RUNTIME;
	}
	if ((s->fd = sw_metrics_listen_socket(&a, "web", o->listen, err)) < 0) {
		sw_web_server_stop(s);
		return SW_EXIT_RUNTIME;
	}
	if (a.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = mhd->start_daemon(flags, 0, NULL, NULL, sw_web_handle, s,
				MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)SW_WEB_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SW_WEB_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SW_WEB_REQUEST_MAX,
				MHD_OPTION_END);
	if (!s->d) {
		sw_err_set(err, SW_EXIT_RUNTIME, "web: the HTTP server did not start on %s",
			   o->listen);
		sw_web_server_stop(s);
		return SW_EXIT_RUNTIME;
	}
	*out = s;
	return SW_EXIT_OK;
}

void sw_web_server_set_policy(struct sw_web_server *s, struct sw_policy *p)
{
	struct sw_policy *old;

	if (!s)
		return;
	p = p ? sw_policy_ref(p) : NULL;
	pthread_mutex_lock(&s->mu);
	old = s->policy;
	s->policy = p;
	pthread_mutex_unlock(&s->mu);
	sw_policy_free(old);
}

void sw_web_server_set_staged(struct sw_web_server *s, struct sw_policy *p)
{
	struct sw_policy *old;

	if (!s)
		return;
	p = p ? sw_policy_ref(p) : NULL;
	pthread_mutex_lock(&s->mu);
	old = s->staged;
	s->staged = p;
	pthread_mutex_unlock(&s->mu);
	sw_policy_free(old);
}

void sw_web_server_stats(struct sw_web_server *s, struct sw_web_stats *out)
{
	out->requests = __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
	out->unauthorized = __atomic_load_n(&s->unauthorized, __ATOMIC_RELAXED);
	out->bad_requests = __atomic_load_n(&s->bad_requests, __ATOMIC_RELAXED);
	out->too_large = __atomic_load_n(&s->too_large, __ATOMIC_RELAXED);
}

const char *sw_web_server_listen(const struct sw_web_server *s)
{
	return s->listen;
}

void sw_web_server_stop(struct sw_web_server *s)
{
	if (!s)
		return;
	if (s->d)
		s->mhd->stop_daemon(s->d); /* closes the listen socket it was given */
	else if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->mu);
	sw_policy_free(s->staged);
	sw_policy_free(s->policy);
	free(s->token);
	free(s->page);
	free(s);
}
