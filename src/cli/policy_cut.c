/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy apply --cut: end the open connections the policy denies (src/enforce/cut.c). */
#include <stdio.h>

#include <segwatch/conntrack.h>
#include <segwatch/enforce.h>
#include <segwatch/text.h>

#include "policy_cmd.h"

int sw_policy_cut(const struct sw_policy *p, const struct sw_registry *reg)
{
	struct sw_ct_sweep_stats st;
	struct sw_err err = { 0 };
	int rc = sw_enforce_cut(p, reg, &st, &err);

	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: the policy is applied, but open connections it denies "
				"were not ended: %s\n", SW_MSG(err.msg));
		return rc;
	}
	printf("cut %llu open connections the policy denies (%llu tracked, %llu ended on their own)\n",
	       (unsigned long long)st.deleted, (unsigned long long)st.seen,
	       (unsigned long long)(st.judged_out - st.deleted));
	return SW_EXIT_OK;
}
