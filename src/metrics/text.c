/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition format, version 0.0.4: one page in one
 * growing buffer. Label values are the only text from outside (interface
 * names, policy group names): they are escaped as the format says
 * (backslash, double quote, newline) and made valid UTF-8, because
 * Prometheus refuses a whole scrape over one bad byte in one label.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/metrics.h>
#include <segwatch/text.h>

/* Escaped label value: every input byte may become U+FFFD (3 bytes); 6 leaves room. */
#define SW_METRICS_ESC_MAX (6 * SW_METRICS_LABEL_MAX + 1)

void sw_metrics_text_init(struct sw_metrics_text *t)
{
	memset(t, 0, sizeof(*t));
}

void sw_metrics_text_reset(struct sw_metrics_text *t)
{
	t->len = 0;
	t->nomem = false;
	if (t->buf)
		t->buf[0] = '\0';
}

void sw_metrics_text_free(struct sw_metrics_text *t)
{
	free(t->buf);
	sw_metrics_text_init(t);
}

static bool sw_metrics_grow(struct sw_metrics_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *b;

	if (t->nomem)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	while (cap < t->len + more + 1)
		cap *= 2;
	if (!(b = realloc(t->buf, cap))) {
		t->nomem = true;
		return false;
	}
	t->buf = b;
	t->cap = cap;
	return true;
}

static void sw_metrics_put(struct sw_metrics_text *t, const char *s, size_t n)
{
	if (!sw_metrics_grow(t, n))
		return;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static void sw_metrics_puts(struct sw_metrics_text *t, const char *s)
{
	sw_metrics_put(t, s, strlen(s));
}

size_t sw_metrics_escape(char *buf, size_t size, const char *value)
{
	const unsigned char *v = (const unsigned char *)(value ? value : "");
	size_t in = 0, out = 0;

	if (size == 0)
		return 0;
	while (v[in] && in < SW_METRICS_LABEL_MAX) {
		size_t n = 1, rn;
		const char *rep;

		if (v[in] >= 0x80 || v[in] == '\\' || v[in] == '"' || v[in] == '\n') {
			n = sw_text_utf8_len(v + in);
			rep = n == 0 ? "\xef\xbf\xbd" : /* U+FFFD: a byte that is not UTF-8 */
			      v[in] == '\\' ? "\\\\" : v[in] == '"' ? "\\\"" :
			      v[in] == '\n' ? "\\n" : (const char *)v + in;
			rn = n == 0 ? 3 : v[in] < 0x80 ? 2 : n;
			n = n ? n : 1;
			if (in + n > SW_METRICS_LABEL_MAX)
				break; /* cut on a character boundary */
		} else { /* plain ASCII, the usual case */
			rep = (const char *)v + in;
			rn = 1;
		}
		if (out + rn + 1 > size)
			break;
		memcpy(buf + out, rep, rn);
		out += rn;
		in += n;
	}
	buf[out] = '\0';
	return out;
}

static const char *sw_metrics_type_name(enum sw_metrics_type type)
{
	return type == SW_METRICS_COUNTER ? "counter" : type == SW_METRICS_GAUGE ? "gauge" : "untyped";
}

void sw_metrics_family(struct sw_metrics_text *t, const char *name, enum sw_metrics_type type,
		       const char *help)
{
	sw_metrics_puts(t, "# HELP ");
	sw_metrics_puts(t, name);
	sw_metrics_puts(t, " ");
	/* in HELP only backslash and newline are escaped (the format) */
	for (const char *h = help; h && *h; h++)
		if (*h == '\\')
			sw_metrics_puts(t, "\\\\");
		else if (*h == '\n')
			sw_metrics_puts(t, "\\n");
		else
			sw_metrics_put(t, h, 1);
	sw_metrics_puts(t, "\n# TYPE ");
	sw_metrics_puts(t, name);
	sw_metrics_puts(t, " ");
	sw_metrics_puts(t, sw_metrics_type_name(type));
	sw_metrics_puts(t, "\n");
}

static void sw_metrics_series(struct sw_metrics_text *t, const char *name,
			      const struct sw_metrics_label *labels, size_t n)
{
	char esc[SW_METRICS_ESC_MAX];

	sw_metrics_puts(t, name);
	if (n == 0)
		return;
	sw_metrics_puts(t, "{");
	for (size_t i = 0; i < n; i++) {
		size_t len = sw_metrics_escape(esc, sizeof(esc), labels[i].value);

		if (i)
			sw_metrics_puts(t, ",");
		sw_metrics_puts(t, labels[i].name);
		sw_metrics_puts(t, "=\"");
		sw_metrics_put(t, esc, len);
		sw_metrics_puts(t, "\"");
	}
	sw_metrics_puts(t, "}");
}

void sw_metrics_u64(struct sw_metrics_text *t, const char *name,
		    const struct sw_metrics_label *labels, size_t n, uint64_t value)
{
	char v[24], *p = v + sizeof(v);

	/* by hand: snprintf is a third of a 10,000-series render */
	*--p = '\n';
	do
		*--p = (char)('0' + value % 10);
	while (value /= 10);
	*--p = ' ';
	sw_metrics_series(t, name, labels, n);
	sw_metrics_put(t, p, (size_t)(v + sizeof(v) - p));
}

void sw_metrics_f64(struct sw_metrics_text *t, const char *name,
		    const struct sw_metrics_label *labels, size_t n, double value)
{
	char v[48];

	sw_metrics_series(t, name, labels, n);
	if (isnan(value))
		snprintf(v, sizeof(v), " NaN\n");
	else if (isinf(value))
		snprintf(v, sizeof(v), " %sInf\n", value > 0 ? "+" : "-");
	else
		snprintf(v, sizeof(v), " %.17g\n", value);
	sw_metrics_puts(t, v);
}

void sw_metrics_counter(struct sw_metrics_text *t, const char *name, const char *help,
			uint64_t value)
{
	sw_metrics_family(t, name, SW_METRICS_COUNTER, help);
	sw_metrics_u64(t, name, NULL, 0, value);
}

void sw_metrics_gauge(struct sw_metrics_text *t, const char *name, const char *help,
		      uint64_t value)
{
	sw_metrics_family(t, name, SW_METRICS_GAUGE, help);
	sw_metrics_u64(t, name, NULL, 0, value);
}
