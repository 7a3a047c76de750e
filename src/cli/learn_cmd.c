/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch learn: from watching to enforcing. Observed flows become a policy
 * (same language as `segwatch policy`) that allows exactly the answered
 * connections seen, in monitor mode by default, and the baseline that
 * new-edge alerts use.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/clock.h>
#include <segwatch/learn.h>
#include <segwatch/outfile.h>
#include <segwatch/query.h>
#include <segwatch/report.h>
#include <segwatch/text.h>

#include "cli.h"
#include "policy_cmd.h"

struct sw_learn_args {
	const char *group_by;
	const char *policy_out;
	const char *baseline_out;
	const char *name;
	const char *format;		/* segwatch (default), networkpolicy, adminnetworkpolicy */
	const char *namespace;		/* --namespace, for the Kubernetes formats */
	const char *since, *until;	/* the window of FLOWS */
	bool enforce;
	bool all;			/* --all: learn infrastructure flows too */
	bool verbose;			/* -v: list what was not learned */
	char **files;			/* FLOWS */
	int n_files;
};

static void sw_learn_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch learn FLOWS... [--since T] [--until T] [--group-by LABEL] [-o POLICY]\n"
		"                      [--baseline FILE] [--name NAME] [--enforce] [-v]\n"
		"                      [--format FORMAT] [--namespace NS]\n\n"
		"Write a policy that allows exactly the answered connections in FLOWS (the\n"
		"agent's history directory or its .zst files, segwatch capture -w or --json\n"
		"output, in the order given): groups from the workloads' LABEL (default app),\n"
		"one allow rule per observed group pair and protocol with its ports, default\n"
		"deny, mode monitor (--enforce for enforce). Unanswered and refused attempts are\n"
		"not learned: stderr counts them (-v lists them). --baseline writes the observed\n"
		"edges for new-edge alerts.\n\n"
		"  -o, --output FILE   the policy (default: stdout)\n"
		"      --format FORMAT segwatch (default: the policy JSON), networkpolicy or\n"
		"                      adminnetworkpolicy: the learned policy as Kubernetes YAML,\n"
		"                      as segwatch policy export writes it (warnings on stderr)\n"
		"      --namespace NS  with a Kubernetes format: namespace of the groups\n"
		"                      (default: default)\n"
		"      --baseline FILE the learned baseline (docs/alerts.md)\n"
		"      --since T       only flows still going at or after T: 10m, 2h, 7d (ago),\n"
		"                      2026-12-01T14:00:00Z, @1764597600 (as segwatch flows)\n"
		"      --until T       only flows that began at or before T\n"
		"      --group-by LABEL label key that names the groups (default app)\n"
		"      --name NAME     the policy's name\n"
		"      --enforce       mode enforce instead of monitor\n"
		"      --all           learn infrastructure traffic too (ND, MLD, IGMP, DAD, DHCP:\n"
		"                      docs/flows.md#infrastructure-traffic); by default counted\n"
		"  -v, --verbose       list the connections not learned (JSON) after the summary\n"
		"  -h, --help          this text\n\n"
		"examples:\n"
		"  segwatch learn /var/lib/segwatch/flows --since 2h -o policy.json --baseline baseline.json\n"
		"  segwatch learn flows.jsonl --group-by tier --name shop --enforce -o shop.json\n"
		"  segwatch learn flows.jsonl --enforce --format networkpolicy --namespace shop -o np.yaml\n"
		SW_HELP_EXIT SW_HELP_EXIT_0 SW_HELP_EXIT_2 SW_HELP_EXIT_3);
}

/* @doc as a whole file (written aside, renamed into place); @in: what it must not overwrite. */
static int sw_learn_write(const char *path, const char *what, json_t *doc,
			  const struct sw_outfile_inputs *in)
{
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };
	int rc = doc ? sw_outfile_open(&o, path, what, SW_OUTFILE_WHOLE, in, &err) :
		 sw_err_set(&err, SW_EXIT_RUNTIME, "%s: nothing to write", path);

	if (rc == SW_EXIT_OK && json_dumpf(doc, sw_outfile_stream(o), JSON_INDENT(2)) != 0) {
		sw_outfile_abort(o);
		rc = sw_err_set(&err, SW_EXIT_RUNTIME, "%s: cannot write", path);
	} else if (rc == SW_EXIT_OK) {
		fputc('\n', sw_outfile_stream(o));
		rc = sw_outfile_commit(o, &err);
	}
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	return rc;
}

/*
 * What output @i (0: -o, 1: --baseline) must not overwrite: FLOWS and the
 * other output. @v has room for n + 1.
 */
static struct sw_outfile_inputs sw_learn_inputs(const struct sw_learn_args *a, int i,
						const char **v)
{
	const char *other = i == 0 ? a->baseline_out : a->policy_out;
	size_t n = 0;

	for (int k = 0; k < a->n_files; k++)
		v[n++] = a->files[k];
	if (other)
		v[n++] = other;
	return (struct sw_outfile_inputs){ v, n };
}

/* -o and --baseline, checked before anything is read. */
static int sw_learn_check_outputs(const struct sw_learn_args *a)
{
	const char **v = calloc((size_t)a->n_files + 1, sizeof(*v));
	struct sw_err err = { 0 };
	struct sw_outfile_inputs in;
	int rc = v ? SW_EXIT_OK : SW_EXIT_RUNTIME;

	for (int i = 0; i < 2 && rc == SW_EXIT_OK; i++) {
		in = sw_learn_inputs(a, i, v);
		rc = sw_outfile_check(i == 0 ? a->policy_out : a->baseline_out,
				      i == 0 ? "-o" : "--baseline", &in, &err);
		if (rc != SW_EXIT_OK)
			fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	}
	free(v);
	return rc;
}

static const struct option sw_learn_longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "baseline", required_argument, NULL, 'b' },
	{ "group-by", required_argument, NULL, 'g' },
	{ "name", required_argument, NULL, 'n' },
	{ "enforce", no_argument, NULL, 'e' },
	{ "all", no_argument, NULL, 'A' },
	{ "since", required_argument, NULL, 's' },
	{ "until", required_argument, NULL, 'u' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "format", required_argument, NULL, 'F' },
	{ "namespace", required_argument, NULL, 'N' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool sw_learn_kubernetes(const struct sw_learn_args *a)
{
	return a->format && strcmp(a->format, "segwatch") != 0;
}

/* --format checked before anything is read. */
static int sw_learn_check_format(const struct sw_learn_args *a)
{
	struct sw_export_cli o = { .format = a->format, .namespace = a->namespace };
	enum sw_netpol_format fmt;

	if (sw_learn_kubernetes(a))
		return sw_export_cli_check("segwatch learn", &o, &fmt);
	if (a->namespace) {
		sw_cli_usage_error("segwatch learn", "--namespace needs --format networkpolicy or "
				   "adminnetworkpolicy");
		return SW_EXIT_USAGE;
	}
	return SW_EXIT_OK;
}

/* The learned policy (checked as any policy file is) written in a Kubernetes format. */
static int sw_learn_export(const struct sw_learn_args *a, json_t *policy,
			   const struct sw_outfile_inputs *in)
{
	struct sw_export_cli o = { .format = a->format, .namespace = a->namespace,
				   .output = a->policy_out };
	char *text = json_dumps(policy, 0);
	struct sw_policy *p = NULL;
	struct sw_diags d;
	char buf[1024];
	int rc;

	if (!text)
		return SW_EXIT_RUNTIME;
	sw_diags_init(&d);
	rc = sw_policy_load_buffer(text, strlen(text), "learned", &p, &d);
	for (size_t i = 0; i < d.n; i++) /* the learned policy's own warnings, as check gives them */
		fprintf(stderr, "%s\n", SW_MSG(sw_diag_format("learned", &d.v[i], buf, sizeof(buf))));
	if (rc == SW_EXIT_OK)
		rc = sw_export_cli_write(p, "learned", &o, in);
	sw_policy_free(p);
	sw_diags_clear(&d);
	free(text);
	return rc;
}

/* "3 groups, 4 rules, written to policy.json": what was learned, in one line. */
static void sw_learn_summary(const struct sw_learn_args *a, json_t *policy)
{
	size_t g = json_object_size(json_object_get(policy, "groups"));
	size_t r = json_array_size(json_object_get(policy, "rules"));

	fprintf(stderr, "policy: %zu group%s, %zu rule%s, written to %s\n", g, g == 1 ? "" : "s", r,
		r == 1 ? "" : "s", a->policy_out ? SW_CELL(a->policy_out) : "stdout");
	if (a->baseline_out)
		fprintf(stderr, "baseline: written to %s\n", SW_CELL(a->baseline_out));
}

static int sw_learn_emit(const struct sw_learn_args *a, struct sw_learn *l)
{
	struct sw_learn_policy_opts po = { .name = a->name, .enforce = a->enforce };
	const struct sw_learn_stats *st = sw_learn_stats(l);
	json_t *policy = sw_learn_policy_json(l, &po), *unanswered = sw_learn_unanswered_json(l);
	int rc = SW_EXIT_OK;

	const char **v = calloc((size_t)a->n_files + 1, sizeof(*v));
	struct sw_outfile_inputs in;

	if (!v) {
		json_decref(policy);
		json_decref(unanswered);
		return SW_EXIT_RUNTIME;
	}
	in = sw_learn_inputs(a, 0, v);
	if (policy && sw_learn_kubernetes(a))
		rc = sw_learn_export(a, policy, &in);
	else if (a->policy_out)
		rc = sw_learn_write(a->policy_out, "-o", policy, &in);
	else if (policy)
		json_dumpf(policy, stdout, JSON_INDENT(2)), fputc('\n', stdout);
	if (rc == SW_EXIT_OK && a->baseline_out) {
		json_t *baseline = sw_learn_baseline_json(l);

		in = sw_learn_inputs(a, 1, v);
		rc = sw_learn_write(a->baseline_out, "--baseline", baseline, &in);
		json_decref(baseline);
	}
	fprintf(stderr, "learned from %llu flow%s: %llu answered, %llu unanswered or refused "
		"(not learned%s)\n", (unsigned long long)st->flows, st->flows == 1 ? "" : "s",
		(unsigned long long)st->learned, (unsigned long long)st->unanswered,
		st->unanswered && !a->verbose ? "; -v lists them" : "");
	sw_report_infra_text(stderr, st->infra, 0, "learned");
	if (rc == SW_EXIT_OK && policy)
		sw_learn_summary(a, policy);
	if (a->verbose && unanswered && json_array_size(unanswered)) {
		/* for people: \uNNNN for everything not ASCII, bidi controls included */
		char *s = json_dumps(unanswered, JSON_INDENT(2) | JSON_ENSURE_ASCII);

		fprintf(stderr, "not learned:\n%s\n", s ? s : "");
		free(s);
	}
	free(v);
	json_decref(policy);
	json_decref(unanswered);
	return policy ? rc : SW_EXIT_RUNTIME;
}

int sw_cmd_learn(int argc, char **argv)
{
	struct sw_learn_args a = { .group_by = "app" };
	struct sw_err err = { 0 };
	struct sw_learn *l;
	uint64_t since_us, until_us;
	int c, rc = SW_EXIT_OK;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "o:vh", sw_learn_longopts, "segwatch learn")) != -1) {
		switch (c) {
		case 'o': a.policy_out = optarg; break;
		case 'b': a.baseline_out = optarg; break;
		case 'g': a.group_by = optarg; break;
		case 'n': a.name = optarg; break;
		case 'e': a.enforce = true; break;
		case 'A': a.all = true; break;
		case 'v': a.verbose = true; break;
		case 's': a.since = optarg; break;
		case 'u': a.until = optarg; break;
		case 'F': a.format = optarg; break;
		case 'N': a.namespace = optarg; break;
		case 'h': sw_learn_usage(stdout); return SW_EXIT_OK;
		default: return SW_EXIT_USAGE; /* sw_cli_getopt said why */
		}
	}
	if (optind == argc) {
		sw_cli_usage_error("segwatch learn", "no FLOWS given");
		return SW_EXIT_USAGE;
	}
	a.files = argv + optind;
	a.n_files = argc - optind;
	if ((rc = sw_learn_check_format(&a)) != SW_EXIT_OK ||
	    (rc = sw_learn_check_outputs(&a)) != SW_EXIT_OK)
		return rc;
	if (sw_query_window_parse(a.since, a.until, sw_clock_wall_us(), &since_us, &until_us,
				  &err) != SW_EXIT_OK) {
		fprintf(stderr, "segwatch learn: %s\n", SW_MSG(err.msg));
		return err.code;
	}
	if (!(l = sw_learn_alloc(a.group_by)))
		return SW_EXIT_RUNTIME;
	sw_learn_set_all(l, a.all);
	rc = sw_learn_load_window(l, (const char *const *)argv + optind, (size_t)(argc - optind),
				  since_us, until_us, &err);
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	else
		rc = sw_learn_emit(&a, l);
	sw_learn_free(l);
	return rc;
}
