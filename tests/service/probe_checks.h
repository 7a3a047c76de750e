/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_TEST_PROBE_CHECKS_H
#define SW_TEST_PROBE_CHECKS_H

/* What the capability tests and the agent probe ask of the kernel (probe_checks.c). */

#include <stdio.h>

/* nft_list_tables - a read-only nftables dump: 0, or the errno netfilter answered. */
int nft_list_tables(void);
/* try_packet - open an AF_PACKET socket: 0 or errno. */
int try_packet(void);
/* rc_of - 0 when @r is not negative, else errno. */
int rc_of(long r);
/* copy_status - the Cap* and NoNewPrivs lines of a /proc/PID/status on @f to @out as "PREFIXkey value". */
void copy_status(FILE *f, const char *prefix, FILE *out);

#endif
