/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy status: the L2 guard's bridge table (its sets and its rules' counters), when there is one. */
#include <stdio.h>

#include <jansson.h>
#include <segwatch/compile.h>
#include <segwatch/nft_l2.h>
#include <segwatch/text.h>

#include "policy_cmd.h"

void sw_policy_status_l2_json(void *doc)
{
	struct sw_nft_l2_status st;
	struct sw_err err = { 0 };
	json_t *o, *sets, *rules;

	if (sw_nft_l2_read_status(SW_COMPILE_TABLE, &st, &err) != SW_EXIT_OK) {
		json_object_set_new(doc, "l2_guard", json_pack("{s:s}", "error", err.msg));
		return;
	}
	if (!st.present) {
		json_object_set_new(doc, "l2_guard", json_null());
		return;
	}
	sets = json_array();
	rules = json_array();
	for (int s = 0; s < SW_NFT_L2_N_SETS; s++)
		json_array_append_new(sets, json_pack("{s:s, s:I}", "name",
			sw_nft_l2_set_name((enum sw_nft_l2_set)s), "elements",
			(json_int_t)st.elements[s]));
	for (size_t i = 0; i < st.n_rules; i++)
		json_array_append_new(rules, json_pack("{s:s, s:I, s:I}", "comment", st.rules[i].comment,
			"packets", (json_int_t)st.rules[i].packets, "bytes",
			(json_int_t)st.rules[i].bytes));
	o = json_pack("{s:s, s:s, s:o, s:o}", "table", "bridge " SW_COMPILE_TABLE, "chain",
		      SW_NFT_L2_CHAIN, "sets", sets, "rules", rules);
	json_object_set_new(doc, "l2_guard", o);
}

void sw_policy_status_l2_text(void)
{
	struct sw_nft_l2_status st;
	struct sw_err err = { 0 };

	if (sw_nft_l2_read_status(SW_COMPILE_TABLE, &st, &err) != SW_EXIT_OK) {
		printf("\nL2 guard: %s\n", SW_MSG(err.msg));
		return;
	}
	if (!st.present) {
		printf("\nL2 guard: off (no table bridge %s)\n", SW_COMPILE_TABLE);
		return;
	}
	printf("\ntable bridge %s, chain %s (the L2 guard): %zu rules\n\n%12s %14s  %s\n",
	       SW_COMPILE_TABLE, SW_NFT_L2_CHAIN, st.n_rules, "PACKETS", "BYTES", "RULE");
	for (size_t i = 0; i < st.n_rules; i++)
		printf("%12llu %14llu  %s\n", (unsigned long long)st.rules[i].packets,
		       (unsigned long long)st.rules[i].bytes, SW_CELL(st.rules[i].comment));
	printf("\n%-32s %8s\n", "SET", "ELEMENTS");
	for (int s = 0; s < SW_NFT_L2_N_SETS; s++)
		printf("%-32s %8llu\n", sw_nft_l2_set_name((enum sw_nft_l2_set)s),
		       (unsigned long long)st.elements[s]);
}
