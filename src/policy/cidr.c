/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prefixes in the 16-byte form: parsing, printing, containment and
 * subtraction (a "match" term's cidrs minus its except, as the disjoint
 * prefixes an nftables interval set holds).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Zero the bits of @a past the first @plen. */
static bool sw_pol_mask(uint8_t a[16], unsigned plen)
{
	bool had = false;

	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 : plen > 8 * i ? plen - 8 * i : 0;
		uint8_t m = keep == 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (a[i] & (uint8_t)~m)
			had = true;
		a[i] &= m;
	}
	return had;
}

bool sw_pol_cidr_parse(const char *text, struct sw_pol_cidr *out, bool *host_bits)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long plen;
	char *end;

	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr + 12) == 1) {
		out->addr[10] = out->addr[11] = 0xff;
		out->v4 = true;
	} else if (inet_pton(AF_INET6, addr, out->addr) != 1) {
		return false;
	}
	plen = out->v4 ? 32 : 128;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return false;
		plen = strtoul(slash + 1, &end, 10);
		if (*end || plen > (out->v4 ? 32u : 128u) || end - (slash + 1) > 3)
			return false;
	}
	out->plen = (uint8_t)(out->v4 ? plen + 96 : plen);
	*host_bits = sw_pol_mask(out->addr, out->plen);
	return true;
}

void sw_pol_cidr_text(const struct sw_pol_cidr *cidr, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (cidr->v4)
		inet_ntop(AF_INET, cidr->addr + 12, a, sizeof(a));
	else
		inet_ntop(AF_INET6, cidr->addr, a, sizeof(a));
	snprintf(buf, size, "%s/%u", a, cidr->v4 ? cidr->plen - 96u : cidr->plen);
}

bool sw_pol_cidr_has_addr(const struct sw_pol_cidr *c, const uint8_t a[16])
{
	unsigned full = c->plen / 8u, rest = c->plen % 8u;

	if (memcmp(c->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ c->addr[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool sw_pol_cidr_contains(const struct sw_pol_cidr *outer, const struct sw_pol_cidr *inner)
{
	return outer->v4 == inner->v4 && outer->plen <= inner->plen &&
	       sw_pol_cidr_has_addr(outer, inner->addr);
}

/* Do @a and @b share an address? (Prefixes either nest or are disjoint.) */
static bool sw_pol_cidr_overlap(const struct sw_pol_cidr *a, const struct sw_pol_cidr *b)
{
	return sw_pol_cidr_contains(a, b) || sw_pol_cidr_contains(b, a);
}

/*
 * @base is emitted whole when no except overlaps it, dropped when one
 * covers it, and otherwise split in two halves that are looked at in turn:
 * only halves on the way to an except's edge are split, so the pieces are
 * at most 128 per except.
 */
bool sw_pol_cidr_subtract(const struct sw_pol_cidr *base, const struct sw_pol_cidr *except,
			  size_t n, bool (*emit)(const struct sw_pol_cidr *piece, void *arg),
			  void *arg)
{
	struct sw_pol_cidr half[2];
	bool split = false;

	for (size_t i = 0; i < n; i++) {
		if (sw_pol_cidr_contains(&except[i], base))
			return true;
		if (sw_pol_cidr_overlap(&except[i], base))
			split = true;
	}
	if (!split || base->plen >= 128)
		return emit(base, arg);
	half[0] = half[1] = *base;
	half[0].plen = half[1].plen = (uint8_t)(base->plen + 1);
	half[1].addr[base->plen / 8] |= (uint8_t)(0x80 >> (base->plen % 8));
	return sw_pol_cidr_subtract(&half[0], except, n, emit, arg) &&
	       sw_pol_cidr_subtract(&half[1], except, n, emit, arg);
}
