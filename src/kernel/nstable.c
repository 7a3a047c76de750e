/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The namespaces behind host veths, keyed by nsid, and when to list each.
 *
 * A container's addresses are usually configured after its veth is attached
 * (CNI plugins, podman, docker all do it in that order), and address events
 * inside its namespace do not reach our socket. So a namespace is listed
 * when a veth to it appears or changes, then again on a backoff schedule
 * (sw_backoff_us), then every SW_KERNEL_REFRESH_US. Each poll lists at most
 * SW_KERNEL_NS_PER_POLL namespaces, the rest wait.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Relisting after a change: at once, then after these delays. */
static const uint64_t sw_backoff_us[] = { 0, 100000, 250000, 500000, 1000000, 2000000, 4000000 };
#define SW_BACKOFF_N (sizeof(sw_backoff_us) / sizeof(sw_backoff_us[0]))

/* sw_kns_pos - where @nsid is or would go in the sorted array. */
static size_t sw_kns_pos(const struct sw_kernel *k, int32_t nsid)
{
	size_t lo = 0, hi = k->n_ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->ns[mid]->nsid < nsid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct sw_kns *sw_kns_find(const struct sw_kernel *k, int32_t nsid)
{
	size_t i = sw_kns_pos(k, nsid);

	return i < k->n_ns && k->ns[i]->nsid == nsid ? k->ns[i] : NULL;
}

static void sw_kns_plan(struct sw_kns *ns, uint64_t now_us)
{
	ns->due_us = now_us + (ns->attempt < SW_BACKOFF_N ? sw_backoff_us[ns->attempt]
							   : SW_KERNEL_REFRESH_US);
}

void sw_kns_touch(struct sw_kernel *k, int32_t nsid)
{
	struct sw_kns *ns = sw_kns_find(k, nsid);

	if (!ns)
		return;
	ns->attempt = 0;
	sw_kns_plan(ns, k->ctx.mono_us);
}

void sw_kns_due_all(struct sw_kernel *k)
{
	for (size_t i = 0; i < k->n_ns; i++) {
		k->ns[i]->attempt = 0;
		sw_kns_plan(k->ns[i], k->ctx.mono_us);
	}
}

/*
 * sw_kns_settled - after a full scan, the namespaces listed were there before
 * it: no backoff for them, only the periodic refresh. Those not resolved keep
 * their backoff.
 */
void sw_kns_settled(struct sw_kernel *k)
{
	for (size_t i = 0; i < k->n_ns; i++)
		if (k->ns[i]->inode) {
			k->ns[i]->attempt = SW_BACKOFF_N;
			sw_kns_plan(k->ns[i], k->ctx.mono_us);
		}
}

/* sw_kns_attach - one more host veth leads to @nsid; false when memory runs out. */
bool sw_kns_attach(struct sw_kernel *k, int32_t nsid)
{
	size_t i = sw_kns_pos(k, nsid);
	struct sw_kns *ns;

	if (i < k->n_ns && k->ns[i]->nsid == nsid) {
		k->ns[i]->refs++;
		sw_kns_touch(k, nsid);
		return true;
	}
	if (k->n_ns == k->cap_ns) {
		size_t cap = k->cap_ns ? k->cap_ns * 2 : 16;
		struct sw_kns **a = realloc(k->ns, cap * sizeof(*a));

		if (!a)
			return false;
		k->ns = a;
		k->cap_ns = cap;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return false;
	ns->nsid = nsid;
	ns->refs = 1;
	sw_kns_plan(ns, k->ctx.mono_us);
	memmove(&k->ns[i + 1], &k->ns[i], (k->n_ns - i) * sizeof(*k->ns));
	k->ns[i] = ns;
	k->n_ns++;
	return true;
}

/* sw_kns_stop - the workload of @ns is gone: registry and hook. */
static void sw_kns_stop(struct sw_kernel *k, struct sw_kns *ns)
{
	const struct sw_kernel_hooks *h = k->ctx.hooks;

	if (!ns->upserted)
		return;
	if (k->ctx.reg)
		sw_registry_stop(k->ctx.reg, SW_WL_SRC_KERNEL, ns->wl.uid, k->ctx.now_us);
	if (h && h->workload_down)
		h->workload_down(&ns->wl, k->ctx.arg);
	sw_workload_clear(&ns->wl);
	ns->upserted = false;
}

static void sw_kns_free(struct sw_kns *ns)
{
	sw_workload_clear(&ns->wl);
	free(ns->ifaces);
	free(ns->addrs);
	free(ns->name);
	free(ns->path);
	free(ns);
}

/* sw_kns_detach - a host veth to @nsid went away (or its peer moved). */
void sw_kns_detach(struct sw_kernel *k, int32_t nsid)
{
	size_t i = sw_kns_pos(k, nsid);
	struct sw_kns *ns;

	if (i >= k->n_ns || k->ns[i]->nsid != nsid)
		return;
	ns = k->ns[i];
	if (--ns->refs) {
		sw_kns_touch(k, nsid);	/* its host veth may have been the one named */
		return;
	}
	sw_kns_stop(k, ns);
	memmove(&k->ns[i], &k->ns[i + 1], (k->n_ns - i - 1) * sizeof(*k->ns));
	k->n_ns--;
	sw_kns_free(ns);
}

void sw_kns_free_all(struct sw_kernel *k)
{
	for (size_t i = 0; i < k->n_ns; i++)
		sw_kns_free(k->ns[i]);
	free(k->ns);
	k->ns = NULL;
	k->n_ns = k->cap_ns = 0;
}

/* sw_kns_mark_peers - which interface inside is the peer of which host veth. */
static void sw_kns_mark_peers(const struct sw_kernel *k, struct sw_kns *ns)
{
	for (size_t i = 0; i <= k->links.mask; i++)
		for (const struct sw_klink *l = k->links.b[i]; l; l = l->next) {
			if (!l->is_veth || l->netnsid != ns->nsid)
				continue;
			for (size_t j = 0; j < ns->n_ifaces; j++)
				if (ns->ifaces[j].ifindex == l->peer_ifindex)
					ns->ifaces[j].host_ifindex = l->ifindex;
		}
}

/* sw_kns_publish - upsert the workload of @ns if it changed; false when memory runs out. */
static bool sw_kns_publish(struct sw_kernel *k, struct sw_kns *ns)
{
	const struct sw_kernel_hooks *h = k->ctx.hooks;
	struct sw_workload w;

	if (!sw_kns_workload_build(k, ns, &w))
		return false;
	if (ns->upserted && sw_kns_workload_same(&w, &ns->wl)) {
		sw_workload_clear(&w);
		return true;
	}
	if (ns->upserted && strcmp(w.uid, ns->wl.uid) != 0)
		sw_kns_stop(k, ns);	/* another namespace took the nsid */
	if (k->ctx.reg && !sw_registry_upsert(k->ctx.reg, &w, k->ctx.now_us)) {
		sw_workload_clear(&w);
		return false;
	}
	sw_workload_clear(&ns->wl);
	ns->wl = w;
	ns->upserted = true;
	if (h && h->workload_up)
		h->workload_up(&ns->wl, k->ctx.arg);
	return true;
}

/*
 * sw_kns_list - enter @ns and list it. A namespace that cannot be opened by
 * its path any more (the process that named it exited) becomes unresolved
 * and is looked for again; nothing here is an error but running out of memory.
 */
static bool sw_kns_list(struct sw_kernel *k, struct sw_kns *ns)
{
	struct sw_nsscan res;
	int fd = sw_netns_reopen(ns);
	int rc;

	if (fd < 0) {
		ns->inode = 0;
		k->st.ns_scan_failed++;
		return true;
	}
	rc = sw_nsscan_run(fd, &res);
	close(fd);
	if (rc == -NLE_NOMEM)
		return false;
	if (rc < 0) {
		k->st.ns_scan_failed++;
		return true;
	}
	k->st.ns_scans++;
	free(ns->ifaces);
	free(ns->addrs);
	ns->ifaces = res.ifaces;
	ns->n_ifaces = res.n_ifaces;
	ns->addrs = res.addrs;
	ns->n_addrs = res.n_addrs;
	sw_kns_mark_peers(k, ns);
	return sw_kns_publish(k, ns);
}

static void sw_kns_next(struct sw_kernel *k, struct sw_kns *ns)
{
	if (ns->attempt < SW_BACKOFF_N)
		ns->attempt++;
	sw_kns_plan(ns, k->ctx.mono_us);
}

/**
 * sw_kns_run_due - resolve and list the namespaces whose time has come
 * @budget: at most this many namespaces listed; a pass over /run/netns and
 *	    /proc counts as one
 *
 * Returns false when memory runs out.
 */
bool sw_kns_run_due(struct sw_kernel *k, size_t budget)
{
	uint64_t now = k->ctx.mono_us;
	bool unresolved_due = false;

	for (size_t i = 0; i < k->n_ns; i++)
		unresolved_due |= !k->ns[i]->inode && k->ns[i]->due_us <= now;
	if (unresolved_due && budget) {
		budget--;
		sw_netns_resolve(k);
		for (size_t i = 0; i < k->n_ns; i++)
			if (!k->ns[i]->inode && k->ns[i]->due_us <= now)
				sw_kns_next(k, k->ns[i]);
	}
	for (size_t i = 0; i < k->n_ns && budget; i++) {
		struct sw_kns *ns = k->ns[i];

		if (!ns->inode || ns->due_us > now)
			continue;
		budget--;
		sw_kns_next(k, ns);
		if (!sw_kns_list(k, ns))
			return false;
	}
	return true;
}

void sw_kernel_foreach_netns(const struct sw_kernel *k, sw_kernel_netns_fn fn, void *arg)
{
	for (size_t i = 0; i < k->n_ns; i++) {
		const struct sw_kns *ns = k->ns[i];
		struct sw_kernel_netns v = {
			.inode = ns->inode,
			.nsid = ns->nsid,
			.name = ns->name,
			.pid = ns->pid,
			.comm = ns->pid ? ns->comm : NULL,
			.host_veths = ns->refs,
			.ifaces = ns->ifaces,
			.n_ifaces = ns->n_ifaces,
			.addrs = ns->addrs,
			.n_addrs = ns->n_addrs,
			.workload = ns->upserted ? &ns->wl : NULL,
		};

		fn(&v, arg);
	}
}
