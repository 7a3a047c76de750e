/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_FLOW_H
#define SEGWATCH_FLOW_H

/*
 * flow - bidirectional flow table.
 *
 * Packets are keyed on (protocol, both endpoints) in canonical order so that
 * both directions land in one record. The table is bounded: when it is full
 * the oldest flow is evicted (emitted early) and counted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/dissect.h>

enum sw_flow_state {
	SW_FLOW_ATTEMPTED = 0,	/* initiator sent, nothing came back */
	SW_FLOW_REFUSED,	/* answered by RST (TCP) or ICMP unreachable */
	SW_FLOW_ESTABLISHED,	/* both sides talked (TCP: handshake completed) */
	SW_FLOW_CLOSED,		/* TCP: FIN from both sides, or RST after establishment */
};

/* Why a flow record was emitted. */
enum sw_flow_end {
	SW_END_IDLE = 0,	/* idle timeout */
	SW_END_ACTIVE,		/* active timeout: the flow continues in a new record */
	SW_END_EVICTED,		/* table full */
	SW_END_FLUSH,		/* end of capture */
	SW_END_REUSED,		/* same tuple started a new connection (new SYN after close) */
};

/* Flags on a flow record. */
#define SW_FLOW_F_INFERRED	0x01 /* initiator inferred: picked up mid-stream */
#define SW_FLOW_F_CONTINUED	0x02 /* continues a record cut by the active timeout */
#define SW_FLOW_F_FRAGMENTS	0x04 /* IP fragments were attributed to this flow */
#define SW_FLOW_F_ICMP_ERROR	0x08 /* an ICMP error about this flow was seen (counted in rev) */

struct sw_flow_dir {
	uint64_t bytes;		/* sum of IP lengths */
	uint64_t packets;
	uint64_t first_us;	/* 0 when no packet went this way */
	uint64_t last_us;
	uint8_t tcp_flags;	/* OR of flags seen */
};

/*
 * One flow as handed to the emit callback. "init" is the initiator; fwd is
 * initiator -> responder, rev the answer direction.
 */
struct sw_flow {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint8_t state;		/* enum sw_flow_state */
	uint8_t end;		/* enum sw_flow_end */
	uint8_t flags;		/* SW_FLOW_F_* */
	uint8_t icmp_type;	/* ICMP flows: type/code of the first packet */
	uint8_t icmp_code;
	uint16_t init_port, resp_port; /* ICMP echo: both are the identifier */
	uint8_t init_addr[16], resp_addr[16];
	struct sw_flow_dir fwd, rev;
};

struct sw_flow_config {
	uint32_t max_flows;		/* bound on live flows; 0 = default */
	uint32_t idle_tcp_s;		/* TCP opening or established */
	uint32_t idle_tcp_closed_s;	/* after FIN from both sides or RST */
	uint32_t idle_udp_s;
	uint32_t idle_icmp_s;
	uint32_t idle_other_s;
	uint32_t active_s;		/* longest record before it is cut */
};

struct sw_flow_stats {
	uint64_t packets;	/* packets handed to the table */
	uint64_t created;
	uint64_t emitted;
	uint64_t evicted;	/* emitted early because the table was full */
	uint64_t active_cuts;
	uint64_t frag_orphans;	/* non-first fragments whose first fragment never came */
	uint64_t frag_evicted;	/* fragment tracker entries dropped because it was full */
	uint64_t live;		/* flows in the table now */
	uint64_t peak_live;
	uint64_t live_by_state[SW_FLOW_CLOSED + 1];	/* ... by enum sw_flow_state */
};

struct sw_flow_table;

/* Called for each finished flow record; @flow is valid only during the call. */
typedef void (*sw_flow_emit_fn)(const struct sw_flow *flow, void *arg);

/* sw_flow_config_defaults - fill @cfg with the documented defaults. */
void sw_flow_config_defaults(struct sw_flow_config *cfg);

/**
 * sw_flow_table_alloc - create a table
 * @cfg: timeouts and bound (copied)
 * @emit: called for every finished record; may be NULL
 *
 * Returns NULL with errno set on failure.
 */
struct sw_flow_table *sw_flow_table_alloc(const struct sw_flow_config *cfg,
					  sw_flow_emit_fn emit, void *arg);
/*
 * Called for each flow as it begins; returns true to be told of the flow's
 * first answer (sw_flow_table_set_on_answer). @flow is valid only during the
 * call.
 */
typedef bool (*sw_flow_new_fn)(const struct sw_flow *flow, void *arg);

/*
 * sw_flow_table_set_on_new - call @fn with each flow as it begins (its first
 * packet counted, initiator decided), e.g. for alerts that must not wait for
 * the flow to end. NULL stops it.
 */
void sw_flow_table_set_on_new(struct sw_flow_table *t, sw_flow_new_fn fn, void *arg);

/*
 * Called at a flow's first answer: @refused is true when that answer refuses
 * it, @ts_us is the answer's time; @flow is valid only during the call.
 */
typedef void (*sw_flow_answer_fn)(const struct sw_flow *flow, bool refused, uint64_t ts_us,
				  void *arg);

/*
 * sw_flow_table_set_on_answer - call @fn once per flow record, when it leaves
 * SW_FLOW_ATTEMPTED: at the first packet from the responder (refused for a
 * TCP RST), or at an ICMP/ICMPv6 error attributed to it that refuses it
 * (port or protocol unreachable, administratively prohibited: refused).
 * Never for a flow nobody answers, nor again for later packets. ICMP
 * errors that do not refuse (host unreachable, time exceeded) are not
 * answers: the flow stays attempted. A flow picked up mid-stream
 * (SW_FLOW_F_INFERRED) is reported too, once packets went both ways (at
 * its first packet when that is a SYN-ACK or a reply): it was answered
 * before the capture began, and a consumer counting failed first contacts
 * must not count it as one. A record continued after the active timeout
 * that was already answered is not reported again; a new record on the
 * same tuple (idle, port reuse) is a new flow. With an on_new callback set,
 * only the flows it returned true for are reported: a consumer that wants
 * few answers (the scan detectors: a source's first contacts) spares the
 * rest their export. NULL stops it; with none set the table pays one branch
 * per packet.
 */
void sw_flow_table_set_on_answer(struct sw_flow_table *t, sw_flow_answer_fn fn, void *arg);

/*
 * sw_flow_table_set_config - new timeouts and bound for a live table. A
 * timeout applies to each flow from its next look (a packet or its expiry
 * check); a lower bound evicts the oldest flows down to it (counted as
 * evictions). False when memory ran out (nothing changed).
 */
bool sw_flow_table_set_config(struct sw_flow_table *t, const struct sw_flow_config *cfg);

/* sw_flow_table_free - free the table without emitting what is left. NULL is fine. */
void sw_flow_table_free(struct sw_flow_table *t);

/* sw_flow_table_update - account one decoded packet seen at @ts_us (µs since the epoch). */
void sw_flow_table_update(struct sw_flow_table *t, const struct sw_pkt *pkt, uint64_t ts_us);

/*
 * sw_flow_table_update_batch - the same for up to SW_FLOW_BATCH_MAX packets in
 * arrival order; faster on large tables (the memory loads overlap).
 */
#define SW_FLOW_BATCH_MAX 32
void sw_flow_table_update_batch(struct sw_flow_table *t, const struct sw_pkt *pkts,
				const uint64_t *ts_us, size_t n);

/*
 * sw_flow_table_expire - emit flows idle as of @now_us (within a second of their
 * deadline). Flows longer than the active timeout are cut when their next packet comes.
 */
void sw_flow_table_expire(struct sw_flow_table *t, uint64_t now_us);

/* sw_flow_table_flush - emit every live flow with end reason SW_END_FLUSH. */
void sw_flow_table_flush(struct sw_flow_table *t);

const struct sw_flow_stats *sw_flow_table_stats(const struct sw_flow_table *t);

const char *sw_flow_state_name(enum sw_flow_state s);
const char *sw_flow_end_name(enum sw_flow_end e);

/* First and last packet of a flow, either direction. */
uint64_t sw_flow_first_us(const struct sw_flow *f);
uint64_t sw_flow_last_us(const struct sw_flow *f);

/* "1:" + 28 base64 characters + NUL */
#define SW_COMMUNITY_ID_LEN 31

/*
 * sw_flow_community_id - the flow's Community ID v1 ("1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
 * as Zeek and Suricata compute it, with @seed (0 unless configured alike
 * everywhere). Empty when libcrypto offers no SHA-1.
 */
void sw_flow_community_id(const struct sw_flow *f, uint16_t seed, char out[SW_COMMUNITY_ID_LEN]);

#endif
