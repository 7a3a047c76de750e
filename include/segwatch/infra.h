/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_INFRA_H
#define SEGWATCH_INFRA_H

/*
 * infra - is a flow infrastructure traffic (docs/flows.md, "Infrastructure
 * traffic")? The link's own plumbing: neighbour discovery, MLD, IGMP,
 * duplicate address detection, DHCP. Views count such flows instead of
 * drawing them (nodes, edges, learned rules, alerts) unless asked (--all).
 *
 * One pure classifier with two entry points: a flow from the table and a
 * flow record read back from JSON. Neither allocates nor looks at anything
 * but the flow's protocol, ports, ICMP type and source address.
 */

#include <stdint.h>

#include <jansson.h>
#include <segwatch/flow.h>

enum sw_infra_kind {
	SW_INFRA_NONE = 0,
	SW_INFRA_ND,	/* ICMPv6 133-137: RS, RA, NS, NA, redirect */
	SW_INFRA_MLD,	/* ICMPv6 130-132, 143: multicast listener query/report/done */
	SW_INFRA_IGMP,	/* IPv4 protocol 2 */
	SW_INFRA_DAD,	/* a neighbour solicitation from :: (duplicate address detection) */
	SW_INFRA_DHCP,	/* UDP 67<->68 (DHCP), 546<->547 (DHCPv6) */
	SW_INFRA_ARP,	/* never a flow: ARP frames are counted in not_tracked.arp */
	SW_INFRA_MAX
};

/*
 * sw_infra_classify - the core: @family 4 or 6, @proto the IP protocol,
 * @src the initiator's 16-byte address (IPv4 as sw_addr_parse stores it; may
 * be NULL: no DAD then), the ports, and the ICMP type of the first packet
 * (ignored for other protocols).
 */
enum sw_infra_kind sw_infra_classify(int family, uint8_t proto, const uint8_t *src,
				     uint16_t sport, uint16_t dport, uint8_t icmp_type);
/* sw_flow_infra_kind - of a flow from the flow table. */
enum sw_infra_kind sw_flow_infra_kind(const struct sw_flow *f);
/* sw_flow_json_infra_kind - of a "type":"flow" record (docs/flows.md; borrowed). */
enum sw_infra_kind sw_flow_json_infra_kind(json_t *flow);
/* sw_infra_kind_name - "nd", "mld", "igmp", "dad", "dhcp", "arp"; "" for none. */
const char *sw_infra_kind_name(enum sw_infra_kind k);

#endif
