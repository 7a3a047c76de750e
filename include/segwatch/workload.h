/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_WORKLOAD_H
#define SEGWATCH_WORKLOAD_H

/*
 * workload - who is behind an address: containers from the engine, entries
 * from inventory files and Kubernetes pod lists, namespaces seen by the
 * kernel. The registry remembers *when* each address belonged to whom, so a
 * flow is attributed to the workload that held the address at the time of
 * the flow, even after the address was reused by a later container.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/flow.h>

/* Where an identity came from; names are part of the JSON interface. */
enum sw_wl_source {
	SW_WL_SRC_ENGINE = 0,	/* Docker Engine API (Docker or Podman) */
	SW_WL_SRC_INVENTORY,	/* segwatch inventory file */
	SW_WL_SRC_KUBERNETES,	/* kubectl get pods -A -o json */
	SW_WL_SRC_KERNEL,	/* a network namespace found through netlink */
	SW_WL_SRC_MAX
};

struct sw_label {
	char *key;
	char *value;
};

/*
 * A workload as a source describes it. Every string and array is owned by
 * the struct (sw_workload_clear frees them).
 */
struct sw_workload {
	char *uid;		/* unique within its source: container id, pod uid, file:name */
	char *name;		/* "shop/web-7f9c": what people read */
	char *namespace;	/* Kubernetes namespace or engine project; may be NULL */
	struct sw_label *labels;
	size_t n_labels;
	uint8_t (*addrs)[16];	/* IPv4 as IPv4-mapped IPv6 */
	size_t n_addrs;
	uint8_t (*macs)[6];
	size_t n_macs;
	char *iface;		/* host-side interface (veth) when known; may be NULL */
	int ifindex;		/* of @iface, 0 when unknown */
	uint64_t netns;		/* inode of its network namespace, 0 when unknown */
	enum sw_wl_source source;
};

void sw_workload_clear(struct sw_workload *w);
/* sw_workload_copy - deep copy; false on out of memory (dst is then cleared). */
bool sw_workload_copy(struct sw_workload *dst, const struct sw_workload *src);
/* sw_workload_add_* - append to the arrays; false on out of memory. */
bool sw_workload_add_label(struct sw_workload *w, const char *key, const char *value);
bool sw_workload_add_addr(struct sw_workload *w, const uint8_t addr[16]);
bool sw_workload_add_mac(struct sw_workload *w, const uint8_t mac[6]);
/* sw_workload_label - value of label @key, or NULL. */
const char *sw_workload_label(const struct sw_workload *w, const char *key);
const char *sw_wl_source_name(enum sw_wl_source s);

/*
 * sw_addr_parse - parse an IPv4 or IPv6 address into the 16-byte form.
 * sw_mac_parse - parse "aa:bb:cc:dd:ee:ff".
 */
bool sw_addr_parse(const char *text, uint8_t out[16]);
bool sw_mac_parse(const char *text, uint8_t out[6]);

struct sw_registry;

struct sw_registry *sw_registry_alloc(void);
void sw_registry_free(struct sw_registry *reg);

/**
 * sw_registry_upsert - a workload started or changed at @now_us
 *
 * Keyed on (source, uid). Addresses it no longer has are released as of
 * @now_us; new ones are bound from @now_us. The registry copies @w.
 * Returns false on out of memory.
 */
bool sw_registry_upsert(struct sw_registry *reg, const struct sw_workload *w, uint64_t now_us);

/* sw_registry_stop - the workload (source, uid) stopped at @now_us; its addresses are released. */
void sw_registry_stop(struct sw_registry *reg, enum sw_wl_source source, const char *uid,
		      uint64_t now_us);

/**
 * sw_registry_lookup_addr - the workload that held @addr at @ts_us, or NULL
 *
 * When several sources claim the address at that time the most specific
 * wins: engine, then Kubernetes, then inventory, then kernel. The result is
 * then merged (sw_registry_merged): an address only the kernel's view knows
 * (an IPv6 link-local one) names the container the engine or an inventory
 * describes when they share its namespace, interface, MAC or an address.
 */
const struct sw_workload *sw_registry_lookup_addr(const struct sw_registry *reg,
						  const uint8_t addr[16], uint64_t ts_us);

/**
 * sw_registry_merged - the workload @w is one with at @ts_us
 *
 * Sources describe one container separately (the engine, an inventory, a
 * Kubernetes pod list, the kernel's namespace). Two entries of different
 * sources bound at @ts_us are one workload when they share a network
 * namespace (netns inode), a host-side interface (ifindex), a unicast MAC,
 * or (as a fallback) an address that is not link-local. Of the entries so
 * joined, the one of the most specific source (the order of
 * sw_registry_lookup_addr) stands for all: its name, uid and labels are
 * what flows are attributed to. Returns @w itself when nothing joins it.
 * @w must come from this registry (a lookup or sw_registry_foreach).
 * Use SW_REG_NOW for @ts_us to ask about the workloads running now.
 */
#define SW_REG_NOW (UINT64_MAX - 1)
const struct sw_workload *sw_registry_merged(const struct sw_registry *reg,
					     const struct sw_workload *w, uint64_t ts_us);

/**
 * sw_registry_learn_linklocal - a frame from @mac carried link-local @addr at @ts_us
 *
 * When nobody holds @addr (fe80::/10 or 169.254/16) at @ts_us and a running
 * workload has @mac, @addr is bound to it from the time it started until it
 * stops: a link-local address is derived from, or at least stays with, its
 * interface. Reading a pcap, this attributes neighbour discovery and other
 * link-local traffic to the workload an inventory gives the MAC of. Other
 * addresses, unknown or group MACs: nothing. Returns true when it bound.
 */
bool sw_registry_learn_linklocal(struct sw_registry *reg, const uint8_t addr[16],
				 const uint8_t mac[6], uint64_t ts_us);

/* sw_addr_is_linklocal - fe80::/10 or (IPv4-mapped) 169.254.0.0/16. */
bool sw_addr_is_linklocal(const uint8_t a[16]);

/* sw_registry_lookup_ifindex - the workload behind host-side interface @ifindex at @ts_us (not merged). */
const struct sw_workload *sw_registry_lookup_ifindex(const struct sw_registry *reg, int ifindex,
						     uint64_t ts_us);

/* Iterate the workloads running now (stopped ones are kept only for lookups by time). */
typedef void (*sw_registry_visit_fn)(const struct sw_workload *w, bool running, void *arg);
void sw_registry_foreach(const struct sw_registry *reg, sw_registry_visit_fn fn, void *arg);

size_t sw_registry_count(const struct sw_registry *reg);

/* sw_registry_generation - changes whenever a workload starts, stops or changes, or the bridge networks do. */
uint64_t sw_registry_generation(const struct sw_registry *reg);

/*
 * sw_registry_changes_since - call @fn with the (source, uid) of every
 * workload whose group membership may differ from generation @gen: those
 * that started, stopped or changed since, and the running ones merged
 * through them (sw_registry_merged); a workload may come more than once.
 * False, without calling @fn, when the registry cannot say: @gen is older
 * than the changes it keeps (a bounded journal), one change reached too
 * many workloads, or the bridge networks changed. The caller then looks
 * at every workload. The registry keeps its journal from the first call on
 * (it costs nothing to a registry no one asks): ask once, at @gen the
 * current generation, to be answered later.
 */
typedef void (*sw_registry_change_fn)(enum sw_wl_source source, const char *uid, void *arg);
bool sw_registry_changes_since(const struct sw_registry *reg, uint64_t gen,
			       sw_registry_change_fn fn, void *arg);

/* sw_registry_running - the running workload (@source, @uid), or NULL. */
const struct sw_workload *sw_registry_running(const struct sw_registry *reg,
					      enum sw_wl_source source, const char *uid);

/*
 * A network a bridge of this host is configured with: where the containers
 * on that bridge take their addresses from. The kernel's view keeps them
 * here, so that a policy can judge an address of such a network that no
 * identified workload holds yet ("unclassified", docs/policy.md).
 */
struct sw_bridge_net {
	uint8_t addr[16];	/* the network, host bits zero; IPv4 as IPv4-mapped IPv6 */
	uint8_t plen;		/* in the 16-byte form: an IPv4 /24 is 120 */
	int ifindex;		/* the bridge */
};

/*
 * sw_registry_set_bridge_nets - the bridge networks are now @nets (copied;
 * order and duplicates do not matter). The generation changes only when
 * they differ from before. False on out of memory (the old ones stay).
 */
bool sw_registry_set_bridge_nets(struct sw_registry *reg, const struct sw_bridge_net *nets,
				 size_t n);
/* sw_registry_bridge_nets - the bridge networks, sorted, without duplicates; *@n of them. */
const struct sw_bridge_net *sw_registry_bridge_nets(const struct sw_registry *reg, size_t *n);

/*
 * Bounds. A version of a workload that stopped (or was superseded by a
 * changed version) is kept so that flows seen while it ran are still
 * attributed to it; these bound how many are kept.
 */

/**
 * sw_registry_set_max_versions - bindings kept per address (default 16)
 *
 * Past @n, the oldest closed bindings of an address are dropped when a new
 * one is made (counted in versions_dropped): lookups at those times then
 * find nothing. Open bindings (workloads holding the address now) are never
 * dropped. @n below 1 counts as 1. Applies to addresses bound from then on;
 * the agent sets it from its config's limits.identity_versions.
 */
void sw_registry_set_max_versions(struct sw_registry *reg, size_t n);

/**
 * sw_registry_set_max_stopped - stopped versions kept at most (default 65536)
 *
 * Past @n, the versions that stopped first are freed at once, however
 * recently they stopped (counted in forced_pruned). This breaks the promise
 * below for them: a reader still holding a pointer to one would read freed
 * memory, so set @n well above what stops within the prune horizon. Lowering
 * it frees the excess now. @n below 1 counts as 1.
 */
void sw_registry_set_max_stopped(struct sw_registry *reg, size_t n);

/**
 * sw_registry_prune - free the versions that stopped before @before_us
 *
 * Frees every version of a workload that stopped, or was superseded by a
 * changed version, at a time before @before_us, and every binding of an
 * address or interface to it: lookups at times it was bound then find
 * nothing (or another workload). Running workloads (their current
 * versions) are never freed. Returns how many versions were freed.
 *
 * The caller must not hold, nor let any other thread hold, a pointer to a
 * workload that stopped before @before_us: take @before_us as now minus the
 * longest a record holding such pointers can live (for flows: the active
 * timeout plus the largest idle timeout, plus the writers' queues) minus a
 * margin. Versions are freed in the order they stopped; if the times given
 * to sw_registry_stop/upsert went backwards, the older ones wait for the
 * newer ones. Costs O(versions freed); O(1) when there is nothing to free.
 */
size_t sw_registry_prune(struct sw_registry *reg, uint64_t before_us);

struct sw_registry_stats {
	uint64_t entries_running;	/* versions of running workloads (gauge) */
	uint64_t entries_stopped;	/* versions kept after they stopped (gauge) */
	uint64_t bindings;		/* address and interface bindings (gauge) */
	uint64_t pruned;		/* versions freed by sw_registry_prune */
	uint64_t forced_pruned;		/* versions freed early, past max_stopped */
	uint64_t versions_dropped;	/* bindings dropped, past max_versions */
	uint64_t merge_bindings;	/* MAC and namespace bindings, to merge sources (gauge) */
	uint64_t learned_linklocal;	/* link-local addresses bound through a MAC */
};

/* sw_registry_stats - the registry's gauges and counters (counters since alloc). */
void sw_registry_stats(const struct sw_registry *reg, struct sw_registry_stats *st);

/* What a flow endpoint is; names are part of the JSON interface (docs/flows.md). */
enum sw_endpoint_kind {
	SW_EP_NONE = 0,		/* not resolved (no identity sources) */
	SW_EP_WORKLOAD,
	SW_EP_HOST,		/* an address of this host (or the namespace segwatch runs in) */
	SW_EP_EXTERNAL,
	SW_EP_MULTICAST,	/* multicast or broadcast */
	SW_EP_UNSPECIFIED,	/* 0.0.0.0 or :: */
};

/* Resolves addresses against the registry and the host's own addresses. */
struct sw_resolver {
	const struct sw_registry *reg;	/* not owned; may be NULL */
	uint8_t (*host)[16];
	size_t n_host;
};

void sw_resolver_init(struct sw_resolver *r, const struct sw_registry *reg);
void sw_resolver_clear(struct sw_resolver *r);
/* sw_resolver_load_host_addrs - the addresses of this network namespace (getifaddrs). */
bool sw_resolver_load_host_addrs(struct sw_resolver *r);
bool sw_resolver_add_host_addr(struct sw_resolver *r, const uint8_t addr[16]);
/* sw_resolve_addr - what @addr was at @ts_us; *wl is set for SW_EP_WORKLOAD. */
enum sw_endpoint_kind sw_resolve_addr(const struct sw_resolver *r, const uint8_t addr[16],
				      uint64_t ts_us, const struct sw_workload **wl);
const char *sw_endpoint_kind_name(enum sw_endpoint_kind k);

/*
 * Who the two ends of a flow are: [0] the initiator, [1] the responder.
 * Workload pointers come from the registry, whose entries are never changed
 * (new versions are added instead) and are freed only by
 * sw_registry_prune (versions that stopped before its horizon, which a
 * record must not outlive), past sw_registry_set_max_stopped, or with the
 * registry.
 */
struct sw_flow_ident {
	uint8_t kind[2];			/* enum sw_endpoint_kind; SW_EP_NONE = not resolved */
	const struct sw_workload *wl[2];
};

/* sw_flow_ident_resolve_addrs - the same for two addresses at @ts_us (kernel log records). */
void sw_flow_ident_resolve_addrs(struct sw_flow_ident *id, const struct sw_resolver *r,
				 const uint8_t src[16], const uint8_t dst[16], uint64_t ts_us);

/*
 * A flow as a staged (candidate) policy judges it, next to the enforced one
 * (docs/policy.md "Staged policies"). The strings are the staged policy's
 * and constants: valid during the sink hook that received the record only.
 */
struct sw_flow_staged {
	const char *verdict;		/* "allowed", "denied", "monitored", "unmanaged" */
	const char *rule;		/* "/rules/3", "default", "intra_group", "neighbour_discovery";
					 * NULL when unmanaged */
	const char *rule_name;		/* NULL: the rule has none */
	const char *change;		/* "newly_denied", "newly_allowed" against the enforced
					 * policy; NULL: no change (or no enforced policy) */
};

/*
 * A flow resolved once: the record every sink receives (the writer, the
 * history, alerts, the in-memory table of `capture`).
 */
struct sw_flow_rec {
	struct sw_flow f;
	struct sw_flow_ident id;
	/*
	 * NULL unless the pipeline has a staged policy (sw_pipeline_set_staged);
	 * for the hook's duration only: a sink keeping the record past it (the
	 * JSON-lines writer's thread) does not keep this.
	 */
	const struct sw_flow_staged *staged;
};

/* sw_flow_rec_resolve - @f copied into @rec, both ends resolved at its first packet; @r may be NULL. */
void sw_flow_rec_resolve(struct sw_flow_rec *rec, const struct sw_resolver *r, const struct sw_flow *f);

#endif
