/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alert engine's keyed pools (src/alert/lru.c): keys found by their
 * bytes whether they fit the node's inline copy or not (long keys that share
 * their first bytes, keys of every length around the inline size, byte keys
 * with NULs), the least recently used slot reused first, and the tables'
 * hash spreading keys that differ in one byte over the low bits the
 * buckets use (addresses of one /16, ports of one peer).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alert/internal.h"

/* Keys of every length around the inline copy, all sharing their first bytes. */
static void test_keys_around_inline_size(void **state)
{
	uint8_t keys[SW_LRU_KEY_INLINE * 3][SW_LRU_KEY_INLINE * 3];
	uint32_t idx[SW_LRU_KEY_INLINE * 3];
	struct sw_lru lru;
	bool evicted;

	(void)state;
	assert_true(sw_lru_init(&lru, 256));
	for (size_t len = 1; len < SW_LRU_KEY_INLINE * 3; len++) {
		memset(keys[len], 0xab, len);
		keys[len][len - 1] = (uint8_t)len; /* the last byte tells them apart too */
		idx[len] = sw_lru_insert_bytes(&lru, keys[len], len, &evicted);
		assert_false(evicted);
	}
	for (size_t len = 1; len < SW_LRU_KEY_INLINE * 3; len++) {
		uint8_t other[SW_LRU_KEY_INLINE * 3];

		assert_int_equal(sw_lru_find_bytes(&lru, keys[len], len), idx[len]);
		/* the same bytes but the last: past the inline copy for long keys */
		memcpy(other, keys[len], len);
		other[len - 1] ^= 0x40;
		assert_int_equal(sw_lru_find_bytes(&lru, other, len), SW_LRU_NIL);
		/* the key's prefix is another key (or none) */
		if (len > 1)
			assert_int_not_equal(sw_lru_find_bytes(&lru, keys[len], len - 1), idx[len]);
	}
	sw_lru_clear(&lru);
}

/* A source key is bytes: NULs inside do not end it. */
static void test_byte_keys_with_nuls(void **state)
{
	const uint8_t a[17] = { 4, [12] = 10, [13] = 0, [14] = 0, [15] = 1 };
	uint8_t b[17];
	struct sw_lru lru;
	uint32_t ia, ib;
	bool evicted;

	(void)state;
	memcpy(b, a, sizeof(b));
	b[16] = 7;
	assert_true(sw_lru_init(&lru, 8));
	ia = sw_lru_insert_bytes(&lru, a, sizeof(a), &evicted);
	ib = sw_lru_insert_bytes(&lru, b, sizeof(b), &evicted);
	assert_int_not_equal(ia, ib);
	assert_int_equal(sw_lru_find_bytes(&lru, a, sizeof(a)), ia);
	assert_int_equal(sw_lru_find_bytes(&lru, b, sizeof(b)), ib);
	assert_memory_equal(lru.slots[ib].key, b, sizeof(b));
	sw_lru_clear(&lru);
}

/* Full: the slot reused is the least recently found or inserted one. */
static void test_least_recent_reused(void **state)
{
	struct sw_lru lru;
	char key[48];
	bool evicted;

	(void)state;
	assert_true(sw_lru_init(&lru, 4));
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "a-key-long-enough-to-pass-inline-%d", i);
		sw_lru_insert(&lru, key, &evicted);
		assert_false(evicted);
	}
	assert_int_not_equal(sw_lru_find(&lru, "a-key-long-enough-to-pass-inline-0"), SW_LRU_NIL);
	sw_lru_insert(&lru, "short", &evicted);
	assert_true(evicted);
	/* 1 was the oldest untouched: gone; 0 was found since: kept */
	assert_int_equal(sw_lru_find(&lru, "a-key-long-enough-to-pass-inline-1"), SW_LRU_NIL);
	assert_int_not_equal(sw_lru_find(&lru, "a-key-long-enough-to-pass-inline-0"), SW_LRU_NIL);
	assert_int_not_equal(sw_lru_find(&lru, "short"), SW_LRU_NIL);
	assert_string_equal(lru.slots[sw_lru_find(&lru, "short")].key, "short");
	sw_lru_clear(&lru);
}

/* The fullest of 4096 buckets (the low 12 bits) after @n hashes from @hash_of. */
static unsigned fullest_bucket(unsigned n, uint64_t (*hash_of)(unsigned i))
{
	static unsigned count[4096];
	unsigned most = 0;

	memset(count, 0, sizeof(count));
	for (unsigned i = 0; i < n; i++) {
		unsigned b = (unsigned)(hash_of(i) & 4095);

		if (++count[b] > most)
			most = count[b];
	}
	return most;
}

/* A source key as the engine makes it: 'a' and the IPv4-mapped address 10.42.i/256.i%256. */
static uint64_t source_key_hash(unsigned i)
{
	uint8_t k[17] = { 'a', [11] = 0xff, [12] = 0xff, [13] = 10, [14] = 42 };

	k[15] = (uint8_t)(i >> 8);
	k[16] = (uint8_t)i;
	return sw_alert_hash(k, sizeof(k));
}

static uint64_t port_target_hash(unsigned i)
{
	const uint8_t peer[16] = { [10] = 0xff, [11] = 0xff, 10, 42, 0, 7 };

	return sw_alert_target_hash(peer, 6, (uint16_t)(i + 1));
}

static uint64_t name_key_hash(unsigned i)
{
	char k[40];
	int n = snprintf(k, sizeof(k), "nweb-%u", i);

	return sw_alert_hash(k, (size_t)n);
}

/* 1,000 keys in 4,096 buckets: a fair hash puts at most a handful in one. */
static void test_hash_spreads_low_bits(void **state)
{
	(void)state;
	assert_true(fullest_bucket(1000, source_key_hash) <= 6);
	assert_true(fullest_bucket(1000, port_target_hash) <= 6);
	assert_true(fullest_bucket(1000, name_key_hash) <= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_around_inline_size),
		cmocka_unit_test(test_byte_keys_with_nuls),
		cmocka_unit_test(test_least_recent_reused),
		cmocka_unit_test(test_hash_spreads_low_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
