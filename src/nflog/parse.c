// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse.c - NFLOG packet messages (NFNL_SUBSYS_ULOG, NFULNL_MSG_PACKET;
 * linux/netfilter/nfnetlink_log.h) into records. Attributes are read with
 * mnl_attr_parse() + mnl_attr_validate(); unknown ones are skipped.
 *
 *   struct nlmsghdr | struct nfgenmsg (family, version, res_id = group) | attributes:
 *     NFULA_PACKET_HDR  { be16 hw_protocol, u8 hook, u8 pad }
 *     NFULA_TIMESTAMP   { be64 sec, be64 usec }
 *     NFULA_PREFIX      NUL-terminated string
 *     NFULA_PAYLOAD     the packet from its network header
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include <segwatch/dissect.h>

#include "internal.h"

struct sw_nflog_parse_ctx {
	sw_nflog_fn fn;
	void *arg;
	struct sw_nflog_stats *stats;
	int delivered;
};

static int sw_nflog_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	int ok = 0;

	/* Attributes newer than our headers are skipped, not refused. */
	if (mnl_attr_type_valid(attr, NFULA_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case NFULA_PACKET_HDR:
		ok = mnl_attr_validate2(attr, MNL_TYPE_UNSPEC, sizeof(struct nfulnl_msg_packet_hdr));
		break;
	case NFULA_TIMESTAMP:
		ok = mnl_attr_validate2(attr, MNL_TYPE_UNSPEC,
					sizeof(struct nfulnl_msg_packet_timestamp));
		break;
	case NFULA_IFINDEX_INDEV:
	case NFULA_IFINDEX_OUTDEV:
	case NFULA_IFINDEX_PHYSINDEV:
		ok = mnl_attr_validate(attr, MNL_TYPE_U32);
		break;
	case NFULA_PREFIX:
		ok = mnl_attr_validate(attr, MNL_TYPE_NUL_STRING);
		break;
	default:
		break;
	}
	if (ok < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static void sw_nflog_fill_pkt(struct sw_nflog_rec *r, const struct nlattr *payload,
			      struct sw_nflog_stats *stats)
{
	struct sw_pkt pkt;
	enum sw_reason why;
	uint32_t len = payload ? mnl_attr_get_payload_len(payload) : 0;

	if (!payload || sw_dissect_packet(SW_DLT_RAW_LINUX, mnl_attr_get_payload(payload), len,
					  len, &pkt, &why) != SW_OK) {
		if (stats)
			stats->undecoded++;
		return;
	}
	r->decoded = true;
	r->family = pkt.family;
	r->proto = pkt.proto;
	memcpy(r->src, pkt.src, 16);
	memcpy(r->dst, pkt.dst, 16);
	r->sport = pkt.has_ports ? pkt.sport : 0;
	r->dport = pkt.has_ports ? pkt.dport : 0;
	r->icmp_type = pkt.icmp_type;
	r->icmp_code = pkt.icmp_code;
}

static void sw_nflog_fill_meta(struct sw_nflog_rec *r, const struct nlattr **tb)
{
	if (tb[NFULA_PREFIX]) {
		snprintf(r->prefix, sizeof(r->prefix), "%s", mnl_attr_get_str(tb[NFULA_PREFIX]));
		sw_nflog_prefix_parse(r->prefix, &r->action, &r->rule);
	}
	if (tb[NFULA_TIMESTAMP]) {
		struct nfulnl_msg_packet_timestamp t;

		memcpy(&t, mnl_attr_get_payload(tb[NFULA_TIMESTAMP]), sizeof(t));
		r->ts_us = be64toh(t.sec) * 1000000u + be64toh(t.usec);
	}
	if (r->ts_us == 0)
		r->ts_us = sw_clock_wall_us();
	if (tb[NFULA_IFINDEX_INDEV])
		r->indev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_INDEV]));
	if (tb[NFULA_IFINDEX_OUTDEV])
		r->outdev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_OUTDEV]));
}

/* The bridge family's attributes: the port, the ethertype, the link header. */
static void sw_nflog_fill_l2(struct sw_nflog_rec *r, const struct nlattr **tb)
{
	const struct nlattr *hw = tb[NFULA_L2HDR] ? tb[NFULA_L2HDR] : tb[NFULA_HWHEADER];
	const struct nlattr *pl = tb[NFULA_PAYLOAD];

	/* with bridge netfilter built, INDEV is the bridge and PHYSINDEV the port */
	if (tb[NFULA_IFINDEX_PHYSINDEV])
		r->port = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_PHYSINDEV]));
	else
		r->port = r->indev;
	if (tb[NFULA_PACKET_HDR]) {
		struct nfulnl_msg_packet_hdr h;

		memcpy(&h, mnl_attr_get_payload(tb[NFULA_PACKET_HDR]), sizeof(h));
		r->hw_protocol = ntohs(h.hw_protocol);
	}
	sw_nflog_spoof_fill(r, hw ? mnl_attr_get_payload(hw) : NULL,
			    hw ? mnl_attr_get_payload_len(hw) : 0,
			    pl ? mnl_attr_get_payload(pl) : NULL, pl ? mnl_attr_get_payload_len(pl) : 0);
}

static int sw_nflog_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_nflog_parse_ctx *ctx = data;
	const struct nlattr *tb[NFULA_MAX + 1] = { 0 };
	struct sw_nflog_rec r;

	if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
		return MNL_CB_OK;
	if (ctx->stats)
		ctx->stats->messages++;
	if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), sw_nflog_attr_cb, tb) < 0) {
		if (ctx->stats)
			ctx->stats->invalid++;
		return MNL_CB_OK;
	}
	memset(&r, 0, sizeof(r));
	r.rule = SW_NFLOG_RULE_NONE;
	sw_nflog_fill_meta(&r, tb);
	if (strncmp(r.prefix, "sw spoof ", 9) == 0) {
		sw_nflog_fill_l2(&r, tb);	/* the L2 guard: ARP is no IP packet */
		if (r.hw_protocol == 0x0806 || r.hw_protocol == 0)
			goto deliver;
	}
	sw_nflog_fill_pkt(&r, tb[NFULA_PAYLOAD], ctx->stats);
deliver:
	ctx->delivered++;
	if (ctx->fn)
		ctx->fn(&r, ctx->arg);
	return MNL_CB_OK;
}

/*
 * sw_nflog_buf_ok - every message of @buf lies within it. mnl_cb_run() stops
 * quietly at a cut message, and mnl_nlmsg_ok() compares nlmsg_len as an int,
 * so a length of 2 GiB or more passes it and mnl_nlmsg_next() then jumps out
 * of the buffer: check the lengths as unsigned here first.
 */
static bool sw_nflog_buf_ok(const void *buf, size_t len)
{
	const char *p = buf;
	size_t rem = len, step;

	if (len > INT32_MAX)
		return false;
	while (rem > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;

		if (rem < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > rem)
			return false;
		step = MNL_ALIGN(nlh->nlmsg_len);
		if (step >= rem)	/* the last message: its padding may be left out */
			break;
		p += step;
		rem -= step;
	}
	return true;
}

int sw_nflog_parse_msg(const void *buf, size_t len, sw_nflog_fn fn, void *arg,
		       struct sw_nflog_stats *stats)
{
	struct sw_nflog_parse_ctx ctx = { .fn = fn, .arg = arg, .stats = stats };
	void *padded = NULL;
	int rc;

	if (!sw_nflog_buf_ok(buf, len))
		return -1;
	/*
	 * A last message without its padding: libmnl reads its attributes up
	 * to the aligned end, past the buffer. Parse a zero-padded copy.
	 */
	if (MNL_ALIGN(len) != len) {
		if (!(padded = calloc(1, MNL_ALIGN(len))))
			return -1;
		memcpy(padded, buf, len);
		buf = padded;
		len = MNL_ALIGN(len);
	}
	/* seq 0 and portid 0: kernel-originated messages carry neither. */
	rc = mnl_cb_run(buf, len, 0, 0, sw_nflog_msg_cb, &ctx);
	free(padded);
	return rc < 0 ? -1 : ctx.delivered;
}
