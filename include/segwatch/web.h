/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_WEB_H
#define SEGWATCH_WEB_H

/*
 * web - the agent's live graph over HTTP (docs/web.md):
 *
 *   store   what the page asks about, bounded: flows that ended within a
 *           window (at most max_flows, as the JSON lines the history
 *           writes), the flows still open (rendered at their first packet),
 *           and the last max_alerts alerts with a sequence number. The
 *           capture thread appends; the HTTP thread copies out. One mutex,
 *           held only to append or copy, never to parse or build.
 *   params  an API query string (since, from, port, verdict, group_by, ...)
 *           as a struct sw_query, the language of `segwatch flows`
 *   server  GET / (the graph page in live mode), /api/graph, /api/flows,
 *           /api/alerts (libmicrohttpd, a thread of its own), a bearer
 *           token when configured
 *
 * The store belongs to the agent, not to the pipeline: it outlives a
 * pipeline rebuilt by a reload, and the "live" sink (src/pipeline) only
 * writes into it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/graph.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>

#define SW_WEB_LISTEN_DEFAULT "127.0.0.1:9618"
#define SW_WEB_WINDOW_DEFAULT_US (15ull * 60 * 1000000)
#define SW_WEB_WINDOW_MAX_US (24ull * 3600 * 1000000)
#define SW_WEB_MAX_FLOWS_DEFAULT 100000
#define SW_WEB_MAX_FLOWS_MAX 10000000
#define SW_WEB_MAX_ALERTS_DEFAULT 1000
#define SW_WEB_MAX_ALERTS_MAX 1000000
#define SW_WEB_TOKEN_MAX 256		/* bytes of a token */

/* ---- the store ---- */

/* Which flow an open record is: its 5-tuple and first packet (the same at flow_new and flow_end). */
struct sw_web_key {
	uint8_t init_addr[16], resp_addr[16];
	uint16_t init_port, resp_port;
	uint8_t proto;
	uint64_t first_us;
};

struct sw_web_store_stats {
	uint64_t flows;			/* ended flows held now */
	uint64_t open;			/* open flows held now */
	uint64_t alerts;		/* alerts held now */
	uint64_t flows_dropped;		/* ended flows pushed out by max_flows before the window */
	uint64_t open_dropped;		/* open flows not held: max_flows of them already */
	uint64_t last_seq;		/* the newest alert's sequence number (0: none yet) */
};

struct sw_web_store;

/* sw_web_store_alloc - empty; NULL on out of memory. */
struct sw_web_store *sw_web_store_alloc(uint64_t window_us, size_t max_flows, size_t max_alerts);
/* sw_web_store_free - NULL is fine. */
void sw_web_store_free(struct sw_web_store *s);
/* sw_web_store_limits - new bounds (a reload); what no longer fits goes at once. */
void sw_web_store_limits(struct sw_web_store *s, uint64_t window_us, size_t max_flows,
			 size_t max_alerts);
uint64_t sw_web_store_window(struct sw_web_store *s);

/* Writers (the capture thread): @line is copied, @len bytes without a newline. */
void sw_web_store_flow_open(struct sw_web_store *s, const struct sw_web_key *k, const char *line,
			    size_t len);
/*
 * sw_web_store_flow_end - the flow @k ended: its open record (if held) goes,
 * the ended one is kept (oldest pushed out past max_flows); records whose
 * last packet is older than the window before @last_us go too.
 */
void sw_web_store_flow_end(struct sw_web_store *s, const struct sw_web_key *k, uint64_t last_us,
			   const char *line, size_t len);
/* sw_web_store_open_clear - every open record (the pipeline that would end them closed). */
void sw_web_store_open_clear(struct sw_web_store *s);
/* sw_web_store_alert - one alert's JSON line; it gets the next sequence number. */
void sw_web_store_alert(struct sw_web_store *s, uint64_t ts_us, const char *line, size_t len);

/* A copy for a reader (the HTTP thread): records in one buffer, each NUL-terminated. */
struct sw_web_rec {
	const char *line;
	size_t len;
	uint64_t first_us, last_us;	/* flows: their span; alerts: both the alert's time */
	uint64_t seq;			/* alerts: sequence number; flows: 0 */
	bool open;			/* a flow still open */
};

struct sw_web_snap {
	struct sw_web_rec *v;
	size_t n;
	char *buf;
};

/*
 * sw_web_store_flows - copies of the flows (ended, then open) whose span
 * meets [@since_us, @until_us] (0: open), oldest ended first. SW_EXIT_RUNTIME
 * on out of memory.
 */
int sw_web_store_flows(struct sw_web_store *s, uint64_t since_us, uint64_t until_us,
		       struct sw_web_snap *out);
/* sw_web_store_alerts - copies of the alerts with a sequence number above @after, oldest first. */
int sw_web_store_alerts(struct sw_web_store *s, uint64_t after, struct sw_web_snap *out);
void sw_web_snap_clear(struct sw_web_snap *snap);
void sw_web_store_stats(struct sw_web_store *s, struct sw_web_store_stats *out);

/* ---- the API's query parameters ---- */

enum sw_web_api { SW_WEB_API_GRAPH = 0, SW_WEB_API_FLOWS, SW_WEB_API_ALERTS };

#define SW_WEB_LIMIT_DEFAULT 100
#define SW_WEB_LIMIT_MAX 10000
#define SW_WEB_LABEL_MAX 128

struct sw_web_params {
	enum sw_web_api api;
	struct sw_query *q;		/* the filters (graph, flows); owned */
	bool since_given;
	enum sw_graph_by by;
	char label[SW_WEB_LABEL_MAX];	/* SW_GRAPH_BY_LABEL: the key */
	bool all;			/* infrastructure flows drawn */
	size_t limit;			/* flows, alerts */
	uint64_t after;			/* alerts: sequence numbers above it */
	uint64_t since_us, until_us;	/* after sw_web_params_finish: the window (0: open) */
	bool seen_single[8];		/* private: single-valued parameters given once */
};

/* sw_web_params_init - empty parameters for @api; SW_EXIT_RUNTIME on out of memory. */
int sw_web_params_init(struct sw_web_params *p, enum sw_web_api api, struct sw_err *err);
void sw_web_params_clear(struct sw_web_params *p);

/**
 * sw_web_params_add - one parameter (decoded), as the API takes it
 * @key: since, until, from, to, peer, port, proto, state, verdict (the
 *	`segwatch flows` options without dashes; repeatable ones OR'ed),
 *	group_by (workload|group|LABEL), all (1|0|true|false), limit, after;
 *	"token" is the server's and ignored here
 * @now_us: wall clock for relative times
 *
 * SW_EXIT_USAGE with @err ("port: ...") for an unknown parameter, one
 * given twice that takes one value, a value the option refuses, or one not
 * taken by @p's API.
 */
int sw_web_params_add(struct sw_web_params *p, const char *key, const char *value,
		      uint64_t now_us, struct sw_err *err);

/**
 * sw_web_params_parse - every "key=value" of a raw query string @qs
 * (percent-decoded, '+' a space, '&' between), as sw_web_params_add.
 * SW_EXIT_USAGE for bad percent escapes and a NUL, as well.
 */
int sw_web_params_parse(struct sw_web_params *p, const char *qs, size_t len, uint64_t now_us,
			struct sw_err *err);

/**
 * sw_web_params_finish - since defaults to @window_us before @now_us and
 * is never earlier; the filter compiled against @pol (may be NULL):
 * SW_EXIT_USAGE for a verdict or group without a policy, an unknown group,
 * since after until.
 */
int sw_web_params_finish(struct sw_web_params *p, const struct sw_policy *pol, uint64_t now_us,
			 uint64_t window_us, struct sw_err *err);

/* ---- the HTTP server ---- */

struct sw_web_server_opts {
	const char *listen;		/* "ADDRESS:PORT" (sw_metrics_addr_parse) */
	const char *token;		/* NULL: none (then only a loopback address is allowed) */
	struct sw_web_store *store;	/* borrowed: must outlive the server */
};

struct sw_web_stats {
	uint64_t requests;		/* answered, any status */
	uint64_t unauthorized;		/* 401 */
	uint64_t bad_requests;		/* 400 */
	uint64_t too_large;		/* answers refused for size (413, 503) */
};

struct sw_web_server;

/* sw_web_listen_is_loopback - @listen parses and names 127.0.0.0/8 or ::1. */
bool sw_web_listen_is_loopback(const char *listen);

/*
 * sw_web_server_start - bind @o->listen and serve. SW_EXIT_USAGE for a bad
 * address or a non-loopback one without a token, SW_EXIT_RUNTIME when the
 * socket cannot be bound (the system's reason in @err).
 */
int sw_web_server_start(struct sw_web_server **out, const struct sw_web_server_opts *o,
			struct sw_err *err);
/* sw_web_server_set_policy - edges judged by @p from the next request (held; NULL: none). */
void sw_web_server_set_policy(struct sw_web_server *s, struct sw_policy *p);
/*
 * sw_web_server_set_staged - /api/graph edges judged by the staged policy @p
 * too ("staged" on each edge, docs/graph.md) from the next request, with a
 * policy set (held; NULL: none).
 */
void sw_web_server_set_staged(struct sw_web_server *s, struct sw_policy *p);
void sw_web_server_stats(struct sw_web_server *s, struct sw_web_stats *out);
const char *sw_web_server_listen(const struct sw_web_server *s);
/* sw_web_server_stop - NULL is fine. */
void sw_web_server_stop(struct sw_web_server *s);

#endif
