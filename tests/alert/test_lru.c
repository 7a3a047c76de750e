/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alert engine's keyed pools (src/alert/lru.c): keys found by their
 * bytes whether they fit the node's inline copy or not (long keys that share
 * their first bytes, keys of every length around the inline size, byte keys
 * with NULs), and the least recently used slot reused first.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_around_inline_size),
		cmocka_unit_test(test_byte_keys_with_nuls),
		cmocka_unit_test(test_least_recent_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
