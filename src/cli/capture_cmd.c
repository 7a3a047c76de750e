/* SPDX-License-Identifier: GPL-2.0-or-later */
/* segwatch capture: options, output sinks, and the run itself. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <segwatch/capture.h>
#include <segwatch/report.h>

#include <segwatch/kernel.h>

#include "alerting.h"
#include "klog.h"
#include "cli.h"
#include "identity.h"

#define SW_MAX_CLI_IFACES SW_CAPTURE_MAX_IFACES

/* Signal handlers can only talk through a global; this is the one. */
static volatile sig_atomic_t sw_capture_stop;

struct sw_capture_args {
	struct sw_capture_opts opts;
	struct sw_flow_config flow_cfg;
	const char *ifaces[SW_MAX_CLI_IFACES];
	char *iface_buf[SW_MAX_CLI_IFACES]; /* strdup'd -i arguments, split in place */
	unsigned n_iface_buf;
	const char *write_path;
	bool json, quiet, pretty;
	struct sw_identity_opts id;
	bool kernel_set;	/* --no-kernel given */
	char *found[SW_MAX_CLI_IFACES];	/* bridges and ports discovered (no -i, no -r) */
	unsigned n_found;
	struct sw_alerting_opts alerts;
	int nflog_group;	/* --nflog; -1: not given */
};

/* What the capture's tick and the flow sink reach: identity upkeep and alerts. */
struct sw_capture_ctx {
	struct sw_identity *id;		/* NULL without identity sources */
	struct sw_alerting *al;
	struct sw_klog *klog;		/* NULL without --nflog */
};

/* Where finished flows go: a JSON-lines stream, and/or memory for the final report. */
struct sw_flow_sink {
	FILE *stream;
	const struct sw_resolver *resolver;	/* NULL: flows carry no identities */
	struct sw_alerting *alerting;		/* flows ending feed the alerts */
	bool collect;
	struct sw_flow_out *flows;
	size_t n, cap;
	bool failed;
	struct sw_flow_writer *writer;	/* serializes -w output on its own thread */
	struct sw_klog *klog;		/* kernel_log records, written with the flows */
};

static void sw_capture_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch capture -r FILE [OPTIONS]\n"
		"       segwatch capture [-i IFACE[,IFACE...]] [--duration SECONDS] [OPTIONS]\n\n"
		"Read a pcap file, or capture live, and report bidirectional flows. Without -r and -i\n"
		"it captures on every Linux bridge and its ports (veths), found through netlink.\n\n"
		"  -r, --read FILE        read a pcap/pcapng file (- for stdin)\n"
		"  -i, --interface LIST   capture on these interfaces (comma-separated, repeatable)\n"
		"  -d, --duration S       stop a live capture after S seconds (default: Ctrl-C)\n"
		"  -j, --json             one JSON document (docs/flows.md) instead of tables\n"
		"  -p, --pretty           indent the JSON\n"
		"  -w, --write FILE       also write each flow as a JSON line as it ends (- = stdout)\n"
		"  -q, --quiet            counters only, no flow list\n"
		"      --max-flows N      bound on live flows (default 1048576)\n"
		"      --timeout NAME=S   idle timeout tcp, tcp-closed, udp, icmp, other; or active\n"
		"      --filter BPF       pcap filter applied before decoding\n"
		"      --no-dedup         count every captured copy of a packet\n"
		"      --dedup            drop copies even on a single source\n"
		"      --snaplen N        live snap length (default 256)\n"
		SW_IDENTITY_HELP
		"      --alerts DEST      lateral-movement alerts as JSON lines to DEST: a file,\n"
		"                         - (stdout) or syslog (docs/alerts.md)\n"
		"      --policy FILE      alert on connections this policy does not allow\n"
		"      --baseline FILE    alert on edges not in this learned baseline\n"
		"      --alert-config F   thresholds (fan-out, sensitive groups, rate limits)\n"
		"      --nflog [GROUP]    also read the packets the policy logs (NFLOG, default\n"
		"                         group 42): kernel_log records with the flows, and alerts\n"
		"  -h, --help             this text\n\n"
		"Live captures name flow endpoints (workload, host, external) from the kernel's\n"
		"view and a container engine when one answers; files only from --inventory\n"
		"and an explicit --engine.\n\n"
		"exit codes: 0 done, 2 usage error or unknown interface, 3 runtime failure\n");
}

static bool sw_parse_timeout(struct sw_flow_config *cfg, const char *arg)
{
	static const struct { const char *name; size_t off; } keys[] = {
		{ "tcp", offsetof(struct sw_flow_config, idle_tcp_s) },
		{ "tcp-closed", offsetof(struct sw_flow_config, idle_tcp_closed_s) },
		{ "udp", offsetof(struct sw_flow_config, idle_udp_s) },
		{ "icmp", offsetof(struct sw_flow_config, idle_icmp_s) },
		{ "other", offsetof(struct sw_flow_config, idle_other_s) },
		{ "active", offsetof(struct sw_flow_config, active_s) },
	};
	const char *eq = strchr(arg, '=');

	for (size_t i = 0; eq && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].name) == (size_t)(eq - arg) &&
		    strncmp(arg, keys[i].name, (size_t)(eq - arg)) == 0)
			return sw_cli_parse_u32("--timeout", eq + 1, 1, 30 * 86400,
						(uint32_t *)((char *)cfg + keys[i].off));
	fprintf(stderr, "segwatch: --timeout: \"%s\" is not NAME=SECONDS with NAME one of "
			"tcp, tcp-closed, udp, icmp, other, active\n", arg);
	return false;
}

static bool sw_add_ifaces(struct sw_capture_args *a, const char *list)
{
	char *copy, *tok, *save = NULL;

	if (a->n_iface_buf == SW_MAX_CLI_IFACES || !(copy = strdup(list)))
		return false;
	a->iface_buf[a->n_iface_buf++] = copy;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (a->opts.n_ifaces == SW_MAX_CLI_IFACES) {
			fprintf(stderr, "segwatch: -i: at most %d interfaces\n", SW_MAX_CLI_IFACES);
			return false;
		}
		a->ifaces[a->opts.n_ifaces++] = tok;
	}
	return true;
}

static bool sw_parse_duration(struct sw_capture_args *a, const char *arg)
{
	char *end;
	double d = strtod(arg, &end);

	if (end == arg || *end || !(d > 0) || d > 1e9) {
		fprintf(stderr, "segwatch: --duration: \"%s\" is not a positive number of seconds\n", arg);
		return false;
	}
	a->opts.duration_s = d;
	return true;
}

enum { OPT_MAX_FLOWS = 256, OPT_TIMEOUT, OPT_FILTER, OPT_NO_DEDUP, OPT_DEDUP, OPT_SNAPLEN,
       OPT_ALERTS, OPT_POLICY, OPT_BASELINE, OPT_ALERT_CONFIG, OPT_NFLOG };

static const struct option sw_capture_longopts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "interface", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "write", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "no-dedup", no_argument, NULL, OPT_NO_DEDUP },
	{ "dedup", no_argument, NULL, OPT_DEDUP },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "help", no_argument, NULL, 'h' },
	{ "alerts", required_argument, NULL, OPT_ALERTS },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "alert-config", required_argument, NULL, OPT_ALERT_CONFIG },
	{ "nflog", optional_argument, NULL, OPT_NFLOG },
	SW_IDENTITY_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* Options of what to capture and how to print it; false when @c is not one of them. */
static bool sw_capture_opt_run(struct sw_capture_args *a, int c, bool *ok)
{
	uint32_t snaplen;

	switch (c) {
	case 'r': a->opts.file = optarg; break;
	case 'i': *ok = sw_add_ifaces(a, optarg); break;
	case 'd': *ok = sw_parse_duration(a, optarg); break;
	case 'j': a->json = true; break;
	case 'p': a->pretty = true; break;
	case 'w': a->write_path = optarg; break;
	case 'q': a->quiet = true; break;
	case OPT_MAX_FLOWS:
		*ok = sw_cli_parse_u32("--max-flows", optarg, 1, 1u << 31, &a->flow_cfg.max_flows);
		break;
	case OPT_TIMEOUT: *ok = sw_parse_timeout(&a->flow_cfg, optarg); break;
	case OPT_FILTER: a->opts.filter = optarg; break;
	case OPT_NO_DEDUP: a->opts.dedup = SW_DEDUP_OFF; break;
	case OPT_DEDUP: a->opts.dedup = SW_DEDUP_ON; break;
	case OPT_SNAPLEN:
		*ok = sw_cli_parse_u32("--snaplen", optarg, 64, 262144, &snaplen);
		a->opts.snaplen = (int)snaplen;
		break;
	default: return false;
	}
	return true;
}

/* Alert options and --nflog; false when @c is not one of them. */
static bool sw_capture_opt_alerts(struct sw_capture_args *a, int c, bool *ok)
{
	uint32_t group = SW_NFLOG_GROUP_DEFAULT;

	switch (c) {
	case OPT_ALERTS: a->alerts.dest = optarg; break;
	case OPT_POLICY: a->alerts.policy = optarg; break;
	case OPT_BASELINE: a->alerts.baseline = optarg; break;
	case OPT_ALERT_CONFIG: a->alerts.config = optarg; break;
	case OPT_NFLOG:
		if (optarg)
			*ok = sw_cli_parse_u32("--nflog", optarg, 0, 65535, &group);
		a->nflog_group = (int)group;
		break;
	default: return false;
	}
	return true;
}

/* One option; -1 to go on, or an exit code. */
static int sw_capture_opt(struct sw_capture_args *a, int c, int argc, char **argv)
{
	bool ok = true;

	if (c == 'h') {
		sw_capture_usage(stdout);
		return SW_EXIT_OK;
	}
	if (sw_capture_opt_run(a, c, &ok) || sw_capture_opt_alerts(a, c, &ok))
		return ok ? -1 : SW_EXIT_USAGE;
	switch (c) {
	case SW_OPT_INVENTORY:
	case SW_OPT_ENGINE:
	case SW_OPT_NO_ENGINE:
	case SW_OPT_NO_KERNEL:
		a->kernel_set |= c == SW_OPT_NO_KERNEL;
		return sw_identity_parse_opt(&a->id, c, optarg, argc, argv) ? -1 : SW_EXIT_USAGE;
	default:
		sw_capture_usage(stderr);
		return SW_EXIT_USAGE;
	}
}

/* Options that do not go together, and defaults that depend on others. */
static int sw_capture_check(struct sw_capture_args *a, int argc, char **argv)
{
	if (optind < argc) {
		fprintf(stderr, "segwatch capture: unexpected argument \"%s\"\n", argv[optind]);
		return SW_EXIT_USAGE;
	}
	if (!a->alerts.dest && (a->alerts.policy || a->alerts.baseline || a->alerts.config)) {
		fprintf(stderr, "segwatch capture: --policy, --baseline and --alert-config go with --alerts\n");
		return SW_EXIT_USAGE;
	}
	if (a->opts.file && (a->opts.n_ifaces || a->opts.duration_s > 0)) {
		fprintf(stderr, "segwatch capture: -r reads a file; it cannot be combined with -i or --duration\n");
		return SW_EXIT_USAGE;
	}
	a->opts.ifaces = a->ifaces;
	/* a file is the past: today's engine and namespaces say nothing about it */
	if (!a->kernel_set)
		a->id.kernel = !a->opts.file;
	if (a->opts.file && a->id.engine == SW_ENGINE_AUTO)
		a->id.engine = SW_ENGINE_OFF;
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int sw_capture_parse(struct sw_capture_args *a, int argc, char **argv)
{
	int c, rc;

	sw_flow_config_defaults(&a->flow_cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:i:d:jpw:qh", sw_capture_longopts, NULL)) != -1)
		if ((rc = sw_capture_opt(a, c, argc, argv)) >= 0)
			return rc;
	return sw_capture_check(a, argc, argv);
}

/*
 * Without -i: every bridge that is up and its ports that are up, from the
 * kernel's view (the identity's, or one opened just for this).
 */
static int sw_capture_discover(struct sw_capture_args *a, struct sw_kernel *k, struct sw_err *err)
{
	struct sw_kernel *own = NULL;
	int rc;

	if (!k) {
		rc = sw_kernel_open(&own, err);
		if (rc != SW_EXIT_OK)
			return rc;
		k = own;
	}
	rc = sw_kernel_capture_ifaces(k, a->found, SW_MAX_CLI_IFACES, &a->n_found, err);
	sw_kernel_close(own);
	if (rc != SW_EXIT_OK)
		return rc;
	if (a->n_found == 0)
		return sw_err_set(err, SW_EXIT_RUNTIME,
				  "no Linux bridge found to capture on; name interfaces with -i");
	for (unsigned i = 0; i < a->n_found; i++)
		a->ifaces[i] = a->found[i];
	a->opts.n_ifaces = a->n_found;
	return SW_EXIT_OK;
}

static void sw_sink_emit(const struct sw_flow *f, void *arg)
{
	struct sw_flow_sink *s = arg;

	struct sw_flow_ident id = { 0 };

	if (s->resolver)
		sw_flow_ident_resolve(&id, s->resolver, f);
	if (s->alerting)
		sw_alerting_flow_end(s->alerting, f);
	if (s->writer)
		sw_flow_writer_push(s->writer, f, &id);
	if (!s->collect)
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct sw_flow_out *p = realloc(s->flows, cap * sizeof(*p));

		if (!p) {
			s->failed = true;
			return;
		}
		s->flows = p;
		s->cap = cap;
	}
	s->flows[s->n].f = *f;
	s->flows[s->n].id = id;
	s->n++;
}

static void sw_on_signal(int sig)
{
	(void)sig;
	sw_capture_stop = 1;
}

static void sw_on_progress(const struct sw_capture_progress *p, void *arg)
{
	(void)arg;
	sw_report_progress_line(stderr, p);
}

/* "kernel_log": [...] of the compact --json document (with --nflog only). */
static void sw_capture_print_klog(const struct sw_flow_sink *sink, char *line, size_t len)
{
	struct sw_report_clock clk = { 0 };

	if (!sink->klog || !sink->klog->nl)
		return;
	fputs(",\"kernel_log\":[", stdout);
	for (size_t i = 0; i < sw_klog_n(sink->klog); i++) {
		sw_klog_line(sink->klog, i, sink->resolver, &clk, line, len);
		printf("%s%s", i ? ",\n" : "\n", line);
	}
	fputs("]", stdout);
}

/* The same as an array, for the indented document; NULL without --nflog. */
static json_t *sw_capture_klog_json(const struct sw_flow_sink *sink, char *line, size_t len)
{
	struct sw_report_clock clk = { 0 };
	json_t *a;

	if (!sink->klog || !sink->klog->nl || !(a = json_array()))
		return NULL;
	for (size_t i = 0; i < sw_klog_n(sink->klog); i++)
		if (sw_klog_line(sink->klog, i, sink->resolver, &clk, line, len))
			json_array_append_new(a, json_loads(line, 0, NULL));
	return a;
}

/* The --json document; flows are written as text, the rest through jansson. */
static void sw_capture_print_json(const struct sw_capture_args *a, const struct sw_flow_sink *sink,
				  json_t *counters)
{
	struct sw_report_clock clk = { 0 };
	char line[SW_REPORT_FLOW_LINE_MAX];
	json_t *doc, *flows, *klog;

	if (!a->pretty) {
		printf("{\"type\":\"capture\",\"version\":1");
		if (!a->quiet) {
			fputs(",\"flows\":[", stdout);
			for (size_t i = 0; i < sink->n; i++) {
				sw_report_flow_line(&clk, &sink->flows[i].f, &sink->flows[i].id, line,
						    sizeof(line));
				printf("%s%s", i ? ",\n" : "\n", line);
			}
			fputs("]", stdout);
		}
		sw_capture_print_klog(sink, line, sizeof(line));
		fputs(",\"counters\":", stdout);
		json_dumpf(counters, stdout, JSON_COMPACT);
		fputs("}\n", stdout);
		return;
	}
	doc = json_pack("{s:s, s:i}", "type", "capture", "version", 1);
	flows = json_array();
	for (size_t i = 0; i < sink->n && !a->quiet; i++) {
		sw_report_flow_line(&clk, &sink->flows[i].f, &sink->flows[i].id, line, sizeof(line));
		json_array_append_new(flows, json_loads(line, 0, NULL));
	}
	if (!a->quiet)
		json_object_set(doc, "flows", flows);
	if ((klog = sw_capture_klog_json(sink, line, sizeof(line))))
		json_object_set_new(doc, "kernel_log", klog);
	json_object_set(doc, "counters", counters);
	json_dumpf(doc, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(flows);
	json_decref(doc);
}

static int sw_capture_print(const struct sw_capture_args *a, struct sw_flow_sink *sink,
			    const struct sw_capture *cap, const struct sw_flow_table *t)
{
	const struct sw_capture_counters *cnt = sw_capture_counters(cap);
	const struct sw_flow_stats *fs = sw_flow_table_stats(t);
	uint32_t max = a->flow_cfg.max_flows;

	sw_report_flows_sort(sink->flows, sink->n);
	if (a->json) {
		json_t *counters = sw_report_counters_json(cnt, fs, max);

		if (sink->klog)
			sw_klog_counters_add(sink->klog, counters);
		sw_capture_print_json(a, sink, counters);
		json_decref(counters);
	} else {
		if (sink->collect)
			sw_report_flows_text(stdout, sink->flows, sink->n);
		sw_report_counters_text(stdout, cnt, fs, max);
		if (sink->klog)
			sw_klog_text(sink->klog, stdout);
	}
	if (fflush(stdout) == EOF || sink->failed) {
		fprintf(stderr, "segwatch: writing output failed\n");
		return SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

/* -w: the stream and its writer thread. */
static int sw_capture_open_output(const struct sw_capture_args *a, struct sw_flow_sink *sink,
				  struct sw_err *err)
{
	bool to_stdout = strcmp(a->write_path, "-") == 0;

	sink->stream = to_stdout ? stdout : fopen(a->write_path, "w");
	if (!sink->stream)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot write: %m", a->write_path);
	sink->writer = sw_flow_writer_start(sink->stream);
	if (!sink->writer)
		return sw_err_set(err, SW_EXIT_RUNTIME, "cannot start the writer thread");
	return SW_EXIT_OK;
}

/* Identity sources, and what to capture on when no interface was named. */
static int sw_capture_open_identity(struct sw_capture_args *a, struct sw_identity *id,
				    bool with_id, struct sw_flow_sink *sink, struct sw_err *err)
{
	int rc;

	if (with_id) {
		rc = sw_identity_open(id, &a->id, err);
		if (rc != SW_EXIT_OK)
			return rc;
		sink->resolver = &id->resolver;
		/* discovering bridges (no -i): follow their ports as they come and go */
		id->follow_ports = !a->opts.file && a->opts.n_ifaces == 0;
		a->opts.registry = id->reg;
	}
	if (!a->opts.file && a->opts.n_ifaces == 0)
		return sw_capture_discover(a, with_id ? id->kernel : NULL, err);
	return SW_EXIT_OK;
}

/* -w: the kernel_log records, after the flows and before the counters line. */
static void sw_capture_write_klog(struct sw_flow_sink *sink)
{
	struct sw_report_clock clk = { 0 };
	char line[SW_REPORT_FLOW_LINE_MAX];
	size_t n;

	for (size_t i = 0; sink->klog && i < sw_klog_n(sink->klog); i++) {
		n = sw_klog_line(sink->klog, i, sink->resolver, &clk, line, sizeof(line));
		line[n] = '\n';
		if (n == 0 || fwrite(line, 1, n + 1, sink->stream) != n + 1)
			sink->failed = true;
	}
}

/* End of capture: every flow out, the -w stream closed with its counters line, the report. */
static int sw_capture_finish(const struct sw_capture_args *a, struct sw_flow_sink *sink,
			     const struct sw_capture *cap, struct sw_flow_table *t)
{
	sw_flow_table_flush(t);
	if (!sw_flow_writer_stop(sink->writer))
		sink->failed = true;
	sink->writer = NULL;
	if (sink->klog)
		sw_klog_finish(sink->klog);
	if (sink->stream) {
		json_t *c = sw_report_counters_json(sw_capture_counters(cap), sw_flow_table_stats(t),
						    a->flow_cfg.max_flows);

		sw_capture_write_klog(sink);
		if (sink->klog)
			sw_klog_counters_add(sink->klog, c);
		json_dumpf(c, sink->stream, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', sink->stream);
		json_decref(c);
	}
	if (a->write_path && strcmp(a->write_path, "-") == 0)
		return fflush(stdout) == EOF || sink->failed ? SW_EXIT_RUNTIME : SW_EXIT_OK;
	return sw_capture_print(a, sink, cap, t);
}

/* The capture's tick: identity upkeep (engine, kernel events), the kernel's log, alerts. */
static void sw_capture_tick(struct sw_capture *cap, uint64_t now_us, void *arg)
{
	struct sw_capture_ctx *ctx = arg;

	if (ctx->id)
		sw_identity_tick(cap, now_us, ctx->id);
	if (ctx->klog)
		sw_klog_read(ctx->klog);
	if (ctx->al) {
		sw_alerting_spoofers(ctx->al, sw_capture_counters(cap), ctx->id ? ctx->id->reg : NULL);
		sw_alerting_tick(ctx->al, now_us);
	}
}

static int sw_capture_open_alerts(struct sw_capture_args *a, struct sw_alerting *al,
				  struct sw_flow_sink *sink, struct sw_capture_ctx *ctx,
				  struct sw_err *err)
{
	int rc = sw_alerting_open(al, &a->alerts, sink->resolver, err);

	if (rc != SW_EXIT_OK || !al->engine)
		return rc;
	sink->alerting = al;
	ctx->al = al;
	return SW_EXIT_OK;
}

/* --nflog: one socket for the kernel_log records and, with --alerts, the alerts. */
static int sw_capture_open_klog(struct sw_capture_args *a, struct sw_klog *k,
				struct sw_flow_sink *sink, struct sw_capture_ctx *ctx,
				struct sw_err *err)
{
	int rc = sw_klog_open(k, a->nflog_group, ctx->al, err);

	if (rc != SW_EXIT_OK || !k->nl)
		return rc;
	sink->klog = k;
	ctx->klog = k;
	return SW_EXIT_OK;
}

/* Stop on SIGINT/SIGTERM, progress on a terminal, and the capture opened. */
static int sw_capture_start(struct sw_capture_args *a, struct sw_capture **cap,
			    struct sw_flow_table *t, struct sw_err *err)
{
	signal(SIGINT, sw_on_signal);
	signal(SIGTERM, sw_on_signal);
	a->opts.stop = &sw_capture_stop;
	if (isatty(STDERR_FILENO))
		a->opts.progress = sw_on_progress;
	return sw_capture_open(cap, &a->opts, t, err);
}

static int sw_capture_execute(struct sw_capture_args *a)
{
	struct sw_flow_sink sink = { 0 };
	struct sw_identity id = { 0 };
	struct sw_alerting al = { 0 };
	struct sw_klog klog = { 0 };
	bool with_id = a->id.n_inventories || a->id.engine != SW_ENGINE_OFF || a->id.kernel;
	struct sw_capture_ctx ctx = { .id = with_id ? &id : NULL };
	bool write_stdout = a->write_path && strcmp(a->write_path, "-") == 0;
	struct sw_flow_table *t = NULL;
	struct sw_capture *cap = NULL;
	struct sw_err err = { 0 };
	int rc = SW_EXIT_OK;

	/* --json -q needs no flows in memory: only counters are printed */
	sink.collect = !a->quiet && !write_stdout;
	if (a->write_path)
		rc = sw_capture_open_output(a, &sink, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_open_identity(a, &id, with_id, &sink, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_open_alerts(a, &al, &sink, &ctx, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_open_klog(a, &klog, &sink, &ctx, &err);
	if (rc == SW_EXIT_OK && !(t = sw_flow_table_alloc(&a->flow_cfg, sw_sink_emit, &sink)))
		rc = sw_err_set(&err, SW_EXIT_RUNTIME, "out of memory");
	if (rc == SW_EXIT_OK && al.engine)
		sw_flow_table_set_on_new(t, sw_alerting_flow_new, &al);
	if (ctx.id || ctx.al || ctx.klog) {
		a->opts.tick = sw_capture_tick;
		a->opts.tick_arg = &ctx;
	}
	if (rc == SW_EXIT_OK)
		rc = sw_capture_start(a, &cap, t, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_run(cap, &err);
	if (a->opts.progress)
		sw_report_progress_clear(stderr);
	if (rc == SW_EXIT_OK)
		rc = sw_capture_finish(a, &sink, cap, t);
	sw_flow_writer_stop(sink.writer); /* on error paths: end the thread before the stream */
	if (rc != SW_EXIT_OK && err.msg[0])
		fprintf(stderr, "segwatch: %s\n", err.msg);
	if (sink.stream && !write_stdout && fclose(sink.stream) == EOF && rc == SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s: write failed\n", a->write_path);
		rc = SW_EXIT_RUNTIME;
	}
	sw_capture_close(cap);
	sw_flow_table_free(t);
	free(sink.flows);
	sw_klog_close(&klog);
	sw_alerting_close(&al); /* the last summaries go out */
	if (with_id)
		sw_identity_close(&id);
	return rc;
}

int sw_cmd_capture(int argc, char **argv)
{
	struct sw_capture_args a = { .nflog_group = -1 };
	int rc = sw_capture_parse(&a, argc, argv);

	if (rc < 0)
		rc = sw_capture_execute(&a);
	for (unsigned i = 0; i < a.n_iface_buf; i++)
		free(a.iface_buf[i]);
	for (unsigned i = 0; i < a.n_found; i++)
		free(a.found[i]);
	return rc;
}
