/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_dissect - libFuzzer target for the packet decoder and the flow table.
 *
 * Input layout (tools/make_fuzz_corpus.py writes seeds in this form):
 *
 *   byte 0   selector:
 *              bits 0-2  index sw_fuzz_dlts[]
 *              bit 3     tight table: 4 flows and timeouts of seconds, so that
 *                        eviction and active cuts are reachable
 *              bit 4     never call sw_flow_table_expire(): idle flows are then
 *                        found (and restarted) by their next packet
 *              bit 5     use sw_flow_table_update_batch(), as src/capture does
 *              bit 6     the frames were cut by a snap length (wirelen =
 *                        caplen + 1000): the snap-length path
 *              bit 7     picks the mode
 *   mode 0   the rest of the input is one frame
 *   mode 1   the rest is a sequence of records
 *              +--------+--------+------+----------------+
 *              | len hi | len lo |  dt  | len frame bytes |
 *              +--------+--------+------+----------------+
 *            dt advances the clock by dt * dt * 10 ms (0 .. 650 s), so that
 *            idle and active timeouts fire, TCP states chain and IP fragments
 *            meet their first fragment: one frame at a time would leave most
 *            of the flow code unreached.
 *
 * Besides "no crash, no sanitizer report", the target checks the contract of
 * include/segwatch/dissect.h and flow.h and traps when it is broken:
 *   - a result other than SW_OK comes with a reason, and the reason is
 *     malformed exactly when the result is SW_TRUNC or SW_INVALID;
 *   - an SW_OK packet is IPv4 or IPv6 and counts at least its header;
 *   - every packet handed to the flow table ends up in exactly one emitted
 *     flow (docs/flows.md: "every decoded packet counts in exactly one
 *     flow"; orphan fragments too, as a flow without ports).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <segwatch/dissect.h>
#include <segwatch/flow.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Link types reachable from the selector; the last one has no decoder on purpose. */
static const int sw_fuzz_dlts[8] = {
	SW_DLT_EN10MB, SW_DLT_RAW, SW_DLT_RAW_LINUX, SW_DLT_LINUX_SLL,
	SW_DLT_IPV4, SW_DLT_IPV6, SW_DLT_LINUX_SLL2, 147 /* LINKTYPE_USER0 */,
};

#define SW_FUZZ_TIGHT 0x08
#define SW_FUZZ_NO_EXPIRE 0x10
#define SW_FUZZ_BATCH 0x20
#define SW_FUZZ_SNAP_CUT 0x40
#define SW_FUZZ_MODE_SEQ 0x80
#define SW_FUZZ_MAX_FLOWS 1024
#define SW_FUZZ_TIGHT_FLOWS 4
/* Any fixed instant: flows use 0 for "no packet this way", so never start at 0. */
#define SW_FUZZ_T0_US 1795355523000000ULL

/* sw_fuzz_fail - report a broken invariant and stop so libFuzzer saves the input. */
#define SW_FUZZ_CHECK(cond, what)                                              \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_dissect: %s (%s:%d)\n", what,    \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

struct sw_fuzz_ctx {
	struct sw_flow_table *table;
	uint8_t sel;		/* the selector byte */
	int dlt;
	uint32_t uncaptured;	/* wirelen - caplen */
	uint32_t max_flows;
	uint64_t now_us;
	uint64_t emitted_packets; /* sum of fwd + rev packets over emitted records */
	size_t n_batch;		/* packets waiting in batch[] (SW_FUZZ_BATCH) */
	struct sw_pkt batch[SW_FLOW_BATCH_MAX];
	uint64_t batch_ts[SW_FLOW_BATCH_MAX];
};

static void sw_fuzz_check_dir(const struct sw_flow_dir *d)
{
	if (d->packets == 0) {
		SW_FUZZ_CHECK(d->bytes == 0 && d->first_us == 0 && d->last_us == 0,
			      "empty direction with bytes or times");
		return;
	}
	SW_FUZZ_CHECK(d->first_us != 0 && d->first_us <= d->last_us,
		      "direction first_seen after last_seen");
	SW_FUZZ_CHECK(d->bytes >= 20 * d->packets, "direction counts less than an IP header per packet");
}

static void sw_fuzz_emit(const struct sw_flow *f, void *arg)
{
	struct sw_fuzz_ctx *ctx = arg;

	SW_FUZZ_CHECK(f->family == 4 || f->family == 6, "flow family");
	SW_FUZZ_CHECK(f->state <= SW_FLOW_CLOSED, "flow state out of range");
	SW_FUZZ_CHECK(f->end <= SW_END_REUSED, "flow end out of range");
	SW_FUZZ_CHECK(sw_flow_state_name(f->state) != NULL, "state without a name");
	SW_FUZZ_CHECK(sw_flow_end_name(f->end) != NULL, "end without a name");
	SW_FUZZ_CHECK(f->fwd.packets + f->rev.packets > 0, "flow record without packets");
	sw_fuzz_check_dir(&f->fwd);
	sw_fuzz_check_dir(&f->rev);
	ctx->emitted_packets += f->fwd.packets + f->rev.packets;
}

/* sw_fuzz_check_result - the reason contract of sw_dissect_packet(). */
static void sw_fuzz_check_result(enum sw_result r, enum sw_reason why, const struct sw_pkt *pkt)
{
	const char *name;

	if (r == SW_OK) {
		SW_FUZZ_CHECK(pkt->family == 4 || pkt->family == 6, "SW_OK packet family");
		SW_FUZZ_CHECK(pkt->ip_len >= (pkt->family == 4 ? 20u : 40u), "SW_OK ip_len below header");
		SW_FUZZ_CHECK(pkt->frag <= SW_FRAG_LATER, "frag out of range");
		return;
	}
	SW_FUZZ_CHECK(r == SW_TRUNC || r == SW_INVALID || r == SW_UNSUPPORTED, "result out of range");
	SW_FUZZ_CHECK(why > SW_R_NONE && why < SW_R_MAX, "failure without a reason");
	name = sw_dissect_reason_name(why);
	SW_FUZZ_CHECK(name != NULL && name[0] != '\0', "reason without a name");
	SW_FUZZ_CHECK(sw_dissect_reason_is_malformed(why) == (r != SW_UNSUPPORTED),
		      "malformed reason does not match the result");
}

/* sw_fuzz_table - the flow table, made on first use: most inputs never decode. */
static struct sw_flow_table *sw_fuzz_table(struct sw_fuzz_ctx *ctx)
{
	struct sw_flow_config cfg;

	if (ctx->table)
		return ctx->table;
	sw_flow_config_defaults(&cfg);
	cfg.max_flows = ctx->max_flows;
	if (ctx->sel & SW_FUZZ_TIGHT) {
		cfg.idle_tcp_s = 3;
		cfg.idle_tcp_closed_s = 1;
		cfg.idle_udp_s = 2;
		cfg.idle_icmp_s = 1;
		cfg.idle_other_s = 2;
		cfg.active_s = 4;
	}
	ctx->table = sw_flow_table_alloc(&cfg, sw_fuzz_emit, ctx);
	return ctx->table;
}

static void sw_fuzz_batch_flush(struct sw_fuzz_ctx *ctx)
{
	if (ctx->n_batch && ctx->table)
		sw_flow_table_update_batch(ctx->table, ctx->batch, ctx->batch_ts, ctx->n_batch);
	ctx->n_batch = 0;
}

static void sw_fuzz_account(struct sw_fuzz_ctx *ctx, const struct sw_pkt *pkt)
{
	if (!sw_fuzz_table(ctx))
		return;
	if (!(ctx->sel & SW_FUZZ_BATCH)) {
		sw_flow_table_update(ctx->table, pkt, ctx->now_us);
		return;
	}
	ctx->batch[ctx->n_batch] = *pkt;
	ctx->batch_ts[ctx->n_batch] = ctx->now_us;
	if (++ctx->n_batch == SW_FLOW_BATCH_MAX)
		sw_fuzz_batch_flush(ctx);
}

static void sw_fuzz_frame(struct sw_fuzz_ctx *ctx, const uint8_t *frame, size_t len)
{
	struct sw_pkt pkt;
	enum sw_reason why = SW_R_NONE;
	enum sw_result r;

	r = sw_dissect_packet(ctx->dlt, frame, (uint32_t)len, (uint32_t)len + ctx->uncaptured,
			      &pkt, &why);
	sw_fuzz_check_result(r, why, &pkt);
	if (r == SW_OK)
		sw_fuzz_account(ctx, &pkt);
}

/*
 * sw_fuzz_frame_copy - dissect @len bytes from a heap copy of exactly that
 * size, so that ASan flags any read past the frame (in mode 1 the next record
 * would otherwise follow it in memory and hide the overrun).
 */
static void sw_fuzz_frame_copy(struct sw_fuzz_ctx *ctx, const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return;
	for (size_t i = 0; i < len; i++)
		copy[i] = p[i];
	sw_fuzz_frame(ctx, copy, len);
	free(copy);
}

static void sw_fuzz_sequence(struct sw_fuzz_ctx *ctx, const uint8_t *p, size_t n)
{
	while (n >= 3) {
		size_t len = (size_t)p[0] << 8 | p[1];
		uint64_t dt = p[2];

		p += 3;
		n -= 3;
		if (len > n)
			len = n;
		if (dt) {
			ctx->now_us += dt * dt * 10000;
			/* as src/capture does: queued packets first, then the clock */
			sw_fuzz_batch_flush(ctx);
			if (ctx->table && !(ctx->sel & SW_FUZZ_NO_EXPIRE))
				sw_flow_table_expire(ctx->table, ctx->now_us);
		}
		sw_fuzz_frame_copy(ctx, p, len);
		p += len;
		n -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_fuzz_ctx ctx = { .now_us = SW_FUZZ_T0_US };
	const struct sw_flow_stats *st;

	if (size < 1)
		return 0;
	ctx.sel = data[0];
	ctx.dlt = sw_fuzz_dlts[data[0] & 7];
	ctx.uncaptured = data[0] & SW_FUZZ_SNAP_CUT ? 1000 : 0;
	ctx.max_flows = data[0] & SW_FUZZ_TIGHT ? SW_FUZZ_TIGHT_FLOWS : SW_FUZZ_MAX_FLOWS;
	if (data[0] & SW_FUZZ_MODE_SEQ)
		sw_fuzz_sequence(&ctx, data + 1, size - 1);
	else
		sw_fuzz_frame(&ctx, data + 1, size - 1);

	sw_fuzz_batch_flush(&ctx);
	if (!ctx.table)
		return 0;
	sw_flow_table_flush(ctx.table);
	st = sw_flow_table_stats(ctx.table);
	SW_FUZZ_CHECK(st->live == 0, "flows left live after flush");
	SW_FUZZ_CHECK(st->peak_live <= ctx.max_flows, "table grew past max_flows");
	SW_FUZZ_CHECK(ctx.emitted_packets == st->packets,
		      "packets handed to the table != packets in emitted flows");
	SW_FUZZ_CHECK(st->emitted == st->created + st->active_cuts,
		      "records emitted != flows created + active cuts");
	sw_flow_table_free(ctx.table);
	return 0;
}
