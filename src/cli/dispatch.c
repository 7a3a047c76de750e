/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command table: full names plus explicit aliases, no prefix matching (a
 * prefix that means one command today means another tomorrow).
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <segwatch/exit.h>
#include <segwatch/term.h>
#include <segwatch/text.h>

#include "cli.h"

#ifndef SW_VERSION
#define SW_VERSION "0.1.0"
#endif

struct sw_cmd {
	const char *name;
	const char *alias;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *verbs;	/* "segwatch help CMD VERB" topics, space-separated */
};

static const struct sw_cmd sw_cmds[] = {
	{ "capture", NULL, sw_cmd_capture, "capture or read packets and report bidirectional flows", NULL },
	{ "workloads", NULL, sw_cmd_workloads, "list known workloads and where their identity comes from", NULL },
	{ "policy", NULL, sw_cmd_policy, "check, compile, apply, test, import, export or remove a segmentation policy",
	  "check compile apply status remove test import export" },
	{ "graph", NULL, sw_cmd_graph, "build, show (table, JSON, dot) or merge the flow graph",
	  "merge" },
	{ "learn", NULL, sw_cmd_learn, "write a policy (and baseline) allowing exactly the observed traffic", NULL },
	{ "report", NULL, sw_cmd_report, "audit flows against a policy: edges by verdict, completeness, changes", NULL },
	{ "flows", NULL, sw_cmd_flows, "query recorded flows: by time, endpoint, port, state, verdict", NULL },
	{ "agent", NULL, sw_cmd_agent, "the per-host service; check its config file", "check" },
};

static void sw_usage(FILE *out)
{
	fprintf(out, "usage: segwatch [--color WHEN] COMMAND [OPTIONS]   (COMMAND --help: its options)\n"
		     "       segwatch help [COMMAND [VERB]]\n"
		     "       segwatch -V|--version\n\n"
		     "segwatch watches east-west traffic between containers on one Linux host.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(sw_cmds) / sizeof(sw_cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", sw_cmds[i].name, sw_cmds[i].summary);
	fprintf(out, "  %-10s %s\n", "help", "the --help of a command or verb: segwatch help policy test");
	fprintf(out, "  %-10s %s\n", "version", "print the version (also -V, --version)");
	fprintf(out, "\n"
		"  -h, --help             this text\n"
		"  -V, --version          print \"segwatch VERSION\"\n"
		"      --color WHEN       colour verdicts and states in tables: auto (on a terminal,\n"
		"                         unless NO_COLOR is set), always, never; also SEGWATCH_COLOR\n\n"
		"examples:\n"
		"  segwatch capture -r traffic.pcap          flows in a pcap file, as a table\n"
		"  segwatch workloads                        who is running, and how each is named\n"
		"  segwatch learn flows.jsonl -o policy.json a policy allowing what was seen\n"
		"  segwatch help policy apply                the --help of one policy verb\n"
		"\nman segwatch-COMMAND has the same text (segwatch-policy-VERB for the policy verbs).\n");
	fprintf(out, SW_HELP_EXIT SW_HELP_EXIT_0
		"  1  lateral flows found: connections the policy does not allow (report, policy test)\n"
		SW_HELP_EXIT_2 SW_HELP_EXIT_3
		"each command's --help lists the codes it returns\n");
}

int sw_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
		  const char *who)
{
	int saved = opterr, c, at = optind;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	opterr = saved;
	if (c != '?')
		return c;
	if (optopt && strchr(shortopts, optopt) == NULL && optopt < 256 && optopt > ' ' &&
	    !(at < argc && argv[at][0] == '-' && argv[at][1] == '-'))
		fprintf(stderr, "%s: unknown option \"-%c\"; see %s --help\n", who, optopt, who);
	else if (optopt)
		fprintf(stderr, "%s: option %s needs a value; see %s --help\n", who,
			SW_QUOTE(argv[optind - 1 < argc ? optind - 1 : argc - 1]), who);
	else
		fprintf(stderr, "%s: unknown option %s; see %s --help\n", who,
			SW_QUOTE(argv[optind - 1 < argc ? optind - 1 : argc - 1]), who);
	return c;
}

void sw_cli_usage_error(const char *who, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", who);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see %s --help\n", who);
}

void sw_cli_warn_unused(const char *who, const char *opt, const char *why)
{
	fprintf(stderr, "%s: warning: %s does nothing %s\n", who, opt, why);
}

int sw_cli_input_check(const char *who, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0 || stat(path, &st) == 0)
		return SW_EXIT_OK;
	fprintf(stderr, "%s: %s: cannot read: %s\n", who, SW_CELL(path), strerror(errno));
	return SW_EXIT_RUNTIME;
}

int sw_cli_no_args(const char *who, int argc, char **argv, int first)
{
	if (first >= argc)
		return SW_EXIT_OK;
	sw_cli_usage_error(who, "unexpected argument %s", SW_QUOTE(argv[first]));
	return SW_EXIT_USAGE;
}

bool sw_cli_parse_u32(const char *opt, const char *text, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "segwatch: %s: %s is not a whole number from %u to %u\n", opt,
			SW_QUOTE(text), min, max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static const struct sw_cmd *sw_cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sw_cmds) / sizeof(sw_cmds[0]); i++)
		if (strcmp(name, sw_cmds[i].name) == 0 ||
		    (sw_cmds[i].alias && strcmp(name, sw_cmds[i].alias) == 0))
			return &sw_cmds[i];
	return NULL;
}

/* Whether @verb is one of the space-separated words of @verbs. */
static bool sw_verb_in(const char *verbs, const char *verb)
{
	size_t n = strlen(verb);

	for (const char *p = verbs; p && *p; p += strcspn(p, " "), p += *p == ' ')
		if (n && strncmp(p, verb, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/*
 * segwatch help [CMD [VERB]]: runs "CMD [VERB] --help" itself, so the two
 * can never differ.
 */
static int sw_help_topic(int argc, char **argv)
{
	const struct sw_cmd *cmd;
	char help[] = "--help";
	char *sub[4];

	if (argc == 2 || (argc == 3 && (strcmp(argv[2], "--help") == 0 ||
					strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "help") == 0))) {
		sw_usage(stdout);
		return SW_EXIT_OK;
	}
	cmd = sw_cmd_find(argv[2]);
	if (!cmd || argc > 4 || (argc == 4 && !sw_verb_in(cmd->verbs, argv[3]))) {
		fprintf(stderr, "segwatch help: unknown topic %s; see segwatch help\n",
			SW_QUOTE(argv[!cmd ? 2 : argc == 4 ? 3 : 4]));
		return SW_EXIT_USAGE;
	}
	sub[0] = argv[2];
	sub[1] = argc == 4 ? argv[3] : help;
	sub[2] = argc == 4 ? help : NULL;
	sub[3] = NULL;
	return cmd->run(argc == 4 ? 3 : 2, sub);
}

/*
 * --color WHEN before the command: handed to every table through the
 * environment (SEGWATCH_COLOR), which term.c reads: one place decides.
 * Returns how many arguments it took, or -1 after a usage error.
 */
static int sw_colour_opt(int argc, char **argv)
{
	const char *when = NULL;
	int took = 0;

	if (argc > 1 && strncmp(argv[1], "--color=", 8) == 0)
		when = argv[1] + 8, took = 1;
	else if (argc > 1 && strcmp(argv[1], "--color") == 0)
		when = argc > 2 ? argv[2] : "", took = 2;
	if (!took)
		return 0;
	if (!sw_term_colour_mode_ok(when)) {
		sw_cli_usage_error("segwatch", "--color takes auto, always or never, not %s",
				   SW_QUOTE(when));
		return -1;
	}
	setenv("SEGWATCH_COLOR", when, 1);
	return took;
}

int sw_cli_run(int argc, char **argv)
{
	int took = sw_colour_opt(argc, argv);
	const char *name;
	const struct sw_cmd *cmd;

	if (took < 0)
		return SW_EXIT_USAGE;
	/* the command sees argv as if --color had not been there */
	if (took) {
		argv[took] = argv[0];
		argv += took;
		argc -= took;
	}
	name = argc > 1 ? argv[1] : NULL;

	if (!name) {
		sw_usage(stderr);
		return SW_EXIT_USAGE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		if (argc > 2)
			return sw_cli_no_args("segwatch", argc, argv, 2);
		sw_usage(stdout);
		return SW_EXIT_OK;
	}
	if (strcmp(name, "help") == 0)
		return sw_help_topic(argc, argv);
	if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0 ||
	    strcmp(name, "-V") == 0) {
		if (argc > 2)
			return sw_cli_no_args(strcmp(name, "version") == 0 ? "segwatch version" :
					      "segwatch", argc, argv, 2);
		printf("segwatch %s\n", SW_VERSION);
		return SW_EXIT_OK;
	}
	if ((cmd = sw_cmd_find(name)))
		return cmd->run(argc - 1, argv + 1);
	if (name[0] == '-')
		sw_cli_usage_error("segwatch", "unknown option %s", SW_QUOTE(name));
	else
		sw_cli_usage_error("segwatch", "unknown command %s", SW_QUOTE(name));
	return SW_EXIT_USAGE;
}
