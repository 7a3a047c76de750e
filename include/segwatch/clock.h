/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_CLOCK_H
#define SEGWATCH_CLOCK_H

/*
 * clock - the two clocks segwatch reads, in microseconds. Wall time stamps
 * what happened (flows, alerts, history); monotonic time measures how long
 * something took or when a timer is due, and never jumps with the wall.
 */

#include <stdint.h>

/* sw_clock_wall_us - CLOCK_REALTIME in microseconds since the epoch. */
uint64_t sw_clock_wall_us(void);
/* sw_clock_mono_us - CLOCK_MONOTONIC in microseconds. */
uint64_t sw_clock_mono_us(void);
/* sw_clock_mono_ms - CLOCK_MONOTONIC in milliseconds, with fractions (durations to print). */
double sw_clock_mono_ms(void);

#endif
