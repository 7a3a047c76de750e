// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nflog_spoof.c - the L2 guard's NFLOG records (bridge family) parsed back: what was forged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include <segwatch/nflog.h>

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* A bridge-family packet message: port 7 (PHYSINDEV), bridge 3 (INDEV), link header, payload. */
static char *put_msg(char *buf, const char *prefix, uint16_t ethertype, const uint8_t *pl,
		     size_t pl_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nfulnl_msg_packet_hdr ph = { .hw_protocol = htons(ethertype), .hook = 0 };
	uint8_t l2[14] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	memcpy(l2 + 6, mac_a, 6);
	l2[12] = (uint8_t)(ethertype >> 8);
	l2[13] = (uint8_t)ethertype;
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_BRIDGE;
	nfg->res_id = htons(42);
	mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_INDEV, htonl(3));
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_PHYSINDEV, htonl(7));
	mnl_attr_put(nlh, NFULA_L2HDR, sizeof(l2), l2);
	mnl_attr_put_strz(nlh, NFULA_PREFIX, prefix);
	if (pl)
		mnl_attr_put(nlh, NFULA_PAYLOAD, pl_len, pl);
	return buf + nlh->nlmsg_len;
}

struct got {
	int n;
	struct sw_nflog_rec r[8];
};

static void got_fn(const struct sw_nflog_rec *r, void *arg)
{
	struct got *g = arg;

	if (g->n < 8)
		g->r[g->n] = *r;
	g->n++;
}

static void test_spoof_records(void **state)
{
	_Alignas(4) char buf[8192];
	char *end = buf;
	struct got g = { 0 };
	struct sw_nflog_stats st = { 0 };
	uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 2 }, na[64] = { 0x60 }, ip4[28] = { 0x45 };
	uint8_t b4[4] = { 10, 0, 0, 2 }, b6[16];

	(void)state;
	memset(buf, 0, sizeof(buf));
	/* ARP reply: sender MAC b, sender IP 10.0.0.2 */
	memcpy(arp + 8, mac_b, 6);
	memcpy(arp + 14, b4, 4);
	/* IPv6 (next header 58) + NA for fd00::2 */
	assert_int_equal(inet_pton(AF_INET6, "fd00::2", b6), 1);
	na[4] = 0;
	na[5] = 24;
	na[6] = 58;
	na[7] = 255;
	na[40] = 136;
	memcpy(na + 48, b6, 16);
	/* IPv4 UDP from 10.0.0.99 */
	ip4[3] = 28;
	ip4[8] = 64;
	ip4[9] = 17;
	ip4[25] = 8;
	ip4[12] = 10;
	ip4[15] = 99;
	end = put_msg(end, "sw spoof arp_sender_ip", 0x0806, arp, sizeof(arp));
	end = put_msg(end, "sw spoof arp_sender_mac monitor", 0x0806, arp, sizeof(arp));
	end = put_msg(end, "sw spoof na_target", 0x86dd, na, sizeof(na));
	end = put_msg(end, "sw spoof source_ip", 0x0800, ip4, sizeof(ip4));
	end = put_msg(end, "sw spoof arp_sender_ip", 0x0806, arp, 10);	/* cut short */
	end = put_msg(end, "sw spoof Bad\"word", 0x0800, ip4, sizeof(ip4));
	end = put_msg(end, "sw spoof source_mac whatever", 0x0800, NULL, 0);
	assert_int_equal(sw_nflog_parse_msg(buf, (size_t)(end - buf), got_fn, &g, &st), 7);

	assert_string_equal(g.r[0].spoof, "arp_sender_ip");
	assert_false(g.r[0].spoof_monitor);
	assert_int_equal(g.r[0].port, 7);
	assert_int_equal(g.r[0].hw_protocol, 0x0806);
	assert_true(g.r[0].has_spoof_addr);
	assert_memory_equal(g.r[0].spoof_addr + 12, b4, 4);
	assert_true(g.r[0].has_spoof_mac);
	assert_memory_equal(g.r[0].spoof_mac, mac_a, 6);	/* the frame's own source */

	assert_string_equal(g.r[1].spoof, "arp_sender_mac");
	assert_true(g.r[1].spoof_monitor);
	assert_memory_equal(g.r[1].spoof_mac, mac_b, 6);	/* the sender MAC it claimed */

	assert_string_equal(g.r[2].spoof, "na_target");
	assert_true(g.r[2].has_spoof_addr);
	assert_memory_equal(g.r[2].spoof_addr, b6, 16);

	assert_string_equal(g.r[3].spoof, "source_ip");
	assert_true(g.r[3].decoded);
	assert_int_equal(g.r[3].spoof_addr[15], 99);

	assert_string_equal(g.r[4].spoof, "arp_sender_ip");
	assert_false(g.r[4].has_spoof_addr);	/* 10 bytes: no sender IP, nothing read past */

	assert_string_equal(g.r[5].spoof, "");	/* not a word of ours */
	assert_string_equal(g.r[6].spoof, "");	/* "whatever" is no mode */
	/* ARP is no IP packet: not counted as undecoded */
	assert_int_equal(st.undecoded, 1);	/* the last: no payload */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spoof_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
