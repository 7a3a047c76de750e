/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tables for people: cells escaped once when added, widths measured in
 * terminal columns, the widest flexible column shrunk first until the row
 * fits (as `ps` and `systemctl` cut their widest field), an ellipsis where a
 * cell was cut. And port runs: a scan folded into one row.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/table.h>
#include <segwatch/term.h>
#include <segwatch/text.h>

#define SW_TABLE_GAP 2
#define SW_TABLE_CELL_MAX 1024	/* bytes of one escaped cell */
static const char sw_ellipsis[] = "\xe2\x80\xa6"; /* U+2026, one column */

struct sw_table_cellv {
	char *text;		/* escaped */
	const char *sgr;	/* static */
	size_t width;
};

struct sw_table {
	struct sw_table_col *cols;
	size_t n_cols;
	struct sw_table_cellv *cells;	/* n_rows * n_cols */
	size_t n_rows, cap_rows;
	size_t at;			/* next cell of the last row */
};

struct sw_table *sw_table_new(const struct sw_table_col *cols, size_t n)
{
	struct sw_table *t = calloc(1, sizeof(*t));

	if (!t || !n || !(t->cols = malloc(n * sizeof(*cols)))) {
		free(t);
		return NULL;
	}
	memcpy(t->cols, cols, n * sizeof(*cols));
	t->n_cols = n;
	return t;
}

void sw_table_free(struct sw_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells[i].text);
	free(t->cells);
	free(t->cols);
	free(t);
}

bool sw_table_row(struct sw_table *t)
{
	if (t->n_rows == t->cap_rows) {
		size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
		struct sw_table_cellv *c = realloc(t->cells, cap * t->n_cols * sizeof(*c));

		if (!c)
			return false;
		t->cells = c;
		t->cap_rows = cap;
	}
	memset(&t->cells[t->n_rows * t->n_cols], 0, t->n_cols * sizeof(*t->cells));
	t->n_rows++;
	t->at = 0;
	return true;
}

size_t sw_table_rows(const struct sw_table *t)
{
	return t->n_rows;
}

bool sw_table_cell(struct sw_table *t, const char *text, const char *sgr)
{
	char buf[SW_TABLE_CELL_MAX];
	struct sw_table_cellv *c;

	if (!t->n_rows || t->at >= t->n_cols)
		return true; /* extra cells are dropped: a bug, not a crash */
	c = &t->cells[(t->n_rows - 1) * t->n_cols + t->at++];
	sw_text_escape(buf, sizeof(buf), text);
	if (!(c->text = strdup(buf)))
		return false;
	c->sgr = sgr;
	c->width = sw_table_text_width(c->text);
	return true;
}

bool sw_table_cellf(struct sw_table *t, const char *sgr, const char *fmt, ...)
{
	char buf[SW_TABLE_CELL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return sw_table_cell(t, buf, sgr);
}

/* Columns taken by the code point @cp: 0 for combining marks, 2 for wide East Asian ones. */
static size_t sw_table_cp_width(unsigned long cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1ab0 && cp <= 0x1aff) ||
	    (cp >= 0x1dc0 && cp <= 0x1dff) || (cp >= 0x20d0 && cp <= 0x20ff) ||
	    (cp >= 0xfe20 && cp <= 0xfe2f))
		return 0;
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) ||
	    (cp >= 0x3041 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
	    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
	    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) ||
	    (cp >= 0x1f300 && cp <= 0x1f64f) || (cp >= 0x1f900 && cp <= 0x1f9ff) ||
	    (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* The character at @s: its length in bytes (1 for a stray byte) and width. */
static size_t sw_table_char(const unsigned char *s, size_t *width)
{
	size_t n = sw_text_utf8_len(s);
	unsigned long cp;

	if (n <= 1) {
		*width = 1;
		return 1;
	}
	cp = s[0] & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	*width = sw_table_cp_width(cp);
	return n;
}

size_t sw_table_text_width(const char *s)
{
	size_t w = 0, cw;

	for (const unsigned char *p = (const unsigned char *)s; p && *p; w += cw)
		p += sw_table_char(p, &cw);
	return w;
}

/* Bytes of @s's head that fit in @width columns. */
static size_t sw_table_head(const char *s, size_t width)
{
	size_t used = 0, cw, n, o = 0;

	while (s[o]) {
		n = sw_table_char((const unsigned char *)s + o, &cw);
		if (used + cw > width)
			break;
		used += cw;
		o += n;
	}
	/* combining marks belong to the character before them */
	while (s[o] && (n = sw_table_char((const unsigned char *)s + o, &cw)) && cw == 0)
		o += n;
	return o;
}

/* Byte offset of @s's tail that fits in @width columns. */
static size_t sw_table_tail(const char *s, size_t width)
{
	size_t total = sw_table_text_width(s), skip = total > width ? total - width : 0;
	size_t used = 0, cw, n, o = 0;

	while (s[o] && used < skip) {
		n = sw_table_char((const unsigned char *)s + o, &cw);
		used += cw;
		o += n;
	}
	while (s[o] && (n = sw_table_char((const unsigned char *)s + o, &cw)) && cw == 0)
		o += n;
	return o;
}

const char *sw_table_fit(char *buf, size_t len, const char *s, size_t width, bool middle)
{
	size_t head, tail, el = sizeof(sw_ellipsis) - 1;

	if (!len)
		return buf;
	if (sw_table_text_width(s) <= width) {
		snprintf(buf, len, "%s", s);
		return buf;
	}
	if (width == 0) {
		buf[0] = '\0';
		return buf;
	}
	middle = middle && width >= 3;
	head = sw_table_head(s, middle ? width / 2 : width - 1);
	tail = middle ? sw_table_tail(s, width - 1 - width / 2) : strlen(s);
	if (head + el + strlen(s + tail) + 1 > len) { /* cannot happen with cells' sizes */
		snprintf(buf, len, "%s", s);
		return buf;
	}
	memcpy(buf, s, head);
	memcpy(buf + head, sw_ellipsis, el);
	strcpy(buf + head + el, s + tail);
	return buf;
}

/* The natural width of column @c: its widest cell or title, within its maximum. */
static size_t sw_table_natural(const struct sw_table *t, size_t c)
{
	size_t w = sw_table_text_width(t->cols[c].title);
	bool any = t->n_rows == 0;

	for (size_t r = 0; r < t->n_rows; r++) {
		any |= t->cells[r * t->n_cols + c].width > 0;
		if (t->cells[r * t->n_cols + c].width > w)
			w = t->cells[r * t->n_cols + c].width;
	}
	if (!any)
		return 0; /* a column with nothing in it is left out */
	return t->cols[c].max && w > t->cols[c].max ? t->cols[c].max : w;
}

static size_t sw_table_min(const struct sw_table *t, size_t c, size_t natural)
{
	size_t min = t->cols[c].flex ? (t->cols[c].min > 1 ? t->cols[c].min : 1) : natural;

	return min < natural ? min : natural;
}

/*
 * The width of each column (0: hidden): optional columns left out while the
 * others cannot fit at their minimum, then the widest flexible ones shrunk.
 */
static void sw_table_widths(const struct sw_table *t, unsigned width, size_t *w)
{
	size_t total = 0, least, shown;

	for (size_t c = 0; c < t->n_cols; c++)
		w[c] = sw_table_natural(t, c);
	for (;;) {
		size_t pick = SIZE_MAX;

		least = shown = 0;
		for (size_t c = 0; c < t->n_cols; c++) {
			if (!w[c])
				continue;
			least += sw_table_min(t, c, w[c]) + (shown++ ? SW_TABLE_GAP : 0);
			if (t->cols[c].hide && (pick == SIZE_MAX || t->cols[c].hide > t->cols[pick].hide))
				pick = c;
		}
		if (!width || least <= width || pick == SIZE_MAX)
			break;
		w[pick] = 0;
	}
	shown = 0;
	for (size_t c = 0; c < t->n_cols; c++)
		if (w[c])
			total += w[c] + (shown++ ? SW_TABLE_GAP : 0);
	while (width && total > width) {
		size_t pick = SIZE_MAX;

		for (size_t c = 0; c < t->n_cols; c++)
			if (w[c] && t->cols[c].flex && w[c] > sw_table_min(t, c, w[c] + 1) &&
			    (pick == SIZE_MAX || w[c] > w[pick]))
				pick = c;
		if (pick == SIZE_MAX)
			break; /* the minimums do not fit: the terminal wraps */
		w[pick]--;
		total--;
	}
}

bool sw_table_shown(const struct sw_table *t, size_t col, unsigned width)
{
	size_t *w = calloc(t->n_cols, sizeof(*w));
	bool shown;

	if (!w || col >= t->n_cols) {
		free(w);
		return true;
	}
	sw_table_widths(t, width, w);
	shown = w[col] != 0;
	free(w);
	return shown;
}

/*
 * One cell padded to @w. Spaces are owed in *@pad and written only before
 * the next visible text: no line ends in blanks.
 */
static void sw_table_put(FILE *out, const struct sw_table_col *col, const char *text,
			 const char *sgr, size_t w, bool colour, size_t *pad)
{
	char buf[SW_TABLE_CELL_MAX + 8];
	size_t tw;

	sw_table_fit(buf, sizeof(buf), text, w, col->cut_middle);
	tw = sw_table_text_width(buf);
	if (col->align == SW_TABLE_RIGHT)
		*pad += w - tw;
	if (*buf) {
		fprintf(out, "%*s", (int)*pad, "");
		*pad = 0;
		if (colour && sgr)
			fprintf(out, "\033[%sm%s\033[0m", sgr, buf);
		else
			fputs(buf, out);
	}
	if (col->align == SW_TABLE_LEFT)
		*pad += w - tw;
}

int sw_table_write(const struct sw_table *t, FILE *out, unsigned width, bool colour)
{
	size_t *w = calloc(t->n_cols, sizeof(*w));

	if (!w)
		return EOF;
	sw_table_widths(t, width, w);
	for (size_t r = 0; r <= t->n_rows; r++) {
		bool first = true;
		size_t pad = 0;

		for (size_t c = 0; c < t->n_cols; c++) {
			const struct sw_table_cellv *v = r ? &t->cells[(r - 1) * t->n_cols + c] : NULL;

			if (!w[c])
				continue;
			pad += first ? 0 : SW_TABLE_GAP;
			first = false;
			sw_table_put(out, &t->cols[c], v ? v->text ?: "" : t->cols[c].title,
				     v ? v->sgr : NULL, w[c], colour, &pad);
		}
		fputc('\n', out);
	}
	free(w);
	return ferror(out) ? EOF : 0;
}

int sw_table_print(const struct sw_table *t, FILE *out)
{
	return sw_table_write(t, out, sw_term_width(out), sw_term_colour(out));
}

struct sw_runs_sort {
	const struct sw_table_runs_ops *ops;
	void *ctx;
};

static int sw_runs_cmp(const void *a, const void *b, void *arg)
{
	const struct sw_runs_sort *s = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = s->ops->cmp(x, y, s->ctx);

	return c ? c : x < y ? -1 : x > y;
}

/* Distinct ports among the sorted run @ix[0..n): at least SW_TABLE_RUN_MIN? */
static bool sw_runs_enough(const size_t *ix, size_t n, const struct sw_runs_sort *s)
{
	uint8_t seen[65536 / 8] = { 0 };
	size_t distinct = 0;

	for (size_t i = 0; i < n; i++) {
		long p = s->ops->port(ix[i], s->ctx);

		if (p < 0 || p > 65535)
			return false;
		if (!(seen[p / 8] & (1u << (p % 8)))) {
			seen[p / 8] |= (uint8_t)(1u << (p % 8));
			distinct++;
		}
	}
	return distinct >= SW_TABLE_RUN_MIN;
}

bool sw_table_runs(size_t n, const struct sw_table_runs_ops *ops, void *ctx, size_t *lead,
		   size_t *next)
{
	struct sw_runs_sort s = { ops, ctx };
	size_t *ix, i, j;

	for (i = 0; i < n; i++) {
		lead[i] = i;
		next[i] = SIZE_MAX;
	}
	if (n < SW_TABLE_RUN_MIN)
		return true;
	if (!(ix = malloc(n * sizeof(*ix))))
		return false;
	for (i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), sw_runs_cmp, &s);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && ops->cmp(ix[i], ix[j], ctx) == 0; j++)
			;
		if (j - i < SW_TABLE_RUN_MIN || !sw_runs_enough(ix + i, j - i, &s))
			continue;
		/* sorted by index within the run: ix[i] comes first in the table */
		for (size_t k = i; k < j; k++) {
			lead[ix[k]] = ix[i];
			next[ix[k]] = k + 1 < j ? ix[k + 1] : SIZE_MAX;
		}
	}
	free(ix);
	return true;
}

static int sw_port_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

const char *sw_table_ports(char *buf, size_t len, uint16_t *ports, size_t n, size_t *distinct)
{
	size_t o = 0, d = 0, i = 0;
	bool cut = false;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (n > 1)
		qsort(ports, n, sizeof(*ports), sw_port_cmp);
	while (i < n) {
		size_t j = i;
		char piece[16];
		int k;

		/* a range of consecutive ports, duplicates included */
		while (j + 1 < n && (ports[j + 1] == ports[j] || ports[j + 1] == ports[j] + 1)) {
			d += ports[j + 1] != ports[j];
			j++;
		}
		d++;
		k = ports[i] == ports[j] ? snprintf(piece, sizeof(piece), "%s%u", o ? "," : "", ports[i]) :
			snprintf(piece, sizeof(piece), "%s%u-%u", o ? "," : "", ports[i], ports[j]);
		if (cut) {
			/* counted, not written */
		} else if (o + (size_t)k + sizeof(sw_ellipsis) > len) {
			cut = true;
			if (o + sizeof(sw_ellipsis) <= len) {
				memcpy(buf + o, sw_ellipsis, sizeof(sw_ellipsis));
				o += sizeof(sw_ellipsis) - 1;
			}
		} else {
			memcpy(buf + o, piece, (size_t)k + 1);
			o += (size_t)k;
		}
		i = j + 1;
	}
	if (distinct)
		*distinct = d;
	return buf;
}
