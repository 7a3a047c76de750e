/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The identity options shared by capture, workloads and policy. */
#include <getopt.h>
#include <stdio.h>

#include "identity.h"

bool sw_identity_parse_opt(struct sw_identity_opts *o, int opt, const char *arg, int argc,
			   char **argv)
{
	switch (opt) {
	case SW_OPT_INVENTORY:
		if (o->n_inventories == SW_MAX_INVENTORIES) {
			fprintf(stderr, "segwatch: --inventory: at most %d files\n", SW_MAX_INVENTORIES);
			return false;
		}
		o->inventories[o->n_inventories++] = arg;
		return true;
	case SW_OPT_ENGINE:
		o->engine = SW_ENGINE_ON;
		/* "--engine SOCKET" as well as "--engine=SOCKET": a path follows */
		if (!arg && optind < argc && argv[optind][0] == '/')
			arg = argv[optind++];
		o->engine_socket = arg;
		return true;
	case SW_OPT_NO_ENGINE:
		o->engine = SW_ENGINE_OFF;
		return true;
	case SW_OPT_NO_KERNEL:
		o->kernel = false;
		return true;
	default:
		return false;
	}
}

bool sw_identity_opts_any(const struct sw_identity_opts *o)
{
	return o->n_inventories || o->engine != SW_ENGINE_OFF || o->kernel;
}
