/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * GET /metrics over HTTP with libmicrohttpd.
 *
 * Threading, the whole of it: libmicrohttpd answers on a thread of its own
 * (MHD_USE_INTERNAL_POLLING_THREAD), so a slow or stuck scraper never holds
 * the capture. The capture thread renders the page (src/agent/metrics.c,
 * once a second) from counters only it writes, then publishes a copy here
 * under the mutex; a scrape takes a copy of the last page under the same
 * mutex and sends that. The page is one consistent snapshot (every number
 * from one render), and the lock is held only for a memcpy, never while
 * rendering or sending.
 *
 * The listening socket is ours (bound before the daemon starts), so a port
 * in use or an address not on the host fails with the system's own reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <segwatch/metrics.h>
#include <segwatch/mhd_api.h>

#define SW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define SW_METRICS_MAX_CONNECTIONS 16	/* scrapers are few; a flood gets refused */
#define SW_METRICS_TIMEOUT_S 10		/* an idle or stuck client is dropped */

struct sw_metrics_server {
	const struct sw_mhd_api *api;	/* libmicrohttpd, opened by the first server */
	struct MHD_Daemon *d;
	int fd;
	char listen[64];
	pthread_mutex_t mu;	/* page, len, scrapes */
	char *page;		/* NULL: nothing published yet (503) */
	size_t len;
	uint64_t scrapes;
};

bool sw_metrics_addr_parse(const char *text, struct sw_metrics_addr *out, char *why, size_t size)
{
	char host[64], *end;
	const char *colon;
	unsigned long port;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (!text || !*text) {
		snprintf(why, size, "empty: expected an address and a port (\"%s\")",
			 SW_METRICS_LISTEN_DEFAULT);
		return false;
	}
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':') {
			snprintf(why, size, "an IPv6 address is written \"[::1]:9617\"");
			return false;
		}
		hl = (size_t)(close - text - 1);
		colon = close + 1;
		out->family = AF_INET6;
		text++;
	} else {
		colon = strrchr(text, ':');
		if (!colon) {
			snprintf(why, size, "no port: expected ADDRESS:PORT (\"%s\")",
				 SW_METRICS_LISTEN_DEFAULT);
			return false;
		}
		hl = (size_t)(colon - text);
		out->family = AF_INET;
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(why, size, "no address before the port (\"0.0.0.0:9617\" for every one)");
		return false;
	}
	memcpy(host, text, hl);
	host[hl] = '\0';
	if (inet_pton(out->family, host, out->addr) != 1) {
		snprintf(why, size, out->family == AF_INET6 ? "not an IPv6 address" :
			 strchr(host, ':') ? "an IPv6 address is written in brackets (\"[::1]:9617\")" :
			 "not a numeric IPv4 address (names are not looked up)");
		return false;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port < 1 || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+' || colon[1] == ' ') {
		snprintf(why, size, "the port must be a number from 1 to 65535");
		return false;
	}
	out->port = (uint16_t)port;
	return true;
}

int sw_metrics_listen_socket(const struct sw_metrics_addr *a, const char *what, const char *text,
			     struct sw_err *err)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(a->port);
		memcpy(&s->sin_addr, a->addr, 4);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(a->port);
		memcpy(&s->sin6_addr, a->addr, 16);
		len = sizeof(*s);
	}
	fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: socket: %s", what, strerror(errno)), -1;
	/* a restarted agent takes its port back at once (TIME_WAIT) */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, 16) != 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot listen on %s: %s", what, text,
			   strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static enum MHD_Result sw_metrics_reply(struct sw_metrics_server *s, struct MHD_Connection *c,
					unsigned status, const char *type, char *body, size_t len)
{
	const struct sw_mhd_api *api = s->api;
	struct MHD_Response *r = api->create_response_from_buffer(len, body,
								  MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	api->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		api->add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = api->queue_response(c, status, r);
	api->destroy_response(r);
	return rc;
}

static enum MHD_Result sw_metrics_text_reply(struct sw_metrics_server *s,
					     struct MHD_Connection *c, unsigned status,
					     const char *msg)
{
	char *body = strdup(msg);

	return body ? sw_metrics_reply(s, c, status, "text/plain; charset=utf-8", body, strlen(body))
		    : MHD_NO;
}

static enum MHD_Result sw_metrics_handle(void *cls, struct MHD_Connection *c, const char *url,
					 const char *method, const char *version,
					 const char *upload, size_t *upload_size, void **req)
{
	struct sw_metrics_server *s = cls;
	char *body = NULL;
	size_t len = 0;

	(void)version;
	(void)upload;
	(void)req;
	if (*upload_size) { /* a request with a body: take none of it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return sw_metrics_text_reply(s, c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/") == 0)
		return sw_metrics_text_reply(s, c, MHD_HTTP_OK, "segwatch agent: GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return sw_metrics_text_reply(s, c, MHD_HTTP_NOT_FOUND, "not found: GET /metrics\n");
	pthread_mutex_lock(&s->mu);
	if (s->page && (body = malloc(s->len ? s->len : 1))) {
		if (s->len)
			memcpy(body, s->page, s->len);
		len = s->len;
		s->scrapes++;
	}
	pthread_mutex_unlock(&s->mu);
	if (!body)
		return sw_metrics_text_reply(s, c, MHD_HTTP_SERVICE_UNAVAILABLE,
					     "no metrics yet: the capture has not started\n");
	return sw_metrics_reply(s, c, MHD_HTTP_OK, SW_METRICS_CONTENT_TYPE, body, len);
}

int sw_metrics_server_start(struct sw_metrics_server **out, const char *listen,
			    struct sw_err *err)
{
	const struct sw_mhd_api *api;
	struct sw_metrics_server *s;
	struct sw_metrics_addr a;
	char why[128];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	*out = NULL;
	if (!sw_metrics_addr_parse(listen, &a, why, sizeof(why)))
		return sw_err_set(err, SW_EXIT_USAGE, "metrics: \"%s\": %s", listen, why);
	if (!(api = sw_mhd_api(err)))
		return err->code;
	if (!(s = calloc(1, sizeof(*s))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	s->api = api;
	pthread_mutex_init(&s->mu, NULL);
	snprintf(s->listen, sizeof(s->listen), "%s", listen);
	s->fd = sw_metrics_listen_socket(&a, "metrics", listen, err);
	if (s->fd < 0) {
		sw_metrics_server_stop(s);
		return SW_EXIT_RUNTIME;
	}
	if (a.family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = api->start_daemon(flags, 0, NULL, NULL, sw_metrics_handle, s,
				MHD_OPTION_LISTEN_SOCKET, s->fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)SW_METRICS_MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SW_METRICS_TIMEOUT_S,
				MHD_OPTION_END);
	if (!s->d) {
		sw_err_set(err, SW_EXIT_RUNTIME, "metrics: the HTTP server did not start on %s",
			   listen);
		sw_metrics_server_stop(s);
		return SW_EXIT_RUNTIME;
	}
	*out = s;
	return SW_EXIT_OK;
}

void sw_metrics_server_publish(struct sw_metrics_server *s, const struct sw_metrics_text *t)
{
	char *page, *old;

	if (!s || t->nomem || !(page = malloc(t->len ? t->len : 1)))
		return;
	if (t->len)
		memcpy(page, t->buf, t->len);
	pthread_mutex_lock(&s->mu);
	old = s->page;
	s->page = page;
	s->len = t->len;
	pthread_mutex_unlock(&s->mu);
	free(old);
}

uint64_t sw_metrics_server_scrapes(struct sw_metrics_server *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->mu);
	n = s->scrapes;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const char *sw_metrics_server_listen(const struct sw_metrics_server *s)
{
	return s->listen;
}

void sw_metrics_server_stop(struct sw_metrics_server *s)
{
	if (!s)
		return;
	if (s->d)
		s->api->stop_daemon(s->d);
	/* the daemon closes a listen socket it was given (MHD_OPTION_LISTEN_SOCKET) */
	else if (s->fd >= 0)
		close(s->fd);
	pthread_mutex_destroy(&s->mu);
	free(s->page);
	free(s);
}
