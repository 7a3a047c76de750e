/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses of the host namespace itself (bridge gateways, the uplink), kept
 * from RTM_NEWADDR/RTM_DELADDR so that a flow endpoint can be said to be
 * "the host". A host has few addresses: a plain array is enough.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

/* sw_addr_from_nl - an IPv4 or IPv6 libnl address in the 16-byte form; false for others. */
bool sw_addr_from_nl(const struct nl_addr *a, uint8_t out[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (!a)
		return false;
	if (nl_addr_get_family(a) == AF_INET && nl_addr_get_len(a) == 4) {
		memcpy(out, mapped, sizeof(mapped));
		memcpy(out + 12, nl_addr_get_binary_addr(a), 4);
		return true;
	}
	if (nl_addr_get_family(a) == AF_INET6 && nl_addr_get_len(a) == 16) {
		memcpy(out, nl_addr_get_binary_addr(a), 16);
		return true;
	}
	return false;
}

static size_t sw_haddr_index(const struct sw_kernel *k, int ifindex, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < k->n_haddrs; i++)
		if (k->haddrs[i].ifindex == ifindex && memcmp(k->haddrs[i].addr, addr, 16) == 0)
			break;
	return i;
}

static bool sw_haddr_add(struct sw_kernel *k, int ifindex, const uint8_t addr[16],
			 uint8_t prefixlen)
{
	size_t i = sw_haddr_index(k, ifindex, addr);

	if (i < k->n_haddrs) {
		k->haddrs[i].prefixlen = prefixlen;
		return true;
	}
	if (k->n_haddrs == k->cap_haddrs) {
		size_t cap = k->cap_haddrs ? k->cap_haddrs * 2 : 16;
		struct sw_haddr *a = realloc(k->haddrs, cap * sizeof(*a));

		if (!a)
			return false;
		k->haddrs = a;
		k->cap_haddrs = cap;
	}
	k->haddrs[k->n_haddrs].ifindex = ifindex;
	memcpy(k->haddrs[k->n_haddrs].addr, addr, 16);
	k->haddrs[k->n_haddrs].prefixlen = prefixlen;
	k->n_haddrs++;
	return true;
}

static void sw_haddr_del(struct sw_kernel *k, int ifindex, const uint8_t addr[16])
{
	size_t i = sw_haddr_index(k, ifindex, addr);

	if (i < k->n_haddrs)
		k->haddrs[i] = k->haddrs[--k->n_haddrs];
}

/* sw_haddr_apply - one address from an event or a dump; false only when memory runs out. */
bool sw_haddr_apply(struct sw_kernel *k, struct rtnl_addr *obj, bool deleted)
{
	uint8_t a[16];

	if (!sw_addr_from_nl(rtnl_addr_get_local(obj), a))
		return true;
	if (deleted) {
		sw_haddr_del(k, rtnl_addr_get_ifindex(obj), a);
		return true;
	}
	return sw_haddr_add(k, rtnl_addr_get_ifindex(obj), a,
			    (uint8_t)rtnl_addr_get_prefixlen(obj));
}

static void sw_haddr_dumped(struct nl_object *obj, void *arg)
{
	struct sw_kernel *k = arg;

	if (!sw_haddr_apply(k, (struct rtnl_addr *)obj, false))
		k->ctx.oom = true;
}

/* sw_haddrs_sync - replace the set with a fresh dump; 0 or a negative libnl error. */
int sw_haddrs_sync(struct sw_kernel *k)
{
	struct nl_cache *cache = NULL;
	int rc = rtnl_addr_alloc_cache(k->rq, &cache);

	if (rc < 0)
		return rc;
	k->n_haddrs = 0;
	k->ctx.oom = false;
	nl_cache_foreach(cache, sw_haddr_dumped, k);
	nl_cache_free(cache);
	return k->ctx.oom ? -NLE_NOMEM : 0;
}

/*
 * The network of a bridge's address, in the 16-byte form; false for what is
 * no network of containers: link-local addresses (every link has fe80::/64)
 * and host routes (/32, /128).
 */
static bool sw_haddr_bridge_net(const struct sw_haddr *h, struct sw_bridge_net *out)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = memcmp(h->addr, mapped, 12) == 0;
	unsigned plen = h->prefixlen + (v4 ? 96u : 0u), full = plen / 8, rest = plen % 8;

	if (plen >= 128 || (v4 ? h->addr[12] == 169 && h->addr[13] == 254
			       : h->addr[0] == 0xfe && (h->addr[1] & 0xc0) == 0x80))
		return false;
	memset(out, 0, sizeof(*out));
	memcpy(out->addr, h->addr, full);
	if (rest)
		out->addr[full] = h->addr[full] & (uint8_t)(0xff << (8 - rest));
	out->plen = (uint8_t)plen;
	out->ifindex = h->ifindex;
	return true;
}

/*
 * sw_haddrs_publish_bridge_nets - tell the registry the networks of the
 * addresses configured on bridges; false on out of memory.
 */
bool sw_haddrs_publish_bridge_nets(struct sw_kernel *k)
{
	struct sw_bridge_net *nets;
	size_t n = 0;
	bool ok;

	if (!k->ctx.reg)
		return true;
	nets = malloc((k->n_haddrs ? k->n_haddrs : 1) * sizeof(*nets));
	if (!nets)
		return false;
	for (size_t i = 0; i < k->n_haddrs; i++) {
		const struct sw_klink *l = sw_klinks_find(&k->links, k->haddrs[i].ifindex);

		if (l && l->is_bridge && sw_haddr_bridge_net(&k->haddrs[i], &nets[n]))
			n++;
	}
	ok = sw_registry_set_bridge_nets(k->ctx.reg, nets, n);
	free(nets);
	return ok;
}

bool sw_kernel_is_host_addr(const struct sw_kernel *k, const uint8_t addr[16])
{
	for (size_t i = 0; i < k->n_haddrs; i++)
		if (memcmp(k->haddrs[i].addr, addr, 16) == 0)
			return true;
	return false;
}
