// SPDX-License-Identifier: GPL-2.0-or-later
/* node.c - node (group) names shared by learn and the new_edge alerts. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/proto.h>

#include "internal.h"

#define SW_LEARN_NAME_CUT 120

static bool sw_learn_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

static const char *sw_learn_sanitize(char *buf)
{
	size_t n = strlen(buf);

	if (n > SW_LEARN_NAME_CUT)
		buf[SW_LEARN_NAME_CUT] = '\0';
	for (char *p = buf; *p; p++)
		if (!sw_learn_name_char_ok(*p))
			*p = '_';
	if (!buf[0] || strcmp(buf, "any") == 0)
		snprintf(buf, 8, "%s", buf[0] ? "any_" : "_");
	return buf;
}

const char *sw_learn_node_name(const char *label_value, const char *wl_name,
			       const char *addr_text, char *buf, size_t size)
{
	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	if (wl_name && label_value)
		snprintf(buf, size, "%s", label_value);
	else if (wl_name)
		snprintf(buf, size, "wl:%s", wl_name);
	else
		snprintf(buf, size, "ip:%s", addr_text ? addr_text : "");
	return sw_learn_sanitize(buf);
}

static void sw_learn_addr_text(const uint8_t a[16], char *buf, size_t size)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)size);
}

const char *sw_learn_endpoint_node(const struct sw_workload *wl, const uint8_t addr[16],
				   const char *group_by, char *buf, size_t size)
{
	char text[INET6_ADDRSTRLEN] = "";

	if (wl)
		return sw_learn_node_name(sw_workload_label(wl, group_by ? group_by : "app"),
					  wl->name ? wl->name : "", NULL, buf, size);
	sw_learn_addr_text(addr, text, sizeof(text));
	return sw_learn_node_name(NULL, NULL, text, buf, size);
}

uint64_t sw_learn_hash(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	/* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* The protocols a policy rule can name (udplite has no name in the policy language). */
const char *sw_learn_proto_name(uint8_t proto)
{
	return proto == 136 ? NULL : sw_proto_name(proto, 0);
}

bool sw_learn_proto_ok(uint8_t proto)
{
	return sw_learn_proto_name(proto) != NULL;
}

bool sw_learn_proto_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}
