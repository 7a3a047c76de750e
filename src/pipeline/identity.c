/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The identity sources (inventory files, the container engine, the
 * kernel's view) feeding one registry, the resolver that names flow
 * endpoints from it, and their upkeep while a capture runs: new bridge
 * ports are handed to the capture from here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/engine.h>
#include <segwatch/inventory.h>
#include <segwatch/kernel.h>

#include "internal.h"

struct sw_identity {
	struct sw_registry *reg;
	struct sw_resolver resolver;
	struct sw_engine *engine;
	struct sw_kernel *kernel;
	struct sw_capture *cap;		/* during a poll: where new ports go */
	bool follow_ports;		/* capture on ports as they join a bridge */
	struct sw_identity_stats st;
};

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
		id->st.inventory_workloads += n;
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
	snprintf(id->st.engine_error, sizeof(id->st.engine_error), "%s", e2.msg);
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
		id->st.port_errors++;
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

int sw_identity_open(struct sw_identity **out, const struct sw_identity_opts *o,
		     struct sw_err *err)
{
	struct sw_identity *id = calloc(1, sizeof(*id));
	int rc;

	*out = NULL;
	if (!id || !(id->reg = sw_registry_alloc())) {
		free(id);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	sw_resolver_init(&id->resolver, id->reg);
	sw_resolver_load_host_addrs(&id->resolver);
	rc = sw_identity_load_inventories(id, o, err);
	if (rc == SW_EXIT_OK)
		rc = sw_identity_open_engine(id, o, err);
	if (rc == SW_EXIT_OK)
		rc = sw_identity_open_kernel(id, o, err);
	if (rc != SW_EXIT_OK) {
		sw_identity_close(id);
		return rc;
	}
	*out = id;
	return SW_EXIT_OK;
}

void sw_identity_poll(struct sw_identity *id, struct sw_capture *cap, uint64_t now_us)
{
	struct sw_err err = { 0 };

	id->cap = cap;
	if (id->engine)
		sw_engine_poll(id->engine, now_us, &err); /* problems are counted in its stats */
	sw_identity_poll_kernel(id, now_us);
	id->cap = NULL;
}

struct sw_registry *sw_identity_registry(struct sw_identity *id)
{
	return id->reg;
}

const struct sw_resolver *sw_identity_resolver(const struct sw_identity *id)
{
	return &id->resolver;
}

struct sw_engine *sw_identity_engine(struct sw_identity *id)
{
	return id->engine;
}

struct sw_kernel *sw_identity_kernel(struct sw_identity *id)
{
	return id->kernel;
}

void sw_identity_follow_ports(struct sw_identity *id, bool follow)
{
	id->follow_ports = follow;
}

void sw_identity_stats(const struct sw_identity *id, struct sw_identity_stats *out)
{
	*out = id->st;
	out->engine_connected = id->engine != NULL;
}

void sw_identity_close(struct sw_identity *id)
{
	if (!id)
		return;
	sw_engine_close(id->engine);
	sw_kernel_close(id->kernel);
	sw_resolver_clear(&id->resolver);
	sw_registry_free(id->reg);
	free(id);
}
