/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The clocks, read in one place. */
#include <time.h>

#include <segwatch/clock.h>

static uint64_t sw_clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sw_clock_wall_us(void)
{
	return sw_clock_us(CLOCK_REALTIME);
}

uint64_t sw_clock_mono_us(void)
{
	return sw_clock_us(CLOCK_MONOTONIC);
}

double sw_clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
