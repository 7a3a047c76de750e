/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * l2_rules.c - the L2 guard's chain (bridge family, hook prerouting: every
 * frame entering the bridge from a port, whether it is forwarded to another
 * port or delivered to the host, before br_netfilter hands it to the inet
 * hooks). Each rule is written twice here, as nft text and as the
 * expressions nft makes of that text (nft --debug=netlink), so the script
 * and the batch stay one plan:
 *
 *   0 iifname != @l2_ports accept                         unguarded: untouched
 *   1 iifname . ether saddr != @l2_mac                    source MAC
 *   2 ether type arp iifname . arp saddr ether != @l2_mac ARP sender MAC
 *   3 ether type arp iifname . arp saddr ip != @l2_ip4    ARP sender IP
 *       arp saddr ip != 0.0.0.0                             (ARP probes: RFC 5227)
 *   4 ether type ip iifname . ip saddr != @l2_ip4         IPv4 source
 *       ip saddr != 0.0.0.0                                 (DHCP discover)
 *   5 ether type ip6 iifname . ip6 saddr != @l2_ip6       IPv6 source
 *       ip6 saddr != ::                                     (DAD, MLD: RFC 4862)
 *   6 icmpv6 type nd-neighbor-advert                      NA target (RFC 4861 4.4:
 *       iifname . @th,64,128 != @l2_na                      16 bytes at offset 8)
 *   7 ether type != arp, ip, ip6                          anything else
 * Rules 1-7: counter, log to the NFLOG group with "sw spoof <what>", drop
 * (monitor: "sw spoof <what> monitor", accept). A frame passing them all meets the chain's policy accept.
 */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "internal.h"
#include "l2.h"

#define ETH_ARP 0x0806
#define ETH_IP 0x0800
#define ETH_IP6 0x86dd

static const struct {
	const char *match;
	int forged;
	const char *comment;
} sw_l2_rules[SW_NFT_L2_N_RULES] = {
	{ "iifname != @l2_ports", -1, "l2 unguarded port" },
	{ "iifname . ether saddr != @l2_mac", SW_NFT_L2_F_SOURCE_MAC, "l2 source_mac" },
	{ "ether type arp iifname . arp saddr ether != @l2_mac", SW_NFT_L2_F_ARP_SENDER_MAC,
	  "l2 arp_sender_mac" },
	{ "ether type arp iifname . arp saddr ip != @l2_ip4 arp saddr ip != 0.0.0.0",
	  SW_NFT_L2_F_ARP_SENDER_IP, "l2 arp_sender_ip" },
	{ "ether type ip iifname . ip saddr != @l2_ip4 ip saddr != 0.0.0.0", SW_NFT_L2_F_SOURCE_IP,
	  "l2 source_ip" },
	{ "ether type ip6 iifname . ip6 saddr != @l2_ip6 ip6 saddr != ::", SW_NFT_L2_F_SOURCE_IP6,
	  "l2 source_ip6" },
	{ "icmpv6 type nd-neighbor-advert iifname . @th,64,128 != @l2_na", SW_NFT_L2_F_NA_TARGET,
	  "l2 na_target" },
	{ "ether type != arp ether type != ip ether type != ip6", SW_NFT_L2_F_ETHERTYPE,
	  "l2 ethertype" },
};

const char *sw_nft__l2_rule_match(size_t r) { return sw_l2_rules[r].match; }
int sw_nft__l2_rule_forged(size_t r) { return sw_l2_rules[r].forged; }
const char *sw_nft__l2_rule_comment(size_t r) { return sw_l2_rules[r].comment; }

static int meta_iifname(struct nftnl_rule *r)
{
	return sw_nft__expr_meta(r, NFT_META_IIFNAME, NFT_REG_1);
}

static int meta_l4proto(struct nftnl_rule *r)
{
	return sw_nft__expr_meta(r, NFT_META_L4PROTO, NFT_REG_1);
}

static int load(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t reg)
{
	return sw_nft__expr_payload(r, base, off, len, reg);
}

static int cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	return sw_nft__expr_cmp(r, op, data, len);
}

/* `ether type != T` or `ether type T`: the two bytes at 12 of the link header. */
static int ether_type(struct nftnl_rule *r, uint32_t op, uint16_t type)
{
	uint16_t be = htons(type);

	return load(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1) || cmp(r, op, &be, 2) ? -1 : 0;
}

/* reg 1 (iifname) . reg 2 (loaded before) not in set @s. */
static int not_in(struct nftnl_rule *r, enum sw_nft_l2_set s)
{
	return sw_nft__expr_lookup(r, sw_nft_l2_set_name(s), 0, true);
}

/* iifname . <payload> != @set */
static int pair_not_in(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
		       enum sw_nft_l2_set s)
{
	return meta_iifname(r) || load(r, base, off, len, NFT_REG_2) || not_in(r, s) ? -1 : 0;
}

/* <payload> != 0 (the unspecified address) */
static int not_zero(struct nftnl_rule *r, uint32_t off, uint32_t len)
{
	static const uint8_t zero[16];

	return load(r, NFT_PAYLOAD_NETWORK_HEADER, off, len, NFT_REG_1) ||
	       cmp(r, NFT_CMP_NEQ, zero, len) ? -1 : 0;
}

static int sw_l2_matches(struct nftnl_rule *r, size_t i)
{
	const uint32_t NH = NFT_PAYLOAD_NETWORK_HEADER;
	uint8_t na = 136, icmp6 = 58;

	switch (i) {
	case 0:
		return meta_iifname(r) || not_in(r, SW_NFT_L2_PORTS) ? -1 : 0;
	case 1:
		return pair_not_in(r, NFT_PAYLOAD_LL_HEADER, 6, 6, SW_NFT_L2_MAC);
	case 2:
		return ether_type(r, NFT_CMP_EQ, ETH_ARP) || pair_not_in(r, NH, 8, 6, SW_NFT_L2_MAC) ? -1 : 0;
	case 3:
		return ether_type(r, NFT_CMP_EQ, ETH_ARP) || pair_not_in(r, NH, 14, 4, SW_NFT_L2_IP4) ||
		       not_zero(r, 14, 4) ? -1 : 0;
	case 4:
		return ether_type(r, NFT_CMP_EQ, ETH_IP) || pair_not_in(r, NH, 12, 4, SW_NFT_L2_IP4) ||
		       not_zero(r, 12, 4) ? -1 : 0;
	case 5:
		return ether_type(r, NFT_CMP_EQ, ETH_IP6) || pair_not_in(r, NH, 8, 16, SW_NFT_L2_IP6) ||
		       not_zero(r, 8, 16) ? -1 : 0;
	case 6:
		return ether_type(r, NFT_CMP_EQ, ETH_IP6) || meta_l4proto(r) || cmp(r, NFT_CMP_EQ, &icmp6, 1) ||
		       load(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1) || cmp(r, NFT_CMP_EQ, &na, 1) ||
		       pair_not_in(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, SW_NFT_L2_NA) ? -1 : 0;
	case 7:
		return ether_type(r, NFT_CMP_NEQ, ETH_ARP) || ether_type(r, NFT_CMP_NEQ, ETH_IP) ||
		       ether_type(r, NFT_CMP_NEQ, ETH_IP6) ? -1 : 0;
	}
	return -1;
}

static int sw_l2_log(struct nftnl_rule *r, const struct sw_nft_l2 *l2, int forged)
{
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "%s%s%s", SW_NFT_L2_PREFIX,
		 sw_nft_l2_forged_name((enum sw_nft_l2_forged)forged), l2->monitor ? " monitor" : "");
	return sw_nft__expr_log(r, prefix, l2->log_group);
}

int sw_nft__l2_rule_build(const struct sw_nft_l2 *l2, size_t i, struct nftnl_rule *r)
{
	int forged = sw_l2_rules[i].forged;

	if (sw_l2_matches(r, i) < 0)
		return -1;
	if (forged >= 0 && (sw_nft__expr_add(r, nftnl_expr_alloc("counter")) < 0 ||
			    sw_l2_log(r, l2, forged) < 0))
		return -1;
	if (sw_nft__expr_verdict(r, forged < 0 || l2->monitor ? NF_ACCEPT : NF_DROP) < 0)
		return -1;
	return sw_nft__rule_comment(r, sw_l2_rules[i].comment);
}
