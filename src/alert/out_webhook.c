/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts POSTed to a webhook (a SIEM's HTTP input, Slack or PagerDuty
 * through a relay, an alert manager): each alert's JSON line is the body
 * of one request, Content-Type application/json.
 *
 * The capture thread only copies the line into a bounded queue; a thread of
 * its own sends, so a slow or dead receiver never slows the capture. A
 * request that fails (no connection, timeout, a status other than 2xx) is
 * tried again after 0.5 s, 1 s, 2 s ... (at most 30 s apart), up to
 * SW_HOOK_ATTEMPTS times; then the alert is given up and counted, as is one
 * that finds the queue full. At close, what is queued gets a few seconds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/curl_api.h>

#include "internal.h"

#define SW_HOOK_QUEUE 1024		/* alerts waiting to be sent */
#define SW_HOOK_ATTEMPTS 8
#define SW_HOOK_TIMEOUT_MS 5000		/* one request */
#define SW_HOOK_BACKOFF_MS 500		/* first wait before trying again, doubled each time */
#define SW_HOOK_BACKOFF_MAX_MS 30000
#define SW_HOOK_DRAIN_MS 5000		/* at close: how long the queue still gets */

struct sw_alert_webhook {
	char *url;
	const struct sw_curl_api *api;	/* libcurl, opened by the first webhook */
	CURL *curl;
	struct curl_slist *headers;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	char *queue[SW_HOOK_QUEUE];
	unsigned head, n;
	bool stopping;
	struct timespec drain_until;
	struct sw_alert_webhook_counts counts;
};

static struct timespec sw_hook_after_ms(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool sw_hook_past(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* The waits are timed on CLOCK_MONOTONIC (sw_hook_after_ms): the condition must be too. */
static void sw_hook_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(c, &attr);
	pthread_condattr_destroy(&attr);
}

static size_t sw_hook_discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n; /* the receiver's answer is not ours to keep */
}

/* One request; true on a 2xx answer. Called without the lock. */
static bool sw_hook_post(struct sw_alert_webhook *w, const char *body)
{
	long status = 0;

	w->api->easy_setopt(w->curl, CURLOPT_POSTFIELDS, body);
	if (w->api->easy_perform(w->curl) != CURLE_OK)
		return false;
	w->api->easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	return status >= 200 && status < 300;
}

/* Wait on the condition until @t (or a stop past the drain deadline); lock held. */
static void sw_hook_wait_until(struct sw_alert_webhook *w, const struct timespec *t)
{
	for (;;) {
		/* once stopping, no later than the drain deadline */
		const struct timespec *until = t;

		if (w->stopping && (w->drain_until.tv_sec < t->tv_sec ||
				    (w->drain_until.tv_sec == t->tv_sec &&
				     w->drain_until.tv_nsec < t->tv_nsec)))
			until = &w->drain_until;
		if (sw_hook_past(until) || pthread_cond_timedwait(&w->wake, &w->lock, until) != 0)
			return;
	}
}

static void *sw_hook_thread(void *arg)
{
	struct sw_alert_webhook *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		char *body;
		unsigned backoff = SW_HOOK_BACKOFF_MS;
		bool sent = false;

		while (w->n == 0 && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->n == 0 || (w->stopping && sw_hook_past(&w->drain_until)))
			break;
		body = w->queue[w->head];
		for (int attempt = 1; attempt <= SW_HOOK_ATTEMPTS; attempt++) {
			struct timespec retry_at;

			pthread_mutex_unlock(&w->lock);
			sent = sw_hook_post(w, body);
			pthread_mutex_lock(&w->lock);
			if (sent)
				break;
			w->counts.failed_attempts++;
			if (attempt == SW_HOOK_ATTEMPTS || (w->stopping && sw_hook_past(&w->drain_until)))
				break;
			retry_at = sw_hook_after_ms(backoff);
			sw_hook_wait_until(w, &retry_at);
			backoff = backoff * 2 > SW_HOOK_BACKOFF_MAX_MS ? SW_HOOK_BACKOFF_MAX_MS : backoff * 2;
		}
		if (sent)
			w->counts.sent++;
		else
			w->counts.given_up++;
		free(body);
		w->head = (w->head + 1) % SW_HOOK_QUEUE;
		w->n--;
	}
	/* what the drain time did not reach */
	w->counts.given_up += w->n;
	while (w->n) {
		free(w->queue[w->head]);
		w->head = (w->head + 1) % SW_HOOK_QUEUE;
		w->n--;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

bool sw_alert_webhook_is_url(const char *dest)
{
	return strncmp(dest, "http://", 7) == 0 || strncmp(dest, "https://", 8) == 0;
}

/* What open allocates, freed in reverse (the thread, lock and condition are the caller's). */
static void sw_hook_free(struct sw_alert_webhook *w)
{
	if (!w)
		return;
	w->api->slist_free_all(w->headers);
	w->api->easy_cleanup(w->curl);
	free(w->url);
	free(w);
}

int sw_alert_webhook_open(struct sw_alert_webhook **out, const char *url, struct sw_err *err)
{
	const struct sw_curl_api *api = sw_curl_api(err);
	struct sw_alert_webhook *w;

	if (!api)
		return err->code;
	if (api->global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sw_err_set(err, SW_EXIT_RUNTIME, "webhook: curl_global_init failed");
	if (!(w = calloc(1, sizeof(*w))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	w->api = api;
	if (!(w->url = strdup(url)) || !(w->curl = api->easy_init()) ||
	    !(w->headers = api->slist_append(NULL, "Content-Type: application/json"))) {
		sw_hook_free(w);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (api->easy_setopt(w->curl, CURLOPT_URL, w->url) != CURLE_OK) {
		sw_hook_free(w);
		return sw_err_set(err, SW_EXIT_USAGE, "%s: not a URL libcurl takes", url);
	}
	api->easy_setopt(w->curl, CURLOPT_HTTPHEADER, w->headers);
	api->easy_setopt(w->curl, CURLOPT_TIMEOUT_MS, (long)SW_HOOK_TIMEOUT_MS);
	api->easy_setopt(w->curl, CURLOPT_NOSIGNAL, 1L);
	api->easy_setopt(w->curl, CURLOPT_WRITEFUNCTION, sw_hook_discard);
	api->easy_setopt(w->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	api->easy_setopt(w->curl, CURLOPT_USERAGENT, "segwatch");
	pthread_mutex_init(&w->lock, NULL);
	sw_hook_cond_init(&w->wake);
	if (pthread_create(&w->thread, NULL, sw_hook_thread, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		sw_hook_free(w);
		return sw_err_set(err, SW_EXIT_RUNTIME, "webhook: cannot start its thread");
	}
	*out = w;
	return SW_EXIT_OK;
}

void sw_alert_webhook_close(struct sw_alert_webhook *w, struct sw_alert_webhook_counts *counts)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	w->drain_until = sw_hook_after_ms(SW_HOOK_DRAIN_MS);
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	if (counts)
		*counts = w->counts;
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	sw_hook_free(w);
}

void sw_alert_webhook_counts(struct sw_alert_webhook *w, struct sw_alert_webhook_counts *counts)
{
	pthread_mutex_lock(&w->lock);
	*counts = w->counts;
	pthread_mutex_unlock(&w->lock);
}

void sw_alert_sink_webhook(const struct sw_alert *a, const char *json_line, void *arg)
{
	struct sw_alert_webhook *w = arg;
	char *copy = strdup(json_line);

	(void)a;
	pthread_mutex_lock(&w->lock);
	if (!copy || w->n == SW_HOOK_QUEUE) {
		w->counts.dropped++;
		free(copy);
	} else {
		w->queue[(w->head + w->n++) % SW_HOOK_QUEUE] = copy;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
}
