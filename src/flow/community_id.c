/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Community ID v1 (https://github.com/corelight/community-id-spec): one
 * string per flow that Zeek, Suricata, Arkime and most SIEMs compute the
 * same way, so a segwatch flow can be joined with their records by string
 * comparison.
 *
 * SHA-1 over seed . saddr . daddr . proto . 0 . sport . dport (network
 * order; addresses 4 or 16 bytes), the endpoints ordered so that the
 * smaller address:port comes first, then "1:" and the digest in base64.
 * Ports only for TCP, UDP and SCTP; ICMP and ICMPv6 use type and code, or
 * type and the type of the answer where there is one (an echo request and
 * its reply hash alike). SHA-1 and base64 come from libcrypto.
 */
#include <pthread.h>
#include <string.h>

#include <segwatch/flow.h>

#include "crypto_api.h"

/* The answer to each ICMP request type, and back (-1: none, one-way). */
static int sw_cid_icmp4_peer(uint8_t type)
{
	switch (type) {
	case 8: return 0;	/* echo */
	case 0: return 8;
	case 13: return 14;	/* timestamp */
	case 14: return 13;
	case 15: return 16;	/* information */
	case 16: return 15;
	case 10: return 9;	/* router solicitation / advertisement */
	case 9: return 10;
	case 17: return 18;	/* address mask */
	case 18: return 17;
	default: return -1;
	}
}

static int sw_cid_icmp6_peer(uint8_t type)
{
	switch (type) {
	case 128: return 129;	/* echo */
	case 129: return 128;
	case 133: return 134;	/* router solicitation / advertisement */
	case 134: return 133;
	case 135: return 136;	/* neighbour solicitation / advertisement */
	case 136: return 135;
	case 130: return 131;	/* multicast listener query / report */
	case 131: return 130;
	case 139: return 140;	/* node information query / response */
	case 140: return 139;
	case 144: return 145;	/* home agent address discovery */
	case 145: return 144;
	default: return -1;
	}
}

/*
 * libcrypto looks SHA-1 up on every EVP_sha1() digest: 555 ns a flow
 * against 148 ns with the algorithm fetched once (OpenSSL 3.0, this
 * machine), at 500k flows/s the difference is a tenth of a core. The
 * fetched algorithm is immutable and shared, kept for the process's life.
 * libcrypto itself is opened then (crypto_api.h): most commands print no
 * Community ID and should not pay for mapping it at start.
 */
static const struct sw_crypto_api *sw_cid_crypto;
static EVP_MD *sw_cid_sha1;
static pthread_once_t sw_cid_once = PTHREAD_ONCE_INIT;

static void sw_cid_fetch(void)
{
	struct sw_err err;

	/* no libcrypto (Debian's libssl3): no IDs, as without SHA-1 below */
	if ((sw_cid_crypto = sw_crypto_api(&err)))
		sw_cid_sha1 = sw_cid_crypto->EVP_MD_fetch(NULL, "SHA1", NULL);
}

static void sw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void sw_flow_community_id(const struct sw_flow *f, uint16_t seed,
			  char out[SW_COMMUNITY_ID_LEN])
{
	size_t alen = f->family == 4 ? 4 : 16, off = f->family == 4 ? 12 : 0, n = 0;
	const uint8_t *sa = f->init_addr + off, *da = f->resp_addr + off;
	uint16_t sp = f->init_port, dp = f->resp_port;
	bool ports = false, one_way = false;
	uint8_t buf[2 + 16 + 16 + 2 + 4], digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	int cmp;

	switch (f->proto) {
	case 6: case 17: case 132:	/* TCP, UDP, SCTP */
		ports = true;
		break;
	case 1: case 58: {		/* ICMP, ICMPv6 */
		int peer = f->proto == 1 ? sw_cid_icmp4_peer(f->icmp_type) :
					   sw_cid_icmp6_peer(f->icmp_type);

		ports = true;
		sp = f->icmp_type;
		dp = peer < 0 ? f->icmp_code : (uint16_t)peer;
		one_way = peer < 0;
		break;
	}
	default:
		break;
	}
	cmp = memcmp(sa, da, alen);
	if (!one_way && (cmp > 0 || (cmp == 0 && ports && sp > dp))) {
		const uint8_t *ta = sa;
		uint16_t tp = sp;

		sa = da, da = ta;
		sp = dp, dp = tp;
	}
	sw_put16(buf, seed);
	n = 2;
	memcpy(buf + n, sa, alen), n += alen;
	memcpy(buf + n, da, alen), n += alen;
	buf[n++] = f->proto;
	buf[n++] = 0;
	if (ports) {
		sw_put16(buf + n, sp);
		sw_put16(buf + n + 2, dp);
		n += 4;
	}
	memcpy(out, "1:", 2);
	pthread_once(&sw_cid_once, sw_cid_fetch);
	if (!sw_cid_sha1 ||
	    !sw_cid_crypto->EVP_Digest(buf, n, digest, &dlen, sw_cid_sha1, NULL) || dlen != 20) {
		out[0] = '\0'; /* libcrypto without SHA-1 (a FIPS build): no ID */
		return;
	}
	sw_cid_crypto->EVP_EncodeBlock((unsigned char *)out + 2, digest, 20); /* 28 characters and a NUL */
}
