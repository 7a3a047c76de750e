/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names of the policy's enumerations and of ICMP/ICMPv6 types. The type
 * names are those nft(8) accepts (RFC 792 and RFC 4443 numbers), so a
 * policy reads like the ruleset it compiles to.
 */
#include <string.h>

#include "internal.h"

const char *sw_pol_action_name(enum sw_pol_action a)
{
	return a == SW_POL_ALLOW ? "allow" : "deny";
}

const char *sw_pol_mode_name(enum sw_pol_mode m)
{
	return m == SW_POL_MONITOR ? "monitor" : "enforce";
}

static const struct {
	const char *name;
	uint8_t number;
} sw_pol_protos[SW_POL_PROTO_MAX] = {
	[SW_POL_PROTO_ANY] = { "any", 0 },
	[SW_POL_PROTO_TCP] = { "tcp", 6 },
	[SW_POL_PROTO_UDP] = { "udp", 17 },
	[SW_POL_PROTO_SCTP] = { "sctp", 132 },
	[SW_POL_PROTO_ICMP] = { "icmp", 1 },
	[SW_POL_PROTO_ICMPV6] = { "icmpv6", 58 },
};

const char *sw_pol_proto_name(enum sw_pol_proto p)
{
	return (unsigned)p < SW_POL_PROTO_MAX ? sw_pol_protos[p].name : "?";
}

uint8_t sw_pol_proto_number(enum sw_pol_proto p)
{
	return (unsigned)p < SW_POL_PROTO_MAX ? sw_pol_protos[p].number : 0;
}

struct sw_pol_icmp_name {
	const char *name;
	uint8_t type;
};

static const struct sw_pol_icmp_name sw_pol_icmp4[] = {
	{ "echo-reply", 0 },		  { "destination-unreachable", 3 },
	{ "source-quench", 4 },		  { "redirect", 5 },
	{ "echo-request", 8 },		  { "router-advertisement", 9 },
	{ "router-solicitation", 10 },	  { "time-exceeded", 11 },
	{ "parameter-problem", 12 },	  { "timestamp-request", 13 },
	{ "timestamp-reply", 14 },	  { "info-request", 15 },
	{ "info-reply", 16 },		  { "address-mask-request", 17 },
	{ "address-mask-reply", 18 },
};

static const struct sw_pol_icmp_name sw_pol_icmp6[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 },		  { "parameter-problem", 4 },
	{ "echo-request", 128 },	  { "echo-reply", 129 },
	{ "mld-listener-query", 130 },	  { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },	  { "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 },	  { "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 },	  { "nd-neighbor-advert", 136 },
	{ "nd-redirect", 137 },		  { "router-renumbering", 138 },
	{ "ind-neighbor-solicit", 141 },  { "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 },
};

static const struct sw_pol_icmp_name *sw_pol_icmp_table(enum sw_pol_proto proto, size_t *n)
{
	if (proto == SW_POL_PROTO_ICMPV6) {
		*n = sizeof(sw_pol_icmp6) / sizeof(sw_pol_icmp6[0]);
		return sw_pol_icmp6;
	}
	*n = sizeof(sw_pol_icmp4) / sizeof(sw_pol_icmp4[0]);
	return sw_pol_icmp4;
}

bool sw_pol_icmp_type_lookup(enum sw_pol_proto proto, const char *name, uint8_t *type)
{
	size_t n;
	const struct sw_pol_icmp_name *t = sw_pol_icmp_table(proto, &n);

	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) == 0) {
			*type = t[i].type;
			return true;
		}
	}
	return false;
}

const char *sw_pol_icmp_type_suggest(enum sw_pol_proto proto, const char *name)
{
	const char *names[32];
	size_t n;
	const struct sw_pol_icmp_name *t = sw_pol_icmp_table(proto, &n);

	for (size_t i = 0; i < n; i++)
		names[i] = t[i].name;
	return sw_text_suggest(name, names, n);
}
