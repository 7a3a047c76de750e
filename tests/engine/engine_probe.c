/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * engine_probe - test driver for the engine client (until `segwatch
 * workloads --engine` and `segwatch capture --engine` cover it).
 *
 *   engine_probe [--socket PATH] [--watch SECONDS] [--interval MS] [--use-fd]
 *
 * Opens the engine (which loads the running containers into a registry),
 * prints each as a JSON line, prints {"type":"ready"}, then polls for
 * --watch seconds (or until SIGINT/SIGTERM) the way the capture loop does,
 * every --interval ms (default 100), and prints every change with its
 * latency from the engine's event time, and whether the registry resolves
 * the new addresses and veth to it. Ends with a stats line.
 * Exit: 0, 2 usage, 3 engine failure.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include <segwatch/engine.h>
#include <segwatch/workload.h>

struct sw_probe {
	struct sw_registry *reg;
	struct sw_engine *engine;
	const char *socket;
	double watch_s;
	int interval_ms;
	bool use_fd;
	int sigfd;
};

static uint64_t sw_probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sw_probe_emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s) {
		printf("%s\n", s);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static json_t *sw_probe_addr(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char buf[INET6_ADDRSTRLEN];

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *sw_probe_workload(const struct sw_workload *w)
{
	json_t *o = json_object(), *labels = json_object(), *addrs = json_array(),
	       *macs = json_array();
	char mac[18];

	for (size_t i = 0; i < w->n_labels; i++)
		json_object_set_new(labels, w->labels[i].key, json_string(w->labels[i].value));
	for (size_t i = 0; i < w->n_addrs; i++)
		json_array_append_new(addrs, sw_probe_addr(w->addrs[i]));
	for (size_t i = 0; i < w->n_macs; i++) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", w->macs[i][0],
			 w->macs[i][1], w->macs[i][2], w->macs[i][3], w->macs[i][4], w->macs[i][5]);
		json_array_append_new(macs, json_string(mac));
	}
	json_object_set_new(o, "uid", json_string(w->uid));
	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "namespace", w->namespace ? json_string(w->namespace) : json_null());
	json_object_set_new(o, "source", json_string(sw_wl_source_name(w->source)));
	json_object_set_new(o, "labels", labels);
	json_object_set_new(o, "addrs", addrs);
	json_object_set_new(o, "macs", macs);
	json_object_set_new(o, "iface", w->iface ? json_string(w->iface) : json_null());
	json_object_set_new(o, "ifindex", json_integer(w->ifindex));
	return o;
}

static void sw_probe_visit(const struct sw_workload *w, bool running, void *arg)
{
	json_t *o;

	(void)arg;
	if (!running)
		return;
	o = sw_probe_workload(w);
	json_object_set_new(o, "type", json_string("workload"));
	sw_probe_emit(o);
}

/* Does the registry now answer with this workload for each address and its veth? */
static bool sw_probe_resolves(const struct sw_registry *reg, const struct sw_workload *w,
			      uint64_t ts)
{
	const struct sw_workload *got;

	for (size_t i = 0; i < w->n_addrs; i++) {
		got = sw_registry_lookup_addr(reg, w->addrs[i], ts);
		if (!got || strcmp(got->uid, w->uid) != 0)
			return false;
	}
	if (w->ifindex) {
		got = sw_registry_lookup_ifindex(reg, w->ifindex, ts);
		if (!got || strcmp(got->uid, w->uid) != 0)
			return false;
	}
	return true;
}

static void sw_probe_change(const struct sw_engine_change *c, void *arg)
{
	struct sw_probe *p = arg;
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("change"));
	json_object_set_new(o, "kind", json_string(sw_engine_ev_kind_name(c->kind)));
	json_object_set_new(o, "uid", json_string(c->uid));
	json_object_set_new(o, "name", c->name ? json_string(c->name) : json_null());
	json_object_set_new(o, "event_us", json_integer((json_int_t)c->event_us));
	json_object_set_new(o, "applied_us", json_integer((json_int_t)c->applied_us));
	if (c->event_us)
		json_object_set_new(o, "latency_ms",
				    json_real(((double)c->applied_us - (double)c->event_us) / 1e3));
	if (c->w) {
		json_object_set_new(o, "workload", sw_probe_workload(c->w));
		json_object_set_new(o, "resolves",
				    json_boolean(sw_probe_resolves(p->reg, c->w, c->applied_us)));
	}
	sw_probe_emit(o);
}

static void sw_probe_stats(const struct sw_probe *p)
{
	struct sw_engine_stats st;

	sw_engine_get_stats(p->engine, &st);
	sw_probe_emit(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "type",
				"stats", "containers", (json_int_t)st.containers, "events",
				(json_int_t)st.events, "upserts", (json_int_t)st.upserts, "stops",
				(json_int_t)st.stops, "requests", (json_int_t)st.requests, "errors",
				(json_int_t)st.errors, "reconnects", (json_int_t)st.reconnects,
				"veth_found", (json_int_t)st.veth_found, "connected", st.connected));
}

/* Wait one interval: sleep (as a capture loop between batches would) or on the engine fd. */
static bool sw_probe_wait(const struct sw_probe *p)
{
	struct pollfd fds[2] = { { .fd = p->sigfd, .events = POLLIN },
				 { .fd = sw_engine_fd(p->engine), .events = POLLIN } };

	if (poll(fds, p->use_fd ? 2 : 1, p->interval_ms) > 0 && (fds[0].revents & POLLIN))
		return false;	/* SIGINT or SIGTERM */
	return true;
}

static void sw_probe_watch(struct sw_probe *p)
{
	uint64_t end = sw_probe_now_us() + (uint64_t)(p->watch_s * 1e6);
	struct sw_err err;

	while (sw_probe_now_us() < end && sw_probe_wait(p)) {
		if (sw_engine_poll(p->engine, sw_probe_now_us(), &err))
			sw_probe_emit(json_pack("{s:s, s:s}", "type", "error", "message", err.msg));
	}
}

static int sw_probe_usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--socket PATH] [--watch SECONDS] [--interval MS] "
		"[--use-fd]\n", argv0);
	return 2;
}

static int sw_probe_args(struct sw_probe *p, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "watch", required_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "use-fd", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	p->interval_ms = 100;
	while ((c = getopt_long(argc, argv, "s:w:i:f", opts, NULL)) != -1) {
		switch (c) {
		case 's': p->socket = optarg; break;
		case 'w': p->watch_s = atof(optarg); break;
		case 'i': p->interval_ms = atoi(optarg); break;
		case 'f': p->use_fd = true; break;
		default: return sw_probe_usage(argv[0]);
		}
	}
	if (optind != argc || p->interval_ms <= 0 || p->watch_s < 0)
		return sw_probe_usage(argv[0]);
	return 0;
}

int main(int argc, char **argv)
{
	struct sw_probe p = { 0 };
	struct sw_err err;
	sigset_t mask;
	int rc;

	if ((rc = sw_probe_args(&p, argc, argv)))
		return rc;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	p.sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (!(p.reg = sw_registry_alloc()) || p.sigfd < 0) {
		fprintf(stderr, "engine_probe: out of memory or no signalfd\n");
		return 3;
	}
	if ((rc = sw_engine_open(&p.engine, p.socket, p.reg, &err))) {
		fprintf(stderr, "engine_probe: %s\n", err.msg);
		sw_registry_free(p.reg);
		return rc;
	}
	sw_probe_emit(json_pack("{s:s, s:s, s:s}", "type", "server", "socket",
				sw_engine_socket(p.engine), "server", sw_engine_server(p.engine)));
	sw_registry_foreach(p.reg, sw_probe_visit, NULL);
	sw_probe_emit(json_pack("{s:s, s:I}", "type", "ready", "at_us",
				(json_int_t)sw_probe_now_us()));
	sw_engine_set_notify(p.engine, sw_probe_change, &p);
	sw_probe_watch(&p);
	sw_probe_stats(&p);
	sw_engine_close(p.engine);
	sw_registry_free(p.reg);
	close(p.sigfd);
	return 0;
}
