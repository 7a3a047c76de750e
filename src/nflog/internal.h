/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_NFLOG_INTERNAL_H
#define SW_NFLOG_INTERNAL_H

#include <segwatch/nflog.h>

#include <segwatch/clock.h>

#endif
