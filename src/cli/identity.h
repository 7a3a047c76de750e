/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_IDENTITY_H
#define SW_CLI_IDENTITY_H

/* The command-line options that choose identity sources (struct sw_identity_opts). */

#include <stdbool.h>

#include <segwatch/pipeline.h>

enum {
	SW_OPT_INVENTORY = 512,
	SW_OPT_ENGINE,
	SW_OPT_NO_ENGINE,
	SW_OPT_NO_KERNEL,
};

/* sw_identity_parse_opt - handle one of the options above; false on a usage error. */
bool sw_identity_parse_opt(struct sw_identity_opts *o, int opt, const char *arg, int argc,
			   char **argv);

/* sw_identity_opts_any - whether @o asks for any identity source. */
bool sw_identity_opts_any(const struct sw_identity_opts *o);

#define SW_IDENTITY_LONGOPTS                                                       \
	{ "inventory", required_argument, NULL, SW_OPT_INVENTORY },                \
	{ "engine", optional_argument, NULL, SW_OPT_ENGINE },                      \
	{ "no-engine", no_argument, NULL, SW_OPT_NO_ENGINE },                      \
	{ "no-kernel", no_argument, NULL, SW_OPT_NO_KERNEL }

#define SW_IDENTITY_HELP                                                           \
	"      --inventory FILE   workloads from a segwatch inventory or a\n"      \
	"                         `kubectl get pods -A -o json` list (repeatable)\n"  \
	"      --engine [SOCKET]  containers from the Docker/Podman API (default:\n"  \
	"                         the usual sockets, when one answers)\n"            \
	"      --no-engine        do not ask a container engine\n"                  \
	"      --no-kernel        do not read namespaces and veths from the kernel\n"

#endif
