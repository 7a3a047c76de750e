/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capture sources and the per-frame pipeline: decode, drop cross-interface
 * copies, feed the flow table, expire idle flows as time moves on.
 */
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <segwatch/clock.h>

#include "internal.h"

#define SW_DEFAULT_SNAPLEN 256
/*
 * Live packets are handed over a ring block at a time (TPACKET_V3), one
 * wakeup per block instead of one per packet; a block that is not full is
 * handed over after this long. It must stay well under SW_REORDER_HOLD_US,
 * which sorts frames from several interfaces that arrive up to a block late.
 */
#define SW_BLOCK_TIMEOUT_MS 20
/*
 * A ring per interface. 8 MiB holds about 80 ms at 600k packets/s (the
 * reader lagging a few blocks behind), and it stays in the caches the
 * sender's core copies into: with 32 MiB the copy (in the sending
 * container's softirq) streamed through memory and cost the sender a fifth
 * more (docs/benchmarks.md, "Live capture").
 */
#define SW_RING_BYTES (8 << 20)
#define SW_DEDUP_WINDOW_US 10000	/* copies of one packet arrive within µs; 10 ms is generous */
#define SW_REORDER_HOLD_US 50000	/* the longest frames from several sources wait to be sorted */
/*
 * Most frames need not wait that long: once every source's kernel count is
 * matched by what it handed over, nothing older is still to come (see
 * sw_capture_settled_us). Checked this often, with this much slack for a
 * packet stamped just before the kernel counted it.
 */
#define SW_SETTLE_EVERY_US 2000
#define SW_SETTLE_SLACK_US 3000
#define SW_SETTLE_PER_IFACE_US 50	/* 200 interfaces: every 12 ms, 17k calls/s */
#define SW_REORDER_SLOTS 65536
#define SW_PROGRESS_US 500000
#define SW_MAX_SLL2_IFACES 32

struct sw_source {
	pcap_t *pcap;
	int dlt;
	int fd;
	bool dead;	/* the interface went away; its counters are kept */
	const struct sw_workload *wl;	/* the workload behind this interface, if any */
	uint64_t wl_checked_us;
	uint64_t last_ts_us;	/* the newest frame it handed over */
	uint64_t close_at_us;	/* let go: still read until then (sw_capture_let_go) */
};

struct sw_capture {
	struct sw_capture_opts opts;
	struct sw_flow_table *table;
	struct sw_source src[SW_CAPTURE_MAX_IFACES];
	unsigned n_src;
	bool live;
	bool dedup_on;
	struct sw_dedup *dedup;
	struct sw_reorder *reorder;
	struct sw_capture_counters cnt;
	uint64_t next_expire_us;
	uint32_t sll2_ifindex[SW_MAX_SLL2_IFACES]; /* ifindex -> dedup interface number */
	unsigned n_sll2;
	off_t file_size;
	uint64_t start_us;
	uint64_t next_progress_us;
	unsigned cur_src;	/* source of the frames being dispatched */
	uint64_t retired_drops;	/* kernel drops of sources whose slot was reused */
	uint64_t settled_us;	/* every source has handed over all its frames older than this */
	uint64_t next_settle_us;
	struct sw_pcap_map map;	/* the file, mapped, when it is a classic pcap */
	struct bpf_program filter; /* --filter for mapped reading */
	bool has_filter;
	/* decoded packets waiting to be handed to the flow table together */
	struct sw_pkt batch[SW_FLOW_BATCH_MAX];
	uint64_t batch_ts[SW_FLOW_BATCH_MAX];
	size_t batch_n;
	struct sw_pcap_in in;	/* the file read: how it was opened */
	uint64_t file_records;	/* records libpcap handed over (files) */
	uint64_t file_bytes;	/* their bytes with headers: the next record's offset (classic pcap) */
};

const struct sw_capture_counters *sw_capture_counters(const struct sw_capture *cap)
{
	return &cap->cnt;
}

static bool sw_capture_read_stats(struct sw_capture *cap, unsigned i);

/*
 * Source @i is done (its interface went away, or it failed to start): its
 * last drop counts are kept, its ring is freed and its slot can be reused.
 */
static void sw_capture_retire(struct sw_capture *cap, unsigned i)
{
	sw_capture_read_stats(cap, i);
	if (cap->src[i].pcap)
		pcap_close(cap->src[i].pcap);
	cap->src[i].pcap = NULL;
	cap->src[i].dead = true;
	cap->src[i].close_at_us = 0;
	cap->cnt.ifaces[i].active = false;
}

/*
 * Source @i is no longer wanted (its interface dropped from the list, or
 * swapped for a source in another direction). Its ring can still hold
 * frames captured before now in a block the kernel hands over only at its
 * timeout; closing at once lost them (a packet sent just before a reload).
 * So it is read for two timeouts more, then retired. It counts as inactive
 * from now on, and lookups by name or index pass it by.
 */
static void sw_capture_let_go(struct sw_capture *cap, unsigned i)
{
	if (!cap->live) {
		sw_capture_retire(cap, i);
		return;
	}
	cap->cnt.ifaces[i].active = false;
	cap->src[i].close_at_us = sw_clock_wall_us() + 2000ull * SW_BLOCK_TIMEOUT_MS;
}

/* Wanted and capturing: not retired, not being let go. */
static bool sw_capture_source_wanted(const struct sw_capture *cap, unsigned i)
{
	return !cap->src[i].dead && !cap->src[i].close_at_us;
}

/* ---- the per-frame pipeline ---- */

/* Interface number for the duplicate filter. */
static unsigned sw_capture_iface_of(struct sw_capture *cap, unsigned source, const struct sw_pkt *pkt)
{
	if (cap->src[source].dlt != SW_DLT_LINUX_SLL2)
		return source;
	for (unsigned i = 0; i < cap->n_sll2; i++)
		if (cap->sll2_ifindex[i] == pkt->ifindex)
			return i;
	if (cap->n_sll2 < SW_MAX_SLL2_IFACES) {
		cap->sll2_ifindex[cap->n_sll2] = pkt->ifindex;
		return cap->n_sll2++;
	}
	return SW_MAX_SLL2_IFACES - 1;
}

static bool sw_addr_in(const uint8_t (*list)[16], size_t n, const uint8_t addr[16])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i], addr, 16) == 0)
			return true;
	return false;
}

/* Unspecified (DHCP, IPv6 duplicate address detection) and IPv6 link-local sources are fine. */
static bool sw_addr_is_selfless(const struct sw_pkt *pkt)
{
	static const uint8_t zero[16];

	if (pkt->family == 4)
		return memcmp(pkt->src + 12, zero, 4) == 0;
	return memcmp(pkt->src, zero, 16) == 0 || (pkt->src[0] == 0xfe && (pkt->src[1] & 0xc0) == 0x80);
}

static void sw_capture_note_spoofer(struct sw_capture *cap, unsigned source,
				    const struct sw_workload *wl, const struct sw_pkt *pkt,
				    uint64_t ts_us)
{
	struct sw_capture_counters *cnt = &cap->cnt;
	struct sw_capture_spoofer *sp;

	cnt->spoofed++;
	for (unsigned i = 0; i < cnt->n_spoofers; i++) {
		sp = &cnt->spoofers[i];
		if (memcmp(sp->addr, pkt->src, 16) == 0 &&
		    strcmp(sp->iface, cnt->ifaces[source].name) == 0) {
			sp->packets++;
			sp->last_us = ts_us;
			return;
		}
	}
	if (cnt->n_spoofers == sizeof(cnt->spoofers) / sizeof(cnt->spoofers[0]))
		return;
	sp = &cnt->spoofers[cnt->n_spoofers++];
	strncpy(sp->iface, cnt->ifaces[source].name, sizeof(sp->iface) - 1);
	sp->iface[sizeof(sp->iface) - 1] = '\0';
	wl = sw_registry_merged(cap->opts.registry, wl, ts_us); /* the name people know it by */
	snprintf(sp->workload, sizeof(sp->workload), "%s", wl->name ? wl->name : wl->uid);
	memcpy(sp->addr, pkt->src, 16);
	sp->packets = 1;
	sp->first_us = sp->last_us = ts_us;
}

/*
 * On a workload's own interface, a frame sent from its MAC must carry one of
 * its addresses. Checked on every captured copy: only the sending workload's
 * interface has both the workload and its MAC, so a packet counts once.
 */
static void sw_capture_check_spoof(struct sw_capture *cap, unsigned source,
				   const struct sw_pkt *pkt, uint64_t ts_us)
{
	struct sw_source *s = &cap->src[source];
	const struct sw_workload *wl;
	bool from_it = false;

	if (!pkt->has_mac || !cap->cnt.ifaces[source].ifindex)
		return;
	if (ts_us >= s->wl_checked_us + 1000000 || ts_us < s->wl_checked_us) {
		s->wl = sw_registry_lookup_ifindex(cap->opts.registry,
						   cap->cnt.ifaces[source].ifindex, ts_us);
		s->wl_checked_us = ts_us;
	}
	wl = s->wl;
	if (!wl || !wl->n_addrs)
		return;
	for (size_t i = 0; i < wl->n_macs && !from_it; i++)
		from_it = memcmp(wl->macs[i], pkt->src_mac, 6) == 0;
	if (!from_it || sw_addr_in((const uint8_t(*)[16])wl->addrs, wl->n_addrs, pkt->src) ||
	    sw_addr_is_selfless(pkt))
		return;
	sw_capture_note_spoofer(cap, source, wl, pkt, ts_us);
}

static void sw_capture_flush_batch(struct sw_capture *cap)
{
	if (cap->batch_n)
		sw_flow_table_update_batch(cap->table, cap->batch, cap->batch_ts, cap->batch_n);
	cap->batch_n = 0;
}

static void sw_capture_expire(struct sw_capture *cap, uint64_t now_us)
{
	sw_capture_flush_batch(cap);
	sw_flow_table_expire(cap->table, now_us);
	cap->next_expire_us = now_us + 1000000;
}

static void sw_capture_frame(struct sw_capture *cap, unsigned source, uint64_t ts_us,
			     const uint8_t *data, uint32_t caplen, uint32_t wirelen)
{
	struct sw_capture_counters *cnt = &cap->cnt;
	struct sw_pkt *pkt = &cap->batch[cap->batch_n];
	enum sw_reason why;

	cnt->packets_seen++;
	cnt->bytes_seen += wirelen;
	if (sw_dissect_packet(cap->src[source].dlt, data, caplen, wirelen, pkt, &why) != SW_OK) {
		cnt->by_reason[why]++;
		if (sw_dissect_reason_is_malformed(why))
			cnt->malformed++;
		else
			cnt->not_tracked++;
		return;
	}
	if (cap->opts.registry && cap->live)
		sw_capture_check_spoof(cap, source, pkt, ts_us);
	/* cheap tests first: only link-local sources reach the registry */
	if (cap->opts.learn_registry && pkt->has_mac && sw_addr_is_linklocal(pkt->src))
		sw_registry_learn_linklocal(cap->opts.learn_registry, pkt->src, pkt->src_mac, ts_us);
	if (cap->dedup_on &&
	    sw_dedup_is_copy(cap->dedup, pkt, sw_capture_iface_of(cap, source, pkt), ts_us)) {
		cnt->duplicates++;
		return;
	}
	cnt->decoded++;
	cap->batch_ts[cap->batch_n++] = ts_us;
	if (cap->batch_n == SW_FLOW_BATCH_MAX)
		sw_capture_flush_batch(cap);
	if (ts_us >= cap->next_expire_us)
		sw_capture_expire(cap, ts_us);
}

static uint64_t sw_ts_us(const struct pcap_pkthdr *h)
{
	return (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
}

static void sw_capture_direct_cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct sw_capture *cap = (struct sw_capture *)arg;

	cap->cnt.ifaces[cap->cur_src].received++;
	sw_capture_frame(cap, cap->cur_src, sw_ts_us(h), data, h->caplen, h->len);
}

static void sw_capture_release(struct sw_capture *cap, uint64_t until_us)
{
	const struct sw_reorder_frame *f;

	while ((f = sw_reorder_pop(cap->reorder, until_us)) != NULL)
		sw_capture_frame(cap, f->source, f->ts_us, f->data, f->caplen, f->wirelen);
}

static void sw_capture_reorder_cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct sw_capture *cap = (struct sw_capture *)arg;

	cap->cnt.ifaces[cap->cur_src].received++;
	cap->src[cap->cur_src].last_ts_us = sw_ts_us(h);
	if (sw_reorder_full(cap->reorder) && sw_ts_us(h) > SW_REORDER_HOLD_US)
		sw_capture_release(cap, sw_ts_us(h) - SW_REORDER_HOLD_US);
	if (sw_reorder_full(cap->reorder)) { /* everything buffered is newer: let the oldest go */
		const struct sw_reorder_frame *f = sw_reorder_pop(cap->reorder, UINT64_MAX);

		sw_capture_frame(cap, f->source, f->ts_us, f->data, f->caplen, f->wirelen);
	}
	sw_reorder_push(cap->reorder, sw_ts_us(h), (uint16_t)cap->cur_src, data, h->caplen, h->len);
}

/* ---- opening ---- */

/*
 * A slot for one more source: the next one, or, once all are taken, one
 * whose interface went away (an agent sees thousands of veths come and go;
 * their drops are kept in retired_drops). -1: every slot is in use.
 */
static int sw_capture_free_slot(struct sw_capture *cap)
{
	if (cap->n_src < SW_CAPTURE_MAX_IFACES)
		return (int)cap->n_src++;
	for (unsigned i = 0; i < cap->n_src; i++)
		if (cap->src[i].dead && !cap->src[i].pcap) {
			cap->retired_drops += cap->cnt.ifaces[i].kernel_drops;
			memset(&cap->src[i], 0, sizeof(cap->src[i]));
			memset(&cap->cnt.ifaces[i], 0, sizeof(cap->cnt.ifaces[i]));
			return (int)i;
		}
	return -1;
}

const char *sw_capture_direction_name(enum sw_capture_direction dir)
{
	return dir == SW_CAPTURE_IN ? "in" : dir == SW_CAPTURE_OUT ? "out" : "both";
}

static int sw_capture_add_source(struct sw_capture *cap, pcap_t *p, const char *name,
				 enum sw_capture_direction dir, unsigned *slot, struct sw_err *err)
{
	int i = sw_capture_free_slot(cap);
	struct sw_source *s;
	struct sw_capture_iface *ifc;

	if (i < 0) {
		pcap_close(p);
		return sw_err_set(err, SW_EXIT_USAGE, "too many interfaces (at most %d)",
				  SW_CAPTURE_MAX_IFACES);
	}
	*slot = (unsigned)i;
	s = &cap->src[i];
	ifc = &cap->cnt.ifaces[i];
	s->pcap = p;
	s->dlt = pcap_datalink(p);
	s->fd = -1;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->ifindex = cap->live ? (int)if_nametoindex(name) : 0;
	ifc->direction = (uint8_t)dir;
	ifc->active = true;
	cap->cnt.n_ifaces = cap->n_src;
	if (!sw_dissect_dlt_ok(s->dlt))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: link type %s (%d) is not supported",
				  name, pcap_datalink_val_to_name(s->dlt) ?
				  pcap_datalink_val_to_name(s->dlt) : "?", s->dlt);
	if (cap->opts.filter || dir != SW_CAPTURE_BOTH) {
		struct sw_src_filter f;
		int rc = sw_src_filter_compile(p, dir, cap->opts.filter, "--filter", &f, err);

		if (rc == SW_EXIT_OK)
			rc = sw_src_filter_apply(p, dir, &f, name, err);
		sw_src_filter_free(&f);
		if (rc != SW_EXIT_OK)
			return rc;
	}
	return SW_EXIT_OK;
}

static int sw_capture_open_file(struct sw_capture *cap, struct sw_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	const char *name = cap->opts.file;
	struct stat st;
	unsigned slot;
	FILE *f = NULL;
	pcap_t *p;
	int rc;

	rc = sw_pcap_in_open(&cap->in, name, cap->opts.stop, &f, err);
	if (rc != SW_EXIT_OK)
		return rc;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		fclose(f);
		if (cap->in.interrupted) {
			cap->cnt.input.end = SW_INPUT_END_INTERRUPTED;
			return sw_err_set(err, SW_EXIT_RUNTIME, "%s: interrupted before its file header",
					  name);
		}
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name, errbuf);
	}
	rc = sw_capture_add_source(cap, p, name, SW_CAPTURE_BOTH, &slot, err);
	if (rc != SW_EXIT_OK || !cap->in.regular)
		return rc;
	if (fstat(cap->in.fd, &st) == 0)
		cap->file_size = st.st_size;
	if (!sw_pcap_map_open_fd(&cap->map, cap->in.fd))
		return rc;
	if (cap->opts.filter) {
		if (pcap_compile(p, &cap->filter, cap->opts.filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return sw_err_set(err, SW_EXIT_USAGE, "--filter: %s", pcap_geterr(p));
		cap->has_filter = true;
	}
	return SW_EXIT_OK;
}

static int sw_capture_activate_error(pcap_t *p, int rc, const char *name, struct sw_err *err)
{
	switch (rc) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return sw_err_set(err, SW_EXIT_USAGE, "%s: no such interface", name);
	case PCAP_ERROR_PERM_DENIED:
		return sw_err_set(err, SW_EXIT_RUNTIME,
				  "%s: permission denied (perhaps you must be root, or have CAP_NET_RAW)",
				  name);
	case PCAP_ERROR_IFACE_NOT_UP:
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: interface is down", name);
	default:
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot capture: %s", name,
				  pcap_geterr(p));
	}
}

/*
 * A bridge port captured inbound never needs what the kernel sends out of it:
 * PACKET_IGNORE_OUTGOING (Linux 4.20) keeps those packets from even being
 * cloned for the socket. Older kernels: the "inbound" filter does the work.
 */
static void sw_capture_ignore_outgoing(pcap_t *p, enum sw_capture_direction dir)
{
#ifdef PACKET_IGNORE_OUTGOING
	int one = 1;

	if (dir == SW_CAPTURE_IN)
		(void)setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
				 sizeof(one));
#else
	(void)p;
	(void)dir;
#endif
}

static int sw_capture_open_iface(struct sw_capture *cap, const char *name,
				 enum sw_capture_direction dir, struct sw_err *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int snaplen = cap->opts.snaplen > 0 ? cap->opts.snaplen : SW_DEFAULT_SNAPLEN;
	unsigned slot = 0;
	pcap_t *p;
	int rc;

	p = pcap_create(name, errbuf);
	if (!p)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", name, errbuf);
	pcap_set_snaplen(p, snaplen);
	/*
	 * Promiscuous only where all is wanted: a bridge in promiscuous mode
	 * passes every frame it forwards up to the host too, a cost on every
	 * packet; a port sees what its container sends without it.
	 */
	pcap_set_promisc(p, dir == SW_CAPTURE_BOTH);
	pcap_set_immediate_mode(p, 0);
	pcap_set_timeout(p, SW_BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(p, SW_RING_BYTES);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(p);
	if (rc < 0) {
		rc = sw_capture_activate_error(p, rc, name, err);
		pcap_close(p);
		return rc;
	}
	/* on "any", ask for cooked v2: it carries the interface index */
	if (pcap_datalink(p) == SW_DLT_LINUX_SLL)
		pcap_set_datalink(p, SW_DLT_LINUX_SLL2);
	sw_capture_ignore_outgoing(p, dir);
	rc = sw_capture_add_source(cap, p, name, dir, &slot, err);
	if (rc == SW_EXIT_OK && pcap_setnonblock(p, 1, errbuf) < 0)
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", name, errbuf);
	if (rc == SW_EXIT_OK) {
		cap->src[slot].fd = pcap_get_selectable_fd(p);
		return SW_EXIT_OK;
	}
	/* a failed source stays in the table, dead, so indices remain stable */
	if (cap->src[slot].pcap == p)
		sw_capture_retire(cap, slot);
	return rc;
}

static int sw_capture_need_reorder(struct sw_capture *cap, struct sw_err *err)
{
	int snaplen = cap->opts.snaplen > 0 ? cap->opts.snaplen : SW_DEFAULT_SNAPLEN;

	if (!cap->reorder && cap->n_src > 1) {
		cap->reorder = sw_reorder_alloc(SW_REORDER_SLOTS, (uint32_t)snaplen);
		if (!cap->reorder)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (!cap->dedup_on && cap->n_src > 1 && cap->opts.dedup != SW_DEDUP_OFF) {
		cap->dedup = sw_dedup_alloc(SW_DEDUP_WINDOW_US);
		if (!cap->dedup)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		cap->dedup_on = true;
	}
	return SW_EXIT_OK;
}

int sw_capture_add_iface(struct sw_capture *cap, const char *name, enum sw_capture_direction dir,
			 struct sw_err *err)
{
	bool other_dir[SW_CAPTURE_MAX_IFACES] = { false };
	unsigned n = cap->n_src;
	int rc;

	if (!cap->live)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: cannot add an interface to a file read", name);
	for (unsigned i = 0; i < n; i++) {
		if (!sw_capture_source_wanted(cap, i) || strcmp(cap->cnt.ifaces[i].name, name) != 0)
			continue;
		if (cap->cnt.ifaces[i].direction == dir)
			return SW_EXIT_OK;
		other_dir[i] = true; /* e.g. a bridge port before, named with -i now */
	}
	/*
	 * Open the new source before letting the old one go: no packet is
	 * missed in between, and the ones both see are copies the duplicate
	 * filter drops (they are different sources to it).
	 */
	rc = sw_capture_open_iface(cap, name, dir, err);
	if (rc != SW_EXIT_OK)
		return rc;
	rc = sw_capture_need_reorder(cap, err);
	for (unsigned i = 0; i < n; i++)
		if (other_dir[i])
			sw_capture_let_go(cap, i);
	return rc;
}

void sw_capture_drop_iface(struct sw_capture *cap, int ifindex)
{
	for (unsigned i = 0; i < cap->n_src; i++) {
		if (sw_capture_source_wanted(cap, i) && cap->cnt.ifaces[i].ifindex == ifindex)
			sw_capture_let_go(cap, i);
	}
}

void sw_capture_drop_iface_named(struct sw_capture *cap, const char *name)
{
	for (unsigned i = 0; i < cap->n_src; i++)
		if (sw_capture_source_wanted(cap, i) && strcmp(cap->cnt.ifaces[i].name, name) == 0)
			sw_capture_let_go(cap, i);
}

/* Compile @filter for every live source first, so that one that fails changes none. */
int sw_capture_set_filter(struct sw_capture *cap, const char *filter, struct sw_err *err)
{
	struct sw_src_filter f[SW_CAPTURE_MAX_IFACES] = { 0 };
	int rc = SW_EXIT_OK;

	if (!cap->live)
		return sw_err_set(err, SW_EXIT_USAGE, "the filter of a file read is set at open");
	for (unsigned i = 0; i < cap->n_src && rc == SW_EXIT_OK; i++)
		if (sw_capture_source_wanted(cap, i))
			rc = sw_src_filter_compile(cap->src[i].pcap, cap->cnt.ifaces[i].direction,
						   filter, "filter", &f[i], err);
	for (unsigned i = 0; i < cap->n_src; i++) {
		if (rc == SW_EXIT_OK && sw_capture_source_wanted(cap, i))
			rc = sw_src_filter_apply(cap->src[i].pcap, cap->cnt.ifaces[i].direction, &f[i],
						 cap->cnt.ifaces[i].name, err);
		sw_src_filter_free(&f[i]);
	}
	if (rc == SW_EXIT_OK)
		cap->opts.filter = filter; /* for interfaces added from now on */
	return rc;
}

void sw_capture_set_learn_registry(struct sw_capture *cap, struct sw_registry *reg)
{
	cap->opts.learn_registry = reg;
}

void sw_capture_set_registry(struct sw_capture *cap, const struct sw_registry *reg)
{
	cap->opts.registry = reg;
	for (unsigned i = 0; i < cap->n_src; i++) {
		cap->src[i].wl = NULL; /* looked up again in the new registry */
		cap->src[i].wl_checked_us = 0;
	}
}

static int sw_capture_open_live(struct sw_capture *cap, struct sw_err *err)
{
	int rc = SW_EXIT_OK;

	cap->live = true;
	if (cap->opts.n_ifaces == 0 && !cap->opts.wait_for_ifaces)
		return sw_err_set(err, SW_EXIT_USAGE, "no interface to capture on");
	for (unsigned i = 0; i < cap->opts.n_ifaces && rc == SW_EXIT_OK; i++)
		rc = sw_capture_open_iface(cap, cap->opts.ifaces[i],
					   cap->opts.directions ? cap->opts.directions[i] :
					   SW_CAPTURE_BOTH, err);
	cap->opts.directions = NULL; /* the caller's array: only for opening */
	return rc;
}

static bool sw_capture_wants_dedup(const struct sw_capture *cap)
{
	if (cap->opts.dedup != SW_DEDUP_AUTO)
		return cap->opts.dedup == SW_DEDUP_ON;
	if (cap->n_src != 1)
		return cap->n_src > 1;
	return cap->src[0].dlt == SW_DLT_LINUX_SLL2;
}

int sw_capture_open(struct sw_capture **out, const struct sw_capture_opts *opts,
		    struct sw_flow_table *table, struct sw_err *err)
{
	struct sw_capture *cap = calloc(1, sizeof(*cap));
	int rc;

	*out = NULL;
	if (!cap)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	cap->opts = *opts;
	cap->table = table;
	rc = opts->file ? sw_capture_open_file(cap, err) : sw_capture_open_live(cap, err);
	if (rc == SW_EXIT_OK && sw_capture_wants_dedup(cap)) {
		cap->dedup_on = true;
		cap->dedup = sw_dedup_alloc(SW_DEDUP_WINDOW_US);
		if (!cap->dedup)
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (rc == SW_EXIT_OK && cap->live && cap->n_src > 1) {
		int snaplen = opts->snaplen > 0 ? opts->snaplen : SW_DEFAULT_SNAPLEN;

		cap->reorder = sw_reorder_alloc(SW_REORDER_SLOTS, (uint32_t)snaplen);
		if (!cap->reorder)
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (rc != SW_EXIT_OK) {
		sw_capture_close(cap);
		return rc;
	}
	*out = cap;
	return SW_EXIT_OK;
}

void sw_capture_close(struct sw_capture *cap)
{
	if (!cap)
		return;
	for (unsigned i = 0; i < cap->n_src; i++)
		if (cap->src[i].pcap)
			pcap_close(cap->src[i].pcap);
	sw_dedup_free(cap->dedup);
	sw_reorder_free(cap->reorder);
	sw_pcap_map_close(&cap->map);
	if (cap->has_filter)
		pcap_freecode(&cap->filter);
	free(cap);
}

/* ---- running ---- */

static void sw_capture_report_progress(struct sw_capture *cap, uint64_t now_us)
{
	struct sw_capture_progress p = { 0 };

	if (!cap->opts.progress || now_us < cap->next_progress_us)
		return;
	cap->next_progress_us = now_us + SW_PROGRESS_US;
	p.packets_seen = cap->cnt.packets_seen;
	p.elapsed_s = (double)(now_us - cap->start_us) / 1e6;
	p.fraction = -1;
	if (!cap->live && cap->file_size > 0) {
		FILE *f = pcap_file(cap->src[0].pcap);
		long pos = cap->map.base ? (long)cap->map.off : f ? ftell(f) : -1;

		if (pos >= 0)
			p.fraction = (double)pos / (double)cap->file_size;
	} else if (cap->live && cap->opts.duration_s > 0) {
		p.fraction = p.elapsed_s / cap->opts.duration_s;
	}
	p.live_flows = sw_flow_table_stats(cap->table)->live;
	cap->opts.progress(&p, cap->opts.progress_arg);
}

static int sw_capture_run_mapped(struct sw_capture *cap, struct sw_err *err)
{
	struct sw_capture_iface *ifc = &cap->cnt.ifaces[0];
	struct sw_pcap_rec rec;
	uint64_t n = 0;
	int rc;

	while ((rc = sw_pcap_map_next(&cap->map, &rec)) > 0) {
		if (cap->has_filter) {
			struct pcap_pkthdr h = { .caplen = rec.caplen, .len = rec.wirelen };

			if (!pcap_offline_filter(&cap->filter, &h, rec.data))
				continue;
		}
		ifc->received++;
		sw_capture_frame(cap, 0, rec.ts_us, rec.data, rec.caplen, rec.wirelen);
		if ((++n & 0xfff) == 0) {
			sw_pcap_map_release_read(&cap->map);
			if (cap->opts.stop && *cap->opts.stop)
				break;
			if (cap->opts.progress)
				sw_capture_report_progress(cap, sw_clock_wall_us());
		}
	}
	sw_capture_flush_batch(cap);
	(void)err;
	cap->cnt.input.offset = cap->map.off;
	cap->cnt.input.records = cap->map.records;
	if (rc < 0) {
		cap->cnt.input.end = SW_INPUT_END_DAMAGED;
		sw_pcap_map_describe(&cap->map, cap->cnt.input.error, sizeof(cap->cnt.input.error));
	} else if (rc > 0) {
		cap->cnt.input.end = SW_INPUT_END_INTERRUPTED;
	}
	return SW_EXIT_OK;
}

/* A record from libpcap's file reader: counted, for where a damaged file stopped. */
static void sw_capture_file_cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
	struct sw_capture *cap = (struct sw_capture *)arg;

	cap->file_records++;
	cap->file_bytes += 16 + h->caplen;
	sw_capture_direct_cb(arg, h, data);
}

/* Where libpcap's reader stopped: exact for classic pcap read whole, else what was consumed. */
static void sw_capture_file_stopped(struct sw_capture *cap, pcap_t *p, const char *why)
{
	struct sw_capture_input *in = &cap->cnt.input;
	FILE *f = pcap_file(p);
	bool exact = pcap_major_version(p) == 2 && !cap->opts.filter;
	long pos = cap->in.regular && f ? ftell(f) : -1;

	in->records = cap->opts.filter ? 0 : cap->file_records;
	in->offset = exact ? 24 + cap->file_bytes : pos >= 0 ? (uint64_t)pos : cap->in.offset;
	if (!why)
		return;
	if (cap->in.interrupted) {
		in->end = SW_INPUT_END_INTERRUPTED;
	} else if (strstr(why, "error reading")) {
		in->end = SW_INPUT_END_IO_ERROR;
		snprintf(in->error, sizeof(in->error), "read failed at byte %llu: %s",
			 (unsigned long long)in->offset, why);
	} else {
		in->end = SW_INPUT_END_DAMAGED;
		snprintf(in->error, sizeof(in->error), "%s at byte %llu (record %llu): %s",
			 strstr(why, "truncated") ? "cut short" : "corrupt",
			 (unsigned long long)in->offset, (unsigned long long)cap->file_records + 1, why);
	}
}

static int sw_capture_run_file(struct sw_capture *cap, struct sw_err *err)
{
	pcap_t *p = cap->src[0].pcap;
	int rc;

	(void)err;
	if (cap->map.base)
		return sw_capture_run_mapped(cap, err);

	cap->cur_src = 0;
	while ((rc = pcap_dispatch(p, 4096, sw_capture_file_cb, (u_char *)cap)) > 0) {
		if (cap->opts.stop && *cap->opts.stop)
			break;
		if (cap->opts.progress)
			sw_capture_report_progress(cap, sw_clock_wall_us());
	}
	sw_capture_flush_batch(cap);
	sw_capture_file_stopped(cap, p, rc == PCAP_ERROR ? pcap_geterr(p) : NULL);
	if (rc > 0)
		cap->cnt.input.end = SW_INPUT_END_INTERRUPTED;
	return SW_EXIT_OK;
}

/*
 * Source @i's kernel counters; true when every frame its ring took has been
 * handed over (libpcap's ps_recv counts what passed the filter, drops
 * included; all are 32-bit and wrap alike).
 */
static bool sw_capture_read_stats(struct sw_capture *cap, unsigned i)
{
	struct pcap_stat ps;

	if (cap->src[i].dead || !cap->src[i].pcap || pcap_stats(cap->src[i].pcap, &ps) < 0)
		return false;
	cap->cnt.ifaces[i].kernel_drops = ps.ps_drop;
	cap->cnt.ifaces[i].if_drops = ps.ps_ifdrop;
	return (uint32_t)(ps.ps_recv - ps.ps_drop) == (uint32_t)cap->cnt.ifaces[i].received;
}

/*
 * The time before which every frame of every source has been read, so that
 * buffered frames up to it can be sorted and let go: a source whose ring
 * holds nothing unread (its kernel count is matched) vouches for up to a
 * moment ago, one with frames still in a ring block the kernel has not
 * handed over only up to the newest frame it did hand over. Never earlier
 * than the hold: a source whose count never matches (libpcap skipping
 * frames) costs the old 50 ms wait, nothing worse. Frames then wait a few
 * milliseconds instead of 50, and stay in the caches.
 */
static uint64_t sw_capture_settled_us(struct sw_capture *cap, uint64_t now)
{
	uint64_t floor = now - SW_REORDER_HOLD_US, settled = now - SW_SETTLE_SLACK_US;

	/* nothing waiting, nothing to vouch for: no system calls on an idle host */
	if (now >= cap->next_settle_us && !sw_reorder_empty(cap->reorder)) {
		unsigned live = 0;

		for (unsigned i = 0; i < cap->n_src; i++) {
			if (cap->src[i].dead)
				continue;
			live++;
			if (!sw_capture_read_stats(cap, i) && cap->src[i].last_ts_us < settled)
				settled = cap->src[i].last_ts_us ? cap->src[i].last_ts_us - 1 : 0;
		}
		if (settled > cap->settled_us)
			cap->settled_us = settled;
		/* one getsockopt per interface: with hundreds of veths, ask less often */
		cap->next_settle_us = now + SW_SETTLE_EVERY_US + live * SW_SETTLE_PER_IFACE_US;
	}
	return cap->settled_us > floor ? cap->settled_us : floor;
}

static void sw_capture_sum_drops(struct sw_capture *cap)
{
	cap->cnt.kernel_drops = cap->retired_drops;
	for (unsigned i = 0; i < cap->n_src; i++) {
		sw_capture_read_stats(cap, i);
		cap->cnt.kernel_drops += cap->cnt.ifaces[i].kernel_drops;
	}
}

/* Read what each ready source has; a source whose interface vanished is retired. */
static unsigned sw_capture_poll_sources(struct sw_capture *cap, int timeout_ms)
{
	struct pollfd pfd[SW_CAPTURE_MAX_IFACES];
	unsigned alive = 0;
	pcap_handler cb = cap->reorder ? sw_capture_reorder_cb : sw_capture_direct_cb;

	for (unsigned i = 0; i < cap->n_src; i++) {
		pfd[i].fd = cap->src[i].dead ? -1 : cap->src[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	if (poll(pfd, cap->n_src, timeout_ms) < 0 && errno != EINTR) {
		poll(NULL, 0, timeout_ms); /* no busy loop on a poll that fails */
		return 0;
	}
	for (unsigned i = 0; i < cap->n_src; i++) {
		if (cap->src[i].dead)
			continue;
		cap->cur_src = i;
		if ((pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) &&
		    pcap_dispatch(cap->src[i].pcap, -1, cb, (u_char *)cap) < 0) {
			sw_capture_retire(cap, i); /* e.g. a veth removed while capturing */
			continue;
		}
		if (cap->src[i].close_at_us && sw_clock_wall_us() >= cap->src[i].close_at_us) {
			sw_capture_retire(cap, i); /* let go, and its last block read */
			continue;
		}
		alive++;
	}
	return alive;
}

static void sw_capture_tick(struct sw_capture *cap, uint64_t now_us)
{
	if (cap->opts.tick)
		cap->opts.tick(cap, now_us, cap->opts.tick_arg);
}

static int sw_capture_run_live(struct sw_capture *cap, struct sw_err *err)
{
	uint64_t end_us = cap->opts.duration_s > 0 ?
		cap->start_us + (uint64_t)(cap->opts.duration_s * 1e6) : UINT64_MAX;
	uint64_t now = cap->start_us;

	(void)err;
	sw_capture_tick(cap, now);
	while (!(cap->opts.stop && *cap->opts.stop) && now < end_us) {
		/*
		 * With a tick, interfaces can come back: wait for them instead of
		 * ending. The poll waited already, with nothing alive too (the
		 * tick then comes every 100 ms: how soon a new port is opened).
		 */
		if (sw_capture_poll_sources(cap, 100) == 0 && !cap->opts.tick)
			break;
		now = sw_clock_wall_us();
		if (cap->reorder)
			sw_capture_release(cap, sw_capture_settled_us(cap, now));
		sw_capture_flush_batch(cap);
		sw_capture_tick(cap, now);
		if (now >= cap->next_expire_us)
			sw_capture_expire(cap, now - SW_REORDER_HOLD_US);
		sw_capture_report_progress(cap, now);
	}
	/*
	 * What the kernel still holds was captured within the window: read it.
	 * A ring block not yet full is handed over at its timeout, so wait for
	 * that, twice over.
	 */
	for (uint64_t until = sw_clock_wall_us() + 2000ull * SW_BLOCK_TIMEOUT_MS;
	     sw_clock_wall_us() < until;)
		sw_capture_poll_sources(cap, SW_BLOCK_TIMEOUT_MS);
	if (cap->reorder)
		sw_capture_release(cap, UINT64_MAX);
	sw_capture_flush_batch(cap);
	return SW_EXIT_OK;
}

int sw_capture_run(struct sw_capture *cap, struct sw_err *err)
{
	int rc;

	cap->start_us = sw_clock_wall_us();
	cap->next_progress_us = cap->start_us + SW_PROGRESS_US;
	rc = cap->live ? sw_capture_run_live(cap, err) : sw_capture_run_file(cap, err);
	if (cap->live)
		sw_capture_sum_drops(cap);
	return rc;
}
