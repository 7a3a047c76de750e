/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NFT_L2_H
#define SEGWATCH_NFT_L2_H

/*
 * nft_l2 - the L2 guard: a bridge-family table (same name as the inet
 * table, family bridge) whose prerouting chain lets a container port send
 * only from the MACs and addresses bound to it, the way libvirt's
 * clean-traffic filter binds a VM's port. Part of a plan (plan->l2): the
 * script shows it, the batch that replaces the inet table replaces it too.
 *
 * Bindings are sets keyed by the port's name, so the rule count does not
 * depend on the number of containers:
 *   l2_ports  ifname                  the guarded ports
 *   l2_mac    ifname . ether_addr     source MAC, ARP sender MAC
 *   l2_ip4    ifname . ipv4_addr      IPv4 source, ARP sender IP
 *   l2_ip6    ifname . ipv6_addr      IPv6 source
 *   l2_na     ifname . (raw 128 bit)  neighbour advertisement target
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <segwatch/exit.h>

#define SW_NFT_L2_IFNAMSIZ 16	/* IFNAMSIZ: 15 characters and the NUL */
#define SW_NFT_L2_CHAIN "l2_guard"
#define SW_NFT_L2_PRIORITY (-300)	/* before br_netfilter (0) hands frames to inet hooks */
#define SW_NFT_L2_PREFIX "sw spoof "	/* NFLOG prefix: "sw spoof " + what was forged */

/* One guarded port and what it may send from. */
struct sw_nft_l2_port {
	char ifname[SW_NFT_L2_IFNAMSIZ];	/* host-side interface (veth) */
	uint8_t (*macs)[6];
	size_t n_macs;
	uint8_t (*addrs)[16];			/* IPv4 as IPv4-mapped IPv6 */
	size_t n_addrs;
};

/* A workload's port left unguarded: a name nft cannot take (for the warning, not the kernel). */
struct sw_nft_l2_unguarded {
	char *ifname;		/* as the source gave it, at most 255 bytes: escape to show */
	char *workload;		/* the workload's name, the same way; NULL when it has none */
};

struct sw_nft_l2 {
	bool monitor;		/* log and accept instead of log and drop */
	int log_group;		/* NFLOG group */
	struct sw_nft_l2_port *ports;	/* sorted by name, names unique (once normalized) */
	size_t n_ports, cap_ports;
	struct sw_nft_l2_unguarded *unguarded;	/* sorted, unique (once normalized) */
	size_t n_unguarded, cap_unguarded;
};

/* The binding sets, in the table's order. */
enum sw_nft_l2_set {
	SW_NFT_L2_PORTS = 0,
	SW_NFT_L2_MAC,
	SW_NFT_L2_IP4,
	SW_NFT_L2_IP6,
	SW_NFT_L2_NA,
	SW_NFT_L2_N_SETS
};

/* What a dropping rule says was forged; the NFLOG prefix and the alert's "forged". */
enum sw_nft_l2_forged {
	SW_NFT_L2_F_SOURCE_MAC = 0,
	SW_NFT_L2_F_ARP_SENDER_MAC,
	SW_NFT_L2_F_ARP_SENDER_IP,
	SW_NFT_L2_F_SOURCE_IP,		/* IPv4 */
	SW_NFT_L2_F_SOURCE_IP6,
	SW_NFT_L2_F_NA_TARGET,
	SW_NFT_L2_F_ETHERTYPE,		/* neither ARP, IPv4 nor IPv6 */
	SW_NFT_L2_F_MAX
};

/* "source_mac", "arp_sender_mac", ...; NULL when out of range. */
const char *sw_nft_l2_forged_name(enum sw_nft_l2_forged f);

const char *sw_nft_l2_set_name(enum sw_nft_l2_set s);

/* sw_nft_l2_free - frees @l2 and everything in it; NULL is fine. */
void sw_nft_l2_free(struct sw_nft_l2 *l2);

/*
 * sw_nft_l2_port_add - a port bound to @macs and @addrs (copied); entries of
 * one name are merged by sw_nft_l2_normalize, which must follow. Ports with a name the kernel
 * would refuse (empty, 16 bytes or more, '/', spaces, control characters,
 * quotes) are not added: false with *@bad set. False on out of memory.
 */
bool sw_nft_l2_port_add(struct sw_nft_l2 *l2, const char *ifname, const uint8_t (*macs)[6],
			size_t n_macs, const uint8_t (*addrs)[16], size_t n_addrs, bool *bad);

/*
 * sw_nft_l2_ifname_ok - whether the kernel takes @ifname for an interface
 * and nft between quotes, unchanged: 1 to 15 bytes, not "." or "..", no
 * '/', ':', quote, backslash, space, control or non-ASCII byte.
 */
bool sw_nft_l2_ifname_ok(const char *ifname);

/*
 * sw_nft_l2_unguarded_add - port @ifname of workload @workload (may be NULL)
 * is left unguarded, its name failing sw_nft_l2_ifname_ok; both copied
 * (at most 255 bytes each). False on out of memory.
 */
bool sw_nft_l2_unguarded_add(struct sw_nft_l2 *l2, const char *ifname, const char *workload);

/*
 * sw_nft_l2_normalize - ports sorted by name and one per name, their MACs
 * and addresses sorted and unique; unguarded ports sorted and unique. False
 * on out of memory (ports lost).
 */
bool sw_nft_l2_normalize(struct sw_nft_l2 *l2);

/* Whether @a and @b have the same chain (both absent, or both present with the same mode and group). */
bool sw_nft_l2_same_layout(const struct sw_nft_l2 *a, const struct sw_nft_l2 *b);

/* sw_nft_l2_render - the bridge table as `nft -f` text (replaces it atomically). */
int sw_nft_l2_render(const struct sw_nft_l2 *l2, const char *table, FILE *out);

/* sw_nft_l2_payload - the chain's rules as libnftnl prints them, for golden files. */
int sw_nft_l2_payload(const struct sw_nft_l2 *l2, const char *table, FILE *out,
		      struct sw_err *err);

/*
 * sw_nft_l2_update - the binding changes from @applied to @fresh (both with
 * the same layout) as element deletions then additions in one batch on
 * @conn (NULL: a socket of its own). *@added and *@removed count elements.
 * Nothing to change: nothing sent.
 */
struct sw_nft_conn;
int sw_nft_l2_update(struct sw_nft_conn *conn, const char *table, const struct sw_nft_l2 *applied,
		     const struct sw_nft_l2 *fresh, size_t *added, size_t *removed,
		     struct sw_err *err);

/* What status shows of the bridge table. */
struct sw_nft_l2_status {
	bool present;
	uint64_t elements[SW_NFT_L2_N_SETS];
	struct {
		char comment[64];
		uint64_t packets, bytes;
	} rules[16];
	size_t n_rules;
};

/* sw_nft_l2_read_status - the bridge table @table in the kernel now (absent: present false). */
int sw_nft_l2_read_status(const char *table, struct sw_nft_l2_status *st, struct sw_err *err);

/* sw_nft_l2_table_exists - 1: bridge table @table exists, 0: it does not, -1: cannot tell. */
int sw_nft_l2_table_exists(const char *table);

#endif
