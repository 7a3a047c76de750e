/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * payload.c - the rules of a plan as libnftnl prints the expressions it
 * sends to the kernel ("[ payload load 4b @ network header + 12 => reg 1 ]"),
 * for golden files next to the nft script, as nftables' tests/py .payload
 * files do: a change in what is sent shows up in review even when the script
 * reads the same.
 */
#include <stdio.h>
#include <stdlib.h>

#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "internal.h"
#include "l2.h"

#define SW_PAYLOAD_ANON_MAX 64

static int sw_payload_rule(const struct sw_nft_plan *p, size_t c, size_t r, FILE *out,
			   uint32_t *next_id, struct sw_err *err)
{
	struct sw_nft_anon anon[SW_PAYLOAD_ANON_MAX];
	struct nftnl_rule *nr = nftnl_rule_alloc();
	size_t n_anon = 0;
	char buf[8192];
	int ret;

	if (!nr)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, p->table);
	nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, p->chains[c].name);
	ret = sw_nft__rule_build(p, c, r, nr, anon, &n_anon, SW_PAYLOAD_ANON_MAX, next_id, err);
	if (ret == 0) {
		fprintf(out, "# %s\n", p->chains[c].rules[r].comment);
		for (size_t a = 0; a < n_anon; a++) {
			nftnl_set_snprintf(buf, sizeof(buf), anon[a].set, NFTNL_OUTPUT_DEFAULT, 0);
			fprintf(out, "%s\n", buf);
		}
		nftnl_rule_snprintf(buf, sizeof(buf), nr, NFTNL_OUTPUT_DEFAULT, 0);
		fprintf(out, "%s\n\n", buf);
	}
	for (size_t a = 0; a < n_anon; a++)
		nftnl_set_free(anon[a].set);
	nftnl_rule_free(nr);
	return ret;
}

int sw_nft_payload(const struct sw_nft_plan *p, FILE *out, struct sw_err *err)
{
	uint32_t next_id = 1;
	int ret = sw_nft__plan_check(p, err);

	for (size_t c = 0; ret == 0 && c < p->n_chains; c++)
		for (size_t r = 0; ret == 0 && r < p->chains[c].n_rules; r++)
			ret = sw_payload_rule(p, c, r, out, &next_id, err);
	if (ret == 0 && p->l2)
		ret = sw_nft_l2_payload(p->l2, p->table, out, err);
	return ret;
}
