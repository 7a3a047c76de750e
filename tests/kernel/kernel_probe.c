/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel_probe - drive the kernel view and print what it finds, one JSON
 * object per line, for tests/kernel/kernel_view.sh.
 *
 *   kernel_probe scan                    scan once, print, exit
 *   kernel_probe watch SECONDS [MS]      scan, print, then poll every MS
 *                                        (default 100, like the capture loop)
 *                                        and print each event with its time
 *
 * Lines: {"event": "capture_iface" | "netns" | "workload" | "ready" |
 * "port_added" | "port_removed" | "workload_up" | "workload_down" | "error" |
 * "stats", ...}; times are CLOCK_REALTIME microseconds ("t_us"), comparable
 * with `date +%s%6N`. SIGINT/SIGTERM end a watch early, cleanly.
 * Exit: 0, 2 usage, 3 runtime error, 77 not root.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <segwatch/kernel.h>
#include <segwatch/workload.h>

static uint64_t probe_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t probe_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void probe_emit(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

	if (s) {
		puts(s);
		fflush(stdout);
		free(s);
	}
	json_decref(o);
}

static json_t *probe_addr(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char buf[INET6_ADDRSTRLEN];

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, sizeof(buf));
	else
		inet_ntop(AF_INET6, a, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *probe_mac(const uint8_t m[6])
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	return json_string(buf);
}

static json_t *probe_workload(const char *event, const struct sw_workload *w)
{
	json_t *addrs = json_array(), *macs = json_array();

	for (size_t i = 0; i < w->n_addrs; i++)
		json_array_append_new(addrs, probe_addr(w->addrs[i]));
	for (size_t i = 0; i < w->n_macs; i++)
		json_array_append_new(macs, probe_mac(w->macs[i]));
	return json_pack("{s:s, s:s, s:s?, s:s, s:s?, s:i, s:o, s:o}", "event", event, "uid", w->uid,
			 "name", w->name, "source", sw_wl_source_name(w->source), "iface", w->iface,
			 "ifindex", w->ifindex, "addrs", addrs, "macs", macs);
}

static void probe_registry_visit(const struct sw_workload *w, bool running, void *arg)
{
	json_t *o = probe_workload("workload", w);

	json_object_set_new(o, "running", json_boolean(running));
	json_object_set_new(o, "final", json_boolean(arg != NULL));
	probe_emit(o);
}

static json_t *probe_nsif(const struct sw_kernel_netns *ns, const struct sw_kernel_nsif *f)
{
	json_t *addrs = json_array();

	for (size_t i = 0; i < ns->n_addrs; i++)
		if (ns->addrs[i].ifindex == f->ifindex)
			json_array_append_new(addrs, probe_addr(ns->addrs[i].addr));
	return json_pack("{s:s, s:i, s:o, s:b, s:b, s:i, s:o}", "name", f->name, "ifindex",
			 f->ifindex, "mac", f->has_mac ? probe_mac(f->mac) : json_null(), "up", f->up,
			 "loopback", f->loopback, "host_ifindex", f->host_ifindex, "addrs", addrs);
}

static void probe_netns_visit(const struct sw_kernel_netns *ns, void *arg)
{
	json_t *ifs = json_array();

	(void)arg;
	for (size_t i = 0; i < ns->n_ifaces; i++)
		json_array_append_new(ifs, probe_nsif(ns, &ns->ifaces[i]));
	probe_emit(json_pack("{s:s, s:I, s:i, s:s?, s:i, s:s?, s:i, s:o, s:s?}", "event", "netns",
			     "inode", (json_int_t)ns->inode, "nsid", ns->nsid, "name", ns->name,
			     "pid", ns->pid, "comm", ns->comm, "host_veths", ns->host_veths,
			     "ifaces", ifs, "uid", ns->workload ? ns->workload->uid : NULL));
}

static int probe_print_state(const struct sw_kernel *k, const struct sw_registry *reg)
{
	char *names[256];
	unsigned n;
	struct sw_err err = { 0 };

	if (sw_kernel_capture_ifaces(k, names, NULL, 256, &n, &err) != SW_EXIT_OK) {
		probe_emit(json_pack("{s:s, s:s}", "event", "error", "msg", err.msg));
		return SW_EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < n; i++) {
		probe_emit(json_pack("{s:s, s:s}", "event", "capture_iface", "name", names[i]));
		free(names[i]);
	}
	sw_kernel_foreach_netns(k, probe_netns_visit, NULL);
	sw_registry_foreach(reg, probe_registry_visit, NULL);
	return SW_EXIT_OK;
}

static void probe_port_added(const char *ifname, int ifindex, int bridge_ifindex, void *arg)
{
	(void)arg;
	probe_emit(json_pack("{s:s, s:I, s:s, s:i, s:i}", "event", "port_added", "t_us",
			     (json_int_t)probe_now_us(), "ifname", ifname, "ifindex", ifindex,
			     "bridge_ifindex", bridge_ifindex));
}

static void probe_port_removed(const char *ifname, int ifindex, void *arg)
{
	(void)arg;
	probe_emit(json_pack("{s:s, s:I, s:s, s:i}", "event", "port_removed", "t_us",
			     (json_int_t)probe_now_us(), "ifname", ifname, "ifindex", ifindex));
}

static void probe_wl_event(const char *event, const struct sw_workload *w)
{
	json_t *o = probe_workload(event, w);

	json_object_set_new(o, "t_us", json_integer((json_int_t)probe_now_us()));
	probe_emit(o);
}

static void probe_workload_up(const struct sw_workload *w, void *arg)
{
	(void)arg;
	probe_wl_event("workload_up", w);
}

static void probe_workload_down(const struct sw_workload *w, void *arg)
{
	(void)arg;
	probe_wl_event("workload_down", w);
}

static void probe_stats(const struct sw_kernel *k)
{
	const struct sw_kernel_stats *s = sw_kernel_stats(k);

	probe_emit(json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "event", "stats",
			     "link_events", (json_int_t)s->link_events, "addr_events",
			     (json_int_t)s->addr_events, "resyncs", (json_int_t)s->resyncs,
			     "recv_errors", (json_int_t)s->recv_errors, "ns_resolves",
			     (json_int_t)s->ns_resolves, "ns_scans", (json_int_t)s->ns_scans,
			     "ns_scan_failed", (json_int_t)s->ns_scan_failed, "ns_unresolved",
			     (json_int_t)s->ns_unresolved));
}

/* probe_signals - SIGINT/SIGTERM arrive on a descriptor instead of a handler. */
static int probe_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int probe_watch(struct sw_kernel *k, struct sw_registry *reg, double seconds, int period_ms)
{
	static const struct sw_kernel_hooks hooks = {
		.port_added = probe_port_added,
		.port_removed = probe_port_removed,
		.workload_up = probe_workload_up,
		.workload_down = probe_workload_down,
	};
	uint64_t end = probe_now_us() + (uint64_t)(seconds * 1e6);
	int sfd = probe_signals();
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	struct sw_err err = { 0 };
	uint64_t polls = 0, max_us = 0, total_us = 0;
	int rc = SW_EXIT_OK;

	if (sfd < 0) {
		perror("kernel_probe: signalfd");
		return SW_EXIT_RUNTIME;
	}
	probe_emit(json_pack("{s:s, s:I}", "event", "ready", "t_us", (json_int_t)probe_now_us()));
	/* Like the capture loop: wake up every period, whether events are pending or not. */
	while (probe_now_us() < end && rc == SW_EXIT_OK) {
		if (poll(&pfd, 1, period_ms) > 0)
			break;
		uint64_t t = probe_mono_us();

		rc = sw_kernel_poll(k, reg, probe_now_us(), &hooks, NULL, &err);
		t = probe_mono_us() - t;
		polls++;
		total_us += t;
		max_us = t > max_us ? t : max_us;
		if (rc != SW_EXIT_OK)
			probe_emit(json_pack("{s:s, s:s}", "event", "error", "msg", err.msg));
	}
	/* The cost of sw_kernel_poll() in the loop: it must stay small and bounded. */
	probe_emit(json_pack("{s:s, s:I, s:I, s:I}", "event", "poll_cost", "polls", (json_int_t)polls,
			     "max_us", (json_int_t)max_us, "mean_us",
			     (json_int_t)(polls ? total_us / polls : 0)));
	close(sfd);
	return rc;
}

static int probe_run(const char *mode, double seconds, int period_ms)
{
	struct sw_registry *reg = sw_registry_alloc();
	struct sw_kernel *k = NULL;
	struct sw_err err = { 0 };
	int rc = SW_EXIT_RUNTIME;

	if (!reg) {
		fprintf(stderr, "kernel_probe: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	rc = sw_kernel_open(&k, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_kernel_scan(k, reg, probe_now_us(), &err);
	if (rc != SW_EXIT_OK) {
		probe_emit(json_pack("{s:s, s:s}", "event", "error", "msg", err.msg));
		goto out;
	}
	rc = probe_print_state(k, reg);
	if (rc == SW_EXIT_OK && strcmp(mode, "watch") == 0) {
		rc = probe_watch(k, reg, seconds, period_ms);
		sw_registry_foreach(reg, probe_registry_visit, reg);
	}
	probe_stats(k);
out:
	sw_kernel_close(k);
	sw_registry_free(reg);
	return rc;
}

int main(int argc, char **argv)
{
	double seconds = 0;
	int period_ms = 100;

	if (argc < 2 || (strcmp(argv[1], "scan") != 0 && strcmp(argv[1], "watch") != 0) ||
	    (strcmp(argv[1], "watch") == 0 && argc < 3)) {
		fprintf(stderr, "usage: kernel_probe scan | watch SECONDS [PERIOD_MS]\n");
		return SW_EXIT_USAGE;
	}
	if (argc >= 3)
		seconds = atof(argv[2]);
	if (argc >= 4)
		period_ms = atoi(argv[3]);
	if (seconds < 0 || period_ms <= 0) {
		fprintf(stderr, "kernel_probe: bad SECONDS or PERIOD_MS\n");
		return SW_EXIT_USAGE;
	}
	if (geteuid() != 0) {
		printf("SKIP: kernel_probe needs root (entering namespaces)\n");
		return 77;
	}
	return probe_run(argv[1], seconds, period_ms);
}
