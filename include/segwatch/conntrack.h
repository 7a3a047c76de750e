/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_CONNTRACK_H
#define SEGWATCH_CONNTRACK_H

/*
 * conntrack - the connections the kernel tracks in this network namespace,
 * read and deleted through ctnetlink with libmnl. A policy judges who may
 * open connections, and answers pass as "established": a connection opened
 * before a policy that denies it would live on. Deleting its entry makes its
 * next packet a new one, which meets the policy.
 */

#include <stdbool.h>
#include <stdint.h>

#include <segwatch/exit.h>

/* A tracked connection as its initiator opened it (the original tuple). */
struct sw_ct_conn {
	uint8_t family;			/* 4 or 6 */
	uint8_t src[16], dst[16];	/* 16-byte form (IPv4-mapped) */
	uint8_t proto;			/* IPPROTO_* */
	uint16_t sport, dport;		/* TCP, UDP, SCTP, UDP-Lite */
	uint8_t icmp_type;		/* ICMP, ICMPv6 */
	bool has_ports, has_icmp;
};

/* Whether to end @c; called once per tracked connection. */
typedef bool (*sw_ct_judge_fn)(const struct sw_ct_conn *c, void *arg);

struct sw_ct_sweep_stats {
	uint64_t seen;		/* entries read */
	uint64_t unreadable;	/* entries without a usable original tuple */
	uint64_t judged_out;	/* entries @judge wanted ended */
	uint64_t deleted;	/* of those, deleted (the others had ended by then) */
};

/**
 * sw_ct_sweep - read every tracked connection of this network namespace,
 * and delete those @judge wants ended (one that ended meanwhile is fine).
 * Returns SW_EXIT_OK, or SW_EXIT_RUNTIME with @err (netlink, permission).
 */
int sw_ct_sweep(sw_ct_judge_fn judge, void *arg, struct sw_ct_sweep_stats *st,
		struct sw_err *err);

#endif
