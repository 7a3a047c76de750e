/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_NFLOG_INTERNAL_H
#define SW_NFLOG_INTERNAL_H

#include <segwatch/nflog.h>

/* sw_nflog_now_us - CLOCK_REALTIME in µs, for records without a kernel timestamp. */
uint64_t sw_nflog_now_us(void);

#endif
