// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Infrastructure traffic: one classifier for every view (docs/flows.md,
 * "Infrastructure traffic"). What counts is what a link needs to work and
 * what no segmentation policy is about: IPv6 neighbour discovery (RFC 4861),
 * multicast listener discovery (RFC 2710, 3810), IGMP, duplicate address
 * detection (RFC 4862: the solicitation comes from ::) and DHCP/DHCPv6
 * address configuration. mDNS and LLMNR are left out on purpose: they are
 * name lookups an application chose to make, and a policy may well care.
 */
#include <string.h>

#include <segwatch/infra.h>
#include <segwatch/workload.h>

static const char *const sw_infra_names[SW_INFRA_MAX] = {
	[SW_INFRA_NONE] = "",
	[SW_INFRA_ND] = "nd",
	[SW_INFRA_MLD] = "mld",
	[SW_INFRA_IGMP] = "igmp",
	[SW_INFRA_DAD] = "dad",
	[SW_INFRA_DHCP] = "dhcp",
	[SW_INFRA_ARP] = "arp",
};

const char *sw_infra_kind_name(enum sw_infra_kind k)
{
	return (unsigned)k < SW_INFRA_MAX ? sw_infra_names[k] : "";
}

static bool sw_infra_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return a && memcmp(a, zero, 16) == 0;
}

/* Both ports in {a, b}: client to server, server to client, or relay to relay. */
static bool sw_infra_port_pair(uint16_t sport, uint16_t dport, uint16_t a, uint16_t b)
{
	return (sport == a || sport == b) && (dport == a || dport == b);
}

enum sw_infra_kind sw_infra_classify(int family, uint8_t proto, const uint8_t *src,
				     uint16_t sport, uint16_t dport, uint8_t icmp_type)
{
	if (family == 4 && proto == 2)
		return SW_INFRA_IGMP;
	if (proto == 17 && family == 4 && sw_infra_port_pair(sport, dport, 67, 68))
		return SW_INFRA_DHCP;
	if (proto == 17 && family == 6 && sw_infra_port_pair(sport, dport, 546, 547))
		return SW_INFRA_DHCP;
	if (family != 6 || proto != 58)
		return SW_INFRA_NONE;
	if (icmp_type == 135 && sw_infra_is_unspecified(src))
		return SW_INFRA_DAD;
	if (icmp_type >= 133 && icmp_type <= 137)
		return SW_INFRA_ND;
	if ((icmp_type >= 130 && icmp_type <= 132) || icmp_type == 143)
		return SW_INFRA_MLD;
	return SW_INFRA_NONE;
}

enum sw_infra_kind sw_flow_infra_kind(const struct sw_flow *f)
{
	return sw_infra_classify(f->family, f->proto, f->init_addr, f->init_port, f->resp_port,
				 f->icmp_type);
}

static uint16_t sw_infra_json_u16(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v >= 0 && v <= 65535 ? (uint16_t)v : 0;
}

enum sw_infra_kind sw_flow_json_infra_kind(json_t *flow)
{
	json_int_t family = json_integer_value(json_object_get(flow, "family"));
	json_int_t proto = json_integer_value(json_object_get(flow, "proto_num"));
	const char *src = json_string_value(json_object_get(flow, "src"));
	uint8_t addr[16];
	bool have_src = src && sw_addr_parse(src, addr);

	if (proto < 0 || proto > 255)
		return SW_INFRA_NONE;
	if (family != 4 && family != 6 && have_src) /* older records: told by the address */
		family = strchr(src, ':') ? 6 : 4;
	return sw_infra_classify((int)family, (uint8_t)proto, have_src ? addr : NULL,
				 sw_infra_json_u16(flow, "sport"), sw_infra_json_u16(flow, "dport"),
				 (uint8_t)sw_infra_json_u16(flow, "icmp_type"));
}
