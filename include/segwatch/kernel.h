/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_KERNEL_H
#define SEGWATCH_KERNEL_H

/*
 * kernel - what the kernel says about the host's links, read with libnl-3
 * route: bridges and their ports (what to capture on), veth pairs, and the
 * network namespace at the other end of each veth, with the interfaces, MACs
 * and addresses inside it. Each such namespace becomes a workload of source
 * SW_WL_SRC_KERNEL:
 *
 *	uid	"netns:<inode>"		(the nsfs inode: stable while it lives)
 *	name	the /run/netns name, else "pid:<PID>/<comm>" (lowest PID in it)
 *	addrs	every address inside except loopback (IPv6 link-local included)
 *	macs	the MAC of every non-loopback interface inside
 *	iface	the host-side veth (the one on a bridge, else the lowest ifindex)
 *
 * Link and address events come from a netlink socket (sw_kernel_fd) that the
 * caller polls about every 100 ms with sw_kernel_poll(); each call does a
 * bounded amount of work. Nothing here changes the calling thread's network
 * namespace: namespaces are entered on a short-lived thread of their own.
 * See docs/kernel-view.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/workload.h>

struct sw_kernel;

/*
 * Calls made by sw_kernel_poll() as things change; any member may be NULL.
 * A "capture interface" is a bridge that is up (reported with @bridge_ifindex
 * == @ifindex) or an up port of such a bridge, as sw_kernel_capture_ifaces()
 * lists them. Strings and workloads are valid during the call only, and a
 * hook must not call sw_kernel_* on the handle that called it.
 */
struct sw_kernel_hooks {
	/* @ifname became a capture interface (enslaved, brought up, its bridge came up). */
	void (*port_added)(const char *ifname, int ifindex, int bridge_ifindex, void *arg);
	/* @ifindex is no longer one (released, down, deleted); @ifname is its last name. */
	void (*port_removed)(const char *ifname, int ifindex, void *arg);
	/* A namespace workload was found or changed (already upserted in the registry). */
	void (*workload_up)(const struct sw_workload *w, void *arg);
	/* Its last host-side veth went away (already stopped in the registry). */
	void (*workload_down)(const struct sw_workload *w, void *arg);
};

/* Counters, for a stats dump; never reset. */
struct sw_kernel_stats {
	uint64_t link_events;		/* RTM_NEWLINK/RTM_DELLINK applied (AF_BRIDGE ones are skipped) */
	uint64_t addr_events;		/* RTM_NEWADDR/RTM_DELADDR read */
	uint64_t resyncs;		/* full link dumps after a lost event (socket overrun) */
	uint64_t recv_errors;		/* receive errors that caused them */
	uint64_t ns_resolves;		/* passes over /run/netns and /proc */
	uint64_t ns_scans;		/* namespaces entered and listed */
	uint64_t ns_scan_failed;	/* could not enter/list (gone meanwhile, no permission) */
	uint64_t ns_unresolved;		/* peer namespaces found neither in /run/netns nor /proc */
};

/* One interface inside a namespace, as last listed. */
struct sw_kernel_nsif {
	char name[16];
	int ifindex;			/* inside the namespace */
	uint8_t mac[6];
	bool has_mac;			/* a 6-byte hardware address */
	bool up;
	bool loopback;
	int host_ifindex;		/* the host veth whose peer this is; 0 if none */
};

/* One address inside a namespace. */
struct sw_kernel_nsaddr {
	int ifindex;			/* inside the namespace */
	uint8_t addr[16];		/* IPv4 as IPv4-mapped IPv6 */
	uint8_t prefixlen;
};

/* A namespace behind one or more host veths, for sw_kernel_foreach_netns(). */
struct sw_kernel_netns {
	uint64_t inode;			/* 0: not resolved (yet) */
	int32_t nsid;			/* the host's id for it (IFLA_LINK_NETNSID) */
	const char *name;		/* /run/netns name, or NULL */
	int pid;			/* when found through /proc/PID/ns/net; else 0 */
	const char *comm;		/* of @pid, or NULL */
	unsigned host_veths;		/* host-side veths pointing to it */
	const struct sw_kernel_nsif *ifaces;
	size_t n_ifaces;
	const struct sw_kernel_nsaddr *addrs;
	size_t n_addrs;
	const struct sw_workload *workload;	/* as last upserted, or NULL */
};

/**
 * sw_kernel_open - subscribe to link and address events
 * @out: the new handle on success
 * @err: filled on failure
 *
 * Joins RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR before any
 * dump, so nothing that happens after this call is missed. Holds no state
 * yet: call sw_kernel_scan() next.
 * Returns SW_EXIT_OK or SW_EXIT_RUNTIME.
 */
int sw_kernel_open(struct sw_kernel **out, struct sw_err *err);

/* sw_kernel_close - close the sockets and free everything; NULL is fine. */
void sw_kernel_close(struct sw_kernel *k);

/**
 * sw_kernel_scan - full dump of links and addresses, then every namespace
 * @reg: workloads found are upserted here (and vanished ones stopped); may be NULL
 * @now_us: the time of the scan, for the registry
 *
 * Unbounded work (one pass over /proc, one entry per namespace): call it at
 * start, not from the packet loop. Calls no hooks; what was found is what
 * sw_kernel_capture_ifaces() lists afterwards. Namespaces that cannot be
 * entered are counted (sw_kernel_stats), not errors.
 * Returns SW_EXIT_OK, or SW_EXIT_RUNTIME when the dump fails or memory runs out.
 */
int sw_kernel_scan(struct sw_kernel *k, struct sw_registry *reg, uint64_t now_us,
		   struct sw_err *err);

/**
 * sw_kernel_capture_ifaces - bridges that are up, then their ports that are up
 * @names: array to fill (strings are malloc'd, the caller frees them)
 * @max: capacity of @names; interfaces beyond it are left out
 * @n: number filled
 * @is_bridge: NULL, or set for each name: a bridge (true) or a port (false)
 *
 * From the state of the last scan and polls; the replacement for
 * sw_discover_bridge_ports() (same selection, ordered by ifindex).
 * Returns SW_EXIT_OK or SW_EXIT_RUNTIME (out of memory; nothing is returned).
 */
int sw_kernel_capture_ifaces(const struct sw_kernel *k, char **names, bool *is_bridge,
			     unsigned max, unsigned *n, struct sw_err *err);

/* sw_kernel_fd - readable when events are pending (for poll(2)); the caller must not read it. */
int sw_kernel_fd(const struct sw_kernel *k);

/**
 * sw_kernel_poll - apply pending events and due namespace rescans; never blocks
 * @reg: workloads are upserted/stopped here; may be NULL
 * @now_us: the current time, for the registry and the rescan schedule
 * @hooks: told what changed; may be NULL
 *
 * Reads at most a fixed number of event messages and enters at most a fixed
 * number of namespaces per call; what is left waits for the next call. A
 * lost event (socket overrun) triggers a full link dump, reported through the
 * hooks as a difference. An interface or namespace that vanishes while being
 * looked at is not an error.
 * Returns SW_EXIT_OK, or SW_EXIT_RUNTIME only when memory runs out.
 */
int sw_kernel_poll(struct sw_kernel *k, struct sw_registry *reg, uint64_t now_us,
		   const struct sw_kernel_hooks *hooks, void *arg, struct sw_err *err);

/* sw_kernel_is_host_addr - @addr (16-byte form) is configured on a link of this namespace. */
bool sw_kernel_is_host_addr(const struct sw_kernel *k, const uint8_t addr[16]);

typedef void (*sw_kernel_netns_fn)(const struct sw_kernel_netns *ns, void *arg);
/* sw_kernel_foreach_netns - every namespace behind a host veth, in order of nsid. */
void sw_kernel_foreach_netns(const struct sw_kernel *k, sw_kernel_netns_fn fn, void *arg);

const struct sw_kernel_stats *sw_kernel_stats(const struct sw_kernel *k);

#endif
