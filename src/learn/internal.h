/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_LEARN_INTERNAL_H
#define SW_LEARN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/learn.h>

/* How a node is selected in the learned policy. */
enum sw_learn_sel {
	SW_LEARN_SEL_LABEL = 0,	/* labels { group_by: raw } */
	SW_LEARN_SEL_NAME,	/* names [ raw ] (fnmatch-escaped) */
	SW_LEARN_SEL_CIDR,	/* cidrs [ raw ] */
};

struct sw_learn_node {
	char *name;		/* group name */
	char *raw;		/* label value, workload name or address */
	enum sw_learn_sel sel;
};

struct sw_learn_edge {
	size_t from, to;	/* indices into nodes */
	uint8_t proto;
	uint16_t port;		/* destination port, or ICMP type */
	uint64_t answered, unanswered;
	char first_seen[40], last_seen[40];
};

struct sw_learn {
	char *group_by;
	struct sw_learn_node *nodes;
	size_t n_nodes, cap_nodes;
	struct sw_learn_edge *edges;
	size_t n_edges, cap_edges;
	uint32_t *node_idx, *edge_idx;	/* open addressing: entry index + 1, 0 = free */
	size_t node_idx_cap, edge_idx_cap;
	struct sw_learn_stats stats;
	bool all;		/* learn infrastructure flows too */
};

/* Index of the node or edge, created when missing; SIZE_MAX on out of memory. */
size_t sw_learn_node_get(struct sw_learn *l, const char *name, const char *raw,
			 enum sw_learn_sel sel);
size_t sw_learn_edge_get(struct sw_learn *l, size_t from, size_t to, uint8_t proto,
			 uint16_t port);

uint64_t sw_learn_hash(const void *p, size_t n, uint64_t h);
const char *sw_learn_proto_name(uint8_t proto);
/* sw_learn_proto_ok - a protocol a policy rule can name (tcp udp sctp icmp icmpv6). */
bool sw_learn_proto_ok(uint8_t proto);
bool sw_learn_proto_has_ports(uint8_t proto);

#endif
