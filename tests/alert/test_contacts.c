/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A source's contacted set (src/alert/contacts.c) against a plain FIFO list:
 * random hashes from a small domain (so hashes repeat and get forgotten),
 * the same answer ("seen before?", "was the oldest forgotten?") at every
 * step, and the set holding exactly the reference's hashes afterwards, for
 * several capacities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alert/internal.h"

/* The reference: the last @cap distinct hashes, oldest first. */
struct fifo {
	uint32_t h[512];
	uint32_t n, cap;
};

static bool fifo_seen(struct fifo *f, uint32_t h, bool *evicted)
{
	*evicted = false;
	for (uint32_t i = 0; i < f->n; i++)
		if (f->h[i] == h)
			return true;
	if (f->n == f->cap) {
		memmove(f->h, f->h + 1, (f->n - 1) * sizeof(f->h[0]));
		f->n--;
		*evicted = true;
	}
	f->h[f->n++] = h;
	return false;
}

static uint32_t rng_next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static void check_capacity(uint32_t cap, uint32_t domain, uint32_t steps)
{
	uint32_t *set = calloc(cap, sizeof(uint32_t));
	struct sw_scan_source src = { 0 };
	struct fifo ref = { .cap = cap };
	uint64_t seed = cap * 7919u + domain;

	assert_true(cap <= 512);
	assert_non_null(set);
	for (uint32_t step = 0; step < steps; step++) {
		uint32_t h = rng_next(&seed) % domain;
		bool ev, ref_ev, seen = sw_scan_contact_seen(set, cap, &src, h, &ev);

		assert_int_equal(seen, fifo_seen(&ref, h, &ref_ev));
		assert_int_equal(ev, ref_ev);
		assert_int_equal(src.n_contacts, ref.n);
	}
	/* the set holds the reference's hashes, each once */
	for (uint32_t k = 0; k < ref.n; k++) {
		uint32_t found = 0;

		for (uint32_t i = 0; i < src.n_contacts; i++)
			found += set[i] == ref.h[k];
		assert_int_equal(found, 1);
	}
	free(set);
}

static void test_against_fifo(void **state)
{
	(void)state;
	check_capacity(1, 3, 200);
	check_capacity(4, 9, 2000);
	check_capacity(16, 40, 20000);
	check_capacity(16, 17, 20000);	/* nearly every hash known */
	check_capacity(256, 700, 100000);
	check_capacity(500, 520, 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
