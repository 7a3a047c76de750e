/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_CAPTURE_H
#define SEGWATCH_CAPTURE_H

/*
 * capture - read frames from a pcap file or live interfaces, decode them,
 * drop copies of one packet seen on several interfaces, and feed the flow
 * table. Counts everything it could not use.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <segwatch/dissect.h>
#include <segwatch/exit.h>
#include <segwatch/flow.h>
#include <segwatch/workload.h>

#define SW_CAPTURE_MAX_IFACES 64

/*
 * Which packets of an interface are captured (docs/flows.md, "Capture
 * points"). A bridged packet crosses three interfaces (the sender's veth,
 * the bridge, the receiver's veth); capturing each bridge port inbound and
 * each bridge outbound sees it once, and never a copy to throw away.
 */
enum sw_capture_direction {
	SW_CAPTURE_BOTH = 0,	/* everything (an interface named with -i) */
	SW_CAPTURE_IN,		/* what arrives: a bridge port (what its container sends) */
	SW_CAPTURE_OUT,		/* what leaves: a bridge (what the host sends into it) */
};

struct sw_capture_iface {
	char name[256];	/* interface name, or the file read */
	int ifindex;
	uint8_t direction;	/* enum sw_capture_direction */
	uint64_t received;	/* frames read from this source */
	uint64_t kernel_drops;	/* pcap_stats ps_drop */
	uint64_t if_drops;	/* pcap_stats ps_ifdrop */
	bool active;		/* captured on now (false: gone, its slot free for another) */
};

/* How a file read ended (docs/flows.md, "Damaged and interrupted input"). */
enum sw_capture_input_end {
	SW_INPUT_END_EOF = 0,		/* read to its end (and every live capture) */
	SW_INPUT_END_DAMAGED,		/* cut short, or a corrupt record or block */
	SW_INPUT_END_INTERRUPTED,	/* *stop was set before the end */
	SW_INPUT_END_IO_ERROR,		/* the system failed to read it */
};

struct sw_capture_input {
	enum sw_capture_input_end end;
	uint64_t offset;	/* the byte reading stopped at (the damaged record's start when known) */
	uint64_t records;	/* records read before it; 0 when not known (pcapng with --filter) */
	char error[256];	/* damaged or I/O error: what, where ("cut short at byte 632 (record 12): ...") */
};

struct sw_capture_counters {
	uint64_t packets_seen;
	uint64_t bytes_seen;
	uint64_t decoded;
	uint64_t duplicates;
	uint64_t not_tracked;
	uint64_t malformed;
	uint64_t by_reason[SW_R_MAX];
	uint64_t kernel_drops;
	uint64_t spoofed;	/* sent from a workload's interface with an address not its own */
	unsigned n_spoofers;
	struct sw_capture_spoofer {
		char iface[64];
		char workload[128];
		uint8_t addr[16];	/* the source address used */
		uint64_t packets;
		uint64_t first_us, last_us;
	} spoofers[16];		/* the first distinct (interface, address) pairs */
	unsigned n_ifaces;
	struct sw_capture_iface ifaces[SW_CAPTURE_MAX_IFACES];
	struct sw_capture_input input;	/* file reads */
};

struct sw_capture_progress {
	uint64_t packets_seen;
	double elapsed_s;
	double fraction;	/* of a file read, or of --duration; < 0 when unknown */
	uint64_t live_flows;
};

typedef void (*sw_capture_progress_fn)(const struct sw_capture_progress *p, void *arg);

struct sw_capture;

enum sw_dedup_mode { SW_DEDUP_AUTO = 0, SW_DEDUP_ON, SW_DEDUP_OFF };

struct sw_capture_opts {
	const char *file;		/* read this pcap file ("-" = stdin), or */
	const char *const *ifaces;	/* capture live on these (see sw_kernel_capture_ifaces) */
	const uint8_t *directions;	/* enum sw_capture_direction of each; NULL: all BOTH */
	unsigned n_ifaces;
	double duration_s;		/* live: stop after this long; 0 = until *stop */
	const char *filter;		/* BPF, may be NULL */
	int snaplen;			/* live; 0 = default */
	enum sw_dedup_mode dedup;
	volatile sig_atomic_t *stop;	/* set asynchronously to end a capture, or a file read early */
	sw_capture_progress_fn progress; /* called about twice a second; may be NULL */
	void *progress_arg;
	/*
	 * Live: called before the capture starts and then about every 100 ms,
	 * for work that must not block it (engine events, link events).
	 */
	void (*tick)(struct sw_capture *cap, uint64_t now_us, void *arg);
	void *tick_arg;
	/* workloads, for the spoofing check on container interfaces; may be NULL */
	const struct sw_registry *registry;
	/*
	 * May be NULL. A frame whose source address is link-local (fe80::/10,
	 * 169.254/16) and held by nobody binds it to the workload with the
	 * frame's source MAC (sw_registry_learn_linklocal): a pcap read with an
	 * inventory that gives MACs names neighbour discovery and the like.
	 */
	struct sw_registry *learn_registry;
	/* live with no interface yet: run the tick until some are added (an agent on an empty host) */
	bool wait_for_ifaces;
};

struct sw_capture;

/**
 * sw_capture_open - open a file or live interfaces
 * @out: the new capture on success
 * @opts: copied where needed
 * @table: flow table fed by sw_capture_run (not owned)
 * @err: filled on failure
 *
 * Returns SW_EXIT_OK, SW_EXIT_USAGE (unknown interface, bad filter) or
 * SW_EXIT_RUNTIME (unreadable file, no permission, no bridge found).
 */
int sw_capture_open(struct sw_capture **out, const struct sw_capture_opts *opts,
		    struct sw_flow_table *table, struct sw_err *err);

/*
 * sw_capture_run - process until end of file, duration or *stop. A file that
 * is damaged, or a read interrupted by *stop, still returns SW_EXIT_OK with
 * everything read before it processed: counters.input says where and why.
 */
int sw_capture_run(struct sw_capture *cap, struct sw_err *err);

const struct sw_capture_counters *sw_capture_counters(const struct sw_capture *cap);

/*
 * sw_capture_add_iface - start capturing on one more interface (live only),
 * e.g. a veth that just joined a watched bridge (@dir: SW_CAPTURE_IN).
 * Already captured in that direction: no-op; in another: reopened.
 */
int sw_capture_add_iface(struct sw_capture *cap, const char *name, enum sw_capture_direction dir,
			 struct sw_err *err);

/* sw_capture_direction_name - "both", "in" or "out". */
const char *sw_capture_direction_name(enum sw_capture_direction dir);

/* sw_capture_drop_iface - stop capturing on @ifindex (it went away); counters are kept. */
void sw_capture_drop_iface(struct sw_capture *cap, int ifindex);

/* sw_capture_drop_iface_named - stop capturing on @name (no longer wanted); counters are kept. */
void sw_capture_drop_iface_named(struct sw_capture *cap, const char *name);

/*
 * sw_capture_set_filter - a new BPF filter (NULL: none) on every live
 * interface and those added later; @filter must outlive the capture or the
 * next call. All or nothing: on failure every interface keeps its filter,
 * but for a pcap_setfilter refused halfway (SW_EXIT_RUNTIME).
 */
int sw_capture_set_filter(struct sw_capture *cap, const char *filter, struct sw_err *err);

/* sw_capture_set_registry - the workloads for the spoofing check from now on (may be NULL). */
void sw_capture_set_registry(struct sw_capture *cap, const struct sw_registry *reg);
/* sw_capture_set_learn_registry - where link-local addresses are learned from now on (may be NULL). */
void sw_capture_set_learn_registry(struct sw_capture *cap, struct sw_registry *reg);

/* sw_capture_close - close every source; NULL is fine. */
void sw_capture_close(struct sw_capture *cap);

#endif
