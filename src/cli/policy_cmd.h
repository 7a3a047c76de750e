/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_POLICY_CMD_H
#define SW_CLI_POLICY_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <segwatch/netpol_export.h>
#include <segwatch/policy.h>

/*
 * policy_test.c: judge recorded flows (flows files, history directories, or
 * one capture file read in this process with @id's inventories), those whose
 * span meets [since_us, until_us] (0: open); SW_EXIT_LATERAL when any would
 * be denied.
 */
struct sw_policy_test_input {
	const char *const *paths;
	size_t n_paths;
	bool is_capture;		/* paths[0] is a pcap (n_paths is 1) */
	uint64_t since_us, until_us;
};

struct sw_identity_opts;
int sw_policy_test_flows(const struct sw_policy *p, const struct sw_policy_test_input *in,
			 const struct sw_identity_opts *id, bool as_json);


/* policy_status_l2.c: the L2 guard's table in status (@doc: a json_t * object). */
void sw_policy_status_l2_json(void *doc);
void sw_policy_status_l2_text(void);

/* policy_cut.c: end the tracked connections @p denies (apply --cut). */
struct sw_registry;
int sw_policy_cut(const struct sw_policy *p, const struct sw_registry *reg);

/*
 * policy_check.c: check @file and print its diagnostics, as text on stderr or
 * as one JSON document on stdout (docs/policy.md); SW_EXIT_USAGE on errors.
 */
int sw_policy_check_file(const char *file, bool as_json);

/*
 * policy_check.c: warn on stderr about each group (without CIDRs) that
 * selects no running workload of @reg, and when that is all of them, and
 * about "unclassified": "deny" without a bridge network to judge; returns
 * how many groups are empty.
 */
size_t sw_policy_warn_empty_groups(const struct sw_policy *p, const struct sw_registry *reg);

/*
 * policy_apply_report.c: sw_policy_warn_unguarded warns on stderr about each
 * port of @plan's L2 guard left unguarded (a name nft cannot take) and
 * returns how many; sw_policy_apply_report prints what apply did, as text or
 * as one JSON document ("type": "policy_apply").
 */
struct sw_nft_plan;
struct sw_enforce_report;
struct sw_policy_apply_info {
	const char *file;
	const struct sw_policy *p;
	const struct sw_nft_plan *plan;		/* as applied */
	const struct sw_enforce_report *rep;
	const char *bridge_nf;			/* whether bridged traffic is judged, in words */
};
size_t sw_policy_warn_unguarded(const struct sw_nft_plan *plan);
int sw_policy_apply_report(const struct sw_policy_apply_info *in, bool as_json);

/*
 * policy_help.c: the --help of @verb (NULL: of `segwatch policy`, listing the
 * verbs) on @out (NULL: print nothing, only say whether @verb is one);
 * false when @verb is not a verb. sw_policy_verb_names: the
 * verbs, comma-separated, for messages.
 */
bool sw_policy_help(FILE *out, const char *verb);
const char *sw_policy_verb_names(void);

/*
 * policy_import.c: `segwatch policy import` (@argv as sw_cmd_policy has it),
 * and sw_cli_policy_import_load, the same import of one .yaml file in memory
 * for the commands that take a policy FILE (warnings printed on stderr).
 */
int sw_policy_import_cmd(int argc, char **argv);
int sw_cli_policy_import_load(const char *file, struct sw_policy **p);

/* policy_status.c: the applied ruleset as the kernel holds it. */
int sw_policy_status_show(bool as_json);

struct sw_identity;
struct sw_enforcer;
/* policy_watch.c: keep the applied sets in step with the workloads until a signal. */
int sw_policy_watch(struct sw_enforcer *e, struct sw_identity *id);


/*
 * policy_export.c: `policy export` and `learn --format`. @format is the
 * --format word, @output -o (NULL: stdout), @json the summary on stdout
 * (needs -o). sw_export_cli_check says what is wrong with the options
 * (SW_EXIT_USAGE) as @who; sw_export_cli_write exports @p (its warnings
 * named by @source), keeping the output off @in.
 */
struct sw_export_cli {
	const char *format;
	const char *namespace;
	const char *output;
	bool json;
};
struct sw_outfile_inputs;
int sw_export_cli_check(const char *who, const struct sw_export_cli *o, enum sw_netpol_format *fmt);
int sw_export_cli_write(const struct sw_policy *p, const char *source,
			const struct sw_export_cli *o, const struct sw_outfile_inputs *in);
int sw_policy_export_file(const char *file, const struct sw_export_cli *o);

/* policy_check.c: one diagnostic of @file as JSON (file, line, col, pointer, severity, message). */
struct json_t;
struct json_t *sw_check_diag_json(const char *file, const struct sw_diag *d);
#endif
