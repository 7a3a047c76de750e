/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_IDENTITY_H
#define SW_CLI_IDENTITY_H

/*
 * The identity sources a command uses (inventory files, the container
 * engine, the kernel's view) feeding one registry, and the resolver that
 * names flow endpoints from it.
 */

#include <segwatch/capture.h>
#include <segwatch/engine.h>
#include <segwatch/workload.h>

#define SW_MAX_INVENTORIES 16

enum sw_engine_mode { SW_ENGINE_AUTO = 0, SW_ENGINE_ON, SW_ENGINE_OFF };

struct sw_identity_opts {
	const char *inventories[SW_MAX_INVENTORIES];
	unsigned n_inventories;
	enum sw_engine_mode engine;	/* AUTO: use a detected socket, silently skip if none */
	const char *engine_socket;	/* NULL: detect */
	bool kernel;			/* the netlink view of namespaces and veths */
};

struct sw_identity {
	struct sw_registry *reg;
	struct sw_resolver resolver;
	struct sw_engine *engine;
	struct sw_kernel *kernel;
	struct sw_capture *cap;		/* set by the first tick: where new ports go */
	bool follow_ports;		/* capture on ports as they join a bridge */
	uint64_t port_errors;		/* ports that could not be captured on */
	uint64_t inventory_workloads;
	char engine_error[512];		/* why an AUTO engine is not in use, for `workloads` */
};

/* sw_identity_open - load inventories, connect the engine, scan the kernel. */
int sw_identity_open(struct sw_identity *id, const struct sw_identity_opts *o, struct sw_err *err);
/* sw_identity_tick - capture tick: engine and link events, without blocking. */
void sw_identity_tick(struct sw_capture *cap, uint64_t now_us, void *arg);
void sw_identity_close(struct sw_identity *id);

/* Options shared by the commands that take identity sources; see their --help. */
enum {
	SW_OPT_INVENTORY = 512,
	SW_OPT_ENGINE,
	SW_OPT_NO_ENGINE,
	SW_OPT_NO_KERNEL,
};

/* sw_identity_parse_opt - handle one of the options above; false on a usage error. */
bool sw_identity_parse_opt(struct sw_identity_opts *o, int opt, const char *arg, int argc,
			   char **argv);

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
