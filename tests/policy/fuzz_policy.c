/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_policy - libFuzzer target for src/policy.
 *
 * The input is a policy file as a user would write it. It is loaded (parse,
 * check), every diagnostic is formatted, and a loaded policy is evaluated
 * for a few connections. Besides "no crash, no leak, no sanitizer report",
 * the contract of include/segwatch/policy.h is checked, trapping when broken:
 *   - SW_EXIT_OK returns a policy and no error; SW_EXIT_USAGE returns NULL
 *     and at least one error; SW_EXIT_RUNTIME only with out of memory;
 *   - a formatted diagnostic has no control characters (input is quoted);
 *   - rules refer to existing groups; port ranges are 1 <= lo <= hi;
 *   - a verdict's rule index is within the rules.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/policy.h>

#include "fuzz_check.h"

static void sw_fuzz_check_ir(const struct sw_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct sw_pol_rule *r = &p->rules[i];

		SW_FUZZ_CHECK(r->name && r->where);
		for (size_t k = 0; k < r->n_from; k++)
			SW_FUZZ_CHECK(r->from[k] < p->n_groups);
		for (size_t k = 0; k < r->n_to; k++)
			SW_FUZZ_CHECK(r->to[k] < p->n_groups);
		for (size_t k = 0; k < r->n_ports; k++)
			SW_FUZZ_CHECK(r->ports[k].lo >= 1 && r->ports[k].lo <= r->ports[k].hi);
	}
}

static void sw_fuzz_evaluate(const struct sw_policy *p, const uint8_t *data, size_t size)
{
	static const uint8_t protos[] = { 6, 17, 132, 1, 58, 47 };
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	struct sw_workload w = { 0 };
	struct sw_pol_verdict v;

	memcpy(src, data, size < 16 ? size : 16);
	src[10] = src[11] = 0xff;
	memset(src, 0, 10);
	memcpy(dst, data + size / 2, size - size / 2 < 16 ? size - size / 2 : 16);
	w.name = "shop/web-1";
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct sw_pol_conn c = { .ipproto = protos[i], .dport = (uint16_t)(size * 31),
					 .icmp_type = (uint8_t)size };

		SW_FUZZ_CHECK(sw_policy_evaluate(p, &w, src, NULL, dst, &c, &v));
		SW_FUZZ_CHECK(v.reason != SW_POL_BY_RULE || v.rule < p->n_rules);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_pol_diags d;
	struct sw_policy *p;
	char buf[700];
	int rc;

	sw_pol_diags_init(&d);
	rc = sw_policy_load_buffer((const char *)data, size, "fuzz.json", &p, &d);
	if (rc == SW_EXIT_OK)
		SW_FUZZ_CHECK(p && d.n_errors == 0);
	else if (rc == SW_EXIT_USAGE)
		SW_FUZZ_CHECK(!p && d.n_errors > 0);
	else
		SW_FUZZ_CHECK(rc == SW_EXIT_RUNTIME && !p && d.nomem);
	for (size_t i = 0; i < d.n; i++) {
		sw_pol_diag_format("fuzz.json", &d.v[i], buf, sizeof(buf));
		for (const unsigned char *s = (const unsigned char *)buf; *s; s++)
			SW_FUZZ_CHECK(*s >= 0x20 && *s != 0x7f);
	}
	if (p) {
		sw_fuzz_check_ir(p);
		sw_fuzz_evaluate(p, data, size);
	}
	sw_policy_free(p);
	sw_pol_diags_clear(&d);
	return 0;
}
