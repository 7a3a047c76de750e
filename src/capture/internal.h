/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CAPTURE_INTERNAL_H
#define SW_CAPTURE_INTERNAL_H

#include <stdio.h>

#include <pcap/pcap.h>
#include <segwatch/capture.h>

/*
 * The filters of a live source (filter.c): the user's, given to libpcap, and
 * the kernel's, the user's restricted to the direction captured.
 */
struct sw_src_filter {
	struct bpf_program user, kernel;
	bool has_user, has_kernel;
};

/*
 * sw_src_filter_compile - both programs for @p (@user NULL: none);
 * SW_EXIT_USAGE on bad text, the message starting with @what.
 */
int sw_src_filter_compile(pcap_t *p, enum sw_capture_direction dir, const char *user,
			  const char *what, struct sw_src_filter *f, struct sw_err *err);
/* sw_src_filter_apply - the direction, then the programs, on @p (named @name in errors). */
int sw_src_filter_apply(pcap_t *p, enum sw_capture_direction dir, struct sw_src_filter *f,
			const char *name, struct sw_err *err);
void sw_src_filter_free(struct sw_src_filter *f);

/*
 * Duplicate filter (dedup.c): remembers a signature of each recent packet
 * and the interfaces it was seen on. See docs/flows.md, "Packets seen on
 * several interfaces".
 */
struct sw_dedup;

struct sw_dedup *sw_dedup_alloc(uint64_t window_us);
void sw_dedup_free(struct sw_dedup *d);

/*
 * sw_dedup_is_copy - true when @pkt is a copy of a packet already counted on
 * another interface within the window. @iface is a small source number (< 64).
 */
bool sw_dedup_is_copy(struct sw_dedup *d, const struct sw_pkt *pkt, unsigned iface,
		      uint64_t ts_us);

/* Reorder buffer (reorder.c): frames from several live sources, released in time order. */
struct sw_reorder;

struct sw_reorder_frame {
	uint64_t ts_us;
	uint32_t caplen, wirelen;
	uint16_t source;
	uint8_t data[];
};

struct sw_reorder *sw_reorder_alloc(uint32_t capacity, uint32_t max_caplen);
void sw_reorder_free(struct sw_reorder *r);
/* sw_reorder_full - true when a push would not fit: pop first. */
bool sw_reorder_full(const struct sw_reorder *r);
/* sw_reorder_empty - true when no frame is waiting. */
bool sw_reorder_empty(const struct sw_reorder *r);
void sw_reorder_push(struct sw_reorder *r, uint64_t ts_us, uint16_t source,
		     const uint8_t *data, uint32_t caplen, uint32_t wirelen);
/* sw_reorder_pop - the oldest frame if its time is <= @until_us, else NULL. Valid until the next call. */
const struct sw_reorder_frame *sw_reorder_pop(struct sw_reorder *r, uint64_t until_us);

/* Mapped classic pcap file (pcap_map.c). */
struct sw_pcap_map {
	const uint8_t *base;
	size_t size;
	size_t off;
	size_t released;	/* bytes before this were handed back (sw_pcap_map_release_read) */
	bool swapped;
	bool nsec;
	uint64_t records;	/* records read so far */
};

struct sw_pcap_rec {
	uint64_t ts_us;
	const uint8_t *data;
	uint32_t caplen, wirelen;
};

/* sw_pcap_map_open - map @path if it is a classic pcap file; false otherwise. */
bool sw_pcap_map_open(struct sw_pcap_map *m, const char *path);
/* sw_pcap_map_open_fd - the same for an open regular file (@fd stays open). */
bool sw_pcap_map_open_fd(struct sw_pcap_map *m, int fd);
/*
 * sw_pcap_map_describe - after sw_pcap_map_next returned -1: what is wrong
 * where, e.g. "cut short at byte 632 (record 12): 52 of 60 bytes".
 */
void sw_pcap_map_describe(const struct sw_pcap_map *m, char *buf, size_t len);
void sw_pcap_map_close(struct sw_pcap_map *m);
/* sw_pcap_map_release_read - drop the pages already read from the process's memory. */
void sw_pcap_map_release_read(struct sw_pcap_map *m);
/* sw_pcap_map_next - 1 with the next record, 0 at the end, -1 on a truncated or corrupt record. */
int sw_pcap_map_next(struct sw_pcap_map *m, struct sw_pcap_rec *rec);

/*
 * A pcap input (pcap_input.c). Regular files are read as they are; anything
 * else (a FIFO, standard input, a device) through a stdio stream whose reads
 * wait in poll() at most 100 ms at a time and fail with EINTR once *@stop is
 * set: SIGINT or SIGTERM end a read from a FIFO whose writer never writes,
 * or never opens it.
 */
struct sw_pcap_in {
	int fd;
	bool regular;
	bool own_fd;		/* not standard input: closed with the stream */
	bool interrupted;	/* a read ended because *stop was set */
	uint64_t offset;	/* bytes read from a non-regular input */
	volatile sig_atomic_t *stop;
};

/* sw_pcap_in_open - open @path ("-": standard input) as *@f; @in must outlive the stream. */
int sw_pcap_in_open(struct sw_pcap_in *in, const char *path, volatile sig_atomic_t *stop,
		    FILE **f, struct sw_err *err);

#endif
