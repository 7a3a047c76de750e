/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sw_pkt - byte order, checksums and a pcap writer for our packet tools. */
#include "sw_pkt.h"

#include <stdbool.h>
#include <string.h>

uint32_t sw_pkt_put_tcp(uint8_t *th, const struct sw_pkt_tcp *t)
{
	bool syn = t->flags & SW_TH_SYN, rst = t->flags & SW_TH_RST;
	uint32_t hlen = rst ? 20 : syn ? 40 : 32;	/* Linux sends RSTs without options */
	uint8_t *opt = th + 20;

	sw_pkt_put_be16(th, t->sport);
	sw_pkt_put_be16(th + 2, t->dport);
	sw_pkt_put_be32(th + 4, t->seq);
	sw_pkt_put_be32(th + 8, t->ack);
	th[12] = (uint8_t)((hlen / 4) << 4);
	th[13] = t->flags;
	sw_pkt_put_be16(th + 14, rst ? 0 : syn ? 64240 : 502);
	sw_pkt_put_be16(th + 16, 0);
	sw_pkt_put_be16(th + 18, 0);
	if (rst)
		return hlen;
	if (syn) {
		memcpy(opt, "\x02\x04\x05\xb4\x04\x02", 6);	/* MSS 1460, SACK_PERM */
		opt += 6;
	} else {
		memcpy(opt, "\x01\x01", 2);			/* NOP NOP */
		opt += 2;
	}
	opt[0] = 8;
	opt[1] = 10;
	sw_pkt_put_be32(opt + 2, t->tsval);
	sw_pkt_put_be32(opt + 6, (t->flags & SW_TH_ACK) ? t->tsval - 1 : 0);
	if (syn)
		memcpy(opt + 10, "\x01\x03\x03\x07", 4);	/* NOP, window scale 7 */
	return hlen;
}

uint32_t sw_pkt_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t sw_pkt_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t sw_pkt_pseudo4_sum(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	return sw_pkt_csum_add(0, ip + 12, 8) + proto + l4len;
}

uint32_t sw_pkt_pseudo6_sum(const uint8_t *ip6, uint8_t next, uint32_t l4len)
{
	uint32_t sum = sw_pkt_csum_add(0, ip6 + 8, 32);

	return sum + (l4len >> 16) + (l4len & 0xffff) + next;
}

int sw_pkt_pcap_flush(struct sw_pkt_pcap *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		return -1;
	w->bytes_written += w->len;
	w->len = 0;
	return 0;
}

int sw_pkt_pcap_header(struct sw_pkt_pcap *w, uint32_t snaplen, uint32_t linktype)
{
	uint8_t *h;

	if (w->len + 24 > w->cap && sw_pkt_pcap_flush(w) < 0)
		return -1;
	if (w->cap < 24)
		return -1;
	h = w->buf + w->len;
	sw_pkt_put_le32(h, 0xa1b2c3d4);	/* microsecond timestamps */
	sw_pkt_put_le16(h + 4, 2);
	sw_pkt_put_le16(h + 6, 4);
	sw_pkt_put_le32(h + 8, 0);		/* thiszone */
	sw_pkt_put_le32(h + 12, 0);		/* sigfigs */
	sw_pkt_put_le32(h + 16, snaplen);
	sw_pkt_put_le32(h + 20, linktype);
	w->len += 24;
	return 0;
}

int sw_pkt_pcap_record(struct sw_pkt_pcap *w, uint64_t sec, uint32_t usec, const uint8_t *frame,
		       uint32_t caplen, uint32_t wirelen)
{
	uint8_t *h;

	if (w->len + 16 + caplen > w->cap && sw_pkt_pcap_flush(w) < 0)
		return -1;
	if (16 + (size_t)caplen > w->cap)
		return -1;
	h = w->buf + w->len;
	sw_pkt_put_le32(h, (uint32_t)sec);
	sw_pkt_put_le32(h + 4, usec);
	sw_pkt_put_le32(h + 8, caplen);
	sw_pkt_put_le32(h + 12, wirelen);
	memcpy(h + 16, frame, caplen);
	w->len += 16 + caplen;
	return 0;
}
