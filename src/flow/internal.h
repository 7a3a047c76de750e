/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_FLOW_INTERNAL_H
#define SW_FLOW_INTERNAL_H

#include <segwatch/flow.h>

/*
 * Canonical key: endpoint "a" is the smaller (address, port) pair, so both
 * directions of a conversation produce the same key. 40 bytes, no padding
 * holes, so it can be hashed and compared as raw memory.
 */
struct sw_flow_key {
	uint8_t a[16];
	uint8_t b[16];
	uint16_t pa, pb;
	uint8_t proto;
	uint8_t family;
	uint16_t zero;
};

/* Direction of a packet relative to the key: from a to b, or from b to a. */
enum { SW_DIR_AB = 0, SW_DIR_BA = 1 };

#define SW_TCP_FIN 0x01
#define SW_TCP_SYN 0x02
#define SW_TCP_RST 0x04
#define SW_TCP_ACK 0x10

enum sw_qclass { SW_Q_TCP, SW_Q_TCP_CLOSED, SW_Q_UDP, SW_Q_ICMP, SW_Q_OTHER, SW_Q_MAX };

/*
 * One live flow, in canonical orientation (see struct sw_flow_key). 96 bytes:
 * memory per live flow is a product figure (docs/benchmarks.md), so fields
 * are packed where their range allows.
 */
struct sw_flow_live {
	struct sw_flow_key key;
	/*
	 * Times are µs offsets from base_us, the record's earliest packet, 4
	 * bytes each: a record is cut before an offset could overflow (71 min).
	 * The direction that sent that packet (first_dir) starts at offset 0, so
	 * only the other direction's first offset is kept (first_off).
	 * Meaningless for a direction while its packets[] is 0.
	 */
	uint64_t base_us;
	uint32_t hnext;		/* next in hash chain, or in the free list */
	/*
	 * Next and previous in its timer wheel slot; at either end of a slot's
	 * list the link is SW_WHEEL_END | slot, so a record can leave its slot
	 * without remembering which one it is.
	 */
	uint32_t qnext;
	uint32_t qprev;
	uint32_t first_off;
	uint32_t last_off[2];
	uint32_t packets[2];	/* per direction SW_DIR_AB / SW_DIR_BA */
	uint32_t bytes_lo[2];	/* bytes: 48 bits (sw_rec_bytes), a record is cut before they wrap */
	uint16_t bytes_hi[2];
	union {
		uint8_t tcp_flags[2];	/* TCP: OR of the flags each way */
		struct {
			uint8_t type, code;	/* ICMP: of the record's first packet */
		} icmp;
	} u;
	uint8_t flags;		/* SW_FLOW_F_*, and SW_FLOW_LF_* (never exported) */
	uint8_t init_side : 1;	/* 0: endpoint a initiated, 1: endpoint b */
	uint8_t first_dir : 1;	/* direction of the record's earliest packet */
	uint8_t qclass : 3;	/* timeout class it was scheduled with (enum sw_qclass) */
	uint8_t state : 3;	/* enum sw_flow_state */
};

/* The record's first answer is to be told (on_new said so); kept by an active cut. */
#define SW_FLOW_LF_ANSWER_WANTED 0x80
#define SW_FLOW_LF_MASK SW_FLOW_LF_ANSWER_WANTED

/* What the flow table is told about one packet, after fragment handling. */
struct sw_flow_obs {
	struct sw_flow_key key;
	int dir;		/* SW_DIR_* of this packet */
	uint64_t ts_us;
	uint64_t packets;	/* > 1 when fragments that came early are credited */
	uint64_t bytes;
	uint64_t first_us;	/* earliest of the credited packets */
	uint8_t tcp_flags;
	uint8_t extra_flags;	/* SW_FLOW_F_* to set */
	const struct sw_pkt *pkt; /* NULL when crediting orphan fragments */
};

/*
 * sw_flow_key_make - canonical key for a packet's addresses and ports.
 * Returns the packet's direction (SW_DIR_AB or SW_DIR_BA).
 */
int sw_flow_key_make(struct sw_flow_key *k, int family, uint8_t proto,
		     const uint8_t src[16], uint16_t sport,
		     const uint8_t dst[16], uint16_t dport);

/* Ports used as the key for ICMP messages (see docs/flows.md). */
void sw_flow_icmp_ports(const struct sw_pkt *pkt, uint16_t *sport, uint16_t *dport);

/* sw_flow_table_observe - account an observation (flow_table.c). */
void sw_flow_table_observe(struct sw_flow_table *t, const struct sw_flow_obs *o);

/* sw_flow_table_icmp_error - credit an ICMP error to the flow it quotes; false if unknown. */
bool sw_flow_table_icmp_error(struct sw_flow_table *t, const struct sw_pkt *pkt,
			      uint64_t ts_us);

/* Fragment tracker (frag.c). */
struct sw_frag_table;

struct sw_frag_table *sw_frag_table_alloc(void);
void sw_frag_table_free(struct sw_frag_table *ft);
/* sw_frag_handle - route a fragment to its flow; may credit early fragments. */
void sw_frag_handle(struct sw_frag_table *ft, struct sw_flow_table *t,
		    const struct sw_pkt *pkt, uint64_t ts_us);
/* sw_frag_expire - turn fragments whose first never came into port-less flows. */
void sw_frag_expire(struct sw_frag_table *ft, struct sw_flow_table *t, uint64_t now_us,
		    bool all);

/* flow_state.c: initiator and state, pure functions of a record and a packet. */
void sw_flow_live_begin(struct sw_flow_live *r, const struct sw_flow_obs *o);
void sw_flow_live_advance(struct sw_flow_live *r, const struct sw_flow_obs *o);
bool sw_flow_live_is_reuse(const struct sw_flow_live *r, const struct sw_flow_obs *o);
bool sw_flow_icmp_is_refusal(int family, uint8_t type, uint8_t code);

/* Counters the fragment tracker bumps in the table's stats. */
struct sw_flow_stats *sw_flow_table_stats_mut(struct sw_flow_table *t);

#endif
