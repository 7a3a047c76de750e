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
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <segwatch/compile.h>
#include <segwatch/nft.h>
#include <segwatch/policy.h>

#include "cli.h"
#include "identity.h"
#include "policy_cmd.h"

extern char **environ;

struct sw_policy_args {
	const char *verb;
	const char *file;
	const char *flows;
	bool json;
	bool watch;
	bool cut;	/* apply: end open connections the policy denies */
	bool payload;	/* compile: libnftnl's view of the rules instead of the script */
	struct sw_identity_opts id;
	struct sw_compile_opts copts;
};

static void sw_policy_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch policy check FILE [--json]\n"
		"       segwatch policy compile FILE [IDENTITY OPTIONS] [--payload]\n"
		"       segwatch policy apply FILE [IDENTITY OPTIONS] [--log-group N] [--cut] [--watch]\n"
		"       segwatch policy status [--json]\n"
		"       segwatch policy remove\n"
		"       segwatch policy test FILE --flows FLOWS|PCAP [--inventory F]... [--json]\n\n"
		"check    report every error (file:line:col, or the JSON Pointer of the value)\n"
		"         and warning (rules that never match or are shadowed)\n"
		"compile  print the nftables script the policy becomes with today's workloads\n"
		"apply    load that ruleset into the kernel as one atomic batch, in segwatch's\n"
		"         own table (inet segwatch); a failure leaves the old ruleset in force\n"
		"status   the applied ruleset as the kernel holds it: which policy, when and\n"
		"         from which file, rules with counters and actions, sets, bridged-traffic mode\n"
		"remove   delete everything segwatch added\n"
		"test     replay recorded flows (segwatch capture -w or --json output, or a pcap\n"
		"         read with the same identity options) against the policy and list\n"
		"         the connections it would deny, by rule\n\n"
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
		"exit codes: 0 done; 1 test: some recorded connections would be denied;\n"
		"            2 usage error or policy errors; 3 runtime failure (netlink, permissions)\n",
		SW_COMPILE_LOG_GROUP);
}

/* Print the diagnostics; SW_EXIT_USAGE when there are errors. */
static int sw_policy_report_diags(const char *file, const struct sw_pol_diags *d, int rc)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", sw_pol_diag_format(file, &d->v[i], buf, sizeof(buf)));
	if (rc == SW_EXIT_OK && d->n_errors)
		rc = SW_EXIT_USAGE;
	return rc;
}

static int sw_policy_load(const char *file, struct sw_policy **p)
{
	struct sw_pol_diags d;
	int rc;

	sw_pol_diags_init(&d);
	rc = sw_policy_load_file(file, p, &d);
	rc = sw_policy_report_diags(file, &d, rc);
	if (rc != SW_EXIT_OK) {
		sw_policy_free(*p);
		*p = NULL;
	}
	sw_pol_diags_clear(&d);
	return rc;
}

static int sw_policy_check(const struct sw_policy_args *a)
{
	struct sw_policy *p = NULL;
	int rc = sw_policy_load(a->file, &p);

	if (rc == SW_EXIT_OK)
		printf("%s: ok: %zu groups, %zu rules, default %s, mode %s\n", a->file, p->n_groups,
		       p->n_rules, sw_pol_action_name(p->default_action), sw_pol_mode_name(p->mode));
	sw_policy_free(p);
	return rc;
}

/* Load, resolve today's workloads (@id stays open for the caller), compile. */
static int sw_policy_build(const struct sw_policy_args *a, struct sw_policy **p,
			   struct sw_identity *id, struct sw_nft_plan *plan)
{
	struct sw_err err = { 0 };
	int rc = sw_policy_load(a->file, p);

	memset(id, 0, sizeof(*id));
	if (rc != SW_EXIT_OK)
		return rc;
	rc = sw_identity_open(id, &a->id, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_policy_compile(*p, id->reg, &a->copts, plan, &err);
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", err.msg);
	return rc;
}

static int sw_policy_compile_cmd(const struct sw_policy_args *a)
{
	struct sw_nft_plan plan = { 0 };
	struct sw_policy *p = NULL;
	struct sw_identity id;
	int rc = sw_policy_build(a, &p, &id, &plan);

	if (rc == SW_EXIT_OK && a->payload) {
		struct sw_err err = { 0 };

		rc = sw_nft_payload(&plan, stdout, &err);
		if (rc != SW_EXIT_OK)
			fprintf(stderr, "segwatch: %s\n", err.msg);
	} else if (rc == SW_EXIT_OK) {
		rc = sw_nft_render(&plan, stdout) == 0 ? SW_EXIT_OK : SW_EXIT_RUNTIME;
	}
	sw_nft_plan_free(&plan);
	sw_identity_close(&id);
	sw_policy_free(p);
	return rc;
}

/*
 * Add when and from which file to the table's comment, for status: the
 * file's absolute path, its tail when the comment has no room for all of it.
 */
static void sw_apply_stamp(struct sw_nft_plan *plan, const char *file)
{
	char *abs = realpath(file, NULL), when[32];
	const char *path = abs ? abs : file;
	size_t used, room, plen = strlen(path);
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	used = strlen(plan->comment) + strlen(" applied= file=") + strlen(when);
	room = used < sizeof(plan->comment) - 1 ? sizeof(plan->comment) - 1 - used : 0;
	if (plen > room && room > 3)
		snprintf(plan->comment + strlen(plan->comment), sizeof(plan->comment) - strlen(plan->comment),
			 " applied=%s file=...%s", when, path + plen - (room - 3));
	else if (plen <= room)
		snprintf(plan->comment + strlen(plan->comment), sizeof(plan->comment) - strlen(plan->comment),
			 " applied=%s file=%s", when, path);
	free(abs);
}

static int sw_policy_apply(const struct sw_policy_args *a)
{
	struct sw_nft_plan plan = { 0 };
	struct sw_policy *p = NULL;
	struct sw_err err = { 0 };
	char brnf[256];
	struct timespec t0, t1;
	size_t rules = 0, elems = 0;
	struct sw_identity id;
	int rc = sw_policy_build(a, &p, &id, &plan);

	if (rc != SW_EXIT_OK)
		goto out;
	sw_bridge_nf_enable(brnf, sizeof(brnf));
	sw_apply_stamp(&plan, a->file);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = sw_nft_apply(&plan, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s: not applied, the previous ruleset is still in force: %s\n",
			a->file, err.msg);
		goto out;
	}
	for (size_t c = 0; c < plan.n_chains; c++)
		rules += plan.chains[c].n_rules;
	for (size_t s = 0; s < plan.n_sets; s++)
		elems += plan.sets[s].n_elems;
	printf("applied %s (policy \"%s\", mode %s): table inet %s, %zu sets (%zu elements), %zu rules, "
	       "in %.1f ms\n%s\n", a->file, p->name ? p->name : "", sw_pol_mode_name(p->mode),
	       plan.table, plan.n_sets, elems, rules,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6, brnf);
	if (a->cut)
		rc = sw_policy_cut(p, id.reg);
	fflush(stdout);
	if (a->watch && rc == SW_EXIT_OK)
		rc = sw_policy_watch(p, &id, &a->copts, &plan);
out:
	sw_nft_plan_free(&plan);
	sw_identity_close(&id);
	sw_policy_free(p);
	return rc;
}

static int sw_policy_remove(void)
{
	struct sw_err err = { 0 };
	int rc = sw_nft_remove(SW_COMPILE_TABLE, &err);

	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", err.msg);
	else
		printf("removed table inet %s\n", SW_COMPILE_TABLE);
	return rc;
}

static bool sw_is_capture_file(const char *path)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a };
	uint32_t m = 0;
	FILE *f = fopen(path, "rb");
	bool yes = false;

	if (f && fread(&m, sizeof(m), 1, f) == 1)
		for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
			yes |= m == magics[i];
	if (f)
		fclose(f);
	return yes;
}

/*
 * A pcap instead of saved flows: run this very binary's capture on it (same
 * decoder, flow table and identity options) into a temporary flows file.
 */
static int sw_policy_flows_from_pcap(const struct sw_policy_args *a, char *out, size_t len)
{
	char *argv[8 + 2 * SW_MAX_INVENTORIES];
	posix_spawn_file_actions_t fa;
	int argc = 0, fd, st;
	bool ok;
	pid_t pid;

	snprintf(out, len, "/tmp/segwatch-flows.XXXXXX");
	fd = mkstemp(out);
	if (fd < 0)
		return SW_EXIT_RUNTIME;
	argv[argc++] = "segwatch";
	argv[argc++] = "capture";
	argv[argc++] = "-r";
	argv[argc++] = (char *)a->flows;
	argv[argc++] = "-q";
	argv[argc++] = "-w";
	argv[argc++] = out;
	for (unsigned i = 0; i < a->id.n_inventories; i++) {
		argv[argc++] = "--inventory";
		argv[argc++] = (char *)a->id.inventories[i];
	}
	argv[argc] = NULL;
	close(fd);
	/* its counters would mix with our report: only its errors (stderr) are shown */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	ok = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ) == 0 &&
	     waitpid(pid, &st, 0) >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	posix_spawn_file_actions_destroy(&fa);
	if (!ok) {
		unlink(out);
		return SW_EXIT_USAGE; /* capture printed why */
	}
	return SW_EXIT_OK;
}

static int sw_policy_test(const struct sw_policy_args *a)
{
	struct sw_policy *p = NULL;
	char tmp[64] = "";
	int rc;

	if (!a->flows) {
		fprintf(stderr, "segwatch policy test: --flows FILE is required\n");
		return SW_EXIT_USAGE;
	}
	rc = sw_policy_load(a->file, &p);
	if (rc == SW_EXIT_OK && sw_is_capture_file(a->flows))
		rc = sw_policy_flows_from_pcap(a, tmp, sizeof(tmp));
	if (rc == SW_EXIT_OK)
		rc = sw_policy_test_flows(p, tmp[0] ? tmp : a->flows, a->json);
	if (tmp[0])
		unlink(tmp);
	sw_policy_free(p);
	return rc;
}

enum { SW_OPT_FLOWS = 600, SW_OPT_LOG_GROUP, SW_OPT_WATCH, SW_OPT_PAYLOAD, SW_OPT_CUT };

static const struct option sw_policy_longopts[] = {
	SW_IDENTITY_LONGOPTS,
	{ "flows", required_argument, NULL, SW_OPT_FLOWS },
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
	while ((c = getopt_long(argc, argv, "jh", sw_policy_longopts, NULL)) != -1) {
		if (c == 'j')
			a->json = true;
		else if (c == 'h')
			return sw_policy_usage(stdout), SW_EXIT_OK;
		else if (c == SW_OPT_FLOWS)
			a->flows = optarg;
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
		fprintf(stderr, "segwatch policy: unexpected argument \"%s\"\n", argv[optind]);
		return SW_EXIT_USAGE;
	}
	return -1;
}

int sw_cmd_policy(int argc, char **argv)
{
	static const char *const with_file[] = { "check", "compile", "apply", "test" };
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
	for (size_t i = 0; i < sizeof(with_file) / sizeof(with_file[0]); i++)
		if (strcmp(a.verb, with_file[i]) == 0 && !a.file) {
			fprintf(stderr, "segwatch policy %s: a policy FILE is required\n", a.verb);
			return SW_EXIT_USAGE;
		}
	if (strcmp(a.verb, "check") == 0)
		return sw_policy_check(&a);
	if (strcmp(a.verb, "compile") == 0)
		return sw_policy_compile_cmd(&a);
	if (strcmp(a.verb, "apply") == 0)
		return sw_policy_apply(&a);
	if (strcmp(a.verb, "status") == 0)
		return sw_policy_status_show(a.json);
	if (strcmp(a.verb, "remove") == 0)
		return sw_policy_remove();
	if (strcmp(a.verb, "test") == 0)
		return sw_policy_test(&a);
	fprintf(stderr, "segwatch policy: unknown verb \"%s\" (check, compile, apply, status, remove, test)\n",
		a.verb);
	return SW_EXIT_USAGE;
}
