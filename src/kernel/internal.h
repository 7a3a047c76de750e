/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_KERNEL_INTERNAL_H
#define SW_KERNEL_INTERNAL_H

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <segwatch/kernel.h>

/* Bounded work per sw_kernel_poll(): event datagrams read, namespaces entered. */
#define SW_KERNEL_READS_PER_POLL 256
#define SW_KERNEL_NS_PER_POLL 4
/* After the backoff schedule, each namespace is listed again this often. */
#define SW_KERNEL_REFRESH_US (30ull * 1000000ull)
/* Event socket receive buffer: room for a burst of container starts. */
#define SW_KERNEL_RCVBUF (4 << 20)

/* A link of the host namespace, as the last event or dump described it. */
struct sw_klink {
	int ifindex;
	char name[IFNAMSIZ];
	int master;		/* IFLA_MASTER, 0 if none */
	int peer_ifindex;	/* IFLA_LINK: a veth's peer, in the peer's namespace */
	int32_t netnsid;	/* IFLA_LINK_NETNSID of a veth, -1 when the peer is here */
	unsigned flags;		/* IFF_* */
	bool up;		/* IFF_UP */
	bool is_bridge, is_veth;
	int reported;		/* the bridge port_added named (a bridge: itself); 0: none */
	bool seen;		/* mark of the current full dump */
	struct sw_klink *next;	/* hash chain */
};

/* Links by ifindex: chained hash, power-of-two buckets. */
struct sw_klinks {
	struct sw_klink **b;
	size_t mask, count;
};

/* A namespace at the far end of at least one host veth. */
struct sw_kns {
	int32_t nsid;
	uint64_t inode;		/* 0 until resolved */
	char *name;		/* /run/netns name, or NULL */
	char *path;		/* how to open it again: /run/netns/NAME or /proc/PID/ns/net */
	int pid;
	char comm[16];
	unsigned refs;		/* host veths pointing here */
	struct sw_kernel_nsif *ifaces;
	size_t n_ifaces;
	struct sw_kernel_nsaddr *addrs;
	size_t n_addrs;
	struct sw_workload wl;	/* as last upserted (valid when @upserted) */
	bool upserted;
	uint64_t due_us;	/* next listing, CLOCK_MONOTONIC */
	unsigned attempt;	/* position in the backoff schedule */
};

/* An address configured in the host namespace. */
struct sw_haddr {
	int ifindex;
	uint8_t addr[16];
	uint8_t prefixlen;	/* as configured (IPv4: 0-32) */
};

/* What the current scan or poll was called with. */
struct sw_kctx {
	struct sw_registry *reg;
	uint64_t now_us;	/* the caller's time, for the registry */
	uint64_t mono_us;	/* CLOCK_MONOTONIC, for the rescan schedule */
	const struct sw_kernel_hooks *hooks;
	void *arg;
	bool oom;		/* out of memory inside a libnl callback */
};

struct sw_kernel {
	struct nl_sock *ev;	/* events: joined to the groups, non-blocking */
	struct nl_cb *evcb;	/* @ev's callbacks (a reference) */
	struct nl_sock *rq;	/* requests: dumps and RTM_GETNSID, blocking */
	struct sw_klinks links;
	struct sw_kns **ns;	/* sorted by nsid */
	size_t n_ns, cap_ns;
	struct sw_haddr *haddrs;
	size_t n_haddrs, cap_haddrs;
	uint64_t self_inode;	/* our own namespace, never a workload */
	bool need_resync;	/* an event was lost: dump again */
	bool draining;		/* discard what is queued on @ev */
	struct sw_kctx ctx;
	struct sw_kernel_stats st;
};

/* links.c */
bool sw_klinks_init(struct sw_klinks *t);
void sw_klinks_free(struct sw_klinks *t);
struct sw_klink *sw_klinks_find(const struct sw_klinks *t, int ifindex);
bool sw_klink_apply(struct sw_kernel *k, struct rtnl_link *obj, bool deleted);
int sw_klinks_sync(struct sw_kernel *k);

/* hostaddr.c */
bool sw_haddr_apply(struct sw_kernel *k, struct rtnl_addr *obj, bool deleted);
int sw_haddrs_sync(struct sw_kernel *k);
bool sw_haddrs_publish_bridge_nets(struct sw_kernel *k);
bool sw_addr_from_nl(const struct nl_addr *a, uint8_t out[16]);

/* netns.c: which namespace an nsid is */
int sw_netns_nsid(struct nl_sock *rq, int fd, int32_t *nsid);
bool sw_netns_resolve(struct sw_kernel *k);
int sw_netns_reopen(const struct sw_kns *ns);
uint64_t sw_netns_self_inode(void);

/* nsscan.c: list a namespace from inside */
struct sw_nsscan {
	struct sw_kernel_nsif *ifaces;
	size_t n_ifaces;
	struct sw_kernel_nsaddr *addrs;
	size_t n_addrs;
};
int sw_nsscan_run(int nsfd, struct sw_nsscan *out);
void sw_nsscan_clear(struct sw_nsscan *s);

/* nstable.c: namespaces, their schedule and their workloads */
bool sw_kns_attach(struct sw_kernel *k, int32_t nsid);
void sw_kns_detach(struct sw_kernel *k, int32_t nsid);
void sw_kns_touch(struct sw_kernel *k, int32_t nsid);
struct sw_kns *sw_kns_find(const struct sw_kernel *k, int32_t nsid);
bool sw_kns_run_due(struct sw_kernel *k, size_t budget);
void sw_kns_due_all(struct sw_kernel *k);
void sw_kns_settled(struct sw_kernel *k);
void sw_kns_free_all(struct sw_kernel *k);

/* workload.c */
bool sw_kns_workload_build(const struct sw_kernel *k, const struct sw_kns *ns,
			   struct sw_workload *w);
bool sw_kns_workload_same(const struct sw_workload *a, const struct sw_workload *b);

#endif
