/* SPDX-License-Identifier: GPL-2.0-or-later */
/* l2_render.c - the L2 guard's bridge table as `nft -f` text, from the same elements as the batch. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "l2.h"

/* Set declarations as nft reads them; l2_na's key is the raw NA target (nft 1.0.6 has no field). */
static const char *const sw_l2_set_types[SW_NFT_L2_N_SETS] = {
	"type ifname", "type ifname . ether_addr", "type ifname . ipv4_addr",
	"type ifname . ipv6_addr", "typeof iifname . @th,64,128",
};

static void sw_l2_put_value(FILE *out, enum sw_nft_l2_set s, const uint8_t *v)
{
	char buf[INET6_ADDRSTRLEN];

	switch (s) {
	case SW_NFT_L2_PORTS:
		return;
	case SW_NFT_L2_MAC:
		fprintf(out, " . %02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2], v[3], v[4], v[5]);
		return;
	case SW_NFT_L2_IP4:
	case SW_NFT_L2_IP6:
		inet_ntop(s == SW_NFT_L2_IP4 ? AF_INET : AF_INET6, v, buf, sizeof(buf));
		fprintf(out, " . %s", buf);
		return;
	default:
		fputs(" . 0x", out);
		for (size_t i = 0; i < 16; i++)
			fprintf(out, "%02x", v[i]);
		return;
	}
}

static int sw_l2_put_set(FILE *out, const struct sw_nft_l2 *l2, enum sw_nft_l2_set s)
{
	struct sw_nft_l2_key *k;
	size_t n;

	if (sw_nft__l2_keys(l2, s, &k, &n) < 0)
		return -1;
	fprintf(out, "\tset %s {\n\t\t%s\n", sw_nft_l2_set_name(s), sw_l2_set_types[s]);
	if (n) {
		fputs("\t\telements = { ", out);
		for (size_t i = 0; i < n; i++) {
			/* names were checked: no quote, backslash, space or control character */
			fprintf(out, "%s\"%.16s\"", i ? ",\n\t\t\t     " : "", (const char *)k[i].b);
			sw_l2_put_value(out, s, k[i].b + SW_NFT_L2_IFNAMSIZ);
		}
		fputs(" }\n", out);
	}
	fputs("\t}\n\n", out);
	free(k);
	return 0;
}

int sw_nft_l2_render(const struct sw_nft_l2 *l2, const char *table, FILE *out)
{
	fprintf(out, "\n# the L2 guard: container ports send only from their own MACs and addresses\n");
	fprintf(out, "table bridge %s {\n}\ndelete table bridge %s\n\n", table, table);
	fprintf(out, "table bridge %s {\n", table);
	for (int s = 0; s < SW_NFT_L2_N_SETS; s++)
		if (sw_l2_put_set(out, l2, (enum sw_nft_l2_set)s) < 0)
			return SW_EXIT_RUNTIME;
	fprintf(out, "\tchain %s {\n\t\ttype filter hook prerouting priority %d; policy accept;\n",
		SW_NFT_L2_CHAIN, SW_NFT_L2_PRIORITY);
	for (size_t r = 0; r < SW_NFT_L2_N_RULES; r++) {
		int forged = sw_nft__l2_rule_forged(r);

		fprintf(out, "\t\t%s ", sw_nft__l2_rule_match(r));
		if (forged >= 0)
			fprintf(out, "counter log prefix \"%s%s%s\" group %d %s ", SW_NFT_L2_PREFIX,
				sw_nft_l2_forged_name((enum sw_nft_l2_forged)forged),
				l2->monitor ? " monitor" : "", l2->log_group,
				l2->monitor ? "accept" : "drop");
		else
			fputs("accept ", out);
		fprintf(out, "comment \"%s\"\n", sw_nft__l2_rule_comment(r));
	}
	fputs("\t}\n}\n", out);
	return ferror(out) ? SW_EXIT_RUNTIME : SW_EXIT_OK;
}
