/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine client against a fake engine: a thread serving canned Docker or
 * Podman answers (tests/engine/fixtures) on a unix socket, and an events
 * stream the test writes to. Covers the initial sync, live start/stop,
 * malformed events and inspects, a dropped stream and its reconnection,
 * Podman pods and infra containers, and open failures. No root, no podman.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <segwatch/engine.h>
#include <segwatch/workload.h>

#define WEB_ID "5b2a9c4f0e3d7a8b1c6d9e0f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d"
#define CACHE_ID "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define LATE_ID "c0c0c0c0e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define BAD_ID "badbadbad5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define DB1_ID "8834cb4548c3811a8fdf730448c48fe2e8b6233ffb39bfffc3408a2d0bbc908f"
#define POD_ID "db2f9238a6c59e64247e7aa0d5f5aa4c9213cf6af43d4323829566cda82718ff"
#define MAX_ROUTES 16
#define MAX_STREAMS 8

struct route {
	char path[256];
	int status;
	char *body;	/* owned */
};

struct fake {
	char dir[64], sock[108];
	int lfd, ctl[2];
	pthread_t thread;
	pthread_mutex_t lock;
	struct route routes[MAX_ROUTES];
	int n_routes;
	int streams[MAX_STREAMS];
	int n_streams;
	int stream_opens;
	char seen[4096];	/* request paths, one a line */
};

static char *fixture(const char *name)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", SW_ENGINE_FIXTURES, name);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

/* @s with every @from replaced by @to; frees @s. */
static char *replace(char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), n = 0;
	char *out, *o, *p;

	for (p = s; (p = strstr(p, from)); p += nf)
		n++;
	assert_non_null(out = malloc(strlen(s) + n * nt + 1));
	for (o = out, p = s; *p;) {
		if (strncmp(p, from, nf) == 0) {
			memcpy(o, to, nt);
			o += nt;
			p += nf;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	free(s);
	return out;
}

static void route(struct fake *f, const char *path, int status, char *body)
{
	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->n_routes; i++) {
		if (strcmp(f->routes[i].path, path) == 0) {
			free(f->routes[i].body);
			f->routes[i].status = status;
			f->routes[i].body = body;
			pthread_mutex_unlock(&f->lock);
			return;
		}
	}
	assert_true(f->n_routes < MAX_ROUTES);
	snprintf(f->routes[f->n_routes].path, sizeof(f->routes[0].path), "%s", path);
	f->routes[f->n_routes].status = status;
	f->routes[f->n_routes++].body = body;
	pthread_mutex_unlock(&f->lock);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		/* a client that went away must not SIGPIPE the test */
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void respond(struct fake *f, int fd, const char *path)
{
	char head[256];
	const struct route *r = NULL;

	if (strstr(path, "/events?")) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Connection: close\r\n\r\n");
		write_all(fd, head, strlen(head));
		assert_true(f->n_streams < MAX_STREAMS);
		f->streams[f->n_streams++] = fd;
		f->stream_opens++;
		return;
	}
	for (int i = 0; i < f->n_routes; i++)
		if (strcmp(f->routes[i].path, path) == 0)
			r = &f->routes[i];
	snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n", r ? r->status : 404,
		 r ? strlen(r->body) : strlen("{\"message\":\"no such thing\"}"));
	write_all(fd, head, strlen(head));
	write_all(fd, r ? r->body : "{\"message\":\"no such thing\"}",
		  r ? strlen(r->body) : strlen("{\"message\":\"no such thing\"}"));
	close(fd);
}

static void serve_one(struct fake *f, int fd)
{
	char req[2048] = "", path[1024];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
		r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
	}
	req[n] = '\0';
	if (sscanf(req, "GET %1023s", path) != 1) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&f->lock);
	if (strlen(f->seen) + strlen(path) + 2 < sizeof(f->seen)) {
		strcat(f->seen, path);
		strcat(f->seen, "\n");
	}
	respond(f, fd, path);
	pthread_mutex_unlock(&f->lock);
}

/* A control line: "E<json>" broadcasts an event, "D" drops the streams, "Q" quits. */
static bool control(struct fake *f)
{
	char line[8192];
	ssize_t n = read(f->ctl[0], line, sizeof(line) - 1);

	if (n <= 0 || line[0] == 'Q')
		return false;
	line[n] = '\0';
	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->n_streams; i++) {
		if (line[0] == 'E')
			write_all(f->streams[i], line + 1, (size_t)n - 1);
		else
			close(f->streams[i]);
	}
	if (line[0] == 'D')
		f->n_streams = 0;
	pthread_mutex_unlock(&f->lock);
	return true;
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	struct pollfd p[2] = { { .fd = f->lfd, .events = POLLIN }, { .fd = f->ctl[0], .events = POLLIN } };
	int fd;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if ((p[1].revents & POLLIN) && !control(f))
			break;
		if ((p[0].revents & POLLIN) && (fd = accept(f->lfd, NULL, NULL)) >= 0)
			serve_one(f, fd);
	}
	return NULL;
}

static void ctl(struct fake *f, const char *line)
{
	assert_int_equal(write(f->ctl[1], line, strlen(line)), (ssize_t)strlen(line));
	usleep(20000);	/* one control message per read */
}

static struct fake *fake_start(bool podman)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sw-fake-engine.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->sock, sizeof(f->sock), "%s/engine.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->sock);
	pthread_mutex_init(&f->lock, NULL);
	assert_true((f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 64), 0);
	assert_int_equal(pipe(f->ctl), 0);
	route(f, "/version", 200, fixture(podman ? "podman_version.json" : "docker_version.json"));
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	return f;
}

static void fake_stop(struct fake *f)
{
	ctl(f, "Q");
	pthread_join(f->thread, NULL);
	for (int i = 0; i < f->n_streams; i++)
		close(f->streams[i]);
	for (int i = 0; i < f->n_routes; i++)
		free(f->routes[i].body);
	close(f->lfd);
	close(f->ctl[0]);
	close(f->ctl[1]);
	unlink(f->sock);
	rmdir(f->dir);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct sw_workload *lookup(const struct sw_registry *reg, const char *ip,
					uint64_t ts)
{
	uint8_t a[16];

	assert_true(sw_addr_parse(ip, a));
	return sw_registry_lookup_addr(reg, a, ts);
}

/* Poll as the capture loop would until @done, at most @ms; the first error is kept in @err. */
typedef bool (*done_fn)(struct sw_engine *e, struct sw_registry *reg, void *arg);

static bool poll_until(struct sw_engine *e, struct sw_registry *reg, done_fn done, void *arg,
		       int ms, struct sw_err *err)
{
	struct sw_err tmp;

	err->msg[0] = '\0';
	for (int i = 0; i < ms / 10; i++) {
		if (sw_engine_poll(e, now_us(), &tmp) && !err->msg[0])
			*err = tmp;
		if (done(e, reg, arg))
			return true;
		usleep(10000);
	}
	return false;
}

static bool ip_known(struct sw_engine *e, struct sw_registry *reg, void *ip)
{
	(void)e;
	return lookup(reg, ip, now_us()) != NULL;
}

static bool ip_gone(struct sw_engine *e, struct sw_registry *reg, void *ip)
{
	return !ip_known(e, reg, ip);
}

static bool got_error(struct sw_engine *e, struct sw_registry *reg, void *arg)
{
	struct sw_engine_stats st;

	(void)reg;
	sw_engine_get_stats(e, &st);
	return st.errors >= *(uint64_t *)arg;
}

static void send_event(struct fake *f, const char *action, const char *id, uint64_t t_us)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "E{\"Type\":\"container\",\"Action\":\"%s\",\"Actor\":{\"ID\":"
		 "\"%s\",\"Attributes\":{\"name\":\"x\"}},\"time\":%llu,\"timeNano\":%llu000}\n",
		 action, id, (unsigned long long)(t_us / 1000000u), (unsigned long long)t_us);
	ctl(f, buf);
}

static void docker_routes(struct fake *f)
{
	char *late = fixture("docker_inspect_bridge.json");

	route(f, "/v1.41/containers/json", 200,
	      strdup("[{\"Id\":\"" WEB_ID "\"},{\"Id\":\"" CACHE_ID "\"}]"));
	route(f, "/v1.41/containers/" WEB_ID "/json", 200, fixture("docker_inspect_compose.json"));
	route(f, "/v1.41/containers/" CACHE_ID "/json", 200, fixture("docker_inspect_bridge.json"));
	late = replace(late, CACHE_ID, LATE_ID);
	late = replace(late, "172.17.0.2", "172.17.0.9");
	late = replace(late, "\"/cache\"", "\"/late\"");
	route(f, "/v1.41/containers/" LATE_ID "/json", 200, late);
	route(f, "/v1.41/containers/" BAD_ID "/json", 200,
	      strdup("{\"Id\":\"" BAD_ID "\",\"State\":{\"Running\":true},\"NetworkSettings\":"
		     "{\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.300\"}}}}"));
}

struct env {
	struct fake *f;
	struct sw_registry *reg;
	struct sw_engine *e;
};

/* A Docker engine running the compose web container and the bridge cache container. */
static int setup_docker(void **state)
{
	struct env *v = calloc(1, sizeof(*v));
	struct sw_err err;

	assert_non_null(v);
	v->f = fake_start(false);
	docker_routes(v->f);
	assert_non_null(v->reg = sw_registry_alloc());
	if (sw_engine_open(&v->e, v->f->sock, v->reg, &err))
		fail_msg("%s", err.msg);
	*state = v;
	return 0;
}

static int teardown(void **state)
{
	struct env *v = *state;

	sw_engine_close(v->e);
	sw_registry_free(v->reg);
	fake_stop(v->f);
	free(v);
	return 0;
}

static void test_docker_sync(void **state)
{
	struct env *v = *state;
	const struct sw_workload *w;

	assert_string_equal(sw_engine_server(v->e), "Docker Engine 24.0.7 (API 1.41)");
	assert_string_equal(sw_engine_socket(v->e), v->f->sock);
	assert_true(sw_engine_fd(v->e) >= 0);
	/* both running containers, from their start times */
	assert_int_equal(sw_registry_count(v->reg), 2);
	w = lookup(v->reg, "172.18.0.3", now_us());
	assert_non_null(w);
	assert_string_equal(w->name, "shop-web-1");
	assert_string_equal(w->namespace, "shop");
	assert_non_null(lookup(v->reg, "fd00:5:0:1::3", now_us()));
	assert_non_null(lookup(v->reg, "172.17.0.2", 1795276990644230ULL));	/* StartedAt */
	assert_null(lookup(v->reg, "172.17.0.2", 1795276990644229ULL));
	assert_non_null(strstr(v->f->seen, "/v1.41/events?since="));
	assert_non_null(strstr(v->f->seen, "&filters=%7B%22type%22%3A%5B%22container%22%2C%22network%22%5D%7D"));
}

static void test_docker_events(void **state)
{
	struct env *v = *state;
	struct sw_err err;
	uint64_t t0, t_die;

	/* a start: inspected and bound from the event's time */
	t0 = now_us();
	send_event(v->f, "start", LATE_ID, t0);
	assert_true(poll_until(v->e, v->reg, ip_known, "172.17.0.9", 2000, &err));
	assert_string_equal(lookup(v->reg, "172.17.0.9", t0)->name, "late");
	assert_null(lookup(v->reg, "172.17.0.9", t0 - 1));
	/* a die releases at the event's time; the history stays */
	t_die = now_us();
	send_event(v->f, "die", WEB_ID, t_die);
	assert_true(poll_until(v->e, v->reg, ip_gone, "172.18.0.3", 2000, &err));
	assert_non_null(lookup(v->reg, "172.18.0.3", t_die - 1));
	assert_null(lookup(v->reg, "172.18.0.3", t_die));
	/* a kill is a signal, not a death */
	send_event(v->f, "kill", CACHE_ID, now_us());
	poll_until(v->e, v->reg, ip_gone, "172.17.0.2", 200, &err);
	assert_non_null(lookup(v->reg, "172.17.0.2", now_us()));
}

/* An RFC 3339 UTC time with microseconds, as the engines write StartedAt. */
static void rfc3339(uint64_t us, char *buf, size_t size)
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	char sec[32];

	gmtime_r(&t, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06uZ", sec, (unsigned)(us % 1000000u));
}

static void on_change(const struct sw_engine_change *c, void *arg)
{
	if (c->kind == SW_ENGINE_EV_START)
		*(uint64_t *)arg = c->event_us;
}

/*
 * Docker's order: the network's connect names the container before its
 * start; the inspect that asks may already see it running. Its addresses
 * are bound from StartedAt, not from the connect, and the change says so.
 */
static void test_docker_connect_before_start(void **state)
{
	struct env *v = *state;
	uint64_t t_connect = now_us() - 2000000u, t_started = t_connect + 900000u, notified = 0;
	char started[64], line[512], *late = fixture("docker_inspect_bridge.json");
	struct sw_err err;

	rfc3339(t_started, started, sizeof(started));
	late = replace(late, CACHE_ID, LATE_ID);
	late = replace(late, "172.17.0.2", "172.17.0.9");
	late = replace(late, "2026-11-21T17:03:10.64423+01:00", started);
	route(v->f, "/v1.41/containers/" LATE_ID "/json", 200, late);
	sw_engine_set_notify(v->e, on_change, &notified);
	snprintf(line, sizeof(line), "E{\"Type\":\"network\",\"Action\":\"connect\",\"Actor\":"
		 "{\"ID\":\"7ea29fc1412292a2\",\"Attributes\":{\"container\":\"" LATE_ID "\","
		 "\"name\":\"bridge\",\"type\":\"bridge\"}},\"time\":%llu,\"timeNano\":%llu000}\n",
		 (unsigned long long)(t_connect / 1000000u), (unsigned long long)t_connect);
	ctl(v->f, line);
	assert_true(poll_until(v->e, v->reg, ip_known, "172.17.0.9", 2000, &err));
	assert_null(lookup(v->reg, "172.17.0.9", t_connect));
	assert_null(lookup(v->reg, "172.17.0.9", t_started - 1));
	assert_string_equal(lookup(v->reg, "172.17.0.9", t_started)->name, "cache");
	assert_int_equal(notified, t_started);
	/* the start event that follows changes nothing */
	notified = 0;
	send_event(v->f, "start", LATE_ID, t_started + 1000u);
	poll_until(v->e, v->reg, ip_gone, "172.17.0.9", 300, &err);
	assert_int_equal(notified, 0);
	assert_null(lookup(v->reg, "172.17.0.9", t_started - 1));
	sw_engine_set_notify(v->e, NULL, NULL);
}

static void test_docker_malformed(void **state)
{
	struct env *v = *state;
	struct sw_err err;
	uint64_t want_errors = 1;

	/* a malformed event is reported and skipped; the stream goes on */
	ctl(v->f, "E{\"Type\":\"container\",\"Action\":\"start\",\"Actor\":{\"ID\":\"zz\"},\"time\":1}\n");
	assert_true(poll_until(v->e, v->reg, got_error, &want_errors, 2000, &err));
	assert_string_equal(err.msg, "engine: /events: top level: error: not a container id \"zz\"");
	/* an inspect the engine garbles: the error names the document and the value */
	want_errors++;
	send_event(v->f, "start", BAD_ID, now_us());
	assert_true(poll_until(v->e, v->reg, got_error, &want_errors, 2000, &err));
	assert_string_equal(err.msg, "engine: /containers/" BAD_ID "/json: /NetworkSettings/"
			    "Networks/bridge/IPAddress: error: not an IP address \"172.17.0.300\"");
	send_event(v->f, "start", LATE_ID, now_us());
	assert_true(poll_until(v->e, v->reg, ip_known, "172.17.0.9", 2000, &err));
}

static void test_docker_reconnect(void **state)
{
	struct env *v = *state;
	struct sw_engine_stats st;
	struct sw_err err;
	uint64_t want_errors = 1;

	send_event(v->f, "start", LATE_ID, now_us());
	assert_true(poll_until(v->e, v->reg, ip_known, "172.17.0.9", 2000, &err));
	/* meanwhile web and cache go; late runs on */
	route(v->f, "/v1.41/containers/json", 200, strdup("[{\"Id\":\"" LATE_ID "\"}]"));
	route(v->f, "/v1.41/containers/" CACHE_ID "/json", 404, strdup("{\"message\":\"gone\"}"));
	route(v->f, "/v1.41/containers/" WEB_ID "/json", 200,
	      replace(fixture("docker_inspect_compose.json"), "\"Running\": true", "\"Running\": false"));
	ctl(v->f, "D");
	assert_true(poll_until(v->e, v->reg, got_error, &want_errors, 2000, &err));
	assert_non_null(strstr(err.msg, "events stream from"));
	/* reopened, listed again: cache inspects as 404, web as stopped: both released */
	assert_true(poll_until(v->e, v->reg, ip_gone, "172.17.0.2", 3000, &err));
	assert_true(poll_until(v->e, v->reg, ip_gone, "172.18.0.3", 1000, &err));
	sw_engine_get_stats(v->e, &st);
	assert_int_equal(st.reconnects, 1);
	assert_true(st.connected);
	assert_int_equal(v->f->stream_opens, 2);
	assert_non_null(lookup(v->reg, "172.17.0.9", now_us()));
	/* and the new stream works */
	send_event(v->f, "destroy", LATE_ID, now_us());
	assert_true(poll_until(v->e, v->reg, ip_gone, "172.17.0.9", 2000, &err));
	sw_engine_get_stats(v->e, &st);
	assert_int_equal(st.containers, 3);
	assert_int_equal(st.stops, 3);
}

/* A failing inspect is tried a few times, then given up until the next event. */
static void test_inspect_retry(void **state)
{
	struct env *v = *state;
	struct sw_engine_stats st;
	struct sw_err err;
	uint64_t want_errors = 3;

	route(v->f, "/v1.41/containers/" LATE_ID "/json", 500,
	      strdup("{\"message\":\"database is locked\"}"));
	send_event(v->f, "start", LATE_ID, now_us());
	assert_true(poll_until(v->e, v->reg, got_error, &want_errors, 2000, &err));
	assert_string_equal(err.msg, "engine: GET /containers/" LATE_ID "/json: HTTP 500: "
			    "database is locked");
	poll_until(v->e, v->reg, ip_known, "172.17.0.9", 300, &err);
	sw_engine_get_stats(v->e, &st);
	assert_int_equal(st.errors, 3);	/* three tries, no more */
	assert_null(lookup(v->reg, "172.17.0.9", now_us()));
	docker_routes(v->f);	/* the engine recovers; the next event binds it */
	send_event(v->f, "restart", LATE_ID, now_us());
	assert_true(poll_until(v->e, v->reg, ip_known, "172.17.0.9", 2000, &err));
}

static void test_podman_pod(void **state)
{
	struct fake *f = fake_start(true);
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_engine *e;
	struct sw_err err;
	const struct sw_workload *w;
	char *infra = fixture("podman_libpod_inspect_infra.json");

	(void)state;
	route(f, "/v1.41/containers/json", 200,
	      strdup("[{\"Id\":\"" DB1_ID "\"},{\"Id\":\"e9c9a7a2881e\"}]"));
	route(f, "/v4.3.1/libpod/containers/" DB1_ID "/json", 200,
	      fixture("podman_libpod_inspect_db1.json"));
	route(f, "/v4.3.1/libpod/containers/e9c9a7a2881e/json", 200, infra);
	route(f, "/v4.3.1/libpod/pods/" POD_ID "/json", 200, fixture("podman_pod_shop.json"));
	assert_int_equal(sw_engine_open(&e, f->sock, reg, &err), SW_EXIT_OK);
	assert_string_equal(sw_engine_server(e), "Podman Engine 4.3.1 (API 1.41)");
	/* the pod member, named by its pod; not the infra container with the same address */
	assert_int_equal(sw_registry_count(reg), 1);
	w = lookup(reg, "10.213.7.41", now_us());
	assert_non_null(w);
	assert_string_equal(w->name, "db1");
	assert_string_equal(w->namespace, "shop");
	assert_non_null(strstr(f->seen, "/v4.3.1/libpod/pods/" POD_ID "/json"));
	sw_engine_close(e);
	sw_registry_free(reg);
	fake_stop(f);
}

static void test_open_failures(void **state)
{
	struct fake *f = fake_start(false);
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_engine *e = (struct sw_engine *)1;
	struct sw_err err;
	char path[200];

	(void)state;
	snprintf(path, sizeof(path), "%s/nothing.sock", f->dir);
	assert_int_equal(sw_engine_open(&e, path, reg, &err), SW_EXIT_RUNTIME);
	assert_null(e);
	assert_int_equal(strncmp(err.msg, "engine: ", 8), 0);
	assert_non_null(strstr(err.msg, "nothing.sock: No such file or directory"));
	assert_int_equal(sw_engine_open(&e, f->dir, reg, &err), SW_EXIT_RUNTIME);
	assert_non_null(strstr(err.msg, "not a unix socket"));

	route(f, "/version", 500, strdup("{\"message\":\"boom\"}"));
	assert_int_equal(sw_engine_open(&e, f->sock, reg, &err), SW_EXIT_RUNTIME);
	assert_string_equal(err.msg, "engine: no answer from /version: HTTP 500: boom");

	route(f, "/version", 200, fixture("docker_version.json"));
	route(f, "/v1.41/containers/json", 200, strdup("{\"not\":\"a list\"}"));
	assert_int_equal(sw_engine_open(&e, f->sock, reg, &err), SW_EXIT_RUNTIME);
	assert_string_equal(err.msg, "engine: /containers/json: top level: error: expected an "
			    "array, got an object");
	assert_int_equal(sw_registry_count(reg), 0);
	sw_engine_close(NULL);
	sw_registry_free(reg);
	fake_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_docker_sync, setup_docker, teardown),
		cmocka_unit_test_setup_teardown(test_docker_events, setup_docker, teardown),
		cmocka_unit_test_setup_teardown(test_docker_connect_before_start, setup_docker,
						teardown),
		cmocka_unit_test_setup_teardown(test_docker_malformed, setup_docker, teardown),
		cmocka_unit_test_setup_teardown(test_docker_reconnect, setup_docker, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_retry, setup_docker, teardown),
		cmocka_unit_test(test_podman_pod),
		cmocka_unit_test(test_open_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
