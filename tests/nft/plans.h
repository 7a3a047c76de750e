/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plans.h - plans built in C for the nft tests and the driver. */
#ifndef SW_TEST_NFT_PLANS_H
#define SW_TEST_NFT_PLANS_H
#include <segwatch/nft.h>

/* The demo: sets a and b, chain fwd: ct established accept, tcp 8080 a->b accept, drop+log group 5. */
void plan_demo(struct sw_nft_plan *p);
/* IPv6 sets, port lists and ranges, ICMP types, monitor (continue), edge prefixes. */
void plan_mixed(struct sw_nft_plan *p);
/* @nsets sets of @naddrs hosts each, @nrules rules (benchmark). */
void plan_big(struct sw_nft_plan *p, size_t nsets, size_t naddrs, size_t nrules);
/* Broken plans the kernel refuses: 1 duplicate set name, 2 chain on the ingress hook. */
void plan_broken(struct sw_nft_plan *p, int which);
/* v4-mapped prefix from text ("10.0.0.0/24", "fd00::/64"); aborts on bad text. */
struct sw_nft_prefix pfx(const char *s);
#endif
