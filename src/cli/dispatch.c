/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Command table: full names plus explicit aliases, no prefix matching (a
 * prefix that means one command today means another tomorrow).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <segwatch/exit.h>
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
};

static const struct sw_cmd sw_cmds[] = {
	{ "capture", NULL, sw_cmd_capture, "capture or read packets and report bidirectional flows" },
	{ "workloads", NULL, sw_cmd_workloads, "list known workloads and where their identity comes from" },
	{ "policy", NULL, sw_cmd_policy, "check, compile, apply, test or remove a segmentation policy" },
	{ "graph", NULL, sw_cmd_graph, "build, show (table, JSON, dot) or merge the flow graph" },
	{ "learn", NULL, sw_cmd_learn, "write a policy (and baseline) allowing exactly the observed traffic" },
	{ "report", NULL, sw_cmd_report, "audit flows against a policy: edges by verdict, completeness, changes" },
	{ "flows", NULL, sw_cmd_flows, "query recorded flows: by time, endpoint, port, state, verdict" },
	{ "agent", NULL, sw_cmd_agent, "the per-host service; check its config file" },
};

static void sw_usage(FILE *out)
{
	fprintf(out, "usage: segwatch COMMAND [OPTIONS]   (segwatch COMMAND --help for its options)\n\n"
		     "segwatch watches east-west traffic between containers on one Linux host.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(sw_cmds) / sizeof(sw_cmds[0]); i++)
		fprintf(out, "  %-10s %s\n", sw_cmds[i].name, sw_cmds[i].summary);
	fprintf(out, "  %-10s %s\n", "version", "print the version");
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
		fprintf(stderr, "%s: unknown option \"-%c\"\n", who, optopt);
	else if (optopt)
		fprintf(stderr, "%s: option %s needs a value\n", who,
			SW_QUOTE(argv[optind - 1 < argc ? optind - 1 : argc - 1]));
	else
		fprintf(stderr, "%s: unknown option %s\n", who,
			SW_QUOTE(argv[optind - 1 < argc ? optind - 1 : argc - 1]));
	return c;
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
	fprintf(stderr, "%s: unexpected argument %s\n", who, SW_QUOTE(argv[first]));
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

int sw_cli_run(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	if (!name || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		sw_usage(name ? stdout : stderr);
		return name ? SW_EXIT_OK : SW_EXIT_USAGE;
	}
	if (strcmp(name, "version") == 0 || strcmp(name, "--version") == 0) {
		if (argc > 2)
			return sw_cli_no_args("segwatch version", argc, argv, 2);
		printf("segwatch %s\n", SW_VERSION);
		return SW_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(sw_cmds) / sizeof(sw_cmds[0]); i++)
		if (strcmp(name, sw_cmds[i].name) == 0 ||
		    (sw_cmds[i].alias && strcmp(name, sw_cmds[i].alias) == 0))
			return sw_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "segwatch: unknown command %s (see segwatch --help)\n", SW_QUOTE(name));
	return SW_EXIT_USAGE;
}
