/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identity sources of a command, and their upkeep while a capture runs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/inventory.h>
#include <segwatch/kernel.h>

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

static int sw_identity_load_inventories(struct sw_identity *id, const struct sw_identity_opts *o,
					struct sw_err *err)
{
	for (unsigned i = 0; i < o->n_inventories; i++) {
		struct sw_inventory_stats st;
		struct sw_workload *wl = NULL;
		size_t n = 0;
		int rc = sw_inventory_load(o->inventories[i], &wl, &n, &st, err);

		if (rc != SW_EXIT_OK)
			return rc;
		/* an inventory says who holds an address, not since when: from the start */
		for (size_t j = 0; j < n; j++)
			if (!sw_registry_upsert(id->reg, &wl[j], 0)) {
				sw_inventory_free(wl, n);
				return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
			}
		id->inventory_workloads += n;
		sw_inventory_free(wl, n);
	}
	return SW_EXIT_OK;
}

static int sw_identity_open_engine(struct sw_identity *id, const struct sw_identity_opts *o,
				   struct sw_err *err)
{
	struct sw_err e2 = { 0 };
	int rc;

	if (o->engine == SW_ENGINE_OFF)
		return SW_EXIT_OK;
	rc = sw_engine_open(&id->engine, o->engine_socket, id->reg, &e2);
	if (rc == SW_EXIT_OK)
		return SW_EXIT_OK;
	id->engine = NULL;
	if (o->engine == SW_ENGINE_ON) {
		*err = e2;
		return rc;
	}
	snprintf(id->engine_error, sizeof(id->engine_error), "%s", e2.msg);
	return SW_EXIT_OK; /* auto: no engine here is fine */
}

static int sw_identity_open_kernel(struct sw_identity *id, const struct sw_identity_opts *o,
				   struct sw_err *err)
{
	int rc;

	if (!o->kernel)
		return SW_EXIT_OK;
	rc = sw_kernel_open(&id->kernel, err);
	if (rc != SW_EXIT_OK)
		return rc;
	/* what is there now was there before we looked: bound from the start */
	return sw_kernel_scan(id->kernel, id->reg, 0, err);
}

static void sw_on_port_added(const char *ifname, int ifindex, int bridge_ifindex, void *arg)
{
	struct sw_identity *id = arg;
	struct sw_err err = { 0 };

	(void)ifindex;
	(void)bridge_ifindex;
	if (id->cap && id->follow_ports && sw_capture_add_iface(id->cap, ifname, &err) != SW_EXIT_OK)
		id->port_errors++;
}

static void sw_on_port_removed(const char *ifname, int ifindex, void *arg)
{
	struct sw_identity *id = arg;

	(void)ifname;
	if (id->cap && id->follow_ports)
		sw_capture_drop_iface(id->cap, ifindex);
}

static void sw_identity_poll_kernel(struct sw_identity *id, uint64_t now_us)
{
	static const struct sw_kernel_hooks hooks = {
		.port_added = sw_on_port_added,
		.port_removed = sw_on_port_removed,
	};
	struct sw_err err = { 0 };

	if (id->kernel)
		sw_kernel_poll(id->kernel, id->reg, now_us, &hooks, id, &err);
}

int sw_identity_open(struct sw_identity *id, const struct sw_identity_opts *o, struct sw_err *err)
{
	int rc;

	memset(id, 0, sizeof(*id));
	id->reg = sw_registry_alloc();
	if (!id->reg)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_resolver_init(&id->resolver, id->reg);
	sw_resolver_load_host_addrs(&id->resolver);
	rc = sw_identity_load_inventories(id, o, err);
	if (rc == SW_EXIT_OK)
		rc = sw_identity_open_engine(id, o, err);
	if (rc == SW_EXIT_OK)
		rc = sw_identity_open_kernel(id, o, err);
	if (rc != SW_EXIT_OK)
		sw_identity_close(id);
	return rc;
}

void sw_identity_tick(struct sw_capture *cap, uint64_t now_us, void *arg)
{
	struct sw_identity *id = arg;
	struct sw_err err = { 0 };

	id->cap = cap;
	if (id->engine)
		sw_engine_poll(id->engine, now_us, &err); /* problems are counted in its stats */
	sw_identity_poll_kernel(id, now_us);
}

void sw_identity_close(struct sw_identity *id)
{
	sw_engine_close(id->engine);
	sw_kernel_close(id->kernel);
	sw_resolver_clear(&id->resolver);
	sw_registry_free(id->reg);
	memset(id, 0, sizeof(*id));
}
