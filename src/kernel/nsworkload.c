/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A namespace as a workload: uid "netns:<inode>", its name, the addresses
 * and MACs inside, and the host-side veth.
 *
 * Addresses: every address on a non-loopback interface, IPv6 link-local
 * (fe80::/10) and IPv4 link-local included. Captured flows carry them
 * (neighbour discovery, MLD, DHCPv6, mDNS), the kernel derives them from the
 * interface so they are unique in practice on one bridge, and the registry
 * prefers every other source to this one when two claim an address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int sw_cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int sw_cmp6(const void *a, const void *b)
{
	return memcmp(a, b, 6);
}

static bool sw_addr_is_loopback(const uint8_t a[16])
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, v6lo, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127);
}

static const struct sw_kernel_nsif *sw_kns_iface(const struct sw_kns *ns, int ifindex)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (ns->ifaces[i].ifindex == ifindex)
			return &ns->ifaces[i];
	return NULL;
}

/* sw_kns_host_veth - the host veth to name: one on a bridge first, then the lowest ifindex. */
static const struct sw_klink *sw_kns_host_veth(const struct sw_kernel *k, int32_t nsid)
{
	const struct sw_klink *best = NULL;

	for (size_t i = 0; i <= k->links.mask; i++)
		for (const struct sw_klink *l = k->links.b[i]; l; l = l->next) {
			if (!l->is_veth || l->netnsid != nsid)
				continue;
			bool on = l->reported != 0, best_on = best && best->reported != 0;

			if (!best || (on && !best_on) || (on == best_on && l->ifindex < best->ifindex))
				best = l;
		}
	return best;
}

static bool sw_kns_name_set(const struct sw_kns *ns, struct sw_workload *w)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "netns:%llu", (unsigned long long)ns->inode);
	w->uid = strdup(buf);
	if (ns->name) {
		w->name = strdup(ns->name);
	} else {
		snprintf(buf, sizeof(buf), "pid:%d/%s", ns->pid, ns->comm);
		w->name = strdup(buf);
	}
	return w->uid && w->name;
}

static bool sw_kns_addrs_add(const struct sw_kns *ns, struct sw_workload *w)
{
	for (size_t i = 0; i < ns->n_ifaces; i++)
		if (!ns->ifaces[i].loopback && ns->ifaces[i].has_mac &&
		    !sw_workload_add_mac(w, ns->ifaces[i].mac))
			return false;
	for (size_t i = 0; i < ns->n_addrs; i++) {
		const struct sw_kernel_nsif *f = sw_kns_iface(ns, ns->addrs[i].ifindex);

		if (!f || f->loopback || sw_addr_is_loopback(ns->addrs[i].addr))
			continue;
		if (!sw_workload_add_addr(w, ns->addrs[i].addr))
			return false;
	}
	/* sorted, so that two listings compare equal when nothing changed */
	if (w->n_addrs)
		qsort(w->addrs, w->n_addrs, sizeof(*w->addrs), sw_cmp16);
	if (w->n_macs)
		qsort(w->macs, w->n_macs, sizeof(*w->macs), sw_cmp6);
	return true;
}

/**
 * sw_kns_workload_build - the workload of resolved namespace @ns as last listed
 * @w: filled (clear it with sw_workload_clear)
 *
 * Returns false when memory runs out (@w is then cleared).
 */
bool sw_kns_workload_build(const struct sw_kernel *k, const struct sw_kns *ns,
			   struct sw_workload *w)
{
	const struct sw_klink *veth = sw_kns_host_veth(k, ns->nsid);
	bool ok;

	memset(w, 0, sizeof(*w));
	w->source = SW_WL_SRC_KERNEL;
	w->netns = ns->inode;	/* the merge key the engine's containers share */
	ok = sw_kns_name_set(ns, w) && sw_kns_addrs_add(ns, w);
	if (ok && veth) {
		w->iface = strdup(veth->name);
		w->ifindex = veth->ifindex;
		ok = w->iface != NULL;
	}
	if (!ok)
		sw_workload_clear(w);
	return ok;
}

static bool sw_str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* sw_kns_workload_same - nothing the registry cares about differs. */
bool sw_kns_workload_same(const struct sw_workload *a, const struct sw_workload *b)
{
	return sw_str_same(a->uid, b->uid) && sw_str_same(a->name, b->name) &&
	       sw_str_same(a->iface, b->iface) && a->ifindex == b->ifindex && a->netns == b->netns &&
	       a->n_addrs == b->n_addrs && a->n_macs == b->n_macs &&
	       (!a->n_addrs || memcmp(a->addrs, b->addrs, a->n_addrs * 16) == 0) &&
	       (!a->n_macs || memcmp(a->macs, b->macs, a->n_macs * 6) == 0);
}
