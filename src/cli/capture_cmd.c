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

#include <segwatch/alert.h>
#include <segwatch/ipfix.h>
#include <segwatch/outfile.h>
#include <segwatch/policy.h>
#include <segwatch/pipeline.h>
#include <segwatch/report.h>
#include <segwatch/text.h>

#include "cli.h"
#include "alert_opts.h"
#include "filter.h"
#include "identity.h"

#define SW_MAX_CLI_IFACES SW_CAPTURE_MAX_IFACES

/* Signal handlers can only talk through a global; this is the one: the signal that came. */
static volatile sig_atomic_t sw_capture_stop;

#define SW_CAPTURE_MAX_INPUTS (SW_MAX_INVENTORIES + 5)

struct sw_capture_args {
	struct sw_pipeline_opts po;
	const char *ifaces[SW_MAX_CLI_IFACES];
	char *iface_buf[SW_MAX_CLI_IFACES]; /* strdup'd -i arguments, split in place */
	unsigned n_iface_buf;
	const char *write_path;
	bool json, quiet, pretty;
	bool all;		/* --all: list infrastructure flows in the table too */
	bool kernel_set;	/* --no-kernel given */
	bool engine_off_set;	/* --no-engine given */
	bool snaplen_set;	/* --snaplen given */
	struct sw_sink_alerts_opts alerts;
	struct sw_cli_alerts alert_opts;	/* parses into @alerts */
	const char *ipfix;	/* --ipfix URL */
	struct sw_ipfix_opts ipfix_opts;
	bool ipfix_mode_set;
	struct sw_policy *policy;	/* --policy with --ipfix or a filter: loaded once, for all */
	struct sw_cli_filter f;		/* --from ... --verdict: the flows listed and written */
};

/* What the run produced, for printing. */
struct sw_capture_out {
	struct sw_outfile *w;		/* -w */
	FILE *stream;			/* -w's stream */
	struct sw_sink *collect;	/* flows kept for the table or --json; NULL with -q */
	struct sw_sink *klog;		/* NULL without --nflog */
	struct sw_sink *ipfix;		/* NULL without --ipfix */
};

static void sw_capture_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch capture -r FILE [OPTIONS]\n"
		"       segwatch capture [-i IFACE[,IFACE...]] [--duration SECONDS] [OPTIONS]\n\n"
		"Read a pcap file, or capture live, and report bidirectional flows. Without -r and -i\n"
		"it captures on every Linux bridge and its ports (veths), found through netlink:\n"
		"each port inbound and each bridge outbound, so that a packet is captured once.\n\n"
		"  -r, --read FILE        read a pcap/pcapng file (- for stdin)\n"
		"  -i, --interface LIST   capture on these interfaces (comma-separated, repeatable)\n"
		"  -d, --duration S       stop a live capture after S seconds (default: Ctrl-C)\n"
		"  -j, --json             one JSON document (docs/flows.md) instead of tables\n"
		"  -p, --pretty           indent the JSON\n"
		"  -w, --write FILE       also write each flow as a JSON line as it ends (- = stdout)\n"
		"  -q, --quiet            counters only, no flow list\n"
		"      --all              list infrastructure flows too (ND, MLD, IGMP, DAD, DHCP:\n"
		"                         docs/flows.md#infrastructure-traffic); by default the\n"
		"                         table counts them in one line (--json, -w: every flow)\n"
		"      --max-flows N      bound on live flows (default 1048576)\n"
		"      --timeout NAME=S   idle timeout tcp, tcp-closed, udp, icmp, other; or active\n"
		"      --filter BPF       pcap filter applied before decoding\n"
		"      --no-dedup         count every captured copy of a packet\n"
		"      --dedup            drop copies even on a single source\n"
		"      --snaplen N        live snap length (default 256)\n"
		SW_IDENTITY_HELP
		"      --alerts DEST      lateral-movement alerts as JSON lines to DEST: a file,\n"
		"                         - (stdout), syslog, journald, or RFC 5424 syslog at\n"
		"                         syslog+unix:///dev/log or syslog+udp://HOST:PORT,\n"
		"                         or a webhook http(s)://HOST/PATH\n"
		"                         (docs/alerts.md)\n"
		"      --policy FILE      alert on connections this policy does not allow; with\n"
		"                         --ipfix, each record carries its groups, rule, verdict;\n"
		"                         the policy of --verdict and group: filters\n"
		"      --baseline FILE    alert on edges not in this learned baseline\n"
		"      --alert-config F   thresholds (fan-out, sensitive groups, rate limits)\n"
		"      --alert-format FMT segwatch (default: docs/alerts.md \"Alert record\") or\n"
		"                         ecs (Elastic Common Schema field names, for SIEMs),\n"
		"                         at every --alerts destination\n"
		"      --nflog [GROUP]    also read the packets the policy logs (NFLOG, default\n"
		"                         group 42): kernel_log records with the flows, and alerts\n"
		"      --ipfix URL        also export each flow to an IPFIX collector:\n"
		"                         udp://HOST:PORT or tcp://HOST:PORT ([ADDR]:PORT for\n"
		"                         IPv6); a collector that is down never stops the\n"
		"                         capture, what could not be sent is counted (docs/ipfix.md)\n"
		"      --ipfix-mode MODE  biflow (default: one record per flow, RFC 5103) or\n"
		"                         uniflow (one per direction, for collectors that\n"
		"                         ignore reverse fields, such as nfdump's nfcapd)\n"
		"      --ipfix-pen N      enterprise number of segwatch's own fields\n"
		"                         (default 32473, see docs/ipfix.md)\n"
		"      --ipfix-labels KEYS  only these labels in the label fields: app,tier\n"
		"                         (default: every label)\n"
		"  -h, --help             this text\n\n"
		SW_FILTER_HELP
		"The filters choose the flows listed (table, --json) and written (-w); the\n"
		"counters, the kernel log, --alerts and --ipfix still see every flow.\n\n"
		"examples:\n"
		"  segwatch capture -r traffic.pcap                   flows in a file, as a table\n"
		"  segwatch capture -r traffic.pcap --from 'app=web' --port 5432 --state refused\n"
		"  segwatch capture -r t.pcap --policy p.json --verdict denied --json\n"
		"  segwatch capture --duration 30 --json              every bridge and its ports, 30 s\n"
		"  segwatch capture -i br0 -q -w flows.jsonl          stream flows as JSON lines\n"
		"  segwatch capture --policy p.json --alerts syslog+unix:///dev/log\n"
		"  segwatch capture --alerts https://siem.example/hook --alert-config a.json\n"
		"  segwatch capture --policy p.json --alerts alerts.jsonl --alert-format ecs\n"
		"  segwatch capture -r trace.pcap --ipfix udp://127.0.0.1:4739 --ipfix-mode uniflow\n"
		"  segwatch capture --ipfix tcp://collector:4739 --policy p.json --ipfix-labels app\n\n"
		"Live captures name flow endpoints (workload, host, external) from the kernel's\n"
		"view and a container engine when one answers; files only from --inventory\n"
		"and an explicit --engine.\n\n"
		"SIGINT, SIGTERM and SIGHUP end a live capture: every flow is written (-w)\n"
		"and printed, exit 0. A file read they interrupt writes what it read, then\n"
		"ends by that signal (128+N). A damaged file (cut short, corrupt record):\n"
		"the flows before the damage, a message saying where, exit 2 (docs/flows.md).\n"
		SW_HELP_EXIT SW_HELP_EXIT_0 SW_HELP_EXIT_2 SW_HELP_EXIT_3);
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
		if (a->po.capture.n_ifaces == SW_MAX_CLI_IFACES) {
			fprintf(stderr, "segwatch: -i: at most %d interfaces\n", SW_MAX_CLI_IFACES);
			return false;
		}
		a->ifaces[a->po.capture.n_ifaces++] = tok;
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
	a->po.capture.duration_s = d;
	return true;
}

enum { OPT_MAX_FLOWS = 256, OPT_TIMEOUT, OPT_FILTER, OPT_NO_DEDUP, OPT_DEDUP, OPT_SNAPLEN,
       OPT_POLICY, OPT_NFLOG,
       OPT_IPFIX, OPT_IPFIX_MODE, OPT_IPFIX_PEN, OPT_IPFIX_LABELS, OPT_ALL };

static const struct option sw_capture_longopts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "interface", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "write", required_argument, NULL, 'w' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "filter", required_argument, NULL, OPT_FILTER },
	{ "no-dedup", no_argument, NULL, OPT_NO_DEDUP },
	{ "dedup", no_argument, NULL, OPT_DEDUP },
	{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
	{ "help", no_argument, NULL, 'h' },
	SW_ALERT_LONGOPTS,
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "nflog", optional_argument, NULL, OPT_NFLOG },
	{ "ipfix", required_argument, NULL, OPT_IPFIX },
	{ "ipfix-mode", required_argument, NULL, OPT_IPFIX_MODE },
	{ "ipfix-pen", required_argument, NULL, OPT_IPFIX_PEN },
	{ "ipfix-labels", required_argument, NULL, OPT_IPFIX_LABELS },
	SW_IDENTITY_LONGOPTS,
	SW_FILTER_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* Options of what to capture and how to print it; false when @c is not one of them. */
static bool sw_capture_opt_run(struct sw_capture_args *a, int c, bool *ok)
{
	uint32_t snaplen;

	switch (c) {
	case 'r': a->po.capture.file = optarg; break;
	case 'i': *ok = sw_add_ifaces(a, optarg); break;
	case 'd': *ok = sw_parse_duration(a, optarg); break;
	case 'j': a->json = true; break;
	case 'p': a->pretty = true; break;
	case 'w': a->write_path = optarg; break;
	case 'q': a->quiet = true; break;
	case OPT_ALL: a->all = true; break;
	case OPT_MAX_FLOWS:
		*ok = sw_cli_parse_u32("--max-flows", optarg, 1, 1u << 31, &a->po.flow.max_flows);
		break;
	case OPT_TIMEOUT: *ok = sw_parse_timeout(&a->po.flow, optarg); break;
	case OPT_FILTER: a->po.capture.filter = optarg; break;
	case OPT_NO_DEDUP: a->po.capture.dedup = SW_DEDUP_OFF; break;
	case OPT_DEDUP: a->po.capture.dedup = SW_DEDUP_ON; break;
	case OPT_SNAPLEN:
		*ok = sw_cli_parse_u32("--snaplen", optarg, 64, 262144, &snaplen);
		a->po.capture.snaplen = (int)snaplen;
		a->snaplen_set = true;
		break;
	default: return false;
	}
	return true;
}

/* Alert options and --nflog; false when @c is not one of them. */
static bool sw_capture_opt_alerts(struct sw_capture_args *a, int c, bool *ok)
{
	uint32_t group = SW_NFLOG_GROUP_DEFAULT;

	if (sw_cli_alerts_opt(&a->alert_opts, c, optarg, "segwatch capture", ok))
		return true;
	switch (c) {
	case OPT_POLICY: a->alerts.policy = optarg; break;
	case OPT_NFLOG:
		if (optarg)
			*ok = sw_cli_parse_u32("--nflog", optarg, 0, 65535, &group);
		a->po.nflog_group = (int)group;
		break;
	default: return false;
	}
	return true;
}

/* --ipfix and its companions; false when @c is not one of them. */
static bool sw_capture_opt_ipfix(struct sw_capture_args *a, int c, bool *ok)
{
	struct sw_err err = { 0 };

	switch (c) {
	case OPT_IPFIX:
		a->ipfix = optarg;
		if (sw_ipfix_url_parse(optarg, &a->ipfix_opts.url, &err) != SW_EXIT_OK) {
			fprintf(stderr, "segwatch capture: --ipfix: %s\n", err.msg);
			*ok = false;
		}
		break;
	case OPT_IPFIX_MODE:
		a->ipfix_mode_set = true;
		if (!sw_ipfix_mode_parse(optarg, &a->ipfix_opts.mode)) {
			fprintf(stderr, "segwatch capture: --ipfix-mode: \"%s\" is not biflow or "
					"uniflow\n", optarg);
			*ok = false;
		}
		break;
	case OPT_IPFIX_PEN:
		a->ipfix_mode_set = true;
		*ok = sw_cli_parse_u32("--ipfix-pen", optarg, 1, UINT32_MAX, &a->ipfix_opts.pen);
		break;
	case OPT_IPFIX_LABELS:
		a->ipfix_mode_set = true;
		if (!sw_ipfix_label_keys_set(&a->ipfix_opts, optarg)) {
			fprintf(stderr, "segwatch capture: --ipfix-labels: %s is not a list of label "
				"keys such as app,tier (at most %d bytes)\n", SW_QUOTE(optarg),
				SW_IPFIX_LABEL_KEYS_MAX - 1);
			*ok = false;
		}
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
	if (sw_cli_filter_is_opt(c)) {
		int rc = sw_cli_filter_opt(&a->f, c, optarg);

		return rc == SW_EXIT_OK ? -1 : rc;
	}
	if (sw_capture_opt_run(a, c, &ok) || sw_capture_opt_alerts(a, c, &ok) ||
	    sw_capture_opt_ipfix(a, c, &ok))
		return ok ? -1 : SW_EXIT_USAGE;
	switch (c) {
	case SW_OPT_INVENTORY:
	case SW_OPT_ENGINE:
	case SW_OPT_NO_ENGINE:
	case SW_OPT_NO_KERNEL:
		a->kernel_set |= c == SW_OPT_NO_KERNEL;
		a->engine_off_set |= c == SW_OPT_NO_ENGINE;
		return sw_identity_parse_opt(&a->po.identity, c, optarg, argc, argv) ? -1 : SW_EXIT_USAGE;
	default: /* sw_cli_getopt said what was wrong, in one line */
		return SW_EXIT_USAGE;
	}
}

/* Options the mode chosen ignores: a warning each, the capture still runs. */
static void sw_capture_warn_unused(const struct sw_capture_args *a)
{
	static const char who[] = "segwatch capture";
	bool write_stdout = sw_outfile_is_stdout(a->write_path);

	if (a->pretty && !a->json && !write_stdout)
		sw_cli_warn_unused(who, "--pretty", "without --json");
	if (write_stdout && (a->json || a->pretty || a->quiet))
		sw_cli_warn_unused(who, a->json ? "--json" : a->pretty ? "--pretty" : "--quiet",
				   "with -w -: standard output gets the flows as JSON lines");
	if (a->quiet && !a->write_path && sw_cli_filter_query(&a->f))
		sw_cli_warn_unused(who, "filtering (--from, --port, ...)", "with -q and without -w: "
				   "no flow is listed (the counters are never filtered)");
	if (!a->po.capture.file)
		return;
	if (a->snaplen_set)
		sw_cli_warn_unused(who, "--snaplen",
				   "with -r: a file's packets are read as captured");
	if (a->kernel_set)
		sw_cli_warn_unused(who, "--no-kernel", "with -r: a file is never named from "
				   "today's namespaces");
	if (a->engine_off_set)
		sw_cli_warn_unused(who, "--no-engine", "with -r: a file asks an engine only with "
				   "--engine");
}

/* Options that do not go together, and defaults that depend on others. */
static int sw_capture_check(struct sw_capture_args *a, int argc, char **argv)
{
	if (optind < argc)
		return sw_cli_no_args("segwatch capture", argc, argv, optind);
	if (sw_cli_alerts_check(&a->alert_opts, "segwatch capture") != SW_EXIT_OK)
		return SW_EXIT_USAGE;
	if (!a->alerts.dest && !a->ipfix && a->alerts.policy && !a->f.needs_policy) {
		fprintf(stderr, "segwatch capture: --policy goes with --alerts, --ipfix, --verdict "
			"or a group: filter\n");
		return SW_EXIT_USAGE;
	}
	if (a->po.capture.file && (a->po.capture.n_ifaces || a->po.capture.duration_s > 0)) {
		fprintf(stderr, "segwatch capture: -r reads a file; it cannot be combined with -i or --duration\n");
		return SW_EXIT_USAGE;
	}
	if (a->ipfix_mode_set && !a->ipfix) {
		fprintf(stderr, "segwatch capture: --ipfix-mode, --ipfix-pen and --ipfix-labels go "
			"with --ipfix\n");
		return SW_EXIT_USAGE;
	}
	sw_capture_warn_unused(a);
	a->po.capture.ifaces = a->ifaces;
	/* a file is the past: today's engine and namespaces say nothing about it */
	if (!a->kernel_set)
		a->po.identity.kernel = !a->po.capture.file;
	if (a->po.capture.file && a->po.identity.engine == SW_ENGINE_AUTO)
		a->po.identity.engine = SW_ENGINE_OFF;
	return -1;
}

/* Returns -1 to go on, or an exit code. */
static int sw_capture_parse(struct sw_capture_args *a, int argc, char **argv)
{
	int c, rc;

	sw_flow_config_defaults(&a->po.flow);
	if ((rc = sw_cli_filter_init(&a->f, "segwatch capture")) != SW_EXIT_OK)
		return rc;
	a->f.window_selects = true; /* packets come in whatever time they were captured */
	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "r:i:d:jpw:qh", sw_capture_longopts,
				  "segwatch capture")) != -1)
		if ((rc = sw_capture_opt(a, c, argc, argv)) >= 0)
			return rc;
	return sw_capture_check(a, argc, argv);
}

static void sw_on_signal(int sig)
{
	sw_capture_stop = sig;
}

/*
 * SIGINT, SIGTERM and SIGHUP (a hangup: the session is gone) all end the
 * capture with everything written. No SA_RESTART: a blocking call returns
 * EINTR (file reads poll and look at the flag themselves, src/capture/pcap_input.c).
 */
static void sw_capture_signals(void)
{
	struct sigaction sa = { .sa_handler = sw_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Every file this command reads, and the other output: what -w and --alerts must not be. */
static size_t sw_capture_inputs(const struct sw_capture_args *a, const char *other,
				const char **v)
{
	const char *one[] = { a->po.capture.file, a->alerts.policy, a->alerts.baseline,
			      a->alerts.config, other };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (one[i])
			v[n++] = one[i];
	for (unsigned i = 0; i < a->po.identity.n_inventories && i < SW_MAX_INVENTORIES; i++)
		v[n++] = a->po.identity.inventories[i];
	return n;
}

/* -w, and --alerts DEST when it is a file, checked before anything is opened or read. */
static int sw_capture_check_outputs(const struct sw_capture_args *a, struct sw_err *err)
{
	const char *v[SW_CAPTURE_MAX_INPUTS], *dest = a->alerts.dest;
	struct sw_outfile_inputs in = { v, sw_capture_inputs(a, dest, v) };
	int rc = sw_outfile_check(a->write_path, "-w", &in, err);

	if (rc != SW_EXIT_OK || !dest || !sw_alert_dest_is_file(dest))
		return rc;
	in.n = sw_capture_inputs(a, a->write_path, v);
	return sw_outfile_check(dest, "--alerts", &in, err);
}

static void sw_on_progress(const struct sw_capture_progress *p, void *arg)
{
	(void)arg;
	sw_report_progress_line(stderr, p);
}

/* "kernel_log": [...] of the compact --json document (with --nflog only). */
static void sw_capture_print_klog(const struct sw_capture_out *out, char *line, size_t len)
{
	if (!out->klog)
		return;
	fputs(",\"kernel_log\":[", stdout);
	for (size_t i = 0; i < sw_sink_klog_n(out->klog); i++) {
		sw_sink_klog_line(out->klog, i, line, len);
		printf("%s%s", i ? ",\n" : "\n", line);
	}
	fputs("]", stdout);
}

/* The same as an array, for the indented document; NULL without --nflog. */
static json_t *sw_capture_klog_json(const struct sw_capture_out *out, char *line, size_t len)
{
	json_t *a;

	if (!out->klog || !(a = json_array()))
		return NULL;
	for (size_t i = 0; i < sw_sink_klog_n(out->klog); i++)
		if (sw_sink_klog_line(out->klog, i, line, len))
			json_array_append_new(a, json_loads(line, 0, NULL));
	return a;
}

static void sw_capture_print_compact(const struct sw_capture_args *a,
				     const struct sw_capture_out *out, const struct sw_flow_rec *flows,
				     size_t n, json_t *counters)
{
	struct sw_report_clock clk = { 0 };
	char line[SW_REPORT_FLOW_LINE_MAX];
	json_t *filter;

	printf("{\"type\":\"capture\",\"version\":1");
	if (!a->quiet) {
		fputs(",\"flows\":[", stdout);
		for (size_t i = 0; i < n; i++) {
			sw_report_flow_line(&clk, &flows[i].f, &flows[i].id, line, sizeof(line));
			printf("%s%s", i ? ",\n" : "\n", line);
		}
		fputs("]", stdout);
	}
	sw_capture_print_klog(out, line, sizeof(line));
	if ((filter = sw_cli_filter_json(&a->f))) {
		fputs(",\"filter\":", stdout);
		json_dumpf(filter, stdout, JSON_COMPACT);
		json_decref(filter);
	}
	fputs(",\"counters\":", stdout);
	json_dumpf(counters, stdout, JSON_COMPACT);
	fputs("}\n", stdout);
}

/* The --json document; flows are written as text, the rest through jansson. */
static void sw_capture_print_json(const struct sw_capture_args *a, const struct sw_capture_out *out,
				  const struct sw_flow_rec *flows, size_t n, json_t *counters)
{
	struct sw_report_clock clk = { 0 };
	char line[SW_REPORT_FLOW_LINE_MAX];
	json_t *doc, *arr, *klog;

	if (!a->pretty) {
		sw_capture_print_compact(a, out, flows, n, counters);
		return;
	}
	doc = json_pack("{s:s, s:i}", "type", "capture", "version", 1);
	arr = json_array();
	for (size_t i = 0; i < n && !a->quiet; i++) {
		sw_report_flow_line(&clk, &flows[i].f, &flows[i].id, line, sizeof(line));
		json_array_append_new(arr, json_loads(line, 0, NULL));
	}
	if (!a->quiet)
		json_object_set(doc, "flows", arr);
	if ((klog = sw_capture_klog_json(out, line, sizeof(line))))
		json_object_set_new(doc, "kernel_log", klog);
	if ((klog = sw_cli_filter_json(&a->f)))
		json_object_set_new(doc, "filter", klog);
	json_object_set(doc, "counters", counters);
	json_dumpf(doc, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(arr);
	json_decref(doc);
}

/* One line for the table output; the JSON has every counter (docs/ipfix.md). */
static void sw_capture_print_ipfix(struct sw_sink *sink)
{
	struct sw_ipfix_stats st;

	sw_sink_ipfix_stats(sink, &st);
	printf("ipfix: %llu records sent, %llu lost, %llu messages, %llu bytes",
	       (unsigned long long)st.records_sent, (unsigned long long)st.records_lost,
	       (unsigned long long)st.messages_sent, (unsigned long long)st.bytes_sent);
	if (st.last_error[0])
		printf("; last error: %s", SW_MSG(st.last_error));
	putchar('\n');
}

static int sw_capture_print(const struct sw_capture_args *a, const struct sw_capture_out *out,
			    struct sw_pipeline *p)
{
	struct sw_capture *cap = sw_pipeline_capture(p);
	const struct sw_flow_stats *fs = sw_flow_table_stats(sw_pipeline_flow_table(p));
	struct sw_flow_rec *flows = NULL;
	size_t n = 0;

	if (out->collect)
		flows = sw_sink_collect_flows(out->collect, &n);
	sw_report_flows_sort(flows, n);
	if (a->json) {
		json_t *counters = sw_pipeline_counters_json(p);

		sw_capture_print_json(a, out, flows, n, counters);
		json_decref(counters);
	} else {
		uint64_t kinds[SW_INFRA_MAX] = { 0 };

		if (out->collect) {
			/* infrastructure flows are counted, not listed (--json keeps every record) */
			size_t shown = a->all ? n : sw_report_flows_infra_split(flows, n, kinds);

			sw_cli_filter_line(&a->f, stdout, UINT64_MAX, "the counters describe every flow");
			sw_report_flows_text(stdout, flows, shown);
			sw_report_infra_text(stdout, kinds, 0, "listed");
		}
		sw_report_counters_text(stdout, sw_capture_counters(cap), fs, a->po.flow.max_flows);
		if (out->klog)
			sw_sink_klog_text(out->klog, stdout);
		if (out->ipfix)
			sw_capture_print_ipfix(out->ipfix);
	}
	if (fflush(stdout) == EOF || (out->collect && sw_sink_collect_failed(out->collect))) {
		fprintf(stderr, "segwatch: writing output failed\n");
		return SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

/* The sinks this command's options ask for. */
static int sw_capture_add_sinks(struct sw_capture_args *a, struct sw_pipeline *p,
				struct sw_capture_out *out, struct sw_err *err)
{
	bool write_stdout = sw_outfile_is_stdout(a->write_path);
	int rc = SW_EXIT_OK;

	if (a->write_path) {
		const char *v[SW_CAPTURE_MAX_INPUTS];
		struct sw_outfile_inputs in = { v, sw_capture_inputs(a, a->alerts.dest, v) };

		rc = sw_outfile_open(&out->w, a->write_path, "-w", SW_OUTFILE_STREAM, &in, err);
		if (rc != SW_EXIT_OK)
			return rc;
		out->stream = sw_outfile_stream(out->w);
		rc = sw_pipeline_sink_add(p, "jsonl", &(struct sw_sink_jsonl_opts){
					  out->stream, sw_cli_filter_query(&a->f) }, NULL, err);
	}
	/* --json -q needs no flows in memory: only counters are printed */
	if (rc == SW_EXIT_OK && !a->quiet && !write_stdout)
		rc = sw_pipeline_sink_add(p, "collect", &(struct sw_sink_collect_opts){
					  sw_cli_filter_query(&a->f) }, &out->collect, err);
	if (rc == SW_EXIT_OK && a->po.nflog_group >= 0)
		rc = sw_pipeline_sink_add(p, "klog", NULL, &out->klog, err);
	if (rc == SW_EXIT_OK && a->alerts.dest)
		rc = sw_pipeline_sink_add(p, "alerts", &a->alerts, NULL, err);
	if (rc == SW_EXIT_OK && a->ipfix) {
		struct sw_sink_ipfix_opts io = { &a->ipfix_opts, a->policy };

		rc = sw_pipeline_sink_add(p, "ipfix", &io, &out->ipfix, err);
	}
	return rc;
}

/*
 * A file read that stopped before its end: say where and why. Damaged: exit 2
 * (bad input file contents), an I/O error 3; interrupted: the signal is
 * raised again once everything is written (*@resignal).
 */
static int sw_capture_input_end(const struct sw_capture_args *a, struct sw_pipeline *p,
				int *resignal)
{
	struct sw_capture *cap = sw_pipeline_capture(p);
	const struct sw_capture_input *in;

	if (!a->po.capture.file || !cap)
		return SW_EXIT_OK;
	in = &sw_capture_counters(cap)->input;
	switch (in->end) {
	case SW_INPUT_END_DAMAGED:
	case SW_INPUT_END_IO_ERROR:
		fprintf(stderr, "segwatch: %s: %s; the flows of the records before it are reported",
			a->po.capture.file, in->error);
		if (in->records)
			fprintf(stderr, " (%llu)", (unsigned long long)in->records);
		fputc('\n', stderr);
		return in->end == SW_INPUT_END_DAMAGED ? SW_EXIT_USAGE : SW_EXIT_RUNTIME;
	case SW_INPUT_END_INTERRUPTED:
		fprintf(stderr, "segwatch: %s: interrupted at byte %llu; the flows read so far are "
			"reported\n", a->po.capture.file, (unsigned long long)in->offset);
		*resignal = sw_capture_stop;
		return SW_EXIT_OK;
	default:
		return SW_EXIT_OK;
	}
}

/* The sinks end (the writer thread drains) before the -w stream is closed. */
static int sw_capture_end(const struct sw_capture_args *a, struct sw_pipeline *p,
			    struct sw_capture_out *out, int rc)
{
	struct sw_err err = { 0 };

	if (!sw_pipeline_close(p) && rc == SW_EXIT_OK) {
		/* -w, else the alerts (a webhook that gave up) */
		fprintf(stderr, "segwatch: %s: write failed\n",
			SW_MSG(a->write_path ? a->write_path : a->alerts.dest ? a->alerts.dest : "output"));
		rc = SW_EXIT_RUNTIME;
	}
	if (sw_outfile_commit(out->w, &err) != SW_EXIT_OK && rc == SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
		rc = SW_EXIT_RUNTIME;
	}
	return rc;
}

static int sw_capture_execute(struct sw_capture_args *a, int *resignal)
{
	bool write_stdout = sw_outfile_is_stdout(a->write_path);
	struct sw_capture_out out = { 0 };
	struct sw_pipeline *p = NULL;
	struct sw_err err = { 0 };
	int rc, end_rc = SW_EXIT_OK;

	a->po.with_identity = sw_identity_opts_any(&a->po.identity);
	a->po.capture.stop = &sw_capture_stop;
	if (isatty(STDERR_FILENO))
		a->po.capture.progress = sw_on_progress;
	rc = sw_capture_check_outputs(a, &err);
	/* IPFIX and the filter judge flows with the policy too: loaded once, shared with the alerts */
	if (rc == SW_EXIT_OK && (a->ipfix || a->f.needs_policy) && a->alerts.policy) {
		if ((rc = sw_cli_policy_load(a->alerts.policy, &a->policy)) != SW_EXIT_OK)
			return rc;
		a->alerts.policy_obj = a->policy;
	}
	if (rc == SW_EXIT_OK &&
	    (rc = sw_cli_filter_compile(&a->f, a->policy, a->alerts.policy)) != SW_EXIT_OK)
		return rc;
	/* until the sources are open (an engine that does not answer), a signal just ends us */
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_open(&p, &a->po, &err);
	if (rc == SW_EXIT_OK) {
		sw_capture_signals();
		rc = sw_capture_add_sinks(a, p, &out, &err);
	}
	if (rc == SW_EXIT_OK)
		rc = sw_pipeline_run(p, &err);
	if (a->po.capture.progress)
		sw_report_progress_clear(stderr);
	if (rc == SW_EXIT_OK)
		sw_pipeline_finish(p);
	if (rc == SW_EXIT_OK && !write_stdout)
		rc = sw_capture_print(a, &out, p);
	if (rc == SW_EXIT_OK && p)
		end_rc = sw_capture_input_end(a, p, resignal);
	if (rc != SW_EXIT_OK && err.msg[0])
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	/* interrupted before the file's header: nothing read, ended by the signal */
	if (rc != SW_EXIT_OK && a->po.capture.file && sw_capture_stop)
		*resignal = sw_capture_stop;
	rc = sw_capture_end(a, p, &out, rc);
	return rc == SW_EXIT_OK ? end_rc : rc;
}

int sw_cmd_capture(int argc, char **argv)
{
	struct sw_capture_args a = { .po.nflog_group = -1, .alert_opts.o = &a.alerts };
	int rc = sw_capture_parse(&a, argc, argv), resignal = 0;

	if (rc < 0)
		rc = sw_capture_execute(&a, &resignal);
	for (unsigned i = 0; i < a.n_iface_buf; i++)
		free(a.iface_buf[i]);
	sw_cli_filter_free(&a.f);
	sw_policy_free(a.policy);
	if (resignal) { /* a file read cut short by a signal ends by it: status 128+N */
		signal(resignal, SIG_DFL);
		raise(resignal);
	}
	return rc;
}
