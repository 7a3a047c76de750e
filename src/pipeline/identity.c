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
#include <sys/stat.h>

#include <segwatch/clock.h>
#include <segwatch/engine.h>
#include <segwatch/inventory.h>
#include <segwatch/kernel.h>

#include "internal.h"

/* An inventory file followed while the agent runs: rewritten, it is read again. */
struct sw_inventory_file {
	char *path;
	struct stat st;
	char **uids;		/* workloads it bound, to release those it no longer lists */
	size_t n_uids;
	enum sw_wl_source *sources;
};

/*
 * No engine yet: ask again after 10 s, then twice as long each time it does
 * not answer, up to a minute: an open blocks the capture's tick while it waits
 * for a slow engine, so a missing one must not cost that every 10 s.
 */
#define SW_ENGINE_RETRY_US 10000000ull
#define SW_ENGINE_RETRY_MAX_US 60000000ull

struct sw_identity {
	struct sw_registry *reg;
	struct sw_inventory_file inv[SW_MAX_INVENTORIES];
	unsigned n_inv;
	enum sw_engine_mode engine_mode;
	bool engine_retry;
	char *engine_socket;		/* NULL: detect */
	uint64_t next_engine_try_us;
	uint64_t engine_retry_us;	/* the wait before the next try */
	struct sw_resolver resolver;
	struct sw_engine *engine;
	struct sw_kernel *kernel;
	struct sw_capture *cap;		/* during a poll: where new ports go */
	bool follow_ports;		/* capture on ports as they join a bridge */
	struct sw_identity_stats st;
};

static void sw_inventory_file_forget(struct sw_inventory_file *f)
{
	for (size_t i = 0; i < f->n_uids; i++)
		free(f->uids[i]);
	free(f->uids);
	free(f->sources);
	f->uids = NULL;
	f->sources = NULL;
	f->n_uids = 0;
}

/* Who @wl (@n of them) binds, kept to release those a rewritten file no longer lists. */
static bool sw_inventory_file_remember(struct sw_inventory_file *f, const struct sw_workload *wl,
				       size_t n)
{
	sw_inventory_file_forget(f);
	f->uids = calloc(n + 1, sizeof(*f->uids));
	f->sources = calloc(n + 1, sizeof(*f->sources));
	if (!f->uids || !f->sources)
		return false;
	for (size_t i = 0; i < n; i++, f->n_uids++) {
		if (!(f->uids[i] = strdup(wl[i].uid ? wl[i].uid : "")))
			return false;
		f->sources[i] = wl[i].source;
	}
	return true;
}

static bool sw_inventory_lists(const struct sw_workload *wl, size_t n, const char *uid,
			       enum sw_wl_source source)
{
	for (size_t i = 0; i < n; i++)
		if (wl[i].source == source && strcmp(wl[i].uid ? wl[i].uid : "", uid) == 0)
			return true;
	return false;
}

/*
 * Read @f and bind what it lists from @now_us (0 at open: an inventory says
 * who holds an address, not since when); what it listed before and no
 * longer does is released at @now_us. A file that does not load changes nothing.
 */
static int sw_inventory_file_load(struct sw_identity *id, struct sw_inventory_file *f,
				  uint64_t now_us, struct sw_err *err)
{
	struct sw_inventory_stats st;
	struct sw_workload *wl = NULL;
	size_t n = 0;
	int rc;

	if (stat(f->path, &f->st) != 0)
		memset(&f->st, 0, sizeof(f->st));
	rc = sw_inventory_load(f->path, &wl, &n, &st, err);
	if (rc != SW_EXIT_OK)
		return rc;
	for (size_t i = 0; i < f->n_uids; i++)
		if (!sw_inventory_lists(wl, n, f->uids[i], f->sources[i]))
			sw_registry_stop(id->reg, f->sources[i], f->uids[i], now_us);
	for (size_t j = 0; j < n && rc == SW_EXIT_OK; j++)
		if (!sw_registry_upsert(id->reg, &wl[j], now_us))
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (rc == SW_EXIT_OK && !sw_inventory_file_remember(f, wl, n))
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	if (rc == SW_EXIT_OK)
		id->st.inventory_workloads = n;
	sw_inventory_free(wl, n);
	return rc;
}

static int sw_identity_load_inventories(struct sw_identity *id, const struct sw_identity_opts *o,
					struct sw_err *err)
{
	int rc = SW_EXIT_OK;

	for (unsigned i = 0; i < o->n_inventories && rc == SW_EXIT_OK; i++) {
		struct sw_inventory_file *f = &id->inv[id->n_inv];

		if (!(f->path = strdup(o->inventories[i])))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		id->n_inv++;
		rc = sw_inventory_file_load(id, f, 0, err);
	}
	return rc;
}

void sw_identity_inventories_refresh(struct sw_identity *id, uint64_t now_us)
{
	for (unsigned i = 0; i < id->n_inv; i++) {
		struct sw_inventory_file *f = &id->inv[i];
		struct sw_err err = { 0 };
		struct stat now;

		if (stat(f->path, &now) != 0 ||
		    (now.st_ino == f->st.st_ino && now.st_size == f->st.st_size &&
		     now.st_mtim.tv_sec == f->st.st_mtim.tv_sec &&
		     now.st_mtim.tv_nsec == f->st.st_mtim.tv_nsec))
			continue; /* gone (being rewritten?) or the same: keep what we have */
		if (sw_inventory_file_load(id, f, now_us, &err) == SW_EXIT_OK) {
			id->st.inventory_reloads++;
		} else {
			id->st.inventory_errors++;
			snprintf(id->st.inventory_error, sizeof(id->st.inventory_error), "%s", err.msg);
		}
	}
}

static int sw_identity_open_engine(struct sw_identity *id, const struct sw_identity_opts *o,
				   struct sw_err *err)
{
	struct sw_err e2 = { 0 };
	int rc;

	id->engine_mode = o->engine;
	id->engine_retry = o->engine_retry;
	if (o->engine == SW_ENGINE_OFF)
		return SW_EXIT_OK;
	if (o->engine_socket && !(id->engine_socket = strdup(o->engine_socket)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	rc = sw_engine_open(&id->engine, id->engine_socket, id->reg, &e2);
	if (rc == SW_EXIT_OK)
		return SW_EXIT_OK;
	id->engine = NULL;
	if (o->engine == SW_ENGINE_ON && !o->engine_retry) {
		*err = e2;
		return rc;
	}
	snprintf(id->st.engine_error, sizeof(id->st.engine_error), "%s", e2.msg);
	return SW_EXIT_OK; /* auto: no engine here is fine; retry: it may come later */
}

/* An engine that was not there at open (or could not be reached): ask again now and then. */
static void sw_identity_engine_retry(struct sw_identity *id, uint64_t now_us)
{
	struct sw_err err = { 0 };

	if (id->engine || !id->engine_retry || id->engine_mode == SW_ENGINE_OFF ||
	    now_us < id->next_engine_try_us)
		return;
	if (!id->engine_retry_us)
		id->engine_retry_us = SW_ENGINE_RETRY_US;
	if (!id->next_engine_try_us) {
		id->next_engine_try_us = now_us + id->engine_retry_us;
		return; /* open just failed: the first retry comes later */
	}
	if (sw_engine_open(&id->engine, id->engine_socket, id->reg, &err) == SW_EXIT_OK) {
		id->st.engine_error[0] = '\0';
		id->st.engine_opened++;
		id->engine_retry_us = SW_ENGINE_RETRY_US;
	} else {
		id->engine = NULL;
		snprintf(id->st.engine_error, sizeof(id->st.engine_error), "%s", err.msg);
		id->engine_retry_us = id->engine_retry_us * 2 > SW_ENGINE_RETRY_MAX_US ?
				      SW_ENGINE_RETRY_MAX_US : id->engine_retry_us * 2;
	}
	id->next_engine_try_us = sw_clock_wall_us() + id->engine_retry_us;
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
	if (id->cap && id->follow_ports &&
	    sw_capture_add_iface(id->cap, ifname, SW_CAPTURE_IN, &err) != SW_EXIT_OK)
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
	if (o->max_versions)
		sw_registry_set_max_versions(id->reg, o->max_versions);
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
	sw_identity_engine_retry(id, now_us);
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

void sw_identity_prune(struct sw_identity *id, uint64_t now_us, uint64_t horizon_us)
{
	if (now_us > horizon_us)
		id->st.pruned += sw_registry_prune(id->reg, now_us - horizon_us);
}

void sw_identity_follow_ports(struct sw_identity *id, bool follow)
{
	id->follow_ports = follow;
}

void sw_identity_stats(const struct sw_identity *id, struct sw_identity_stats *out)
{
	struct sw_engine_stats es;

	*out = id->st;
	out->engine_connected = false;
	if (id->engine) {
		sw_engine_get_stats(id->engine, &es);
		out->engine_connected = es.connected;
	}
}

void sw_identity_close(struct sw_identity *id)
{
	if (!id)
		return;
	sw_engine_close(id->engine);
	sw_kernel_close(id->kernel);
	sw_resolver_clear(&id->resolver);
	sw_registry_free(id->reg);
	for (unsigned i = 0; i < id->n_inv; i++) {
		sw_inventory_file_forget(&id->inv[i]);
		free(id->inv[i].path);
	}
	free(id->engine_socket);
	free(id);
}
