/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IP protocol names and numbers (IANA "Assigned Internet Protocol Numbers"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/proto.h>

static const struct {
	const char *name;
	uint8_t num;
	int family;	/* 0: either */
} sw_protos[] = {
	{ "tcp", 6, 0 },
	{ "udp", 17, 0 },
	{ "sctp", 132, 0 },
	{ "udplite", 136, 0 },
	{ "icmp", 1, 4 },
	{ "icmpv6", 58, 6 },
};

const char *sw_proto_name(uint8_t proto, int family)
{
	for (size_t i = 0; i < sizeof(sw_protos) / sizeof(sw_protos[0]); i++)
		if (sw_protos[i].num == proto &&
		    (!sw_protos[i].family || !family || sw_protos[i].family == family))
			return sw_protos[i].name;
	return NULL;
}

const char *sw_proto_name_or_num(uint8_t proto, int family, char *buf, size_t len)
{
	const char *name = sw_proto_name(proto, family);

	if (name)
		return name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

bool sw_proto_parse(const char *text, uint8_t *proto)
{
	char *end;
	unsigned long n;

	if (strcmp(text, "icmp6") == 0)
		text = "icmpv6";
	for (size_t i = 0; i < sizeof(sw_protos) / sizeof(sw_protos[0]); i++)
		if (strcmp(sw_protos[i].name, text) == 0) {
			*proto = sw_protos[i].num;
			return true;
		}
	if (*text < '0' || *text > '9')
		return false;
	n = strtoul(text, &end, 10);
	if (*end || n > 255)
		return false;
	*proto = (uint8_t)n;
	return true;
}

bool sw_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}
