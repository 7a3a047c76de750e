/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable names of the decoder's reasons: part of the counters interface. */
#include "internal.h"

static const char *const sw_reason_names[SW_R_MAX] = {
	[SW_R_NONE] = "none",
	[SW_R_ARP] = "arp",
	[SW_R_NON_IP] = "non_ip",
	[SW_R_UNSUPPORTED_LINKTYPE] = "unsupported_linktype",
	[SW_R_LINK_TRUNCATED] = "link_truncated",
	[SW_R_VLAN_TRUNCATED] = "vlan_truncated",
	[SW_R_VLAN_TOO_DEEP] = "vlan_too_deep",
	[SW_R_IPV4_TRUNCATED] = "ipv4_truncated",
	[SW_R_IPV4_BAD_VERSION] = "ipv4_bad_version",
	[SW_R_IPV4_BAD_IHL] = "ipv4_bad_ihl",
	[SW_R_IPV4_BAD_TOTAL_LENGTH] = "ipv4_bad_total_length",
	[SW_R_IPV4_BAD_FRAGMENT] = "ipv4_bad_fragment",
	[SW_R_IPV6_TRUNCATED] = "ipv6_truncated",
	[SW_R_IPV6_BAD_VERSION] = "ipv6_bad_version",
	[SW_R_IPV6_BAD_PAYLOAD_LENGTH] = "ipv6_bad_payload_length",
	[SW_R_IPV6_EXT_TRUNCATED] = "ipv6_ext_truncated",
	[SW_R_IPV6_EXT_TOO_MANY] = "ipv6_ext_too_many",
	[SW_R_IPV6_BAD_FRAGMENT] = "ipv6_bad_fragment",
	[SW_R_TCP_TRUNCATED] = "tcp_truncated",
	[SW_R_TCP_BAD_OFFSET] = "tcp_bad_offset",
	[SW_R_UDP_TRUNCATED] = "udp_truncated",
	[SW_R_UDP_BAD_LENGTH] = "udp_bad_length",
	[SW_R_ICMP_TRUNCATED] = "icmp_truncated",
	[SW_R_IP_TRUNCATED_BY_CAPTURE] = "ip_truncated_by_capture",
};

const char *sw_dissect_reason_name(enum sw_reason why)
{
	if ((unsigned)why >= SW_R_MAX || !sw_reason_names[why])
		return "unknown";
	return sw_reason_names[why];
}

bool sw_dissect_reason_is_malformed(enum sw_reason why)
{
	return why >= SW_R_LINK_TRUNCATED && why < SW_R_MAX;
}
