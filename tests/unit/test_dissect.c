/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the decoder (include/segwatch/dissect.h, docs/flows.md
 * "Malformed reasons"). Every frame is handed over in a heap buffer of
 * exactly caplen bytes (pb_dissect*), so an ASan build catches overreads.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/dissect.h>

#include "pktbuild.h"

#define C4 "10.0.0.1"
#define S4 "10.0.0.2"
#define C6 "fd00::1"
#define S6 "fd00::2"

/* ---- helpers ---- */

static void assert_addr4(const uint8_t got[16], const char *text)
{
	uint8_t want[16];

	pb_addr4(want, text);
	assert_memory_equal(got, want, 16);
}

static void assert_addr6(const uint8_t got[16], const char *text)
{
	uint8_t want[16];

	pb_addr6(want, text);
	assert_memory_equal(got, want, 16);
}

/* Decode a whole frame and require success. */
static void dissect_ok(const struct pb *p, int dlt, struct sw_pkt *pkt)
{
	enum sw_reason why;
	enum sw_result r = pb_dissect(p, dlt, pkt, &why);

	if (r != SW_OK)
		fail_msg("expected SW_OK, got %d (%s)", r, sw_dissect_reason_name(why));
	assert_int_equal(why, SW_R_NONE);
}

/* Decode a whole frame and require a given failure. */
static void dissect_fails(const struct pb *p, int dlt, enum sw_result want_r,
			  enum sw_reason want_why)
{
	struct sw_pkt pkt;
	enum sw_reason why;
	enum sw_result r = pb_dissect(p, dlt, &pkt, &why);

	if (r != want_r || why != want_why)
		fail_msg("expected %d/%s, got %d/%s", want_r, sw_dissect_reason_name(want_why), r,
			 sw_dissect_reason_name(why));
}

/* IPv4 TCP 10.0.0.1:40000 -> 10.0.0.2:80, SYN|ACK data, @payload bytes. */
static void add_tcp4(struct pb *p, size_t payload)
{
	pb_ipv4(p, C4, S4, PB_IP_TCP);
	pb_tcp(p, 40000, 80, 1000, 2000, PB_TCP_PSH | PB_TCP_ACK);
	pb_payload(p, payload);
	pb_finish(p);
}

static void add_tcp6(struct pb *p, size_t payload)
{
	pb_ipv6(p, C6, S6, PB_IP_TCP);
	pb_tcp(p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_payload(p, payload);
	pb_finish(p);
}

static void check_tcp4(const struct sw_pkt *pkt, uint32_t ip_len)
{
	assert_int_equal(pkt->family, 4);
	assert_int_equal(pkt->proto, 6);
	assert_true(pkt->has_ports);
	assert_int_equal(pkt->sport, 40000);
	assert_int_equal(pkt->dport, 80);
	assert_int_equal(pkt->tcp_seq, 1000);
	assert_int_equal(pkt->tcp_ack, 2000);
	assert_int_equal(pkt->tcp_flags, PB_TCP_PSH | PB_TCP_ACK);
	assert_int_equal(pkt->frag, SW_FRAG_NONE);
	assert_int_equal(pkt->ip_len, ip_len);
	assert_int_equal(pkt->ip_id, 0x1234);
	assert_addr4(pkt->src, C4);
	assert_addr4(pkt->dst, S4);
	assert_false(pkt->inner.present);
}

static void check_tcp6(const struct sw_pkt *pkt, uint32_t ip_len)
{
	assert_int_equal(pkt->family, 6);
	assert_int_equal(pkt->proto, 6);
	assert_true(pkt->has_ports);
	assert_int_equal(pkt->sport, 40000);
	assert_int_equal(pkt->dport, 443);
	assert_int_equal(pkt->tcp_seq, 7);
	assert_int_equal(pkt->tcp_ack, 9);
	assert_int_equal(pkt->tcp_flags, PB_TCP_SYN);
	assert_int_equal(pkt->frag, SW_FRAG_NONE);
	assert_int_equal(pkt->ip_len, ip_len);
	assert_int_equal(pkt->ip_id, 0);
	assert_addr6(pkt->src, C6);
	assert_addr6(pkt->dst, S6);
}

/* ---- link layers ---- */

static void test_link_ethernet(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 10);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp4(&pkt, 50);
	assert_int_equal(pkt.ifindex, 0);

	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 3);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp6(&pkt, 63);
	assert_true(sw_dissect_dlt_ok(SW_DLT_EN10MB));
}

static void test_link_sll(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p);
	pb_sll(&p, PB_ETH_IPV4, 1);
	add_tcp4(&p, 0);
	dissect_ok(&p, SW_DLT_LINUX_SLL, &pkt);
	check_tcp4(&pkt, 40);
	assert_int_equal(pkt.ifindex, 0);

	pb_init(&p);
	pb_sll(&p, PB_ETH_IPV6, 772 /* loopback */);
	add_tcp6(&p, 0);
	dissect_ok(&p, SW_DLT_LINUX_SLL, &pkt);
	check_tcp6(&pkt, 60);

	/* ARPHRD_NETLINK: nlmon captures, not IP */
	pb_init(&p);
	pb_sll(&p, 0x0010, 824);
	pb_payload(&p, 20);
	dissect_fails(&p, SW_DLT_LINUX_SLL, SW_UNSUPPORTED, SW_R_NON_IP);
	assert_true(sw_dissect_dlt_ok(SW_DLT_LINUX_SLL));
}

static void test_link_sll2(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p);
	pb_sll2(&p, PB_ETH_IPV4, 7, 1);
	add_tcp4(&p, 5);
	dissect_ok(&p, SW_DLT_LINUX_SLL2, &pkt);
	check_tcp4(&pkt, 45);
	assert_int_equal(pkt.ifindex, 7);

	pb_init(&p);
	pb_sll2(&p, PB_ETH_IPV6, 0x01020304, 1);
	add_tcp6(&p, 0);
	dissect_ok(&p, SW_DLT_LINUX_SLL2, &pkt);
	check_tcp6(&pkt, 60);
	assert_int_equal(pkt.ifindex, 0x01020304);

	pb_init(&p);
	pb_sll2(&p, PB_ETH_ARP, 3, 1);
	pb_arp(&p);
	dissect_fails(&p, SW_DLT_LINUX_SLL2, SW_UNSUPPORTED, SW_R_ARP);

	pb_init(&p);
	pb_sll2(&p, 0x0010, 3, 824);
	pb_payload(&p, 16);
	dissect_fails(&p, SW_DLT_LINUX_SLL2, SW_UNSUPPORTED, SW_R_NON_IP);
	assert_true(sw_dissect_dlt_ok(SW_DLT_LINUX_SLL2));
}

static void test_link_raw(void **state)
{
	static const int dlts[] = { SW_DLT_RAW_LINUX, SW_DLT_RAW, SW_DLT_IPV4, SW_DLT_IPV6 };
	struct pb p4, p6, bad;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p4);
	add_tcp4(&p4, 1);
	pb_init(&p6);
	add_tcp6(&p6, 1);
	for (size_t i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++) {
		assert_true(sw_dissect_dlt_ok(dlts[i]));
		/* the version nibble decides, whatever the raw flavour */
		dissect_ok(&p4, dlts[i], &pkt);
		check_tcp4(&pkt, 41);
		dissect_ok(&p6, dlts[i], &pkt);
		check_tcp6(&pkt, 61);
	}
	pb_init(&bad);
	pb_payload(&bad, 40);
	bad.data[0] = 0x50;
	dissect_fails(&bad, SW_DLT_RAW_LINUX, SW_UNSUPPORTED, SW_R_NON_IP);
}

static void test_link_unsupported(void **state)
{
	struct pb p;
	struct sw_pkt pkt;
	enum sw_reason why;

	(void)state;
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	assert_false(sw_dissect_dlt_ok(105));
	assert_false(sw_dissect_dlt_ok(0));
	assert_false(sw_dissect_dlt_ok(-1));
	assert_int_equal(pb_dissect(&p, 105, &pkt, &why), SW_UNSUPPORTED);
	assert_int_equal(why, SW_R_UNSUPPORTED_LINKTYPE);
	assert_false(sw_dissect_reason_is_malformed(why));
}

/* ---- VLAN ---- */

static void test_vlan_tags(void **state)
{
	static const uint16_t outer[] = { PB_ETH_VLAN, PB_ETH_QINQ, 0x9100 };
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	/* 802.1Q */
	pb_init(&p);
	pb_eth(&p, PB_ETH_VLAN);
	pb_vlan(&p, 10, PB_ETH_IPV4);
	add_tcp4(&p, 2);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp4(&pkt, 42);

	/* QinQ with each outer TPID, IPv6 inside */
	for (size_t i = 0; i < 3; i++) {
		pb_init(&p);
		pb_eth(&p, outer[i]);
		pb_vlan(&p, 100, PB_ETH_VLAN);
		pb_vlan(&p, 200, PB_ETH_IPV6);
		add_tcp6(&p, 0);
		dissect_ok(&p, SW_DLT_EN10MB, &pkt);
		check_tcp6(&pkt, 60);
	}

	/* exactly SW_VLAN_MAX_DEPTH tags is fine, over SLL2 too */
	pb_init(&p);
	pb_sll2(&p, PB_ETH_QINQ, 4, 1);
	for (int i = 0; i < SW_VLAN_MAX_DEPTH - 1; i++)
		pb_vlan(&p, (uint16_t)(i + 1), PB_ETH_VLAN);
	pb_vlan(&p, 99, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	dissect_ok(&p, SW_DLT_LINUX_SLL2, &pkt);
	check_tcp4(&pkt, 40);
	assert_int_equal(pkt.ifindex, 4);

	/* ARP inside a tag is still ARP */
	pb_init(&p);
	pb_eth(&p, PB_ETH_VLAN);
	pb_vlan(&p, 5, PB_ETH_ARP);
	pb_arp(&p);
	dissect_fails(&p, SW_DLT_EN10MB, SW_UNSUPPORTED, SW_R_ARP);
}

static void test_vlan_too_deep(void **state)
{
	struct pb p;

	(void)state;
	for (int tags = SW_VLAN_MAX_DEPTH + 1; tags <= SW_VLAN_MAX_DEPTH + 3; tags++) {
		pb_init(&p);
		pb_eth(&p, PB_ETH_QINQ);
		for (int i = 0; i < tags - 1; i++)
			pb_vlan(&p, (uint16_t)i, PB_ETH_VLAN);
		pb_vlan(&p, 1, PB_ETH_IPV4);
		add_tcp4(&p, 0);
		dissect_fails(&p, SW_DLT_EN10MB, SW_INVALID, SW_R_VLAN_TOO_DEEP);
	}
}

/* ---- not IP ---- */

static void test_not_ip(void **state)
{
	struct pb p;
	struct sw_pkt pkt;
	enum sw_reason why;

	(void)state;
	pb_init(&p);
	pb_eth(&p, PB_ETH_ARP);
	pb_arp(&p);
	pb_pad(&p, 18);
	assert_int_equal(pb_dissect(&p, SW_DLT_EN10MB, &pkt, &why), SW_UNSUPPORTED);
	assert_int_equal(why, SW_R_ARP);
	assert_false(sw_dissect_reason_is_malformed(why));
	assert_string_equal(sw_dissect_reason_name(why), "arp");

	pb_init(&p);
	pb_eth(&p, 0x88cc); /* LLDP */
	pb_payload(&p, 46);
	assert_int_equal(pb_dissect(&p, SW_DLT_EN10MB, &pkt, &why), SW_UNSUPPORTED);
	assert_int_equal(why, SW_R_NON_IP);
	assert_false(sw_dissect_reason_is_malformed(why));

	/* an 802.3 length field instead of an ethertype */
	pb_init(&p);
	pb_eth(&p, 46);
	pb_payload(&p, 46);
	assert_int_equal(pb_dissect(&p, SW_DLT_EN10MB, &pkt, &why), SW_UNSUPPORTED);
	assert_int_equal(why, SW_R_NON_IP);
}

/* ---- IPv4 ---- */

static void test_ipv4_options(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	for (unsigned words = 0; words <= 10; words++) {
		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV4);
		pb_ipv4(&p, C4, S4, PB_IP_TCP);
		pb_ipv4_options(&p, words);
		pb_tcp(&p, 40000, 80, 1000, 2000, PB_TCP_PSH | PB_TCP_ACK);
		pb_tcp_options(&p, 3);
		pb_payload(&p, 7);
		pb_finish(&p);
		dissect_ok(&p, SW_DLT_EN10MB, &pkt);
		check_tcp4(&pkt, 20 + words * 4 + 32 + 7);
	}
}

static void test_ipv4_fragments(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	/* first fragment: offset 0, MF, carries the UDP header */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_udp(&p, 5000, 53);
	pb_payload(&p, 1472);
	pb_finish(&p);
	/* the UDP length covers the whole datagram, more than this fragment */
	pb_set_be16(&p, p.udp_off + 4, 3000);
	pb_ipv4_frag(&p, 0xbeef, 0, true);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_FIRST);
	assert_true(pkt.has_ports);
	assert_int_equal(pkt.sport, 5000);
	assert_int_equal(pkt.dport, 53);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.frag_id, 0xbeef);
	assert_int_equal(pkt.ip_id, 0xbeef);
	assert_int_equal(pkt.ip_len, 1500);

	/* middle fragment: offset > 0 and MF */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_payload(&p, 1480);
	pb_finish(&p);
	pb_ipv4_frag(&p, 0xbeef, 1480, true);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_LATER);
	assert_false(pkt.has_ports);
	assert_int_equal(pkt.frag_id, 0xbeef);
	assert_int_equal(pkt.ip_len, 1500);

	/* last fragment: offset > 0, no MF; the payload looks like nothing in particular */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_payload(&p, 40);
	pb_finish(&p);
	pb_ipv4_frag(&p, 0xbeef, 2960, false);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_LATER);
	assert_false(pkt.has_ports);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.ip_len, 60);
	assert_addr4(pkt.src, C4);
	assert_addr4(pkt.dst, S4);

	/* a later fragment too short to hold any transport header is fine */
	pb_init(&p);
	pb_ipv4(&p, C4, S4, PB_IP_TCP);
	pb_payload(&p, 3);
	pb_finish(&p);
	pb_ipv4_frag(&p, 7, 8, false);
	dissect_ok(&p, SW_DLT_RAW_LINUX, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_LATER);
	assert_int_equal(pkt.ip_len, 23);

	/* DF alone is not a fragment */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	pb_set_be16(&p, 14 + 6, 0x4000);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_NONE);
}

/* ---- IPv6 ---- */

static void test_ipv6_ext_chain(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	pb_ipv6(&p, C6, S6, PB_IP_HOPOPTS);
	pb_ipv6_ext(&p, PB_IP_DSTOPTS, 0);	/* hop-by-hop, 8 bytes */
	pb_ipv6_ext(&p, PB_IP_ROUTING, 2);	/* destination options, 24 bytes */
	pb_ipv6_ext(&p, PB_IP_TCP, 1);		/* routing, 16 bytes */
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_payload(&p, 11);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp6(&pkt, 40 + 8 + 24 + 16 + 20 + 11);

	/* "no next header" ends the chain: a flow without ports */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_DSTOPTS);
	pb_ipv6_ext(&p, PB_IP_NONE, 0);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	assert_int_equal(pkt.proto, PB_IP_NONE);
	assert_false(pkt.has_ports);
	assert_int_equal(pkt.ip_len, 48);

	/* payload length 0 with no next header is an empty, valid packet */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_NONE);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	assert_int_equal(pkt.ip_len, 40);
}

static void test_ipv6_max_ext(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	/* SW_IPV6_MAX_EXT headers: accepted */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_DSTOPTS);
	for (int i = 0; i < SW_IPV6_MAX_EXT - 1; i++)
		pb_ipv6_ext(&p, PB_IP_DSTOPTS, 0);
	pb_ipv6_ext(&p, PB_IP_TCP, 0);
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	check_tcp6(&pkt, 40 + 8 * SW_IPV6_MAX_EXT + 20);

	/* one more (9): hostile */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_HOPOPTS);
	for (int i = 0; i < SW_IPV6_MAX_EXT; i++)
		pb_ipv6_ext(&p, i % 2 ? PB_IP_ROUTING : PB_IP_DSTOPTS, 0);
	pb_ipv6_ext(&p, PB_IP_TCP, 0);
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_finish(&p);
	dissect_fails(&p, SW_DLT_IPV6, SW_INVALID, SW_R_IPV6_EXT_TOO_MANY);
}

static void test_ipv6_fragments(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	/* first: offset 0, M set, TCP header follows */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	pb_ipv6(&p, C6, S6, PB_IP_HOPOPTS);
	pb_ipv6_ext(&p, PB_IP_FRAGMENT, 0);
	pb_ipv6_frag(&p, PB_IP_TCP, 0, true, 0xa1b2c3d4);
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_payload(&p, 1000);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_FIRST);
	assert_int_equal(pkt.frag_id, 0xa1b2c3d4);
	assert_true(pkt.has_ports);
	assert_int_equal(pkt.proto, 6);
	assert_int_equal(pkt.sport, 40000);
	assert_int_equal(pkt.dport, 443);
	assert_int_equal(pkt.ip_len, 40 + 8 + 8 + 20 + 1000);

	/* first fragment of a UDP datagram: the UDP length is the datagram's */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_ipv6_frag(&p, PB_IP_UDP, 0, true, 5);
	pb_udp(&p, 5353, 5353);
	pb_payload(&p, 100);
	pb_finish(&p);
	pb_set_be16(&p, p.udp_off + 4, 4000);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_FIRST);
	assert_int_equal(pkt.proto, 17);
	assert_int_equal(pkt.sport, 5353);

	/* later: offset > 0, the walk stops, proto is the fragment's next header */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_ipv6_frag(&p, PB_IP_TCP, 1232, false, 0xa1b2c3d4);
	pb_payload(&p, 64);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	assert_int_equal(pkt.frag, SW_FRAG_LATER);
	assert_int_equal(pkt.frag_id, 0xa1b2c3d4);
	assert_false(pkt.has_ports);
	assert_int_equal(pkt.proto, 6);
	assert_int_equal(pkt.ip_len, 40 + 8 + 64);
	assert_addr6(pkt.src, C6);

	/* atomic fragment (RFC 6946): offset 0, no M: a whole packet */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_ipv6_frag(&p, PB_IP_TCP, 0, false, 77);
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV6, &pkt);
	check_tcp6(&pkt, 40 + 8 + 20);
	assert_int_equal(pkt.frag, SW_FRAG_NONE);
	assert_int_equal(pkt.frag_id, 77);
}

/* ---- ICMP ---- */

static void test_icmp_echo(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_ICMP);
	pb_icmp(&p, 8, 0, 0x4242, 7);
	pb_payload(&p, 56);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.proto, 1);
	assert_int_equal(pkt.icmp_type, 8);
	assert_int_equal(pkt.icmp_code, 0);
	assert_int_equal(pkt.icmp_id, 0x4242);
	assert_false(pkt.has_ports);
	assert_false(pkt.inner.present);
	assert_int_equal(pkt.ip_len, 84);

	pb_init(&p);
	pb_ipv4(&p, S4, C4, PB_IP_ICMP);
	pb_icmp(&p, 0, 0, 0x4242, 7);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_RAW_LINUX, &pkt);
	assert_int_equal(pkt.icmp_type, 0);
	assert_int_equal(pkt.icmp_id, 0x4242);
	assert_addr4(pkt.src, S4);

	/* ICMPv6 echo request and reply */
	for (uint8_t type = 128; type <= 129; type++) {
		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV6);
		pb_ipv6(&p, C6, S6, PB_IP_ICMPV6);
		pb_icmp(&p, type, 0, 0x0102, 1);
		pb_payload(&p, 8);
		pb_finish(&p);
		dissect_ok(&p, SW_DLT_EN10MB, &pkt);
		assert_int_equal(pkt.family, 6);
		assert_int_equal(pkt.proto, 58);
		assert_int_equal(pkt.icmp_type, type);
		assert_int_equal(pkt.icmp_id, 0x0102);
		assert_int_equal(pkt.ip_len, 56);
	}

	/* a message that is neither echo nor error: type and code only */
	pb_init(&p);
	pb_ipv4(&p, C4, S4, PB_IP_ICMP);
	pb_icmp(&p, 13, 0, 1, 2); /* timestamp */
	pb_payload(&p, 12);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_IPV4, &pkt);
	assert_int_equal(pkt.icmp_type, 13);
	assert_int_equal(pkt.icmp_id, 0);
}

/* Quoted IPv4 datagram: the first 28+ bytes of a UDP packet C4:40000 -> S4:53. */
static void quoted_udp4(struct pb *q, unsigned opt_words)
{
	pb_init(q);
	pb_ipv4(q, C4, S4, PB_IP_UDP);
	pb_ipv4_options(q, opt_words);
	pb_udp(q, 40000, 53);
	pb_payload(q, 30);
	pb_finish(q);
}

static void test_icmp_unreachable(void **state)
{
	struct pb p, q;
	struct sw_pkt pkt;

	(void)state;
	for (unsigned words = 0; words <= 2; words++) {
		quoted_udp4(&q, words);
		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV4);
		pb_ipv4(&p, S4, C4, PB_IP_ICMP);
		pb_icmp(&p, 3, 3, 0, 0);
		pb_append(&p, q.data, 20 + words * 4 + 8); /* header + 8 bytes, as RFC 792 */
		pb_finish(&p);
		dissect_ok(&p, SW_DLT_EN10MB, &pkt);
		assert_int_equal(pkt.icmp_type, 3);
		assert_int_equal(pkt.icmp_code, 3);
		assert_addr4(pkt.src, S4);
		assert_true(pkt.inner.present);
		assert_int_equal(pkt.inner.proto, 17);
		assert_addr4(pkt.inner.src, C4);
		assert_addr4(pkt.inner.dst, S4);
		assert_int_equal(pkt.inner.sport, 40000);
		assert_int_equal(pkt.inner.dport, 53);
		assert_int_equal(pkt.ip_len, 20 + 8 + 20 + words * 4 + 8);
	}

	/* quoting a non-first fragment: no ports to match */
	quoted_udp4(&q, 0);
	q.data[6] = 0x00;
	q.data[7] = 0x10;
	pb_init(&p);
	pb_ipv4(&p, S4, C4, PB_IP_ICMP);
	pb_icmp(&p, 3, 3, 0, 0);
	pb_append(&p, q.data, 28);
	pb_finish(&p);
	dissect_ok(&p, SW_DLT_RAW_LINUX, &pkt);
	assert_false(pkt.inner.present);

	/* quote cut short: the error is still a packet, just without inner ports */
	quoted_udp4(&q, 0);
	for (size_t cut = 0; cut < 24; cut++) {
		pb_init(&p);
		pb_ipv4(&p, S4, C4, PB_IP_ICMP);
		pb_icmp(&p, 11, 0, 0, 0);
		pb_append(&p, q.data, cut);
		pb_finish(&p);
		dissect_ok(&p, SW_DLT_RAW_LINUX, &pkt);
		assert_false(pkt.inner.present);
	}
}

static void test_icmpv6_unreachable(void **state)
{
	struct pb p, q;
	struct sw_pkt pkt;

	(void)state;
	for (int with_ext = 0; with_ext <= 1; with_ext++) {
		pb_init(&q);
		pb_ipv6(&q, C6, S6, with_ext ? PB_IP_DSTOPTS : PB_IP_UDP);
		if (with_ext)
			pb_ipv6_ext(&q, PB_IP_UDP, 1);
		pb_udp(&q, 40001, 5353);
		pb_payload(&q, 20);
		pb_finish(&q);

		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV6);
		pb_ipv6(&p, S6, C6, PB_IP_ICMPV6);
		pb_icmp(&p, 1, 4, 0, 0); /* destination unreachable, port unreachable */
		pb_append(&p, q.data, q.len);
		pb_finish(&p);
		dissect_ok(&p, SW_DLT_EN10MB, &pkt);
		assert_int_equal(pkt.family, 6);
		assert_int_equal(pkt.proto, 58);
		assert_int_equal(pkt.icmp_type, 1);
		assert_int_equal(pkt.icmp_code, 4);
		assert_true(pkt.inner.present);
		assert_int_equal(pkt.inner.proto, 17);
		assert_addr6(pkt.inner.src, C6);
		assert_addr6(pkt.inner.dst, S6);
		assert_int_equal(pkt.inner.sport, 40001);
		assert_int_equal(pkt.inner.dport, 5353);
		assert_int_equal(pkt.ip_len, 40 + 8 + q.len);
	}
}

/* ---- every malformed reason ---- */

struct bad_case {
	const char *what;
	int dlt;
	enum sw_result r;
	enum sw_reason why;
	struct pb p;
	uint32_t wirelen; /* 0: same as the frame */
};

static void bad_add(struct bad_case *cases, size_t *n, const char *what, int dlt,
		    enum sw_result r, enum sw_reason why, const struct pb *p, uint32_t wirelen)
{
	struct bad_case *c = &cases[(*n)++];

	c->what = what;
	c->dlt = dlt;
	c->r = r;
	c->why = why;
	c->p = *p;
	c->wirelen = wirelen;
}

/* Eth + IPv4 + @tcp_words words of TCP header (may be fewer than 5). */
static void tcp_short4(struct pb *p, size_t tcp_bytes)
{
	pb_init(p);
	pb_eth(p, PB_ETH_IPV4);
	pb_ipv4(p, C4, S4, PB_IP_TCP);
	pb_payload(p, tcp_bytes);
	pb_finish(p);
}

static size_t build_bad_cases(struct bad_case *cases)
{
	struct pb p;
	size_t n = 0;

	/* link_truncated, one per link type */
	pb_init(&p);
	pb_payload(&p, 13);
	bad_add(cases, &n, "eth 13 bytes", SW_DLT_EN10MB, SW_TRUNC, SW_R_LINK_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_payload(&p, 15);
	bad_add(cases, &n, "sll 15 bytes", SW_DLT_LINUX_SLL, SW_TRUNC, SW_R_LINK_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_payload(&p, 19);
	bad_add(cases, &n, "sll2 19 bytes", SW_DLT_LINUX_SLL2, SW_TRUNC, SW_R_LINK_TRUNCATED, &p,
		0);
	pb_init(&p);
	bad_add(cases, &n, "raw 0 bytes", SW_DLT_RAW_LINUX, SW_TRUNC, SW_R_LINK_TRUNCATED, &p, 0);

	/* vlan_truncated: a tag with only its TCI */
	pb_init(&p);
	pb_eth(&p, PB_ETH_VLAN);
	pb_payload(&p, 2);
	bad_add(cases, &n, "half a tag", SW_DLT_EN10MB, SW_TRUNC, SW_R_VLAN_TRUNCATED, &p, 0);

	/* vlan_too_deep */
	pb_init(&p);
	pb_eth(&p, PB_ETH_VLAN);
	for (int i = 0; i < 5; i++)
		pb_vlan(&p, 1, i < 4 ? PB_ETH_VLAN : PB_ETH_IPV4);
	add_tcp4(&p, 0);
	bad_add(cases, &n, "5 tags", SW_DLT_EN10MB, SW_INVALID, SW_R_VLAN_TOO_DEEP, &p, 0);

	/* ipv4_truncated: 19 bytes of header; options cut by the snap length */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_payload(&p, 19);
	p.data[14] = 0x45;
	bad_add(cases, &n, "ipv4 19 bytes", SW_DLT_EN10MB, SW_TRUNC, SW_R_IPV4_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_TCP);
	pb_ipv4_options(&p, 4);
	pb_finish(&p); /* total length 36 */
	pb_set_be16(&p, 14 + 2, 200);
	p.len = 14 + 28; /* options cut */
	bad_add(cases, &n, "ipv4 options cut by snaplen", SW_DLT_EN10MB, SW_TRUNC,
		SW_R_IPV4_TRUNCATED, &p, 14 + 200);

	/* ipv4_bad_version: the ethertype says IPv4 */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	p.data[14] = 0x65;
	bad_add(cases, &n, "ipv4 version 6", SW_DLT_EN10MB, SW_INVALID, SW_R_IPV4_BAD_VERSION, &p,
		0);

	/* ipv4_bad_ihl */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV4);
		add_tcp4(&p, 0);
		p.data[14] = (uint8_t)(0x40 | ihl);
		bad_add(cases, &n, "ipv4 ihl < 5", SW_DLT_EN10MB, SW_INVALID, SW_R_IPV4_BAD_IHL, &p,
			0);
	}

	/* ipv4_bad_total_length: shorter than the header */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	pb_set_be16(&p, 14 + 2, 19);
	bad_add(cases, &n, "ipv4 total 19", SW_DLT_EN10MB, SW_INVALID, SW_R_IPV4_BAD_TOTAL_LENGTH,
		&p, 0);
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_TCP);
	pb_ipv4_options(&p, 2);
	pb_tcp(&p, 1, 2, 3, 4, PB_TCP_ACK);
	pb_finish(&p);
	pb_set_be16(&p, 14 + 2, 24); /* < IHL 7 * 4 */
	bad_add(cases, &n, "ipv4 total < ihl", SW_DLT_EN10MB, SW_INVALID,
		SW_R_IPV4_BAD_TOTAL_LENGTH, &p, 0);
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	pb_set_be16(&p, 14 + 2, 0); /* 0 on a small frame is not BIG TCP */
	bad_add(cases, &n, "ipv4 total 0", SW_DLT_EN10MB, SW_INVALID, SW_R_IPV4_BAD_TOTAL_LENGTH,
		&p, 0);

	/* ipv4_bad_fragment: offset + length beyond 65535 */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_payload(&p, 16);
	pb_finish(&p);
	pb_ipv4_frag(&p, 9, 65528, false);
	bad_add(cases, &n, "ipv4 fragment past 64K", SW_DLT_EN10MB, SW_INVALID,
		SW_R_IPV4_BAD_FRAGMENT, &p, 0);

	/* ipv6_truncated */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	pb_payload(&p, 39);
	p.data[14] = 0x60;
	bad_add(cases, &n, "ipv6 39 bytes", SW_DLT_EN10MB, SW_TRUNC, SW_R_IPV6_TRUNCATED, &p, 0);

	/* ipv6_bad_version */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 0);
	p.data[14] = 0x40;
	bad_add(cases, &n, "ipv6 version 4", SW_DLT_EN10MB, SW_INVALID, SW_R_IPV6_BAD_VERSION, &p,
		0);

	/* ipv6_bad_payload_length: 0 with a next header on a small frame */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 0);
	pb_set_be16(&p, 14 + 4, 0);
	bad_add(cases, &n, "ipv6 payload 0", SW_DLT_EN10MB, SW_INVALID,
		SW_R_IPV6_BAD_PAYLOAD_LENGTH, &p, 0);

	/* ipv6_ext_truncated: the header runs past the payload length */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	pb_ipv6(&p, C6, S6, PB_IP_HOPOPTS);
	pb_ipv6_ext(&p, PB_IP_TCP, 1); /* 16 bytes */
	pb_finish(&p);
	pb_set_be16(&p, 14 + 4, 8);
	bad_add(cases, &n, "ipv6 ext past payload", SW_DLT_EN10MB, SW_TRUNC,
		SW_R_IPV6_EXT_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_DSTOPTS);
	pb_payload(&p, 1);
	pb_finish(&p);
	bad_add(cases, &n, "ipv6 ext 1 byte", SW_DLT_IPV6, SW_TRUNC, SW_R_IPV6_EXT_TRUNCATED, &p,
		0);
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_payload(&p, 6);
	pb_finish(&p);
	bad_add(cases, &n, "ipv6 fragment header 6 bytes", SW_DLT_IPV6, SW_TRUNC,
		SW_R_IPV6_EXT_TRUNCATED, &p, 0);

	/* ipv6_ext_too_many */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_DSTOPTS);
	for (int i = 0; i < 9; i++)
		pb_ipv6_ext(&p, i < 8 ? PB_IP_DSTOPTS : PB_IP_UDP, 0);
	pb_udp(&p, 1, 2);
	pb_finish(&p);
	bad_add(cases, &n, "ipv6 9 ext", SW_DLT_IPV6, SW_INVALID, SW_R_IPV6_EXT_TOO_MANY, &p, 0);

	/* ipv6_bad_fragment: offset + length beyond 65535 */
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_ipv6_frag(&p, PB_IP_UDP, 65528, false, 1);
	pb_payload(&p, 16);
	pb_finish(&p);
	bad_add(cases, &n, "ipv6 fragment past 64K", SW_DLT_IPV6, SW_INVALID,
		SW_R_IPV6_BAD_FRAGMENT, &p, 0);

	/* tcp_truncated: the IP length leaves room for 10 bytes of TCP */
	tcp_short4(&p, 10);
	bad_add(cases, &n, "tcp 10 bytes", SW_DLT_EN10MB, SW_TRUNC, SW_R_TCP_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_TCP);
	pb_payload(&p, 19);
	pb_finish(&p);
	bad_add(cases, &n, "tcp6 19 bytes", SW_DLT_IPV6, SW_TRUNC, SW_R_TCP_TRUNCATED, &p, 0);

	/* tcp_bad_offset: below 5 words, or past the IP payload */
	for (uint8_t off = 0; off < 5; off++) {
		pb_init(&p);
		pb_eth(&p, PB_ETH_IPV4);
		add_tcp4(&p, 20);
		p.data[14 + 20 + 12] = (uint8_t)(off << 4);
		bad_add(cases, &n, "tcp offset < 5", SW_DLT_EN10MB, SW_INVALID, SW_R_TCP_BAD_OFFSET,
			&p, 0);
	}
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 30);
	p.data[14 + 20 + 12] = 15 << 4; /* 60 bytes of header, 50 in the packet */
	bad_add(cases, &n, "tcp offset 10 bytes past payload", SW_DLT_EN10MB, SW_INVALID,
		SW_R_TCP_BAD_OFFSET, &p, 0);
	/*
	 * BUG (src/dissect/transport.c, sw_dissect_tcp): the fixed header is
	 * read up to the checksum, 18 of its 20 bytes (the urgent pointer is not
	 * consumed), so "off - 20 > bytes left" counts those 2 bytes as option
	 * room: a data offset 1 or 2 bytes past the segment is accepted.
	 */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 39);
	p.data[14 + 20 + 12] = 15 << 4; /* 60 bytes of header, 59 in the packet */
	bad_add(cases, &n, "BUG: tcp offset 1 byte past payload", SW_DLT_EN10MB, SW_INVALID,
		SW_R_TCP_BAD_OFFSET, &p, 0);

	/* udp_truncated */
	pb_init(&p);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_payload(&p, 7);
	pb_finish(&p);
	bad_add(cases, &n, "udp 7 bytes", SW_DLT_RAW_LINUX, SW_TRUNC, SW_R_UDP_TRUNCATED, &p, 0);

	/* udp_bad_length: below 8, or past the IP payload */
	for (uint16_t len = 0; len < 8; len++) {
		pb_init(&p);
		pb_ipv4(&p, C4, S4, PB_IP_UDP);
		pb_udp(&p, 1, 2);
		pb_payload(&p, 4);
		pb_finish(&p);
		pb_set_be16(&p, p.udp_off + 4, len);
		bad_add(cases, &n, "udp length < 8", SW_DLT_RAW_LINUX, SW_INVALID,
			SW_R_UDP_BAD_LENGTH, &p, 0);
	}
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_UDP);
	pb_udp(&p, 1, 2);
	pb_payload(&p, 4);
	pb_finish(&p);
	pb_set_be16(&p, p.udp_off + 4, 13);
	bad_add(cases, &n, "udp length past payload", SW_DLT_IPV6, SW_INVALID,
		SW_R_UDP_BAD_LENGTH, &p, 0);

	/* icmp_truncated: short header, short echo, short error */
	pb_init(&p);
	pb_ipv4(&p, C4, S4, PB_IP_ICMP);
	pb_payload(&p, 3);
	pb_finish(&p);
	bad_add(cases, &n, "icmp 3 bytes", SW_DLT_RAW_LINUX, SW_TRUNC, SW_R_ICMP_TRUNCATED, &p, 0);
	pb_init(&p);
	pb_ipv4(&p, C4, S4, PB_IP_ICMP);
	pb_icmp(&p, 8, 0, 1, 1);
	pb_finish(&p);
	pb_set_be16(&p, 2, 20 + 6);
	p.len = 26;
	bad_add(cases, &n, "icmp echo 6 bytes", SW_DLT_RAW_LINUX, SW_TRUNC, SW_R_ICMP_TRUNCATED,
		&p, 0);
	pb_init(&p);
	pb_ipv6(&p, C6, S6, PB_IP_ICMPV6);
	pb_icmp(&p, 1, 4, 0, 0);
	pb_finish(&p);
	pb_set_be16(&p, 4, 7);
	p.len = 47;
	bad_add(cases, &n, "icmpv6 error 7 bytes", SW_DLT_IPV6, SW_TRUNC, SW_R_ICMP_TRUNCATED, &p,
		0);

	/* ip_truncated_by_capture: frame shorter than the IP header says, no snap length */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 100);
	p.len -= 1;
	bad_add(cases, &n, "ipv4 frame short", SW_DLT_EN10MB, SW_TRUNC,
		SW_R_IP_TRUNCATED_BY_CAPTURE, &p, 0);
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 100);
	p.len -= 50;
	bad_add(cases, &n, "ipv6 frame short", SW_DLT_EN10MB, SW_TRUNC,
		SW_R_IP_TRUNCATED_BY_CAPTURE, &p, 0);
	return n;
}

static void test_every_malformed_reason(void **state)
{
	static struct bad_case cases[80];
	bool seen[SW_R_MAX] = { false };
	char msg[2048] = "";
	size_t n, len = 0;

	(void)state;
	n = build_bad_cases(cases);
	assert_true(n <= sizeof(cases) / sizeof(cases[0]));
	/* run them all, then report every mismatch at once */
	for (size_t i = 0; i < n; i++) {
		const struct bad_case *c = &cases[i];
		struct sw_pkt pkt;
		enum sw_reason why;
		uint32_t wire = c->wirelen ? c->wirelen : (uint32_t)c->p.len;
		enum sw_result r = pb_dissect_n(&c->p, c->dlt, (uint32_t)c->p.len, wire, &pkt, &why);

		if ((r != c->r || why != c->why) && len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"\n  %s: expected %d/%s, got %d/%s", c->what, c->r,
						sw_dissect_reason_name(c->why), r,
						sw_dissect_reason_name(why));
		if (r != SW_OK && sw_dissect_reason_is_malformed(why))
			seen[why] = true;
	}
	for (int r = SW_R_LINK_TRUNCATED; r < SW_R_MAX; r++)
		if (!seen[r] && len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"\n  reason %s never produced",
						sw_dissect_reason_name(r));
	if (msg[0])
		fail_msg("malformed cases:%s", msg);
}

static void test_reason_names(void **state)
{
	/* docs/flows.md, "Malformed reasons", in enum order */
	static const char *const malformed[] = {
		"link_truncated", "vlan_truncated", "vlan_too_deep", "ipv4_truncated",
		"ipv4_bad_version", "ipv4_bad_ihl", "ipv4_bad_total_length", "ipv4_bad_fragment",
		"ipv6_truncated", "ipv6_bad_version", "ipv6_bad_payload_length",
		"ipv6_ext_truncated", "ipv6_ext_too_many", "ipv6_bad_fragment", "tcp_truncated",
		"tcp_bad_offset", "udp_truncated", "udp_bad_length", "icmp_truncated",
		"ip_truncated_by_capture",
	};

	(void)state;
	assert_int_equal(SW_R_MAX - SW_R_LINK_TRUNCATED, sizeof(malformed) / sizeof(malformed[0]));
	for (int r = SW_R_LINK_TRUNCATED; r < SW_R_MAX; r++) {
		assert_string_equal(sw_dissect_reason_name(r), malformed[r - SW_R_LINK_TRUNCATED]);
		assert_true(sw_dissect_reason_is_malformed(r));
	}
	assert_string_equal(sw_dissect_reason_name(SW_R_ARP), "arp");
	assert_string_equal(sw_dissect_reason_name(SW_R_NON_IP), "non_ip");
	assert_string_equal(sw_dissect_reason_name(SW_R_UNSUPPORTED_LINKTYPE),
			    "unsupported_linktype");
	assert_false(sw_dissect_reason_is_malformed(SW_R_NONE));
	assert_false(sw_dissect_reason_is_malformed(SW_R_ARP));
	assert_false(sw_dissect_reason_is_malformed(SW_R_NON_IP));
	assert_false(sw_dissect_reason_is_malformed(SW_R_UNSUPPORTED_LINKTYPE));
	assert_string_equal(sw_dissect_reason_name(SW_R_MAX), "unknown");
}

/* ---- truncation at every byte ---- */

/*
 * Cut @full at every length. With caplen == wirelen the frame is broken:
 * never SW_OK, always a malformed reason. With wirelen = the full length (a
 * snap length cut it) the result is either a malformed reason or SW_OK with
 * the same fields as the whole frame, and SW_OK once the transport header
 * (@need bytes) was captured.
 */
static void sweep(const struct pb *full, int dlt, size_t need)
{
	struct sw_pkt ref, pkt;
	enum sw_reason why;

	dissect_ok(full, dlt, &ref);
	for (uint32_t cap = 0; cap < full->len; cap++) {
		enum sw_result r = pb_dissect_n(full, dlt, cap, cap, &pkt, &why);

		if (r == SW_OK || !sw_dissect_reason_is_malformed(why))
			fail_msg("cut at %u of %zu: result %d reason %s", cap, full->len, r,
				 sw_dissect_reason_name(why));

		r = pb_dissect_n(full, dlt, cap, (uint32_t)full->len, &pkt, &why);
		if (r != SW_OK) {
			if (!sw_dissect_reason_is_malformed(why))
				fail_msg("snap cut at %u: result %d reason %s", cap, r,
					 sw_dissect_reason_name(why));
			if (cap >= need)
				fail_msg("snap cut at %u (headers need %zu): %s", cap, need,
					 sw_dissect_reason_name(why));
			continue;
		}
		if (pkt.family != ref.family || pkt.proto != ref.proto || pkt.ip_len != ref.ip_len ||
		    memcmp(pkt.src, ref.src, 16) || memcmp(pkt.dst, ref.dst, 16) ||
		    pkt.frag != ref.frag || pkt.has_ports != ref.has_ports ||
		    pkt.sport != ref.sport || pkt.dport != ref.dport ||
		    pkt.tcp_flags != ref.tcp_flags || pkt.tcp_seq != ref.tcp_seq ||
		    pkt.icmp_type != ref.icmp_type || pkt.icmp_id != ref.icmp_id)
			fail_msg("snap cut at %u: SW_OK with fields that differ from the frame", cap);
	}
}

static void test_truncate_every_byte(void **state)
{
	struct pb p, q;

	(void)state;
	/* TCP/IPv4 with IP and TCP options and a payload, over Ethernet + 802.1Q */
	pb_init(&p);
	pb_eth(&p, PB_ETH_VLAN);
	pb_vlan(&p, 3, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_TCP);
	pb_ipv4_options(&p, 2);
	pb_tcp(&p, 40000, 80, 1000, 2000, PB_TCP_PSH | PB_TCP_ACK);
	pb_tcp_options(&p, 3);
	pb_payload(&p, 25);
	pb_finish(&p);
	sweep(&p, SW_DLT_EN10MB, p.tcp_off + 20);

	/* TCP/IPv6 with hop-by-hop and destination options, over SLL2 */
	pb_init(&p);
	pb_sll2(&p, PB_ETH_IPV6, 2, 1);
	pb_ipv6(&p, C6, S6, PB_IP_HOPOPTS);
	pb_ipv6_ext(&p, PB_IP_DSTOPTS, 0);
	pb_ipv6_ext(&p, PB_IP_TCP, 1);
	pb_tcp(&p, 40000, 443, 7, 9, PB_TCP_SYN);
	pb_tcp_options(&p, 5);
	pb_payload(&p, 17);
	pb_finish(&p);
	sweep(&p, SW_DLT_LINUX_SLL2, p.tcp_off + 20);

	/* plain TCP/IPv6 raw, UDP/IPv4 over SLL */
	pb_init(&p);
	add_tcp6(&p, 9);
	sweep(&p, SW_DLT_RAW_LINUX, p.tcp_off + 20);
	pb_init(&p);
	pb_sll(&p, PB_ETH_IPV4, 1);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_udp(&p, 5000, 53);
	pb_payload(&p, 30);
	pb_finish(&p);
	sweep(&p, SW_DLT_LINUX_SLL, p.udp_off + 8);

	/* ICMP error quoting UDP, IPv6 first fragment */
	quoted_udp4(&q, 1);
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, S4, C4, PB_IP_ICMP);
	pb_icmp(&p, 3, 3, 0, 0);
	pb_append(&p, q.data, 32);
	pb_finish(&p);
	sweep(&p, SW_DLT_EN10MB, p.l4_off + 8);

	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	pb_ipv6(&p, C6, S6, PB_IP_FRAGMENT);
	pb_ipv6_frag(&p, PB_IP_UDP, 0, true, 99);
	pb_udp(&p, 1, 2);
	pb_payload(&p, 12);
	pb_finish(&p);
	sweep(&p, SW_DLT_EN10MB, p.udp_off + 8);
}

/* ---- snap length and padding ---- */

static void test_snaplen_cut(void **state)
{
	struct pb p;
	struct sw_pkt pkt;
	enum sw_reason why;

	(void)state;
	/* 1400 bytes of payload, 96 captured: fine, the length comes from the header */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 1400);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, 96, (uint32_t)p.len, &pkt, &why), SW_OK);
	check_tcp4(&pkt, 1440);

	/* IPv6 */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 1000);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, 80, (uint32_t)p.len, &pkt, &why), SW_OK);
	check_tcp6(&pkt, 1060);

	/* TCP options cut by the snap length */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_TCP);
	pb_tcp(&p, 40000, 80, 1000, 2000, PB_TCP_PSH | PB_TCP_ACK);
	pb_tcp_options(&p, 10);
	pb_payload(&p, 500);
	pb_finish(&p);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, 14 + 20 + 24, (uint32_t)p.len, &pkt, &why),
			 SW_OK);
	check_tcp4(&pkt, 20 + 60 + 500);

	/* UDP whose length is beyond what was captured */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_udp(&p, 5000, 53);
	pb_payload(&p, 1000);
	pb_finish(&p);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, 64, (uint32_t)p.len, &pkt, &why), SW_OK);
	assert_int_equal(pkt.ip_len, 1028);
	assert_int_equal(pkt.sport, 5000);

	/* ICMP error whose quote is cut */
	pb_init(&p);
	pb_ipv4(&p, S4, C4, PB_IP_ICMP);
	pb_icmp(&p, 3, 1, 0, 0);
	pb_payload(&p, 500);
	pb_finish(&p);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_RAW_LINUX, 30, (uint32_t)p.len, &pkt, &why), SW_OK);
	assert_int_equal(pkt.ip_len, 528);
	assert_false(pkt.inner.present);
}

static void test_big_tcp(void **state)
{
	struct pb p;
	struct sw_pkt pkt;
	enum sw_reason why;

	(void)state;
	/* IPv4 total length 0 on a frame over 64 KiB: the length comes from the wire */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 100);
	pb_set_be16(&p, 14 + 2, 0);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, (uint32_t)p.len, 14 + 70000, &pkt, &why),
			 SW_OK);
	check_tcp4(&pkt, 70000);

	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 100);
	pb_set_be16(&p, 14 + 4, 0);
	assert_int_equal(pb_dissect_n(&p, SW_DLT_EN10MB, (uint32_t)p.len, 14 + 40 + 80000, &pkt,
				      &why),
			 SW_OK);
	check_tcp6(&pkt, 40 + 80000);
}

static void test_ethernet_padding(void **state)
{
	struct pb p;
	struct sw_pkt pkt;

	(void)state;
	/* 60-byte minimum frame: 40 bytes of IP, 6 of padding */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	pb_pad(&p, 6);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp4(&pkt, 40);

	/* padding that is not zero, and a lot of it */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	pb_ipv4(&p, C4, S4, PB_IP_UDP);
	pb_udp(&p, 5000, 53);
	pb_payload(&p, 2);
	pb_finish(&p);
	pb_payload(&p, 300);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	assert_int_equal(pkt.ip_len, 30);
	assert_int_equal(pkt.sport, 5000);

	/* IPv6 with trailing bytes */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV6);
	add_tcp6(&p, 0);
	pb_pad(&p, 20);
	dissect_ok(&p, SW_DLT_EN10MB, &pkt);
	check_tcp6(&pkt, 60);

	/* padding does not make a TCP header whose offset runs past the IP payload valid */
	pb_init(&p);
	pb_eth(&p, PB_ETH_IPV4);
	add_tcp4(&p, 0);
	p.data[14 + 20 + 12] = 6 << 4;
	pb_pad(&p, 10);
	dissect_fails(&p, SW_DLT_EN10MB, SW_INVALID, SW_R_TCP_BAD_OFFSET);
}

/* ---- mutation smoke test: results stay self-consistent ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void test_mutations(void **state)
{
	struct pb seeds[4], m;
	struct sw_pkt pkt;
	enum sw_reason why;
	static const int dlts[] = { SW_DLT_EN10MB, SW_DLT_EN10MB, SW_DLT_IPV6, SW_DLT_LINUX_SLL2 };

	(void)state;
	pb_init(&seeds[0]);
	pb_eth(&seeds[0], PB_ETH_IPV4);
	add_tcp4(&seeds[0], 8);
	pb_init(&seeds[1]);
	pb_eth(&seeds[1], PB_ETH_VLAN);
	pb_vlan(&seeds[1], 1, PB_ETH_IPV6);
	pb_ipv6(&seeds[1], C6, S6, PB_IP_HOPOPTS);
	pb_ipv6_ext(&seeds[1], PB_IP_FRAGMENT, 0);
	pb_ipv6_frag(&seeds[1], PB_IP_UDP, 0, true, 3);
	pb_udp(&seeds[1], 1, 2);
	pb_finish(&seeds[1]);
	pb_init(&seeds[2]);
	pb_ipv6(&seeds[2], S6, C6, PB_IP_ICMPV6);
	pb_icmp(&seeds[2], 1, 4, 0, 0);
	pb_append(&seeds[2], seeds[1].data + 18, 56);
	pb_finish(&seeds[2]);
	pb_init(&seeds[3]);
	pb_sll2(&seeds[3], PB_ETH_IPV4, 9, 1);
	pb_ipv4(&seeds[3], S4, C4, PB_IP_ICMP);
	pb_icmp(&seeds[3], 3, 3, 0, 0);
	pb_append(&seeds[3], seeds[0].data + 14, 28);
	pb_finish(&seeds[3]);

	for (int i = 0; i < 200000; i++) {
		int s = (int)(rng() % 4);
		uint32_t cap, wire;
		enum sw_result r;

		m = seeds[s];
		for (int k = 1 + (int)(rng() % 4); k > 0; k--)
			m.data[rng() % m.len] = (uint8_t)rng();
		cap = rng() % (uint32_t)(m.len + 1);
		wire = rng() % 4 ? cap : cap + rng() % 100000;
		r = pb_dissect_n(&m, dlts[s], cap, wire, &pkt, &why);
		if (r == SW_OK) {
			assert_int_equal(why, SW_R_NONE);
			assert_true(pkt.family == 4 || pkt.family == 6);
			assert_true(pkt.frag <= SW_FRAG_LATER);
			if (wire == cap && !(pkt.ip_len > 65535 + 40))
				assert_true(pkt.ip_len <= cap);
		} else {
			assert_in_range(why, SW_R_ARP, SW_R_MAX - 1);
			assert_int_equal(r == SW_UNSUPPORTED, !sw_dissect_reason_is_malformed(why));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_ethernet),
		cmocka_unit_test(test_link_sll),
		cmocka_unit_test(test_link_sll2),
		cmocka_unit_test(test_link_raw),
		cmocka_unit_test(test_link_unsupported),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_vlan_too_deep),
		cmocka_unit_test(test_not_ip),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_max_ext),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_unreachable),
		cmocka_unit_test(test_icmpv6_unreachable),
		cmocka_unit_test(test_every_malformed_reason),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_truncate_every_byte),
		cmocka_unit_test(test_snaplen_cut),
		cmocka_unit_test(test_big_tcp),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
