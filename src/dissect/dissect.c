/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry point of the decoder: pick the link-layer dissector for a pcap link
 * type from an explicit table (no constructor registration, see STYLE.md).
 */
#include "internal.h"

struct sw_link_ops {
	int dlt;
	enum sw_result (*dissect)(struct sw_dissect_ctx *ctx, struct sw_cur *c);
};

static const struct sw_link_ops sw_link_table[] = {
	{ SW_DLT_EN10MB, sw_dissect_eth },
	{ SW_DLT_LINUX_SLL, sw_dissect_sll },
	{ SW_DLT_LINUX_SLL2, sw_dissect_sll2 },
	{ SW_DLT_RAW, sw_dissect_raw },
	{ SW_DLT_RAW_LINUX, sw_dissect_raw },
	{ SW_DLT_IPV4, sw_dissect_raw },
	{ SW_DLT_IPV6, sw_dissect_raw },
};

static const struct sw_link_ops *sw_link_lookup(int dlt)
{
	for (size_t i = 0; i < sizeof(sw_link_table) / sizeof(sw_link_table[0]); i++)
		if (sw_link_table[i].dlt == dlt)
			return &sw_link_table[i];
	return NULL;
}

bool sw_dissect_dlt_ok(int dlt)
{
	return sw_link_lookup(dlt) != NULL;
}

enum sw_result sw_dissect_packet(int dlt, const uint8_t *data, uint32_t caplen,
				 uint32_t wirelen, struct sw_pkt *pkt, enum sw_reason *why)
{
	const struct sw_link_ops *ops = sw_link_lookup(dlt);
	struct sw_dissect_ctx ctx = {
		.pkt = pkt,
		.why = SW_R_NONE,
		.snap_cut = caplen < wirelen,
		.uncaptured = caplen < wirelen ? wirelen - caplen : 0,
	};
	struct sw_cur c = { data, data + caplen };
	enum sw_result r;

	memset(pkt, 0, sizeof(*pkt));
	if (!ops) {
		*why = SW_R_UNSUPPORTED_LINKTYPE;
		return SW_UNSUPPORTED;
	}
	r = ops->dissect(&ctx, &c);
	*why = r == SW_OK ? SW_R_NONE : ctx.why;
	return r;
}
