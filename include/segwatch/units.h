/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_UNITS_H
#define SEGWATCH_UNITS_H

/*
 * units - durations, sizes and points in time as people write them, for the
 * command line and the agent's config (docs/agent.md, docs/history.md).
 */

#include <stdbool.h>
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

#endif
