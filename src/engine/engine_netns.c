/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of a container's veth. Inside the container's network
 * namespace, the interface's IFLA_LINK (what /sys/class/net/eth0/iflink
 * shows) is the ifindex of its peer in the namespace at the other end.
 *
 * /sys cannot be read for this: sysfs shows the namespace of whoever
 * mounted it. So a short-lived thread enters /proc/PID/ns/net (setns(2)
 * changes only the calling thread) and asks rtnetlink there through
 * libnl-route; the main thread then checks that the index names a veth in
 * its own namespace whose peer index is the container's interface.
 */
#define _GNU_SOURCE	/* setns(2) */
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "internal.h"

struct sw_netns_probe {
	int pid;
	const struct sw_workload *w;
	int inner_ifindex;	/* the container's interface */
	int peer_ifindex;	/* its IFLA_LINK: the host side, if all goes well */
};

static bool sw_link_has_mac(struct rtnl_link *link, const struct sw_workload *w)
{
	struct nl_addr *a = rtnl_link_get_addr(link);

	if (!a || nl_addr_get_len(a) != 6)
		return false;
	for (size_t i = 0; i < w->n_macs; i++)
		if (memcmp(nl_addr_get_binary_addr(a), w->macs[i], 6) == 0)
			return true;
	return false;
}

/* The link carrying one of the workload's MACs, else the one named eth0. */
static void sw_netns_pick(struct nl_cache *cache, struct sw_netns_probe *p)
{
	struct rtnl_link *eth0 = NULL, *hit = NULL;

	for (struct nl_object *o = nl_cache_get_first(cache); o && !hit; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;

		if (rtnl_link_get_link(link) <= 0)
			continue;	/* no peer: lo, dummies */
		if (sw_link_has_mac(link, p->w))
			hit = link;
		else if (strcmp(rtnl_link_get_name(link), "eth0") == 0)
			eth0 = link;
	}
	if (!hit)
		hit = eth0;
	if (hit) {
		p->inner_ifindex = rtnl_link_get_ifindex(hit);
		p->peer_ifindex = rtnl_link_get_link(hit);
	}
}

static void *sw_netns_thread(void *arg)
{
	struct sw_netns_probe *p = arg;
	struct nl_cache *cache = NULL;
	struct nl_sock *sk;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", p->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (setns(fd, CLONE_NEWNET) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	/* this thread now lives in the container's namespace, and so does the socket */
	sk = nl_socket_alloc();
	if (sk && nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) == 0) {
		sw_netns_pick(cache, p);
		nl_cache_free(cache);
	}
	nl_socket_free(sk);
	return NULL;
}

/* In our namespace: is @ifindex a veth whose peer index is @inner? Its name then. */
static bool sw_veth_check(int ifindex, int inner, char *ifname)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = nl_socket_alloc();
	const char *type;
	bool ok = false;

	if (sk && nl_connect(sk, NETLINK_ROUTE) == 0 &&
	    rtnl_link_get_kernel(sk, ifindex, NULL, &link) == 0) {
		type = rtnl_link_get_type(link);
		ok = type && strcmp(type, "veth") == 0 && rtnl_link_get_link(link) == inner;
		if (ok)
			snprintf(ifname, IF_NAMESIZE, "%s", rtnl_link_get_name(link));
		rtnl_link_put(link);
	}
	nl_socket_free(sk);
	return ok;
}

bool sw_engine_veth_find(int pid, const struct sw_workload *w, char *ifname, int *ifindex)
{
	struct sw_netns_probe p = { .pid = pid, .w = w };
	pthread_t t;

	*ifindex = 0;
	if (pid <= 0 || pthread_create(&t, NULL, sw_netns_thread, &p) != 0)
		return false;
	pthread_join(t, NULL);
	if (p.peer_ifindex <= 0 || !sw_veth_check(p.peer_ifindex, p.inner_ifindex, ifname))
		return false;
	*ifindex = p.peer_ifindex;
	return true;
}
