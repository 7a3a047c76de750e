/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durations, sizes and points in time as people write them. */
#define _GNU_SOURCE /* strptime, timegm */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/units.h>

#define SW_US_PER_S 1000000.0
#define SW_DURATION_MAX_US (100.0 * 366 * 86400 * SW_US_PER_S)

static double sw_duration_unit(const char *u, size_t n)
{
	static const struct { const char *name; double us; } units[] = {
		{ "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "sec", 1e6 }, { "m", 60e6 },
		{ "min", 60e6 }, { "h", 3600e6 }, { "d", 86400e6 }, { "w", 7 * 86400e6 },
	};

	if (n == 0)
		return 1e6;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == n && strncmp(units[i].name, u, n) == 0)
			return units[i].us;
	return -1;
}

bool sw_units_duration_parse(const char *text, uint64_t *us)
{
	const char *p = text;
	double total = 0;

	if (!*p)
		return false;
	while (*p) {
		char *end;
		double v, unit;
		size_t n = 0;

		if (!isdigit((unsigned char)*p) && *p != '.')
			return false;
		v = strtod(p, &end);
		if (end == p || !isfinite(v) || v < 0)
			return false;
		while (isalpha((unsigned char)end[n]))
			n++;
		/* a bare number is seconds, and only as the whole text */
		if (n == 0 && (p != text || end[0]))
			return false;
		if ((unit = sw_duration_unit(end, n)) < 0)
			return false;
		total += v * unit;
		if (total > SW_DURATION_MAX_US)
			return false;
		p = end + n;
	}
	*us = (uint64_t)llround(total);
	return true;
}

bool sw_units_size_parse(const char *text, uint64_t *bytes)
{
	static const struct { const char *name; double mult; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1024.0 }, { "kib", 1024.0 }, { "kb", 1e3 },
		{ "m", 1048576.0 }, { "mib", 1048576.0 }, { "mb", 1e6 },
		{ "g", 1073741824.0 }, { "gib", 1073741824.0 }, { "gb", 1e9 },
		{ "t", 1099511627776.0 }, { "tib", 1099511627776.0 }, { "tb", 1e12 },
	};
	char *end, unit[8];
	double v;
	size_t n = 0;

	if (!isdigit((unsigned char)*text))
		return false;
	v = strtod(text, &end);
	if (!isfinite(v) || v < 0)
		return false;
	while (end[n] && n < sizeof(unit) - 1) {
		unit[n] = (char)tolower((unsigned char)end[n]);
		n++;
	}
	if (end[n])
		return false;
	unit[n] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, unit) == 0) {
			double b = v * units[i].mult;

			if (b > 4611686018427387904.0)
				return false;
			*bytes = (uint64_t)llround(b);
			return true;
		}
	return false;
}

/* "+01:00", "-0530", "Z" or nothing (UTC) at @p: seconds east of UTC, or false. */
static bool sw_time_zone(const char *p, long *east_s)
{
	int h, m, sign;

	*east_s = 0;
	if (!*p || ((*p == 'Z' || *p == 'z') && !p[1]))
		return true;
	if ((*p != '+' && *p != '-') || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
		return false;
	sign = *p == '-' ? -1 : 1;
	h = (p[1] - '0') * 10 + (p[2] - '0');
	p += 3;
	if (*p == ':')
		p++;
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2])
		return false;
	m = (p[0] - '0') * 10 + (p[1] - '0');
	if (h > 23 || m > 59)
		return false;
	*east_s = (h * 3600L + m * 60L) * sign;
	return true;
}

static bool sw_time_rfc3339(const char *text, uint64_t *us)
{
	struct tm tm = { 0 };
	const char *p = strptime(text, "%Y-%m-%d", &tm);
	double frac = 0;
	long east;
	time_t t;

	if (!p)
		return false;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (!(p = strptime(p + 1, "%H:%M", &tm)))
			return false;
		if (*p == ':') {
			char *end;

			if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
				return false;
			tm.tm_sec = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
			if (*p == '.') {
				frac = strtod(p, &end);
				p = end;
			}
		}
	}
	if (!sw_time_zone(p, &east) || tm.tm_sec > 60)
		return false;
	t = timegm(&tm);
	if (t < 0)
		return false;
	*us = (uint64_t)(t - east) * 1000000u + (uint64_t)llround(frac * SW_US_PER_S);
	return true;
}

bool sw_units_time_parse(const char *text, uint64_t now_us, uint64_t *us)
{
	uint64_t d;

	if (strcmp(text, "now") == 0) {
		*us = now_us;
		return true;
	}
	if (text[0] == '@') {
		char *end;
		double s = strtod(text + 1, &end);

		if (end == text + 1 || *end || !isfinite(s) || s < 0 || s > 1e11)
			return false;
		*us = (uint64_t)llround(s * SW_US_PER_S);
		return true;
	}
	if (strlen(text) >= 10 && text[4] == '-' && text[7] == '-')
		return sw_time_rfc3339(text, us);
	if (!sw_units_duration_parse(text, &d))
		return false;
	*us = d > now_us ? 0 : now_us - d;
	return true;
}

const char *sw_units_size_format(char *buf, size_t len, uint64_t bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%u B", (unsigned)bytes);
		return buf;
	}
	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && v >= 1024) {
		v /= 1024;
		u++;
	}
	/* 1023.7 KiB would print as "1024 KiB": one unit up instead */
	if (v >= 1023.5 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	return buf;
}

const char *sw_units_duration_format(char *buf, size_t len, uint64_t us)
{
	uint64_t ms = (us + 500) / 1000, s = (us + 500000) / 1000000;

	if (ms < 1000)
		snprintf(buf, len, "%ums", (unsigned)ms);
	else if (ms < 9950)
		snprintf(buf, len, "%.1fs", (double)ms / 1000);
	else if (s < 60)
		snprintf(buf, len, "%us", (unsigned)s);
	else if (s < 3600)
		snprintf(buf, len, "%um%02us", (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%uh%02um", (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, len, "%llud%02uh", (unsigned long long)(s / 86400),
			 (unsigned)(s / 3600 % 24));
	return buf;
}

const char *sw_units_clock_format(char *buf, size_t len, uint64_t us, bool date)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) ||
	    !strftime(buf, len, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm))
		snprintf(buf, len, "-");
	return buf;
}

bool sw_units_same_day(uint64_t a_us, uint64_t b_us)
{
	time_t a = (time_t)(a_us / 1000000), b = (time_t)(b_us / 1000000);
	struct tm ta, tb;

	return localtime_r(&a, &ta) && localtime_r(&b, &tb) && ta.tm_year == tb.tm_year &&
	       ta.tm_yday == tb.tm_yday;
}
