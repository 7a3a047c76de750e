/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy check|compile|apply|status|remove|test|export: the policy
 * path, policy file -> check -> compile -> one atomic nftables batch (and
 * out to Kubernetes YAML: policy_export.c).
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
#include <segwatch/nft_l2.h>
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
	bool help;	/* --help: the verb's, once the verb is known */
	bool watch;
	bool cut;	/* apply: end open connections the policy denies */
	bool payload;	/* compile: libnftnl's view of the rules instead of the script */
	struct sw_export_cli exp;	/* export: --format, --namespace, -o */
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
	SW_PO_EXPORT = 1 << 6,	/* --format, --namespace, -o */
};

static const struct sw_policy_verb {
	const char *name;
	bool file;		/* takes a policy FILE */
	unsigned opts;		/* SW_PO_* it accepts */
} sw_policy_verbs[] = {
	{ "check", true, SW_PO_JSON },
	{ "compile", true, SW_PO_IDENTITY | SW_PO_LOG_GROUP | SW_PO_PAYLOAD },
	{ "apply", true, SW_PO_JSON | SW_PO_IDENTITY | SW_PO_LOG_GROUP | SW_PO_WATCH },
	{ "status", false, SW_PO_JSON },
	{ "remove", false, 0 },
	{ "test", true, SW_PO_JSON | SW_PO_FLOWS | SW_PO_IDENTITY },
	{ "export", true, SW_PO_JSON | SW_PO_EXPORT },
};

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
		if (rc == SW_EXIT_OK)
			sw_policy_warn_unguarded(plan);
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
	sw_policy_warn_unguarded(sw_enforcer_plan(e));
	rc = sw_policy_apply_report(&(struct sw_policy_apply_info){ a->file, p, sw_enforcer_plan(e),
								   &rep, brnf }, a->json);
	if (a->cut && rc == SW_EXIT_OK)
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
	bool l2 = sw_nft_l2_table_exists(SW_COMPILE_TABLE) == 1;	/* the L2 guard's */
	int rc = sw_nft_remove(SW_COMPILE_TABLE, &err);

	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	else if (was || l2)
		printf("removed table inet %s%s\n", SW_COMPILE_TABLE,
		       l2 ? " and table bridge " SW_COMPILE_TABLE " (the L2 guard)" : "");
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
       SW_OPT_SINCE, SW_OPT_UNTIL, SW_OPT_FORMAT, SW_OPT_NAMESPACE };

static const struct option sw_policy_longopts[] = {
	SW_IDENTITY_LONGOPTS,
	{ "flows", required_argument, NULL, SW_OPT_FLOWS },
	{ "since", required_argument, NULL, SW_OPT_SINCE },
	{ "until", required_argument, NULL, SW_OPT_UNTIL },
	{ "log-group", required_argument, NULL, SW_OPT_LOG_GROUP },
	{ "watch", no_argument, NULL, SW_OPT_WATCH },
	{ "cut", no_argument, NULL, SW_OPT_CUT },
	{ "payload", no_argument, NULL, SW_OPT_PAYLOAD },
	{ "format", required_argument, NULL, SW_OPT_FORMAT },
	{ "namespace", required_argument, NULL, SW_OPT_NAMESPACE },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/*
 * The verb, looked for before the options are parsed so that their errors
 * name it ("segwatch policy test: ...; see segwatch policy test --help"): the
 * first word that is neither an option nor the value of one.
 */
static const char *sw_policy_verb_peek(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (s[0] != '-' || s[1] == '\0')
			return s;
		if (strcmp(s, "-o") == 0) { /* the one short option with a value */
			i++;
			continue;
		}
		if (s[1] != '-' || strchr(s, '='))
			continue;
		for (const struct option *o = sw_policy_longopts; o->name; o++)
			if (strcmp(s + 2, o->name) == 0 && o->has_arg == required_argument)
				i++;
	}
	return NULL;
}

static int sw_policy_parse(struct sw_policy_args *a, int argc, char **argv)
{
	const char *peek = sw_policy_verb_peek(argc, argv);
	char who[64] = "segwatch policy";
	uint32_t group;
	int c;

	if (peek && sw_policy_help(NULL, peek))
		snprintf(who, sizeof(who), "segwatch policy %s", peek);
	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "jho:", sw_policy_longopts, who)) != -1) {
		a->seen |= c == 'j' ? SW_PO_JSON :
			   c == SW_OPT_FLOWS || c == SW_OPT_SINCE || c == SW_OPT_UNTIL ? SW_PO_FLOWS :
			   c == SW_OPT_LOG_GROUP ? SW_PO_LOG_GROUP :
			   c == SW_OPT_WATCH || c == SW_OPT_CUT ? SW_PO_WATCH :
			   c == SW_OPT_PAYLOAD ? SW_PO_PAYLOAD :
			   c == SW_OPT_FORMAT || c == SW_OPT_NAMESPACE || c == 'o' ? SW_PO_EXPORT :
			   c == 'h' || c == '?' ? 0 : SW_PO_IDENTITY;
		if (c == 'j')
			a->json = true;
		else if (c == 'h')
			a->help = true;
		else if (c == SW_OPT_FLOWS) {
			if (a->n_flows == SW_POLICY_FLOWS_MAX) {
				fprintf(stderr, "%s: at most %d --flows\n", who, SW_POLICY_FLOWS_MAX);
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
		else if (c == SW_OPT_FORMAT)
			a->exp.format = optarg;
		else if (c == SW_OPT_NAMESPACE)
			a->exp.namespace = optarg;
		else if (c == 'o')
			a->exp.output = optarg;
		else if (c == SW_OPT_LOG_GROUP) {
			if (!sw_cli_parse_u32("--log-group", optarg, 0, 65535, &group))
				return SW_EXIT_USAGE;
			a->copts.log_group = (int)group;
		} else if (!sw_identity_parse_opt(&a->id, c, optarg, argc, argv))
			return SW_EXIT_USAGE; /* said why (sw_cli_getopt or the option) */
	}
	if (optind < argc)
		a->verb = argv[optind++];
	if (optind < argc)
		a->file = argv[optind++];
	if (optind < argc)
		return sw_cli_no_args(who, argc, argv, optind);
	return -1;
}

/* The verb's entry, after checking its FILE and options; NULL (said why) when wrong. */
static const struct sw_policy_verb *sw_policy_verb_check(const struct sw_policy_args *a)
{
	const struct sw_policy_verb *v = NULL;

	for (size_t i = 0; i < sizeof(sw_policy_verbs) / sizeof(sw_policy_verbs[0]); i++)
		if (strcmp(a->verb, sw_policy_verbs[i].name) == 0)
			v = &sw_policy_verbs[i];
	char who[64];

	if (!v) {
		sw_cli_usage_error("segwatch policy", "unknown verb %s (%s)", SW_QUOTE(a->verb),
				   sw_policy_verb_names());
		return NULL;
	}
	snprintf(who, sizeof(who), "segwatch policy %s", v->name);
	if (v->file && !a->file && !a->help) {
		sw_cli_usage_error(who, "a policy FILE is required");
		return NULL;
	}
	if (!v->file && a->file) {
		sw_cli_usage_error(who, "unexpected argument %s", SW_QUOTE(a->file));
		return NULL;
	}
	if (a->seen & ~v->opts) {
		sw_cli_usage_error(who, "an option given is not one of %s's", v->name);
		return NULL;
	}
	return v;
}

int sw_cmd_policy(int argc, char **argv)
{
	struct sw_policy_args a = { .id = { .kernel = true } };
	int rc;

	sw_compile_opts_defaults(&a.copts);
	{
		const char *verb = sw_policy_verb_peek(argc, argv);

		/* import has options of its own and takes several files */
		if (verb && strcmp(verb, "import") == 0)
			return sw_policy_import_cmd(argc, argv);
	}
	rc = sw_policy_parse(&a, argc, argv);
	if (rc >= 0)
		return rc;
	if (!a.verb && a.help)
		return sw_policy_help(stdout, NULL), SW_EXIT_OK;
	if (!a.verb) {
		sw_cli_usage_error("segwatch policy", "a verb is required (%s)",
				   sw_policy_verb_names());
		return SW_EXIT_USAGE;
	}
	if (!sw_policy_verb_check(&a))
		return SW_EXIT_USAGE;
	if (a.help)
		return sw_policy_help(stdout, a.verb), SW_EXIT_OK;
	if (a.json && (a.watch || a.cut)) {	/* their lines would follow the document */
		sw_cli_usage_error("segwatch policy apply", "--json cannot go with --watch or --cut");
		return SW_EXIT_USAGE;
	}
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
	if (strcmp(a.verb, "export") == 0) {
		a.exp.json = a.json;
		return sw_policy_export_file(a.file, &a.exp);
	}
	return sw_policy_test(&a);
}
