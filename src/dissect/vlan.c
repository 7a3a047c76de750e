/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IEEE 802.1Q (0x8100) and 802.1ad (0x88a8, and the pre-standard 0x9100)
 * tags. Each tag is 4 bytes: TCI (PCP 3 bits, DEI 1, VID 12) and the next
 * ethertype. Stacks deeper than SW_VLAN_MAX_DEPTH are treated as hostile.
 */
#include "internal.h"

static bool sw_ethertype_is_vlan(uint16_t type)
{
	return type == SW_ETH_VLAN || type == SW_ETH_QINQ || type == SW_ETH_QINQ_OLD;
}

enum sw_result sw_dissect_ethertype(struct sw_dissect_ctx *ctx, struct sw_cur *c,
				    uint16_t type)
{
	int depth = 0;

	while (sw_ethertype_is_vlan(type)) {
		if (++depth > SW_VLAN_MAX_DEPTH)
			return sw_fail(ctx, SW_INVALID, SW_R_VLAN_TOO_DEEP);
		if (!sw_cur_skip(c, 2) || !sw_get_be16(c, &type))
			return sw_fail(ctx, SW_TRUNC, SW_R_VLAN_TRUNCATED);
	}
	switch (type) {
	case SW_ETH_IPV4:
		return sw_dissect_ipv4(ctx, c);
	case SW_ETH_IPV6:
		return sw_dissect_ipv6(ctx, c);
	case SW_ETH_ARP:
		return sw_fail(ctx, SW_UNSUPPORTED, SW_R_ARP);
	default:
		return sw_fail(ctx, SW_UNSUPPORTED, SW_R_NON_IP);
	}
}
