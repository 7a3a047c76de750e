/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/1.1 over the engine's unix socket with libcurl's multi interface,
 * event-driven the way libcurl documents for applications with their own
 * loop (curl_multi_socket_action(3), CURLMOPT_SOCKETFUNCTION(3),
 * CURLMOPT_TIMERFUNCTION(3)): libcurl tells us which sockets to watch and
 * when its next timeout is; we keep them in one epoll set with a timerfd,
 * so the whole client is one descriptor the caller can poll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

#define SW_HTTP_CONNECT_MS 3000L
#define SW_HTTP_REQUEST_MS 15000L	/* a whole inspect or list; streams have none */
#define SW_HTTP_MAX_EVENTS 16

struct sw_http {
	const struct sw_curl_api *api;	/* libcurl, opened by the first client */
	CURLM *multi;
	int epfd, tfd;
	char *socket_path;
	struct sw_http_req *reqs;	/* in flight */
};

bool sw_buf_append(struct sw_buf *b, const void *p, size_t n, size_t max)
{
	size_t cap;
	char *q;

	if (n > max || b->len > max - n)
		return false;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(q = realloc(b->p, cap)))
			return false;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';	/* bodies are text; keep them printable as C strings */
	return true;
}

void sw_buf_consume(struct sw_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = '\0';
}

/* CURLMOPT_SOCKETFUNCTION: mirror libcurl's interest in @s into the epoll set. */
static int sw_http_sock_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct sw_http *h = userp;
	struct epoll_event ev = { .data.fd = s };

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, s, NULL);	/* may be closed already */
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
	if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, s, &ev) < 0 && errno == ENOENT)
		epoll_ctl(h->epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 cancels, 0 means "call me now". */
static int sw_http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct sw_http *h = userp;
	struct itimerspec its = { 0 };

	(void)multi;
	if (timeout_ms == 0) {
		its.it_value.tv_nsec = 1;	/* 0 would disarm the timerfd */
	} else if (timeout_ms > 0) {
		its.it_value.tv_sec = timeout_ms / 1000;
		its.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
	}
	timerfd_settime(h->tfd, 0, &its, NULL);
	return 0;
}

static int sw_http_setup(struct sw_http *h, struct sw_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };

	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->epfd < 0 || h->tfd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: epoll/timerfd: %s", strerror(errno));
	ev.data.fd = h->tfd;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->tfd, &ev) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: epoll_ctl: %s", strerror(errno));
	if (!(h->multi = h->api->multi_init()))
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: curl_multi_init failed");
	h->api->multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sw_http_sock_cb);
	h->api->multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	h->api->multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, sw_http_timer_cb);
	h->api->multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	return SW_EXIT_OK;
}

int sw_http_open(struct sw_http **out, const char *socket_path, struct sw_err *err)
{
	const struct sw_curl_api *api;
	struct sw_http *h;
	int rc;

	*out = NULL;
	if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return sw_err_set(err, SW_EXIT_USAGE, "engine: socket path too long (%zu bytes, "
				  "at most %zu): %s", strlen(socket_path),
				  sizeof(((struct sockaddr_un *)0)->sun_path) - 1, socket_path);
	if (!(api = sw_curl_api(err)))
		return err->code;
	if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: curl_global_init failed");
	if (!(h = calloc(1, sizeof(*h)))) {
		api->global_cleanup();
		return sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	}
	h->api = api;
	h->epfd = h->tfd = -1;
	if (!(h->socket_path = strdup(socket_path)))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "engine: out of memory");
	else
		rc = sw_http_setup(h, err);
	if (rc) {
		sw_http_close(h);
		return rc;
	}
	*out = h;
	return SW_EXIT_OK;
}

static void sw_http_req_free(struct sw_http *h, struct sw_http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	h->api->multi_remove_handle(h->multi, r->easy);
	h->api->easy_cleanup(r->easy);
	free(r->body.p);
	free(r);
}

void sw_http_close(struct sw_http *h)
{
	if (!h)
		return;
	while (h->reqs)
		sw_http_req_free(h, h->reqs);
	if (h->multi)
		h->api->multi_cleanup(h->multi);
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->epfd >= 0)
		close(h->epfd);
	free(h->socket_path);
	h->api->global_cleanup();
	free(h);
}

int sw_http_fd(const struct sw_http *h)
{
	return h->epfd;
}

static size_t sw_http_write_cb(char *p, size_t size, size_t n, void *userp)
{
	struct sw_http_req *r = userp;

	if (!sw_buf_append(&r->body, p, n, r->max_body)) {
		r->too_big = true;
		return 0;	/* not n: libcurl fails the transfer */
	}
	(void)size;	/* always 1 */
	return n;
}

static bool sw_http_easy_setup(struct sw_http *h, struct sw_http_req *r)
{
	char url[600];

	snprintf(url, sizeof(url), "http://localhost%s", r->path);
	return h->api->easy_setopt(r->easy, CURLOPT_UNIX_SOCKET_PATH, h->socket_path) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_URL, url) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_NOPROXY, "*") == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, SW_HTTP_CONNECT_MS) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_TIMEOUT_MS,
				r->stream ? 0L : SW_HTTP_REQUEST_MS) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, sw_http_write_cb) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_WRITEDATA, r) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_PRIVATE, r) == CURLE_OK &&
	       h->api->easy_setopt(r->easy, CURLOPT_USERAGENT, "segwatch") == CURLE_OK;
}

struct sw_http_req *sw_http_get(struct sw_http *h, const char *path, bool stream,
				sw_http_done_fn done, void *arg)
{
	struct sw_http_req *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->stream = stream;
	r->max_body = stream ? (1u << 20) : (16u << 20);	/* one event line / one document */
	r->done = done;
	r->arg = arg;
	r->api = h->api;
	if (!(r->easy = h->api->easy_init()) || !sw_http_easy_setup(h, r) ||
	    h->api->multi_add_handle(h->multi, r->easy) != CURLM_OK) {
		h->api->easy_cleanup(r->easy);
		free(r);
		return NULL;
	}
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	return r;
}

void sw_http_cancel(struct sw_http *h, struct sw_http_req *r)
{
	if (r)
		sw_http_req_free(h, r);
}

/* Hand finished transfers to their owners. */
static void sw_http_reap(struct sw_http *h)
{
	struct sw_http_req *r;
	CURLMsg *msg;
	int left;

	while ((msg = h->api->multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		r = NULL;
		h->api->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r)
			continue;
		r->result = msg->data.result;
		h->api->easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
		if (r->done)
			r->done(r, r->arg);
		sw_http_req_free(h, r);
	}
}

int sw_http_drive(struct sw_http *h, int timeout_ms)
{
	struct epoll_event evs[SW_HTTP_MAX_EVENTS];
	uint64_t expirations;
	int n, running, mask;

	n = epoll_wait(h->epfd, evs, SW_HTTP_MAX_EVENTS, timeout_ms);
	for (int i = 0; i < n; i++) {
		if (evs[i].data.fd == h->tfd) {
			if (read(h->tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				continue;
			h->api->multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
			continue;
		}
		mask = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
		       (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
		       (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
		h->api->multi_socket_action(h->multi, evs[i].data.fd, mask, &running);
	}
	sw_http_reap(h);
	return n < 0 ? 0 : n;
}

void sw_http_describe(const struct sw_http_req *r, char *buf, size_t size)
{
	char msg[256];

	if (r->too_big) {
		snprintf(buf, size, "response larger than %zu bytes", r->max_body);
	} else if (r->result == CURLE_COULDNT_CONNECT) {
		/* curl would say "localhost port 80": it is the socket */
		snprintf(buf, size, "cannot connect to the socket (is the engine running?)");
	} else if (r->result != CURLE_OK) {
		snprintf(buf, size, "%s", r->errbuf[0] ? r->errbuf : r->api->easy_strerror(r->result));
	} else if (r->status != 200) {
		sw_engine_error_message(r->body.p ? r->body.p : "", r->body.len, msg, sizeof(msg));
		snprintf(buf, size, "HTTP %ld%s%s", r->status, msg[0] ? ": " : "", msg);
	} else {
		snprintf(buf, size, "ok");
	}
}
