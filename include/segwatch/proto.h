/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_PROTO_H
#define SEGWATCH_PROTO_H

/*
 * proto - IP protocol names and numbers, one table for every output and
 * every reader (flows, alerts, learn, the ruleset's text, queries).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * sw_proto_name - "tcp", "udp", "sctp", "udplite", "icmp" (IPv4 only),
 * "icmpv6" (IPv6 only), or NULL for a protocol without a name here. @family
 * is 4 or 6, or 0 when unknown (then both ICMPs are named).
 */
const char *sw_proto_name(uint8_t proto, int family);
/* sw_proto_name_or_num - the name, or the number written into @buf (>= 4 bytes). */
const char *sw_proto_name_or_num(uint8_t proto, int family, char *buf, size_t len);
/* sw_proto_parse - a name above (or "icmp6") or a number 0-255; false otherwise. */
bool sw_proto_parse(const char *text, uint8_t *proto);
/* sw_proto_has_ports - TCP, UDP, SCTP and UDP-Lite carry ports. */
bool sw_proto_has_ports(uint8_t proto);

#endif
