/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_H
#define SW_CLI_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Exit codes as every --help ends (docs/exit-codes.md is the table;
 * include/segwatch/exit.h the source): a heading, then one line per code the
 * command can return, in this wording so that tests/cli/exit_codes.sh can
 * check each against the table.
 */
#define SW_HELP_EXIT "\nexit codes (docs/exit-codes.md):\n"
#define SW_HELP_EXIT_0 "  0  done\n"
#define SW_HELP_EXIT_1 "  1  lateral flows found: connections the policy does not allow\n"
#define SW_HELP_EXIT_2 "  2  usage error, or bad contents of an input file\n"
#define SW_HELP_EXIT_3 \
	"  3  runtime failure: a missing or unreadable file, pcap, netlink, permission, output\n"

/* One function per subcommand; each parses its own options and returns an exit code. */
int sw_cmd_capture(int argc, char **argv);
int sw_cmd_workloads(int argc, char **argv);
int sw_cmd_policy(int argc, char **argv);
int sw_cmd_graph(int argc, char **argv);
int sw_cmd_report(int argc, char **argv);
int sw_cmd_learn(int argc, char **argv);
int sw_cmd_agent(int argc, char **argv);
int sw_cmd_flows(int argc, char **argv);

/* sw_cli_run - dispatch argv[1] through the command table (dispatch.c). */
int sw_cli_run(int argc, char **argv);

/*
 * sw_cli_policy_load - load @file, print its diagnostics (file:line:col or
 * JSON Pointer); SW_EXIT_USAGE when it has errors (then *@p is NULL).
 * sw_cli_policy_load_opt - the same, and nothing to do when @file is NULL.
 */
struct sw_policy;
int sw_cli_policy_load(const char *file, struct sw_policy **p);
int sw_cli_policy_load_opt(const char *file, struct sw_policy **p);

/*
 * sw_cli_input_check - an input file named on the command line exists and
 * can be looked at ("-" is standard input); SW_EXIT_RUNTIME with
 * "@who: PATH: cannot read: REASON" on stderr otherwise (docs/exit-codes.md:
 * a missing input is 3 everywhere).
 */
int sw_cli_input_check(const char *who, const char *path);

/*
 * sw_cli_no_args - SW_EXIT_OK when argv[@first..] is empty, else SW_EXIT_USAGE
 * with "@who: unexpected argument ..." on stderr.
 */
int sw_cli_no_args(const char *who, int argc, char **argv, int first);

/*
 * sw_cli_getopt - getopt_long(3), but a bad option is reported by us, escaped
 * ("@who: unknown option "--x"", or its missing value), not by getopt, which
 * echoes the argument raw. Returns what getopt_long returns.
 */
struct option;
int sw_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		  const char *who);

/*
 * sw_cli_usage_error - one line on stderr: "@who: MESSAGE; see @who --help".
 * A usage error names the culprit and points to the help, never prints it.
 */
void sw_cli_usage_error(const char *who, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * sw_cli_warn_unused - "@who: warning: @opt does nothing @why" on stderr: an
 * option the mode chosen ignores. The command still runs (exit code unchanged).
 */
void sw_cli_warn_unused(const char *who, const char *opt, const char *why);

/* sw_cli_parse_u32 - a whole number in [min, max]; false with a message on stderr otherwise. */
bool sw_cli_parse_u32(const char *opt, const char *text, uint32_t min, uint32_t max, uint32_t *out);

#endif
