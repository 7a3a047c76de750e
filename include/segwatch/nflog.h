/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NFLOG_H
#define SEGWATCH_NFLOG_H

/*
 * nflog - read the packets the policy logs (NFLOG group 42 by default,
 * prefixes "sw deny rules/N", "sw monitor rules/N", "sw deny default";
 * docs/policy.md) straight from NFNETLINK with libmnl.
 *
 * The socket is non-blocking: put sw_nflog_fd() in a poll loop and call
 * sw_nflog_read() when it is readable. Each logged packet is decoded with
 * sw_dissect_packet() (raw IP) into a record. Library code: nothing printed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>

#define SW_NFLOG_GROUP_DEFAULT 42
#define SW_NFLOG_COPY_DEFAULT 128	/* bytes of packet: IPv6 + extension headers + L4 */
#define SW_NFLOG_PREFIX_MAX 128
#define SW_NFLOG_FLUSH_MS 100	/* the kernel sends what it batched at least this often */

enum sw_nflog_action {
	SW_NFLOG_UNKNOWN = 0,	/* a prefix not ours */
	SW_NFLOG_DENY,
	SW_NFLOG_MONITOR,
};

#define SW_NFLOG_RULE_DEFAULT (-1)	/* "sw deny default": SW_KLOG_RULE_DEFAULT */
#define SW_NFLOG_RULE_UNCLASSIFIED (-3)	/* "sw deny unclassified": SW_KLOG_RULE_UNCLASSIFIED */
#define SW_NFLOG_RULE_NONE (-2)	/* unknown prefix */

struct sw_nflog_rec {
	char prefix[SW_NFLOG_PREFIX_MAX];
	enum sw_nflog_action action;
	int rule;		/* index into the policy's rules, or SW_NFLOG_RULE_* */
	uint64_t ts_us;		/* kernel timestamp, or the time of reading when absent */
	uint32_t indev, outdev;	/* ifindex, 0 when absent */
	bool decoded;		/* the fields below are valid */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint8_t src[16], dst[16];	/* 16-byte form */
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	/*
	 * The L2 guard (prefix "sw spoof WHAT [monitor]", bridge family; docs/policy.md
	 * "L2 guard"): @spoof is WHAT ("source_mac", "arp_sender_mac",
	 * "arp_sender_ip", "source_ip", "source_ip6", "na_target",
	 * "ethertype"), "" for any other record.
	 */
	char spoof[24];
	bool spoof_monitor;	/* "sw spoof WHAT monitor": logged and let through */
	uint32_t port;		/* the bridge port the frame came in on (ifindex), 0: unknown */
	uint16_t hw_protocol;	/* its ethertype */
	bool has_spoof_mac;	/* spoof_mac: the MAC it claimed (frame source or ARP sender) */
	uint8_t spoof_mac[6];
	bool has_spoof_addr;	/* spoof_addr: the address it claimed (16-byte form) */
	uint8_t spoof_addr[16];
};

struct sw_nflog_stats {
	uint64_t messages;	/* NFULNL_MSG_PACKET messages */
	uint64_t undecoded;	/* no payload, or sw_dissect_packet failed */
	uint64_t invalid;	/* bad attributes */
	uint64_t overruns;	/* ENOBUFS: the kernel dropped log messages */
};

typedef void (*sw_nflog_fn)(const struct sw_nflog_rec *r, void *arg);

/*
 * sw_nflog_prefix_parse - "sw deny rules/3" -> (deny, 3), "sw monitor rules/0"
 * -> (monitor, 0), "sw deny default" -> (deny, SW_NFLOG_RULE_DEFAULT),
 * "sw deny unclassified" -> (deny, SW_NFLOG_RULE_UNCLASSIFIED).
 * Trailing blanks are ignored. False (and SW_NFLOG_UNKNOWN) for anything else.
 */
bool sw_nflog_prefix_parse(const char *prefix, enum sw_nflog_action *action, int *rule);

/*
 * sw_nflog_spoof_fill - the L2 guard's part of @r from its prefix, the
 * frame's link header @l2 (@l2_len bytes, NULL: none) and the payload
 * @pl (@pl_len bytes from the network header). Bounded reads only.
 */
void sw_nflog_spoof_fill(struct sw_nflog_rec *r, const uint8_t *l2, size_t l2_len,
			 const uint8_t *pl, size_t pl_len);

/**
 * sw_nflog_parse_msg - decode every NFLOG packet message in a netlink buffer
 * @buf, @len: as received (several messages may be batched)
 * @fn: called per packet message
 * @stats: counters updated; may be NULL
 *
 * Returns the number of records delivered, or -1 on a malformed buffer.
 */
int sw_nflog_parse_msg(const void *buf, size_t len, sw_nflog_fn fn, void *arg,
		       struct sw_nflog_stats *stats);

struct sw_nflog;

/**
 * sw_nflog_open - bind NFLOG @group in copy-packet mode (@copy_bytes, 0 = default)
 *
 * Returns NULL with @err set (SW_EXIT_RUNTIME): permission, or the group
 * already bound by another process (EBUSY).
 */
struct sw_nflog *sw_nflog_open(uint16_t group, uint32_t copy_bytes, struct sw_err *err);
/* sw_nflog_close - unbind and close; NULL is fine. */
void sw_nflog_close(struct sw_nflog *n);
/* sw_nflog_fd - the non-blocking descriptor to poll for POLLIN. */
int sw_nflog_fd(const struct sw_nflog *n);

/*
 * sw_nflog_read - read every message waiting (never blocks) and call @fn per
 * record. Returns the number of records, or -1 with @err set. ENOBUFS is
 * counted in overruns, not an error.
 */
int sw_nflog_read(struct sw_nflog *n, sw_nflog_fn fn, void *arg, struct sw_err *err);

/*
 * sw_nflog_drain - read until nothing came for longer than the kernel's
 * flush interval (at most @max_ms): the packets logged before the call.
 */
int sw_nflog_drain(struct sw_nflog *n, sw_nflog_fn fn, void *arg, unsigned max_ms,
		   struct sw_err *err);

const struct sw_nflog_stats *sw_nflog_stats(const struct sw_nflog *n);

/*
 * sw_nflog_agg - logged packets counted per (action, rule, source,
 * destination, protocol, destination port or ICMP type), for the capture's
 * kernel_log records (docs/flows.md). Bounded: a scan must not grow it
 * without end, so once @max_keys keys exist, packets of new keys are only
 * counted in not_aggregated.
 */
#define SW_NFLOG_AGG_MAX_DEFAULT 65536

/* Compared with memcmp: built with sw_nflog_agg_key_fill only (padding zeroed). */
struct sw_nflog_agg_key {
	int32_t rule;		/* index, or SW_NFLOG_RULE_DEFAULT */
	uint8_t action;		/* enum sw_nflog_action: DENY or MONITOR */
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint8_t icmp;		/* port is the ICMP type */
	uint16_t port;		/* destination port, ICMP type, or 0 */
	uint8_t src[16], dst[16];
};

struct sw_nflog_agg_entry {
	struct sw_nflog_agg_key key;
	uint64_t packets, first_us, last_us;
};

struct sw_nflog_agg_stats {
	uint64_t packets;		/* counted in an entry */
	uint64_t not_aggregated;	/* of a new key when the table was full */
	uint64_t foreign;		/* a prefix not ours */
	uint64_t undecoded;		/* no addresses to key on */
	uint32_t keys, max_keys;
};

struct sw_nflog_agg;

/* sw_nflog_agg_alloc - an empty table of at most @max_keys keys (0: the default). */
struct sw_nflog_agg *sw_nflog_agg_alloc(uint32_t max_keys);
/* sw_nflog_agg_free - NULL is fine. */
void sw_nflog_agg_free(struct sw_nflog_agg *a);
/* sw_nflog_agg_key_fill - the key of @r; false when @r has none (foreign, undecoded). */
bool sw_nflog_agg_key_fill(struct sw_nflog_agg_key *k, const struct sw_nflog_rec *r);
/* sw_nflog_agg_add - count @r; false when it was not counted in an entry. */
bool sw_nflog_agg_add(struct sw_nflog_agg *a, const struct sw_nflog_rec *r);
/* sw_nflog_agg_cb - sw_nflog_agg_add as a sw_nflog_fn (@arg: the table). */
void sw_nflog_agg_cb(const struct sw_nflog_rec *r, void *arg);
/* sw_nflog_agg_sort - order the entries by first packet, then key: stable output. */
void sw_nflog_agg_sort(struct sw_nflog_agg *a);
/* sw_nflog_agg_entries - the entries (valid until the next add or sort); *@n their number. */
const struct sw_nflog_agg_entry *sw_nflog_agg_entries(const struct sw_nflog_agg *a, size_t *n);
const struct sw_nflog_agg_stats *sw_nflog_agg_stats(const struct sw_nflog_agg *a);
/* sw_nflog_prefix_format - the prefix src/nft gives (action, rule): "sw deny rules/3". */
void sw_nflog_prefix_format(char *buf, size_t len, enum sw_nflog_action action, int rule);
/* sw_nflog_action_name - "deny", "monitor", "unknown". */
const char *sw_nflog_action_name(enum sw_nflog_action action);

#endif
