// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * spoof.c - what an L2 guard record (prefix "sw spoof WHAT", docs/policy.md
 * "L2 guard") says was forged, read from the frame the kernel logged:
 *
 *   link header (NFULA_L2HDR or NFULA_HWHEADER): dst MAC 6 | src MAC 6 | type 2
 *   ARP (RFC 826), from the network header:
 *     htype 2 | ptype 2 | hlen 1 | plen 1 | op 2 | sender MAC 6 | sender IP 4 | ...
 *   ICMPv6 neighbour advertisement (RFC 4861 4.4), after a 40-byte IPv6 header:
 *     type 1 | code 1 | checksum 2 | flags 4 | target 16
 *
 * Every read is checked against the length first (written so the check
 * cannot overflow): a short frame leaves the field unset, never read past.
 */
#include <string.h>

#include "internal.h"

static const uint8_t sw_spoof_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* @n bytes at @off of [@p, @p + @len) into @out; false when short. */
static bool sw_spoof_take(const uint8_t *p, size_t len, size_t off, uint8_t *out, size_t n)
{
	if (!p || off > len || n > len - off)
		return false;
	memcpy(out, p + off, n);
	return true;
}

static void sw_spoof_v4(struct sw_nflog_rec *r, const uint8_t *pl, size_t len, size_t off)
{
	memcpy(r->spoof_addr, sw_spoof_mapped, 12);
	r->has_spoof_addr = sw_spoof_take(pl, len, off, r->spoof_addr + 12, 4);
}

/* WHAT: lower-case letters, digits and '_' only (it goes into alerts as is); then " monitor" or nothing. */
static bool sw_spoof_word(const char *w, char *out, size_t size, bool *monitor)
{
	size_t n = strcspn(w, " ");
	const char *rest = w + n;

	while (*rest == ' ')
		rest++;
	*monitor = strncmp(rest, "monitor", 7) == 0;
	if (n == 0 || n >= size || (*rest && !*monitor))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || w[i] == '_' || (w[i] >= '0' && w[i] <= '9')))
			return false;
	memcpy(out, w, n);
	out[n] = '\0';
	return true;
}

void sw_nflog_spoof_fill(struct sw_nflog_rec *r, const uint8_t *l2, size_t l2_len,
			 const uint8_t *pl, size_t pl_len)
{
	uint8_t src_mac[6];
	bool has_src = sw_spoof_take(l2, l2_len, 6, src_mac, 6);

	if (strncmp(r->prefix, "sw spoof ", 9) != 0 ||
	    !sw_spoof_word(r->prefix + 9, r->spoof, sizeof(r->spoof), &r->spoof_monitor)) {
		r->spoof[0] = '\0';
		return;
	}
	if (strcmp(r->spoof, "arp_sender_mac") == 0) {
		r->has_spoof_mac = sw_spoof_take(pl, pl_len, 8, r->spoof_mac, 6);
	} else if (strcmp(r->spoof, "arp_sender_ip") == 0) {
		sw_spoof_v4(r, pl, pl_len, 14);
	} else if (strcmp(r->spoof, "source_ip") == 0) {
		sw_spoof_v4(r, pl, pl_len, 12);
	} else if (strcmp(r->spoof, "source_ip6") == 0) {
		r->has_spoof_addr = sw_spoof_take(pl, pl_len, 8, r->spoof_addr, 16);
	} else if (strcmp(r->spoof, "na_target") == 0) {
		/* the NA right after the fixed header (extension headers: target left unset) */
		uint8_t nh = 0;

		if (sw_spoof_take(pl, pl_len, 6, &nh, 1) && nh == 58)
			r->has_spoof_addr = sw_spoof_take(pl, pl_len, 40 + 8, r->spoof_addr, 16);
	}
	if (!r->has_spoof_mac && has_src) {	/* else: the frame's own source MAC */
		memcpy(r->spoof_mac, src_mac, 6);
		r->has_spoof_mac = true;
	}
}
