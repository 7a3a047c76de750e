/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy apply's report: the "applied" lines or, with --json, one document
 * (docs/policy.md); and the warnings about ports the L2 guard leaves
 * unguarded, which compile and apply both print.
 */
#include <stdio.h>

#include <jansson.h>
#include <segwatch/enforce.h>
#include <segwatch/nft.h>
#include <segwatch/nft_l2.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "policy_cmd.h"

size_t sw_policy_warn_unguarded(const struct sw_nft_plan *plan)
{
	const struct sw_nft_l2 *l2 = plan ? plan->l2 : NULL;

	for (size_t i = 0; l2 && i < l2->n_unguarded; i++) {
		const struct sw_nft_l2_unguarded *u = &l2->unguarded[i];

		fprintf(stderr, "segwatch: warning: L2 guard: port %s of workload %s is not guarded: "
			"a name nft cannot take (1-15 bytes of printable ASCII, no quote, backslash, "
			"'/' or ':')\n", SW_QUOTE(u->ifname), SW_QUOTE(u->workload ? u->workload : "?"));
	}
	return l2 ? l2->n_unguarded : 0;
}

/* A name as JSON: as it is, or escaped as on a terminal when it is not UTF-8 (kernel names may not be). */
static json_t *sw_apply_json_name(const char *s)
{
	json_t *v;

	if (!s)
		return json_null();
	v = json_string(s);
	return v ? v : json_string(SW_CELL(s));
}

int sw_policy_apply_report(const struct sw_policy_apply_info *in, bool as_json)
{
	const struct sw_nft_l2 *l2 = in->plan->l2;
	json_t *doc, *guard = json_null();
	int rc;

	if (!as_json) {
		printf("applied %s (policy \"%s\", mode %s): table inet %s, %zu sets (%zu elements), "
		       "%zu rules, in %.1f ms\n%s\n", SW_CELL(in->file), SW_CELL(in->p->name),
		       sw_pol_mode_name(in->p->mode), in->plan->table, in->rep->sets,
		       in->rep->elements, in->rep->rules, in->rep->ms, in->bridge_nf);
		if (l2)
			printf("L2 guard (%s): table bridge %s, %zu port%s guarded, %zu unguarded "
			       "(names nft cannot take)\n", l2->monitor ? "monitor" : "enforce",
			       in->plan->table, l2->n_ports, l2->n_ports == 1 ? "" : "s",
			       l2->n_unguarded);
		return SW_EXIT_OK;
	}
	if (l2) {
		json_t *list = json_array();

		for (size_t i = 0; list && i < l2->n_unguarded; i++)
			json_array_append_new(list, json_pack("{s:o, s:o}", "port",
							      sw_apply_json_name(l2->unguarded[i].ifname),
							      "workload",
							      sw_apply_json_name(l2->unguarded[i].workload)));
		guard = json_pack("{s:s, s:s+, s:I, s:I, s:o?}", "mode",
				  l2->monitor ? "monitor" : "enforce", "table", "bridge ",
				  in->plan->table, "ports", (json_int_t)l2->n_ports, "unguarded_ports",
				  (json_int_t)l2->n_unguarded, "unguarded", list);
	}
	doc = json_pack("{s:s, s:i, s:o, s:{s:s?, s:s}, s:s+, s:I, s:I, s:I, s:f, s:s, s:o}",
			"type", "policy_apply", "version", 1, "file", sw_apply_json_name(in->file),
			"policy", "name", in->p->name, "mode", sw_pol_mode_name(in->p->mode),
			"table", "inet ", in->plan->table, "sets", (json_int_t)in->rep->sets,
			"elements", (json_int_t)in->rep->elements, "rules", (json_int_t)in->rep->rules,
			"ms", in->rep->ms, "bridged_traffic", in->bridge_nf, "l2_guard", guard);
	if (!doc)
		return SW_EXIT_RUNTIME;
	rc = json_dumpf(doc, stdout, JSON_COMPACT) == 0 && putchar('\n') != EOF ? SW_EXIT_OK
										: SW_EXIT_RUNTIME;
	json_decref(doc);
	return rc;
}
