/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A live flow record judged as the ruleset would judge its first packet,
 * and the names sinks export for it (metrics' group pairs, IPFIX's group,
 * rule and verdict elements, the graph's node names).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

enum sw_pol_outcome sw_policy_judge_flow(const struct sw_policy *p, const struct sw_flow_rec *r,
					 uint64_t *src_bits, uint64_t *dst_bits,
					 struct sw_pol_verdict *v)
{
	struct sw_pol_conn c = { .ipproto = r->f.proto, .dport = r->f.resp_port,
				 .icmp_type = r->f.icmp_type };

	sw_policy_membership(p, r->id.wl[0], r->f.init_addr, src_bits);
	sw_policy_membership(p, r->id.wl[1], r->f.resp_addr, dst_bits);
	return sw_policy_outcome(p, src_bits, dst_bits, &c, v);
}

size_t sw_policy_groups_text(const struct sw_policy *p, const uint64_t *bits, char *buf,
			     size_t size)
{
	size_t n = 0, used = 0;

	if (size)
		buf[0] = '\0';
	for (size_t g = 0; bits && g < p->n_groups; g++) {
		size_t len;

		if (!(bits[g / 64] >> (g % 64) & 1))
			continue;
		len = strlen(p->groups[g].name) + (n ? 1 : 0);
		/* a name that does not fit is left out whole: never half a name */
		if (used + len < size) {
			snprintf(buf + used, size - used, "%s%s", n ? "+" : "", p->groups[g].name);
			used += len;
		} else {
			used = size; /* full: the later names are left out too */
		}
		n++;
	}
	return n;
}

const char *sw_policy_verdict_rule(const struct sw_policy *p, enum sw_pol_outcome out,
				   const struct sw_pol_verdict *v)
{
	if (out == SW_POL_OUT_UNMANAGED)
		return NULL;
	switch (v->reason) {
	case SW_POL_BY_RULE: return p->rules[v->rule].name;
	case SW_POL_BY_INTRA: return "intra_group";
	case SW_POL_BY_PLUMBING: return "neighbour_discovery";
	default: return "default";
	}
}
