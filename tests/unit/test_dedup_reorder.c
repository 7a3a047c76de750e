/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the duplicate filter and the reorder buffer
 * (src/capture/internal.h; docs/flows.md "Packets seen on several interfaces").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/internal.h"
#include "pktbuild.h"

#define MS 1000ULL
#define T0 (1700000000ULL * 1000000ULL)
#define WINDOW_US (50 * MS) /* docs: 50 ms */

static struct sw_pkt tcp_pkt(uint32_t seq)
{
	struct sw_pkt p;

	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	p.has_ports = true;
	pb_addr4(p.src, "10.0.0.1");
	pb_addr4(p.dst, "10.0.0.2");
	p.sport = 40000;
	p.dport = 80;
	p.tcp_seq = seq;
	p.tcp_ack = 77;
	p.tcp_flags = 0x18;
	p.ip_id = 0x1111;
	p.frag_id = 0x1111;
	p.ip_len = 152;
	p.l4_csum = 0xabcd;
	return p;
}

/* ---- dedup ---- */

static void test_dedup_copies(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);
	struct sw_pkt p = tcp_pkt(1000);

	(void)state;
	assert_non_null(d);
	/* sending veth, bridge, receiving veth */
	assert_false(sw_dedup_is_copy(d, &p, 0, T0));
	assert_true(sw_dedup_is_copy(d, &p, 1, T0 + 20));
	assert_true(sw_dedup_is_copy(d, &p, 2, T0 + 45));
	/* seen again where it was first seen: a retransmission, counted */
	assert_false(sw_dedup_is_copy(d, &p, 0, T0 + 30 * MS));
	/* ... whose own copies are copies */
	assert_true(sw_dedup_is_copy(d, &p, 1, T0 + 30 * MS + 20));
	assert_true(sw_dedup_is_copy(d, &p, 2, T0 + 30 * MS + 40));
	sw_dedup_free(d);
	sw_dedup_free(NULL);
}

static void test_dedup_window(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);
	struct sw_pkt p = tcp_pkt(2000), q = tcp_pkt(3000);

	(void)state;
	assert_false(sw_dedup_is_copy(d, &p, 0, T0));
	assert_true(sw_dedup_is_copy(d, &p, 1, T0 + 49 * MS));
	/* after the window the same signature is a new packet */
	assert_false(sw_dedup_is_copy(d, &p, 2, T0 + 49 * MS + 51 * MS));
	/* and the first sighting was refreshed by it */
	assert_true(sw_dedup_is_copy(d, &p, 0, T0 + 49 * MS + 52 * MS));

	assert_false(sw_dedup_is_copy(d, &q, 0, T0 + 500 * MS));
	assert_false(sw_dedup_is_copy(d, &q, 1, T0 + 500 * MS + 51 * MS));
	assert_false(sw_dedup_is_copy(d, &q, 3, T0 + 10000 * MS));
	sw_dedup_free(d);
}

static void test_dedup_out_of_order(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);
	struct sw_pkt p = tcp_pkt(4000);

	(void)state;
	/* sources are read one after another: a copy may carry an earlier stamp */
	assert_false(sw_dedup_is_copy(d, &p, 1, T0 + 10 * MS));
	assert_true(sw_dedup_is_copy(d, &p, 0, T0));
	assert_true(sw_dedup_is_copy(d, &p, 2, T0 + 5 * MS));
	sw_dedup_free(d);
}

static void test_dedup_ignores_forwarding_changes(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);
	struct sw_pkt p = tcp_pkt(5000), q = p;

	(void)state;
	/* Linux cooked v2 gives each copy its own ifindex: not part of the signature */
	p.ifindex = 3;
	q.ifindex = 4;
	assert_false(sw_dedup_is_copy(d, &p, 0, T0));
	assert_true(sw_dedup_is_copy(d, &q, 1, T0 + 100));
	sw_dedup_free(d);
}

/* Packets that differ in any one signature field are never copies of each other. */
static void test_dedup_distinct_fields(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);
	struct sw_pkt base = tcp_pkt(6000), v[12];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < 12; i++)
		v[i] = base;
	pb_addr4(v[n++].src, "10.0.0.3");
	pb_addr4(v[n++].dst, "10.0.0.4");
	v[n++].proto = 17;
	v[n++].ip_id = 0x2222;
	v[n++].sport = 40001;
	v[n++].dport = 81;
	v[n++].tcp_seq = 6001;
	v[n++].tcp_ack = 78;
	v[n++].l4_csum = 0xabce;
	v[n++].ip_len = 153;
	v[n].frag = SW_FRAG_LATER;
	v[n++].frag_id = 0x1112;
	v[n++].tcp_flags = 0x10;

	assert_false(sw_dedup_is_copy(d, &base, 0, T0));
	for (size_t i = 0; i < n; i++)
		if (sw_dedup_is_copy(d, &v[i], 1 + (unsigned)i % 3, T0 + 10 + i))
			fail_msg("variant %zu taken for a copy", i);
	sw_dedup_free(d);
}

static void test_dedup_distinct_many(void **state)
{
	struct sw_dedup *d = sw_dedup_alloc(WINDOW_US);

	(void)state;
	/* a busy link: 200k different packets 1 µs apart over 4 interfaces */
	for (uint32_t i = 0; i < 200000; i++) {
		struct sw_pkt p = tcp_pkt(i * 1448);

		p.ip_id = (uint16_t)i;
		p.l4_csum = (uint16_t)(i * 7);
		if (sw_dedup_is_copy(d, &p, i % 4, T0 + i))
			fail_msg("packet %u taken for a copy", i);
	}
	/* and copies are still recognised under that load */
	for (uint32_t i = 0; i < 1000; i++) {
		struct sw_pkt p = tcp_pkt(0x80000000u + i);

		assert_false(sw_dedup_is_copy(d, &p, 0, T0 + 300000 + i * 10));
		assert_true(sw_dedup_is_copy(d, &p, 1, T0 + 300000 + i * 10 + 3));
	}
	sw_dedup_free(d);
}

/* ---- reorder ---- */

static void frame_bytes(uint8_t *buf, uint32_t len, uint64_t ts)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(ts * 31 + i);
}

static void push(struct sw_reorder *r, uint64_t ts, uint16_t source, uint32_t caplen)
{
	uint8_t buf[256];

	frame_bytes(buf, caplen, ts);
	sw_reorder_push(r, ts, source, buf, caplen, caplen + 1000);
}

static void expect_pop(struct sw_reorder *r, uint64_t until, uint64_t ts, uint16_t source,
		       uint32_t caplen)
{
	const struct sw_reorder_frame *f = sw_reorder_pop(r, until);
	uint8_t want[256];

	if (!f)
		fail_msg("expected the frame stamped %llu, got none", (unsigned long long)ts);
	assert_int_equal(f->ts_us, ts);
	assert_int_equal(f->source, source);
	assert_int_equal(f->caplen, caplen);
	assert_int_equal(f->wirelen, caplen + 1000);
	frame_bytes(want, caplen, ts);
	assert_memory_equal(f->data, want, caplen);
}

static void test_reorder_order(void **state)
{
	static const uint64_t ts[] = { 50, 10, 40, 20, 30, 45, 15, 5 };
	struct sw_reorder *r = sw_reorder_alloc(16, 128);
	const size_t n = sizeof(ts) / sizeof(ts[0]);

	(void)state;
	assert_non_null(r);
	assert_null(sw_reorder_pop(r, UINT64_MAX));
	for (size_t i = 0; i < n; i++)
		push(r, T0 + ts[i], (uint16_t)(ts[i] % 7), (uint32_t)(20 + ts[i]));
	expect_pop(r, UINT64_MAX, T0 + 5, 5, 25);
	expect_pop(r, UINT64_MAX, T0 + 10, 3, 30);
	expect_pop(r, UINT64_MAX, T0 + 15, 1, 35);
	expect_pop(r, UINT64_MAX, T0 + 20, 6, 40);
	expect_pop(r, UINT64_MAX, T0 + 30, 2, 50);
	expect_pop(r, UINT64_MAX, T0 + 40, 5, 60);
	expect_pop(r, UINT64_MAX, T0 + 45, 3, 65);
	expect_pop(r, UINT64_MAX, T0 + 50, 1, 70);
	assert_null(sw_reorder_pop(r, UINT64_MAX));
	sw_reorder_free(r);
	sw_reorder_free(NULL);
}

static void test_reorder_until(void **state)
{
	struct sw_reorder *r = sw_reorder_alloc(8, 64);

	(void)state;
	for (uint64_t t = 50; t >= 10; t -= 10)
		push(r, T0 + t, 0, 8);
	expect_pop(r, T0 + 25, T0 + 10, 0, 8);
	expect_pop(r, T0 + 25, T0 + 20, 0, 8);
	assert_null(sw_reorder_pop(r, T0 + 25));
	assert_null(sw_reorder_pop(r, T0 + 29));
	/* the bound is inclusive */
	expect_pop(r, T0 + 30, T0 + 30, 0, 8);
	/* a late arrival older than what is left comes out first */
	push(r, T0 + 1, 1, 9);
	expect_pop(r, T0 + 35, T0 + 1, 1, 9);
	assert_null(sw_reorder_pop(r, T0 + 35));
	expect_pop(r, UINT64_MAX, T0 + 40, 0, 8);
	expect_pop(r, UINT64_MAX, T0 + 50, 0, 8);
	assert_null(sw_reorder_pop(r, UINT64_MAX));
	sw_reorder_free(r);
}

static void test_reorder_full(void **state)
{
	struct sw_reorder *r = sw_reorder_alloc(4, 64);

	(void)state;
	assert_false(sw_reorder_full(r));
	for (uint64_t i = 0; i < 4; i++) {
		assert_false(sw_reorder_full(r));
		push(r, T0 + 100 - i, 0, 16);
	}
	assert_true(sw_reorder_full(r));
	/* popping one makes room for exactly one */
	expect_pop(r, UINT64_MAX, T0 + 97, 0, 16);
	assert_false(sw_reorder_full(r));
	push(r, T0 + 200, 2, 16);
	assert_true(sw_reorder_full(r));
	/* nothing old enough: still full */
	assert_null(sw_reorder_pop(r, T0 + 50));
	assert_true(sw_reorder_full(r));
	expect_pop(r, UINT64_MAX, T0 + 98, 0, 16);
	expect_pop(r, UINT64_MAX, T0 + 99, 0, 16);
	expect_pop(r, UINT64_MAX, T0 + 100, 0, 16);
	expect_pop(r, UINT64_MAX, T0 + 200, 2, 16);
	assert_null(sw_reorder_pop(r, UINT64_MAX));
	assert_false(sw_reorder_full(r));
	/* all four slots are usable again */
	for (uint64_t i = 0; i < 4; i++)
		push(r, T0 + 300 + i, 3, 4);
	assert_true(sw_reorder_full(r));
	for (uint64_t i = 0; i < 4; i++)
		expect_pop(r, UINT64_MAX, T0 + 300 + i, 3, 4);
	sw_reorder_free(r);
}

static void test_reorder_caplen(void **state)
{
	struct sw_reorder *r = sw_reorder_alloc(2, 60);
	uint8_t buf[200];
	const struct sw_reorder_frame *f;

	(void)state;
	/* longer than max_caplen: kept up to the slot size, never beyond */
	frame_bytes(buf, sizeof(buf), 9);
	sw_reorder_push(r, T0, 1, buf, sizeof(buf), 1500);
	f = sw_reorder_pop(r, UINT64_MAX);
	assert_non_null(f);
	assert_true(f->caplen >= 60 && f->caplen < sizeof(buf));
	assert_int_equal(f->wirelen, 1500);
	assert_memory_equal(f->data, buf, f->caplen);
	/* zero-length frame */
	sw_reorder_push(r, T0 + 1, 1, buf, 0, 0);
	f = sw_reorder_pop(r, UINT64_MAX);
	assert_non_null(f);
	assert_int_equal(f->caplen, 0);
	sw_reorder_free(r);
}

static uint64_t rng_state = 88172645463325252ULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 20);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Random pushes and bounded pops against a sorted reference. */
static void test_reorder_random(void **state)
{
	enum { CAP = 64 };
	struct sw_reorder *r = sw_reorder_alloc(CAP, 32);
	uint64_t ref[CAP];
	size_t n = 0;
	uint64_t clock = T0;

	(void)state;
	for (int op = 0; op < 200000; op++) {
		if (rng() % 2 && !sw_reorder_full(r)) {
			uint64_t ts = clock + rng() % 1000; /* up to 1 ms out of order */

			/* 70 sources: past the 64 lists, the last is shared (and still sorted) */
			push(r, ts, (uint16_t)(ts % 70), (uint32_t)(ts % 32));
			ref[n++] = ts;
			qsort(ref, n, sizeof(ref[0]), u64_cmp);
		} else {
			uint64_t until = clock + rng() % 1000 - 500;
			const struct sw_reorder_frame *f = sw_reorder_pop(r, until);

			if (n && ref[0] <= until) {
				assert_non_null(f);
				assert_int_equal(f->ts_us, ref[0]);
				assert_int_equal(f->caplen, ref[0] % 32);
				assert_int_equal(f->source, ref[0] % 70);
				memmove(ref, ref + 1, (n - 1) * sizeof(ref[0]));
				n--;
			} else {
				assert_null(f);
			}
		}
		assert_int_equal(sw_reorder_full(r), n == CAP);
		assert_int_equal(sw_reorder_empty(r), n == 0);
		clock += rng() % 50;
	}
	sw_reorder_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup_copies),
		cmocka_unit_test(test_dedup_window),
		cmocka_unit_test(test_dedup_out_of_order),
		cmocka_unit_test(test_dedup_ignores_forwarding_changes),
		cmocka_unit_test(test_dedup_distinct_fields),
		cmocka_unit_test(test_dedup_distinct_many),
		cmocka_unit_test(test_reorder_order),
		cmocka_unit_test(test_reorder_until),
		cmocka_unit_test(test_reorder_full),
		cmocka_unit_test(test_reorder_caplen),
		cmocka_unit_test(test_reorder_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
