// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * segwatch graph | graph merge | report: flow files and the agent's history
 * (src/query's record reader, a --since/--until window) -> the flow graph
 * (table, JSON, dot), saved graphs merged, and the audit against a policy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <jansson.h>
#include <segwatch/clock.h>
#include <segwatch/compile.h>
#include <segwatch/graph.h>
#include <segwatch/nft.h>
#include <segwatch/outfile.h>
#include <segwatch/graph_html.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>
#include <segwatch/text.h>

#include "cli.h"
#include "filter.h"

int sw_cmd_graph(int argc, char **argv);
int sw_cmd_report(int argc, char **argv);

struct sw_graph_args;
static int sw_graph_run(struct sw_graph_args *a);
static int sw_report_run(struct sw_graph_args *a);

struct sw_graph_args {
	const char *policy_file, *diff, *out, *format, *group_by;
	const char *staged_file;	/* report --staged: a candidate judged beside --policy */
	struct sw_cli_filter f;		/* --since ... --verdict (filter.h) */
	const char *since_file;		/* report: --since naming a file, taken as --diff */
	char who[32];			/* "segwatch graph": how messages start */
	bool help, all;
	char **files;
	int n_files;
};

static void sw_graph_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch graph FLOWS... [FILTERS] [--group-by workload|group|LABEL]\n"
		"                      [--policy FILE] [--json | --format table|json|dot|html] [-o FILE]\n"
		"       segwatch graph merge GRAPH... [-o FILE]\n\n"
		"FLOWS: the agent's history directory (or its .zst files), `segwatch capture -w`\n"
		"JSON lines, `capture --json` documents, or saved graphs; read in the order given.\n"
		"Flows the filters do not match make no node or edge; saved graphs are merged\n"
		"whole, and the completeness counters describe every packet read.\n\n"
		SW_FILTER_HELP "\n"
		"options:\n"
		"  --group-by KEY  nodes are workloads (default), policy groups (needs --policy),\n"
		"                  or the values of label KEY (\"(no KEY)\" for workloads without it)\n"
		"  --policy FILE   judge every edge: allowed, violation, monitor, unmanaged\n"
		"  --all           draw infrastructure traffic too (ND, MLD, IGMP, DAD, DHCP:\n"
		"                  docs/flows.md#infrastructure-traffic); by default it is counted\n"
		"  --json          the graph document (docs/graph.md); same as --format json\n"
		"  --format dot    Graphviz: nodes coloured by group, edges by verdict\n"
		"  --format html   one self-contained page (offline): pan, zoom, details on click\n"
		"  -o FILE         write to FILE instead of standard output\n"
		"  -h, --help      this text\n"
		"merge: graphs saved by several hosts, one graph keyed by workload identity.\n\n"
		"examples:\n"
		"  segwatch graph /var/lib/segwatch/flows --since 2h --format html -o graph.html\n"
		"  segwatch graph flows.jsonl --policy shop.json --group-by group --format dot\n"
		"  segwatch graph flows.jsonl --from 'app=web' --to 10.77.0.0/24 --port 5432 --json\n"
		"  segwatch graph flows.jsonl --policy shop.json --verdict denied --to group:db\n"
		"  segwatch graph merge host1.json host2.json -o all.json\n"
		SW_HELP_EXIT SW_HELP_EXIT_0 SW_HELP_EXIT_2 SW_HELP_EXIT_3);
}

static void sw_report_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch report --policy FILE FLOWS... [FILTERS] [--diff OLD]\n"
		"                       [--staged CANDIDATE] [--group-by KEY] [--json] [-o FILE]\n\n"
		"Judges every edge of the flows against the policy and lists edges by verdict,\n"
		"with how complete the capture was (kernel drops, malformed, duplicates), what\n"
		"the kernel logged (`capture --nflog`: packets dropped, or that monitor mode\n"
		"would have dropped, by rule and endpoint pair) and, when a segwatch ruleset\n"
		"is applied, what its rules counted in the kernel.\n"
		"FLOWS: the agent's history directory (or its .zst files), `segwatch capture -w`\n"
		"JSON lines, `capture --json` documents, or saved graphs.\n"
		"Filters choose the flows judged (--since and --until also the kernel log\n"
		"records); the completeness and the kernel log describe the whole input.\n\n"
		SW_FILTER_HELP "\n"
		"options:\n"
		"  --policy FILE   the policy every edge is judged by (required)\n"
		"  --staged CANDIDATE  judge every flow by CANDIDATE too, enforcing nothing:\n"
		"               edges it would newly deny or newly allow, verdict changes by\n"
		"               rule, rules of either policy no flow used (docs/policy.md\n"
		"               \"Staged policies\"); the exit code stays --policy's\n"
		"  --diff OLD   an earlier graph or flow file: new edges, vanished edges\n"
		"               (--since OLD, naming an existing file, still means this)\n"
		"  --all        judge infrastructure traffic too (ND, MLD, IGMP, DAD, DHCP:\n"
		"               docs/flows.md#infrastructure-traffic); by default it is counted\n"
		"  --group-by KEY  nodes are workloads (default), policy groups, or label KEY\n"
		"  --json       the report as JSON; same as --format json\n"
		"  --format F   table (default) or json\n"
		"  -o FILE      write to FILE instead of standard output\n"
		"  -h, --help   this text\n"
		"Allow rules no flow used are listed. Exit 1 when there are violations.\n\n"
		"examples:\n"
		"  segwatch report --policy policy.json /var/lib/segwatch/flows --since 2h\n"
		"  segwatch report --policy policy.json today.jsonl --diff yesterday.json --json\n"
		"  segwatch report --policy policy.json flows.jsonl --from 'app=web' --state refused\n"
		"  segwatch report --policy enforced.json --staged candidate.json /var/lib/segwatch/flows\n"
		SW_HELP_EXIT "  0  done: no violations\n"
		"  1  violations: edges the policy does not allow (--policy's verdicts: with\n"
		"     --staged too, what the candidate would deny does not change the exit code)\n"
		SW_HELP_EXIT_2 SW_HELP_EXIT_3);
}

static const struct option sw_graph_longopts[] = {
	{ "group-by", required_argument, NULL, 'g' },
	{ "policy", required_argument, NULL, 'P' },
	{ "staged", required_argument, NULL, 'S' },
	SW_FILTER_LONGOPTS,
	{ "diff", required_argument, NULL, 'D' },
	{ "format", required_argument, NULL, 'f' },
	{ "json", no_argument, NULL, 'j' },
	{ "output", required_argument, NULL, 'o' },
	{ "all", no_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * A filter option. For report, --since naming a file that exists is the
 * earlier graph (--diff), as it was before the window options existed.
 */
static int sw_graph_filter_opt(struct sw_graph_args *a, int c, bool since_file)
{
	struct stat st;

	if (since_file && c == SW_FILTER_OPT + SW_QUERY_SINCE && stat(optarg, &st) == 0) {
		a->since_file = optarg;
		return SW_EXIT_OK;
	}
	return sw_cli_filter_opt(&a->f, c, optarg);
}

/* Options of both commands; -1 to go on, an exit code otherwise. */
static int sw_graph_parse(struct sw_graph_args *a, int argc, char **argv, const char *cmd)
{
	int c, rc;

	snprintf(a->who, sizeof(a->who), "segwatch %s", cmd);
	if ((rc = sw_cli_filter_init(&a->f, a->who)) != SW_EXIT_OK)
		return rc;
	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "jho:", sw_graph_longopts, a->who)) != -1) {
		if (sw_cli_filter_is_opt(c)) {
			rc = sw_graph_filter_opt(a, c, strcmp(cmd, "report") == 0);
			if (rc != SW_EXIT_OK)
				return rc;
		} else if (c == 'g')
			a->group_by = optarg;
		else if (c == 'P')
			a->policy_file = optarg;
		else if (c == 'D')
			a->diff = optarg;
		else if (c == 'S')
			a->staged_file = optarg;
		else if (c == 'f')
			a->format = optarg;
		else if (c == 'j')
			a->format = "json";
		else if (c == 'o')
			a->out = optarg;
		else if (c == 'h')
			a->help = true;
		else if (c == 'A')
			a->all = true;
		else /* sw_cli_getopt said what was wrong, in one line */
			return SW_EXIT_USAGE;
	}
	/* with --diff given too, such a --since is a time after all (and not one) */
	if (a->since_file && !a->diff)
		a->diff = a->since_file;
	else if (a->since_file &&
		 (rc = sw_cli_filter_opt(&a->f, SW_FILTER_OPT + SW_QUERY_SINCE, a->since_file)))
		return rc;
	a->files = argv + optind;
	a->n_files = argc - optind;
	return -1;
}

static int sw_graph_opts_fill(const struct sw_graph_args *a, const struct sw_policy *p,
			      struct sw_graph_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->policy = p;
	o->all = a->all;
	o->filter = sw_cli_filter_query(&a->f);
	if (!a->group_by || strcmp(a->group_by, "workload") == 0)
		o->by = SW_GRAPH_BY_WORKLOAD;
	else if (strcmp(a->group_by, "group") == 0)
		o->by = SW_GRAPH_BY_GROUP;
	else
		o->by = SW_GRAPH_BY_LABEL, o->label = a->group_by;
	return SW_EXIT_OK;
}

/* A graph from @files, flows in the window [@win[0], @win[1]]; NULL with the error printed. */
static struct sw_graph *sw_graph_from_files(const struct sw_graph_opts *o, char **files, int n,
					    const uint64_t win[2], const char *cmd, int *rc)
{
	struct sw_err err = { 0 };
	struct sw_graph *g = sw_graph_alloc(o, &err);

	*rc = g ? SW_EXIT_OK : err.code;
	if (g && (*rc = sw_graph_load_window(g, (const char *const *)files, (size_t)n, win[0],
					     win[1], &err))) {
		sw_graph_free(g);
		g = NULL;
	}
	if (!g)
		fprintf(stderr, "segwatch %s: %s\n", cmd, SW_MSG(err.msg));
	return g;
}

/* What -o must not overwrite: FLOWS, --policy, --staged, --diff. @v has room for n_files + 3. */
static struct sw_outfile_inputs sw_graph_inputs(const struct sw_graph_args *a, const char **v)
{
	size_t n = 0;

	for (int i = 0; i < a->n_files; i++)
		v[n++] = a->files[i];
	if (a->policy_file)
		v[n++] = a->policy_file;
	if (a->staged_file)
		v[n++] = a->staged_file;
	if (a->diff)
		v[n++] = a->diff;
	return (struct sw_outfile_inputs){ v, n };
}

/* -o checked (check_only) or opened as a whole file: written aside, renamed at the end. */
static struct sw_outfile *sw_graph_out_open(const struct sw_graph_args *a, bool check_only,
					    int *rc)
{
	const char **v = calloc((size_t)a->n_files + 3, sizeof(*v));
	struct sw_outfile_inputs in;
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };

	if (!v) {
		*rc = sw_err_set(&err, SW_EXIT_RUNTIME, "out of memory");
	} else {
		in = sw_graph_inputs(a, v);
		*rc = check_only ? sw_outfile_check(a->out, "-o", &in, &err) :
		      sw_outfile_open(&o, a->out ? a->out : "-", "-o", SW_OUTFILE_WHOLE, &in, &err);
	}
	if (*rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	free(v);
	return o;
}

/* Committed when all went well (@rc), else the old file stays. */
static int sw_graph_out_close(struct sw_outfile *o, int rc)
{
	struct sw_err err = { 0 };

	if (rc != SW_EXIT_OK) {
		sw_outfile_abort(o);
		return rc;
	}
	if (sw_outfile_commit(o, &err) != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
		return err.code;
	}
	return SW_EXIT_OK;
}

static int sw_json_write(json_t *doc, FILE *f)
{
	if (!doc) {
		fprintf(stderr, "segwatch: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	json_dumpf(doc, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(doc);
	return SW_EXIT_OK;
}

/*
 * With a filter, a JSON document says which ({"options":{"from":[...]},
 * "flows_left_out":N}): a graph of some flows must not pass for the whole.
 */
static json_t *sw_graph_with_filter(json_t *doc, const struct sw_graph_args *a,
				    const struct sw_graph *g)
{
	json_t *opts = sw_cli_filter_json(&a->f);

	if (doc && opts)
		json_object_set_new(doc, "filter", json_pack("{s:o, s:I}", "options", opts,
					"flows_left_out", (json_int_t)sw_graph_flows_left_out(g)));
	else
		json_decref(opts);
	return doc;
}

#define SW_GRAPH_WHOLE "completeness counters describe the whole input"
#define SW_REPORT_WHOLE "completeness and kernel log describe the whole input"

/* One self-contained page: the graph's JSON embedded in the viewer (docs/graph-html.md). */
static int sw_graph_write_html(const struct sw_graph *g, const struct sw_graph_args *a, FILE *f)
{
	json_t *doc = sw_graph_with_filter(sw_graph_to_json(g), a, g);
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	int rc = text && sw_graph_html_write(f, text, "segwatch flow graph") == 0 ?
		SW_EXIT_OK : SW_EXIT_RUNTIME;

	free(text);
	json_decref(doc);
	return rc;
}

static int sw_graph_emit(const struct sw_graph *g, const struct sw_graph_args *a)
{
	const char *format = a->format;
	struct sw_outfile *o;
	int rc;
	FILE *f;

	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "dot") &&
	    strcmp(format, "html")) {
		fprintf(stderr, "segwatch graph: unknown format %s (table, json, dot, html)\n",
			SW_QUOTE(format));
		return SW_EXIT_USAGE;
	}
	if (!(o = sw_graph_out_open(a, false, &rc)))
		return rc;
	f = sw_outfile_stream(o);
	if (strcmp(format, "json") == 0) {
		rc = sw_json_write(sw_graph_with_filter(sw_graph_to_json(g), a, g), f);
	} else if (strcmp(format, "dot") == 0) {
		if (sw_cli_filter_query(&a->f)) { /* a dot comment */
			fputs("// ", f);
			sw_cli_filter_line(&a->f, f, sw_graph_flows_left_out(g), SW_GRAPH_WHOLE);
		}
		sw_graph_write_dot(g, f);
	} else if (strcmp(format, "html") == 0) {
		rc = sw_graph_write_html(g, a, f);
	} else {
		sw_cli_filter_line(&a->f, f, sw_graph_flows_left_out(g), SW_GRAPH_WHOLE);
		sw_graph_write_table(g, f);
	}
	return sw_graph_out_close(o, rc);
}

int sw_cmd_graph(int argc, char **argv)
{
	struct sw_graph_args a = { .format = "table" };
	int rc = sw_graph_parse(&a, argc, argv, "graph");

	if (rc < 0)
		rc = sw_graph_run(&a);
	sw_cli_filter_free(&a.f);
	return rc;
}

static int sw_graph_run(struct sw_graph_args *ap)
{
	struct sw_graph_args a = *ap;
	struct sw_policy *p = NULL;
	struct sw_graph_opts o;
	struct sw_graph *g;
	uint64_t win[2];
	bool merge;
	int rc;

	if (a.help)
		return sw_graph_usage(stdout), SW_EXIT_OK;
	merge = a.n_files > 0 && strcmp(a.files[0], "merge") == 0;
	if (a.diff)
		sw_cli_warn_unused("segwatch graph", "--diff", "in graph (segwatch report --diff "
				   "lists new and vanished edges)");
	if (a.staged_file)
		sw_cli_warn_unused("segwatch graph", "--staged", "in graph (segwatch report "
				   "--staged lists what a candidate policy would change)");
	if (merge && strcmp(a.format, "json") && strcmp(a.format, "table"))
		sw_cli_warn_unused("segwatch graph merge", "--format", "in merge: it writes the "
				   "graph document (JSON)");
	if (merge)
		a.files++, a.n_files--, a.format = "json";
	if (a.n_files == 0) {
		sw_cli_usage_error(merge ? "segwatch graph merge" : "segwatch graph",
				   merge ? "no GRAPH files given" : "no FLOWS given");
		return SW_EXIT_USAGE;
	}
	sw_graph_out_open(&a, true, &rc);
	if (rc != SW_EXIT_OK)
		return rc;
	if ((rc = sw_cli_policy_load_opt(a.policy_file, &p)))
		return rc;
	if ((rc = sw_cli_filter_compile(&a.f, p, a.policy_file))) {
		sw_policy_free(p);
		return rc;
	}
	sw_graph_opts_fill(&a, p, &o);
	sw_cli_filter_window(&a.f, &win[0], &win[1]);
	if ((g = sw_graph_from_files(&o, a.files, a.n_files, win, "graph", &rc)))
		rc = sw_graph_emit(g, &a);
	sw_graph_free(g);
	sw_policy_free(p);
	return rc;
}

/* The report once both graphs are built; exit 1 on violations. */
static int sw_report_emit(const struct sw_graph *g, const struct sw_graph *old,
			  const struct sw_graph_args *a)
{
	json_t *r = sw_graph_report_json(g, old);
	struct sw_outfile *o = NULL;
	int rc;
	FILE *f;

	if (!r || !(o = sw_graph_out_open(a, false, &rc))) {
		json_decref(r);
		return r ? rc : SW_EXIT_RUNTIME;
	}
	f = sw_outfile_stream(o);
	sw_graph_with_filter(r, a, g);
	if (strcmp(a->format, "json") == 0) {
		rc = sw_json_write(json_incref(r), f);
	} else {
		sw_cli_filter_line(&a->f, f, sw_graph_flows_left_out(g), SW_REPORT_WHOLE);
		sw_graph_report_write(r, f);
	}
	json_decref(r);
	rc = sw_graph_out_close(o, rc);
	if (rc == SW_EXIT_OK && sw_graph_count_verdict(g, SW_GV_VIOLATION))
		rc = SW_EXIT_LATERAL;
	return rc;
}

/*
 * The kernel's side of the picture, when a segwatch ruleset is applied: what
 * each rule let through or stopped (its counters), next to what the capture
 * saw. Denied packets never reach a capture behind the drop point.
 */
static void sw_report_kernel(FILE *out)
{
	struct sw_nft_rule_counters *c = NULL;
	struct sw_err err = { 0 };
	size_t n = 0;

	if (!sw_nft_table_exists(SW_COMPILE_TABLE))
		return;
	if (sw_nft_read_counters(SW_COMPILE_TABLE, SW_COMPILE_CHAIN, &c, &n, &err) != SW_EXIT_OK) {
		fprintf(out, "\nkernel: cannot read the applied ruleset's counters: %s\n", SW_MSG(err.msg));
		return;
	}
	fprintf(out, "\nkernel (table inet %s, counters since it was applied):\n", SW_COMPILE_TABLE);
	for (size_t i = 0; i < n; i++)
		if (c[i].packets)
			fprintf(out, "  %10llu packets  %s\n", (unsigned long long)c[i].packets,
				SW_CELL(c[i].comment));
	free(c);
}

int sw_cmd_report(int argc, char **argv)
{
	struct sw_graph_args a = { .format = "table" };
	int rc = sw_graph_parse(&a, argc, argv, "report");

	if (rc < 0)
		rc = sw_report_run(&a);
	sw_cli_filter_free(&a.f);
	return rc;
}

/* The earlier graph (--diff), its flows filtered alike (*@q, to free after it) but not windowed. */
static struct sw_graph *sw_report_old(struct sw_graph_args *a, const struct sw_policy *p,
				      struct sw_graph_opts o, struct sw_query **q, int *rc)
{
	if ((*rc = sw_cli_filter_query_timeless(&a->f, p, a->policy_file, q)) != SW_EXIT_OK)
		return NULL;
	o.filter = *q;
	o.staged = NULL; /* the candidate is about the flows judged now */
	return sw_graph_from_files(&o, (char **)&a->diff, 1, (uint64_t[2]){ 0, 0 }, "report", rc);
}

static int sw_report_run(struct sw_graph_args *ap)
{
	struct sw_graph_args a = *ap;
	struct sw_graph *g = NULL, *old = NULL;
	struct sw_query *old_filter = NULL;
	struct sw_policy *p = NULL, *staged = NULL;
	struct sw_graph_opts o;
	uint64_t win[2];
	int rc;

	if (a.help)
		return sw_report_usage(stdout), SW_EXIT_OK;
	if (!a.policy_file || a.n_files == 0) {
		sw_cli_usage_error("segwatch report", "%s", a.policy_file ? "no FLOWS files given" :
				   "--policy FILE is required");
		return SW_EXIT_USAGE;
	}
	if (strcmp(a.format, "dot") == 0 || strcmp(a.format, "html") == 0) {
		sw_cli_warn_unused("segwatch report", strcmp(a.format, "dot") ? "--format html" :
				   "--format dot", "in report: it prints a table or JSON (segwatch "
				   "graph draws the graph)");
		a.format = "table";
	} else if (strcmp(a.format, "table") && strcmp(a.format, "json")) {
		sw_cli_usage_error("segwatch report", "unknown format %s (table, json)",
				   SW_QUOTE(a.format));
		return SW_EXIT_USAGE;
	}
	sw_graph_out_open(&a, true, &rc);
	if (rc != SW_EXIT_OK)
		return rc;
	if ((rc = sw_cli_policy_load_opt(a.policy_file, &p)))
		return rc;
	if ((rc = sw_cli_policy_load_opt(a.staged_file, &staged)) ||
	    (rc = sw_cli_filter_compile(&a.f, p, a.policy_file))) {
		sw_policy_free(staged);
		sw_policy_free(p);
		return rc;
	}
	sw_graph_opts_fill(&a, p, &o);
	o.kernel_log = true; /* only the report shows the kernel's log */
	o.staged = staged;
	sw_cli_filter_window(&a.f, &win[0], &win[1]);
	if ((g = sw_graph_from_files(&o, a.files, a.n_files, win, "report", &rc)) &&
	    (!a.diff || (old = sw_report_old(&a, p, o, &old_filter, &rc))))
		rc = sw_report_emit(g, old, &a);
	if (g && strcmp(a.format, "table") == 0 && !a.out)
		sw_report_kernel(stdout);
	sw_graph_free(old);
	sw_query_free(old_filter);
	sw_graph_free(g);
	sw_policy_free(staged);
	sw_policy_free(p);
	return rc;
}
