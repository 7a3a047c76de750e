/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_nflog - libFuzzer target for src/nflog: sw_nflog_parse_msg() on a
 * raw netlink buffer as recv() hands it over (several messages may be
 * batched), each record counted in a small aggregation table as
 * `capture --nflog` does, and sw_nflog_prefix_parse() on the input as a
 * string. The kernel writes these buffers, but the packets and prefixes in
 * them come from the traffic and from whoever loaded the ruleset.
 *
 * Besides "no crash, no leak, no sanitizer report", the contract of
 * include/segwatch/nflog.h is checked, trapping when broken:
 *   - the return value is -1 or the number of records delivered;
 *   - a record's prefix is NUL-terminated, its action and rule agree with
 *     sw_nflog_prefix_parse(), a decoded one has family 4 or 6;
 *   - a prefix that parses formats back to itself (trailing blanks aside).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/nflog.h>

#include "fuzz_check.h"

struct sw_fuzz_ctx {
	struct sw_nflog_agg *agg;
	int records;
};

static void sw_fuzz_rec(const struct sw_nflog_rec *r, void *arg)
{
	struct sw_fuzz_ctx *c = arg;
	enum sw_nflog_action action;
	int rule;

	c->records++;
	SW_FUZZ_CHECK(memchr(r->prefix, '\0', sizeof(r->prefix)));
	sw_nflog_prefix_parse(r->prefix, &action, &rule);
	SW_FUZZ_CHECK(action == r->action && rule == r->rule);
	SW_FUZZ_CHECK(!r->decoded || r->family == 4 || r->family == 6);
	sw_nflog_agg_add(c->agg, r);
}

static void sw_fuzz_msg(const uint8_t *data, size_t size)
{
	struct sw_fuzz_ctx c = { .agg = sw_nflog_agg_alloc(4) };
	struct sw_nflog_stats st = { 0 };
	const struct sw_nflog_agg_entry *e;
	size_t n;
	int rc;

	SW_FUZZ_CHECK(c.agg);
	rc = sw_nflog_parse_msg(data, size, sw_fuzz_rec, &c, &st);
	SW_FUZZ_CHECK(rc == -1 || rc == c.records);
	SW_FUZZ_CHECK(rc <= 0 || st.messages >= (uint64_t)rc);
	sw_nflog_agg_sort(c.agg);
	e = sw_nflog_agg_entries(c.agg, &n);
	SW_FUZZ_CHECK(n <= 4 && sw_nflog_agg_stats(c.agg)->keys == n);
	for (size_t i = 0; i < n; i++)
		SW_FUZZ_CHECK(e[i].packets > 0 && e[i].first_us <= e[i].last_us);
	sw_nflog_agg_free(c.agg);
}

static void sw_fuzz_prefix(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), back[SW_NFLOG_PREFIX_MAX];
	enum sw_nflog_action action;
	size_t n;
	int rule;

	SW_FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	if (sw_nflog_prefix_parse(s, &action, &rule)) {
		SW_FUZZ_CHECK(action != SW_NFLOG_UNKNOWN);
		SW_FUZZ_CHECK(rule >= 0 || rule == SW_NFLOG_RULE_DEFAULT ||
			      rule == SW_NFLOG_RULE_UNCLASSIFIED);
		sw_nflog_prefix_format(back, sizeof(back), action, rule);
		n = strlen(back);
		/* leading zeros ("rules/007") are accepted but not written */
		SW_FUZZ_CHECK((strncmp(s, back, n) == 0 && strspn(s + n, " \t") == strlen(s + n)) ||
			      strstr(s, "rules/0"));
	} else {
		SW_FUZZ_CHECK(action == SW_NFLOG_UNKNOWN && rule == SW_NFLOG_RULE_NONE);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sw_fuzz_msg(data, size);
	sw_fuzz_prefix(data, size);
	return 0;
}
