/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_UNITS_H
#define SEGWATCH_UNITS_H

/*
 * units - durations, sizes and points in time as people write them, for the
 * command line and the agent's config (docs/agent.md, docs/history.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * sw_units_duration_parse - "90" (seconds), "90s", "15m", "2h", "7d", "1w",
 * or several of them run together ("1h30m"); fractions are allowed ("1.5h").
 * Writes microseconds; false for anything else, negative, or above 100 years.
 */
bool sw_units_duration_parse(const char *text, uint64_t *us);

/*
 * sw_units_size_parse - bytes: "4096", "64k"/"64KiB" (1024), "10M"/"10MiB",
 * "2G"/"2GiB", "1T"/"1TiB"; "kB", "MB", "GB", "TB" are powers of 1000.
 * False for anything else or above 2^62.
 */
bool sw_units_size_parse(const char *text, uint64_t *bytes);

/*
 * sw_units_time_parse - a point in time: a duration before @now_us ("10m",
 * "2h": ten minutes, two hours ago), "now", RFC 3339 ("2026-12-01T14:00:00Z",
 * "...+01:00", fractions allowed, a space instead of T), a date alone
 * ("2026-12-01", midnight UTC), or seconds since the epoch with "@" ("@1764597600").
 * Times without a zone are UTC. Writes microseconds since the epoch.
 */
bool sw_units_time_parse(const char *text, uint64_t now_us, uint64_t *us);

/*
 * The other way, for tables people read (docs/output.md). Each writes a
 * NUL-terminated string into @buf (16 bytes always suffice) and returns it.
 */

/*
 * sw_units_size_format - bytes in IEC units, the ones sw_units_size_parse
 * reads: "0 B", "512 B", "1.2 KiB", "15 KiB", "3.4 MiB", ... "EiB"; three
 * significant digits at most.
 */
const char *sw_units_size_format(char *buf, size_t len, uint64_t bytes);

/*
 * sw_units_duration_format - a duration as sw_units_duration_parse reads it,
 * rounded to what a person compares: "0ms", "450ms", "2.3s", "45s",
 * "12m03s", "3h05m", "2d04h".
 */
const char *sw_units_duration_format(char *buf, size_t len, uint64_t us);

/*
 * sw_units_clock_format - a point in time (microseconds since the epoch) in
 * local time (TZ): "14:03:12", or "2026-12-01 14:03:12" with @date.
 */
const char *sw_units_clock_format(char *buf, size_t len, uint64_t us, bool date);

/* sw_units_same_day - @a and @b fall on the same local day. */
bool sw_units_same_day(uint64_t a_us, uint64_t b_us);

#endif
