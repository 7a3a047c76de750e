/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy check|compile|apply|status|remove|test: the policy path,
 * policy file -> check -> compile -> one atomic nftables batch.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <segwatch/clock.h>
#include <segwatch/compile.h>
#include <segwatch/enforce.h>
#include <segwatch/nft.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>
#include <segwatch/text.h>

#include "cli.h"
#include "identity.h"
#include "policy_cmd.h"

#define SW_POLICY_FLOWS_MAX 256

struct sw_policy_args {
	const char *verb;
	const char *file;
	const char *flows[SW_POLICY_FLOWS_MAX];	/* --flows, repeatable */
	size_t n_flows;
	const char *since, *until;		/* test: the time window */
	bool json;
	bool watch;
	bool cut;	/* apply: end open connections the policy denies */
	bool payload;	/* compile: libnftnl's view of the rules instead of the script */
	unsigned seen;	/* SW_PO_* options given, checked against the verb */
	struct sw_identity_opts id;
	struct sw_compile_opts copts;
};

/* Options by kind, and which verbs take them: any other is refused. */
enum {
	SW_PO_JSON = 1 << 0,
	SW_PO_FLOWS = 1 << 1,	/* --flows, --since, --until */
	SW_PO_IDENTITY = 1 << 2,
	SW_PO_LOG_GROUP = 1 << 3,
	SW_PO_WATCH = 1 << 4,	/* --watch, --cut */
	SW_PO_PAYLOAD = 1 << 5,
};

static const struct sw_policy_verb {
	const char *name;
	bool file;		/* takes a policy FILE */
	unsigned opts;		/* SW_PO_* it accepts */
} sw_policy_verbs[] = {
	{ "check", true, SW_PO_JSON },
	{ "compile", true, SW_PO_IDENTITY | SW_PO_LOG_GROUP | SW_PO_PAYLOAD },
	{ "apply", true, SW_PO_IDENTITY | SW_PO_LOG_GROUP | SW_PO_WATCH },
	{ "status", false, SW_PO_JSON },
	{ "remove", false, 0 },
	{ "test", true, SW_PO_JSON | SW_PO_FLOWS | SW_PO_IDENTITY },
};

static void sw_policy_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch policy check FILE [--json]\n"
		"       segwatch policy compile FILE [IDENTITY OPTIONS] [--payload]\n"
		"       segwatch policy apply FILE [IDENTITY OPTIONS] [--log-group N] [--cut] [--watch]\n"
		"       segwatch policy status [--json]\n"
		"       segwatch policy remove\n"
		"       segwatch policy test FILE --flows FLOWS|DIR|PCAP... [--since T] [--until T]\n"
		"                            [--inventory F]... [--json]\n\n"
		"check    report every error (file:line:col, or the JSON Pointer of the value)\n"
		"         and warning (rules that never match or are shadowed)\n"
		"compile  print the nftables script the policy becomes with today's workloads\n"
		"apply    load that ruleset into the kernel as one atomic batch, in segwatch's\n"
		"         own table (inet segwatch); a failure leaves the old ruleset in force\n"
		"status   the applied ruleset as the kernel holds it: which policy, when and\n"
		"         from which file, rules with counters and actions, sets, bridged-traffic mode\n"
		"remove   delete everything segwatch added\n"
		"test     replay recorded flows (segwatch capture -w or --json output, the agent's\n"
		"         history directory or its .zst files, or a pcap read with the same\n"
		"         identity options) against the policy and list the connections it\n"
		"         would deny, by rule. --flows is repeatable; --since T / --until T keep\n"
		"         the flows whose span meets the window (as segwatch flows: 10m, 2h, 7d\n"
		"         ago, 2026-12-01T14:00:00Z, @EPOCH), e.g.\n"
		"           segwatch policy test new.json --flows /var/lib/segwatch/flows --since 2h\n\n"
		SW_IDENTITY_HELP
		"      --log-group N      NFLOG group for denied and monitored packets (default %d)\n"
		"      --payload          compile: the rules as libnftnl sends them, not the script\n"
		"      --cut              after apply, end the connections opened before it that\n"
		"                         it denies (their conntrack entries): answers of an\n"
		"                         allowed connection pass as established, so without\n"
		"                         this they live on until they close\n"
		"      --watch            after apply, keep the group sets in step with containers\n"
		"                         starting and stopping (small set-element batches)\n"
		"  -j, --json             JSON output\n"
		"  -h, --help             this text\n\n"
		"docs/policy.md describes the language.\n"
		SW_HELP_EXIT SW_HELP_EXIT_0
		"  1  test: some recorded connections would be denied\n"
		SW_HELP_EXIT_2 SW_HELP_EXIT_3,
		SW_COMPILE_LOG_GROUP);
}

/* Load, resolve today's workloads (@id stays open for the caller), compile. */
static int sw_policy_build(const struct sw_policy_args *a, struct sw_policy **p,
			   struct sw_identity **id, struct sw_nft_plan *plan)
{
	struct sw_err err = { 0 };
	int rc = sw_cli_policy_load(a->file, p);

	*id = NULL;
	if (rc != SW_EXIT_OK)
		return rc;
	rc = sw_identity_open(id, &a->id, &err);
	if (rc == SW_EXIT_OK) {
		sw_policy_warn_empty_groups(*p, sw_identity_registry(*id));
		rc = sw_policy_compile(*p, sw_identity_registry(*id), &a->copts, plan, &err);
	}
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	return rc;
}

static int sw_policy_compile_cmd(const struct sw_policy_args *a)
{
	struct sw_nft_plan plan = { 0 };
	struct sw_policy *p = NULL;
	struct sw_identity *id = NULL;
	int rc = sw_policy_build(a, &p, &id, &plan);

	if (rc == SW_EXIT_OK && a->payload) {
		struct sw_err err = { 0 };

		rc = sw_nft_payload(&plan, stdout, &err);
		if (rc != SW_EXIT_OK)
			fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	} else if (rc == SW_EXIT_OK) {
		rc = sw_nft_render(&plan, stdout) == 0 ? SW_EXIT_OK : SW_EXIT_RUNTIME;
	}
	sw_nft_plan_free(&plan);
	sw_identity_close(id);
	sw_policy_free(p);
	return rc;
}

static int sw_policy_apply(const struct sw_policy_args *a)
{
	struct sw_enforce_report rep;
	struct sw_enforcer *e = NULL;
	struct sw_identity *id = NULL;
	struct sw_policy *p = NULL;
	struct sw_err err = { 0 };
	char brnf[256];
	int rc = sw_cli_policy_load(a->file, &p);

	if (rc == SW_EXIT_OK)
		rc = sw_identity_open(&id, &a->id, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_enforcer_open(&e, &a->copts, &err);
	if (rc == SW_EXIT_OK) {
		sw_bridge_nf_enable(brnf, sizeof(brnf));
		rc = sw_enforcer_apply(e, p, a->file, sw_identity_registry(id), &rep, &err);
		if (rc != SW_EXIT_OK)
			fprintf(stderr, "segwatch: %s: not applied, the previous ruleset is still in force: %s\n",
				SW_CELL(a->file), SW_MSG(err.msg));
	} else if (err.msg[0]) {
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	}
	if (rc != SW_EXIT_OK)
		goto out;
	printf("applied %s (policy \"%s\", mode %s): table inet %s, %zu sets (%zu elements), %zu rules, "
	       "in %.1f ms\n%s\n", SW_CELL(a->file), SW_CELL(p->name), sw_pol_mode_name(p->mode),
	       sw_enforcer_plan(e)->table, rep.sets, rep.elements, rep.rules, rep.ms, brnf);
	if (a->cut)
		rc = sw_policy_cut(p, sw_identity_registry(id));
	fflush(stdout);
	if (a->watch && rc == SW_EXIT_OK)
		rc = sw_policy_watch(e, id);
out:
	sw_enforcer_close(e);
	sw_identity_close(id);
	sw_policy_free(p);
	return rc;
}

static int sw_policy_remove(void)
{
	struct sw_err err = { 0 };
	bool was = sw_nft_table_exists(SW_COMPILE_TABLE); /* false too when it cannot be asked */
	int rc = sw_nft_remove(SW_COMPILE_TABLE, &err);

	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	else if (was)
		printf("removed table inet %s\n", SW_COMPILE_TABLE);
	else
		printf("nothing to remove: no segwatch policy is applied (table inet %s absent)\n",
		       SW_COMPILE_TABLE);
	return rc;
}

static bool sw_is_capture_file(const char *path)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a };
	uint32_t m = 0;
	struct stat st;
	FILE *f;
	bool yes = false;

	/* only a regular file is looked into: reading a FIFO or /dev/zero would eat or block */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	f = fopen(path, "rb");
	if (f && fread(&m, sizeof(m), 1, f) == 1)
		for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
			yes |= m == magics[i];
	if (f)
		fclose(f);
	return yes;
}

static int sw_policy_test(const struct sw_policy_args *a)
{
	struct sw_policy *p = NULL;
	int rc;

	struct sw_policy_test_input in = { .paths = a->flows, .n_paths = a->n_flows };
	struct sw_err err = { 0 };

	if (!a->n_flows) {
		fprintf(stderr, "segwatch policy test: --flows FILE is required\n");
		return SW_EXIT_USAGE;
	}
	for (size_t i = 0; i < a->n_flows; i++)
		if ((rc = sw_cli_input_check("segwatch policy test", a->flows[i])) != SW_EXIT_OK)
			return rc;
	for (size_t i = 0; i < a->id.n_inventories; i++)
		if ((rc = sw_cli_input_check("segwatch policy test", a->id.inventories[i])) != SW_EXIT_OK)
			return rc;
	if (sw_query_window_parse(a->since, a->until, sw_clock_wall_us(), &in.since_us,
				  &in.until_us, &err) != SW_EXIT_OK) {
		fprintf(stderr, "segwatch policy test: %s\n", SW_MSG(err.msg));
		return err.code;
	}
	in.is_capture = a->n_flows == 1 && sw_is_capture_file(a->flows[0]);
	rc = sw_cli_policy_load(a->file, &p);
	if (rc == SW_EXIT_OK)
		rc = sw_policy_test_flows(p, &in, &a->id, a->json);
	sw_policy_free(p);
	return rc;
}

enum { SW_OPT_FLOWS = 600, SW_OPT_LOG_GROUP, SW_OPT_WATCH, SW_OPT_PAYLOAD, SW_OPT_CUT,
       SW_OPT_SINCE, SW_OPT_UNTIL };

static const struct option sw_policy_longopts[] = {
	SW_IDENTITY_LONGOPTS,
	{ "flows", required_argument, NULL, SW_OPT_FLOWS },
	{ "since", required_argument, NULL, SW_OPT_SINCE },
	{ "until", required_argument, NULL, SW_OPT_UNTIL },
	{ "log-group", required_argument, NULL, SW_OPT_LOG_GROUP },
	{ "watch", no_argument, NULL, SW_OPT_WATCH },
	{ "cut", no_argument, NULL, SW_OPT_CUT },
	{ "payload", no_argument, NULL, SW_OPT_PAYLOAD },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int sw_policy_parse(struct sw_policy_args *a, int argc, char **argv)
{
	uint32_t group;
	int c;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "jh", sw_policy_longopts, "segwatch policy")) != -1) {
		a->seen |= c == 'j' ? SW_PO_JSON :
			   c == SW_OPT_FLOWS || c == SW_OPT_SINCE || c == SW_OPT_UNTIL ? SW_PO_FLOWS :
			   c == SW_OPT_LOG_GROUP ? SW_PO_LOG_GROUP :
			   c == SW_OPT_WATCH || c == SW_OPT_CUT ? SW_PO_WATCH :
			   c == SW_OPT_PAYLOAD ? SW_PO_PAYLOAD : c == 'h' || c == '?' ? 0 : SW_PO_IDENTITY;
		if (c == 'j')
			a->json = true;
		else if (c == 'h')
			return sw_policy_usage(stdout), SW_EXIT_OK;
		else if (c == SW_OPT_FLOWS) {
			if (a->n_flows == SW_POLICY_FLOWS_MAX) {
				fprintf(stderr, "segwatch policy: at most %d --flows\n",
					SW_POLICY_FLOWS_MAX);
				return SW_EXIT_USAGE;
			}
			a->flows[a->n_flows++] = optarg;
		} else if (c == SW_OPT_SINCE)
			a->since = optarg;
		else if (c == SW_OPT_UNTIL)
			a->until = optarg;
		else if (c == SW_OPT_WATCH)
			a->watch = true;
		else if (c == SW_OPT_CUT)
			a->cut = true;
		else if (c == SW_OPT_PAYLOAD)
			a->payload = true;
		else if (c == SW_OPT_LOG_GROUP) {
			if (!sw_cli_parse_u32("--log-group", optarg, 0, 65535, &group))
				return SW_EXIT_USAGE;
			a->copts.log_group = (int)group;
		} else if (!sw_identity_parse_opt(&a->id, c, optarg, argc, argv))
			return sw_policy_usage(stderr), SW_EXIT_USAGE;
	}
	if (optind < argc)
		a->verb = argv[optind++];
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "segwatch policy: unexpected argument %s\n", SW_QUOTE(argv[optind]));
		return SW_EXIT_USAGE;
	}
	return -1;
}

/* The verb's entry, after checking its FILE and options; NULL (said why) when wrong. */
static const struct sw_policy_verb *sw_policy_verb_check(const struct sw_policy_args *a)
{
	const struct sw_policy_verb *v = NULL;

	for (size_t i = 0; i < sizeof(sw_policy_verbs) / sizeof(sw_policy_verbs[0]); i++)
		if (strcmp(a->verb, sw_policy_verbs[i].name) == 0)
			v = &sw_policy_verbs[i];
	if (!v) {
		fprintf(stderr, "segwatch policy: unknown verb %s (check, compile, apply, status, "
			"remove, test)\n", SW_QUOTE(a->verb));
		return NULL;
	}
	if (v->file && !a->file) {
		fprintf(stderr, "segwatch policy %s: a policy FILE is required\n", v->name);
		return NULL;
	}
	if (!v->file && a->file) {
		fprintf(stderr, "segwatch policy %s: unexpected argument %s\n", v->name,
			SW_QUOTE(a->file));
		return NULL;
	}
	if (a->seen & ~v->opts) {
		fprintf(stderr, "segwatch policy %s: an option given is not one of %s's (see "
			"segwatch policy --help)\n", v->name, v->name);
		return NULL;
	}
	return v;
}

int sw_cmd_policy(int argc, char **argv)
{
	struct sw_policy_args a = { .id = { .kernel = true } };
	int rc;

	sw_compile_opts_defaults(&a.copts);
	rc = sw_policy_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	if (!a.verb) {
		sw_policy_usage(stderr);
		return SW_EXIT_USAGE;
	}
	if (!sw_policy_verb_check(&a))
		return SW_EXIT_USAGE;
	if (strcmp(a.verb, "check") == 0)
		return sw_policy_check_file(a.file, a.json);
	if (strcmp(a.verb, "compile") == 0)
		return sw_policy_compile_cmd(&a);
	if (strcmp(a.verb, "apply") == 0)
		return sw_policy_apply(&a);
	if (strcmp(a.verb, "status") == 0)
		return sw_policy_status_show(a.json);
	if (strcmp(a.verb, "remove") == 0)
		return sw_policy_remove();
	return sw_policy_test(&a);
}
