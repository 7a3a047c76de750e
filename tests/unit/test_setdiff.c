/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enforce: the element changes between two compilations of one policy (what --watch sends). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforce/internal.h"

static struct sw_nft_prefix pfx(uint8_t last, uint8_t plen)
{
	struct sw_nft_prefix p = { .plen = plen };

	p.addr[10] = p.addr[11] = 0xff;
	p.addr[12] = 10;
	p.addr[15] = last;
	return p;
}

static void set_fill(struct sw_nft_set *s, const char *name, struct sw_nft_prefix *e, size_t n)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->name, name);
	s->family = 4;
	s->elems = e;
	s->n_elems = n;
}

static void test_diff(void **state)
{
	/* sorted, as the compiler leaves them */
	struct sw_nft_prefix old_a[] = { pfx(1, 128), pfx(2, 128), pfx(3, 128) };
	struct sw_nft_prefix new_a[] = { pfx(2, 128), pfx(3, 128), pfx(4, 128), pfx(5, 128) };
	struct sw_nft_prefix same[] = { pfx(9, 120) };
	struct sw_nft_set olds[2], news[2];
	struct sw_nft_plan old_plan = { .sets = olds, .n_sets = 2 };
	struct sw_nft_plan new_plan = { .sets = news, .n_sets = 2 };
	struct sw_nft_set_change *ch = NULL;
	size_t n, added, removed;
	struct sw_err err = { 0 };

	(void)state;
	set_fill(&olds[0], "g0_web_v4", old_a, 3);
	set_fill(&news[0], "g0_web_v4", new_a, 4);
	set_fill(&olds[1], "managed_v4", same, 1);
	set_fill(&news[1], "managed_v4", same, 1);
	assert_int_equal(sw_enforce_plan_diff(&old_plan, &new_plan, &ch, &n, &added, &removed, &err),
			 SW_EXIT_OK);
	assert_int_equal(n, 1);		/* the unchanged set sends nothing */
	assert_string_equal(ch[0].set->name, "g0_web_v4");
	assert_int_equal(ch[0].n_add, 2);
	assert_int_equal(ch[0].n_del, 1);
	assert_int_equal(added, 2);
	assert_int_equal(removed, 1);
	assert_memory_equal(&ch[0].del[0], &old_a[0], sizeof(old_a[0]));
	assert_memory_equal(&ch[0].add[0], &new_a[2], sizeof(new_a[2]));
	assert_memory_equal(&ch[0].add[1], &new_a[3], sizeof(new_a[3]));
	free(ch);
}

static void test_diff_prefix_length(void **state)
{
	/* the same address with another prefix length is another element */
	struct sw_nft_prefix a[] = { pfx(0, 120) }, b[] = { pfx(0, 128) };
	struct sw_nft_set olds[1], news[1];
	struct sw_nft_plan old_plan = { .sets = olds, .n_sets = 1 };
	struct sw_nft_plan new_plan = { .sets = news, .n_sets = 1 };
	struct sw_nft_set_change *ch = NULL;
	size_t n, added, removed;
	struct sw_err err = { 0 };

	(void)state;
	set_fill(&olds[0], "s", a, 1);
	set_fill(&news[0], "s", b, 1);
	assert_int_equal(sw_enforce_plan_diff(&old_plan, &new_plan, &ch, &n, &added, &removed, &err),
			 SW_EXIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(added, 1);
	assert_int_equal(removed, 1);
	free(ch);
	/* emptied and filled */
	set_fill(&news[0], "s", NULL, 0);
	assert_int_equal(sw_enforce_plan_diff(&old_plan, &new_plan, &ch, &n, &added, &removed, &err),
			 SW_EXIT_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(added, 0);
	free(ch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_prefix_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
