/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loading an inventory: read the bytes, parse them with jansson (syntax
 * errors come back as PATH:LINE:COL with the line and a caret), recognise
 * the format and hand the document to its parser. All or nothing: on any
 * error the caller gets no workloads.
 *
 * Inputs are first offered to the streaming reader (stream.c), which takes
 * a valid inventory one workload at a time; whatever it declines, errors
 * included, is parsed here as one document, so errors read as they always
 * have.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Context shown around the caret of a syntax error, in bytes. */
#define SW_EXCERPT_BEFORE 48
#define SW_EXCERPT_WIDTH 72

void sw_inventory_free(struct sw_workload *wl, size_t n)
{
	if (!wl)
		return;
	for (size_t i = 0; i < n; i++)
		sw_workload_clear(&wl[i]);
	free(wl);
}

const char *sw_inventory_format_name(enum sw_inventory_format f)
{
	switch (f) {
	case SW_INV_FMT_SEGWATCH:
		return "segwatch inventory";
	case SW_INV_FMT_KUBE_LIST:
		return "kubectl List";
	case SW_INV_FMT_KUBE_POD:
		return "kubectl Pod";
	case SW_INV_FMT_UNKNOWN:
		break;
	}
	return "unknown";
}

static bool sw_utf8_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/* sw_line_bounds - byte range of 1-based line @line in @buf (clamped to the end). */
static void sw_line_bounds(const char *buf, size_t len, int line, size_t *start, size_t *end)
{
	size_t s = 0;

	for (int l = 1; l < line && s < len; l++) {
		const char *nl = memchr(buf + s, '\n', len - s);

		s = nl ? (size_t)(nl - buf) + 1 : len;
	}
	*start = s;
	while (s < len && buf[s] != '\n' && buf[s] != '\r')
		s++;
	*end = s;
}

/* sw_utf8_seq - length of the well-formed UTF-8 sequence at @i (before @end); 1 otherwise. */
static size_t sw_utf8_seq(const char *buf, size_t i, size_t end)
{
	unsigned char b = (unsigned char)buf[i];
	size_t n = 1;

	if (b >= 0xc2 && b <= 0xdf)
		n = 2;
	else if (b >= 0xe0 && b <= 0xef)
		n = 3;
	else if (b >= 0xf0 && b <= 0xf4)
		n = 4;
	if (n > end - i)
		return 1;
	for (size_t k = 1; k < n; k++)
		if (!sw_utf8_cont((unsigned char)buf[i + k]))
			return 1;
	return n;
}

/* sw_char_next - @i moved past at most 3 UTF-8 continuation bytes (garbage may hold many). */
static size_t sw_char_next(const char *buf, size_t i, size_t end)
{
	for (int k = 0; k < 3 && i < end && sw_utf8_cont((unsigned char)buf[i]); k++)
		i++;
	return i;
}

/*
 * sw_excerpt - the line of a syntax error and a caret under character
 * @column (jansson counts characters from 1; 0 is before the first), cut to
 * a window around the caret. Empty when the line is.
 */
static void sw_excerpt(const char *buf, size_t len, int line, int column, char *out, size_t outlen)
{
	size_t ls, le, caret, from, to, o, width = 0;

	sw_line_bounds(buf, len, line, &ls, &le);
	out[0] = '\0';
	if (le == ls || outlen < SW_EXCERPT_WIDTH + SW_EXCERPT_BEFORE + 32)
		return;
	caret = ls;
	for (int col = 1; col < column && caret < le; col++)
		caret = sw_char_next(buf, caret + 1, le);
	from = caret - ls > SW_EXCERPT_BEFORE ? sw_char_next(buf, caret - SW_EXCERPT_BEFORE / 2, caret)
					      : ls;
	to = le - from > SW_EXCERPT_WIDTH ? sw_char_next(buf, from + SW_EXCERPT_WIDTH, le) : le;
	o = (size_t)snprintf(out, outlen, "\n  %s", from > ls ? "..." : "");
	for (size_t i = from, k; i < to && o + 5 < outlen; i += k) {
		k = sw_utf8_seq(buf, i, to);
		if (i < caret)
			width++;
		if (k > 1) {
			memcpy(out + o, buf + i, k);
			o += k;
		} else {
			/* control characters and stray bytes would upset the terminal */
			unsigned char b = (unsigned char)buf[i];

			out[o++] = b < 0x20 || b == 0x7f ? ' ' : b < 0x80 ? (char)b : '?';
			k = 1;
		}
	}
	out[o] = '\0';
	if (o + width + 12 < outlen)
		snprintf(out + o, outlen - o, "%s\n  %*s^", to < le ? "..." : "",
			 (int)(width + (from > ls ? 3 : 0)), "");
}

/* sw_printable - control characters and stray bytes in @text as '?' (jansson quotes input). */
static void sw_printable(char *text)
{
	size_t len = strlen(text);

	for (size_t i = 0, k; i < len; i += k) {
		unsigned char b = (unsigned char)text[i];

		k = sw_utf8_seq(text, i, len);
		if (k == 1 && (b < 0x20 || b >= 0x7f))
			text[i] = '?';
	}
}

static int sw_syntax_error(struct sw_inv_ctx *c, const char *buf, size_t len,
			   const json_error_t *je)
{
	char excerpt[2 * (SW_EXCERPT_WIDTH + SW_EXCERPT_BEFORE)];
	char text[sizeof(je->text)];

	snprintf(text, sizeof(text), "%s", je->text);
	sw_printable(text);
	if (je->line < 1) /* not a position in the text (out of memory) */
		return sw_err_set(c->err, SW_EXIT_USAGE, "%s: error: %s", c->name, text);
	sw_excerpt(buf, len, je->line, je->column, excerpt, sizeof(excerpt));
	return sw_err_set(c->err, SW_EXIT_USAGE, "%s:%d:%d: error: %s%s", c->name, je->line,
			  je->column > 0 ? je->column : 1, text, excerpt);
}

static bool sw_blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
			return false;
	return true;
}

int sw_inv_parse_root(struct sw_inv_ctx *c, const json_t *root)
{
	if (!json_is_object(root))
		return sw_inv_fail(c, "the top level is %s; expected an object: a segwatch "
				   "inventory {\"version\": 1, \"workloads\": [...]} or the output "
				   "of `kubectl get pods -A -o json`", sw_text_json_type(root));
	if (json_object_get(root, "kind") || json_object_get(root, "apiVersion"))
		return sw_inv_parse_kube(c, root);
	return sw_inv_parse_segwatch(c, root);
}

/* sw_load_stream - the streaming reader on @buf; true when it took it (ctx filled). */
static bool sw_load_stream(struct sw_inv_ctx *c, const char *buf, size_t len)
{
	struct sw_err scratch; /* its errors are not shown: the document reader words them */
	struct sw_inv_ctx s = { .name = c->name, .flags = c->flags, .err = &scratch };

	if (c->flags & SW_INV_WHOLE_DOCUMENT)
		return false;
	if (sw_inv_stream(&s, buf, len) != SW_EXIT_OK) {
		sw_inventory_free(s.wl, s.n_wl);
		return false;
	}
	c->wl = s.wl;
	c->n_wl = s.n_wl;
	c->cap_wl = s.cap_wl;
	c->st = s.st;
	return true;
}

static int sw_load_json(struct sw_inv_ctx *c, const char *buf, size_t len)
{
	json_error_t je;
	json_t *root;
	int rc;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) { /* UTF-8 byte order mark */
		buf += 3;
		len -= 3;
	}
	if (sw_blank(buf, len))
		return sw_inv_fail(c, "empty input: expected a segwatch inventory or the output "
				   "of `kubectl get pods -A -o json`");
	if (sw_load_stream(c, buf, len))
		return SW_EXIT_OK;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!root)
		return sw_syntax_error(c, buf, len, &je);
	rc = sw_inv_parse_root(c, root);
	json_decref(root);
	return rc;
}

int sw_inventory_load_buffer(const char *name, const void *buf, size_t len, unsigned flags,
			     struct sw_workload **out, size_t *n,
			     struct sw_inventory_stats *st, struct sw_err *err)
{
	struct sw_err local;
	struct sw_inv_ctx c = { .name = name ? name : "<buffer>", .flags = flags,
				.err = err ? err : &local };
	int rc;

	*out = NULL;
	*n = 0;
	if (st)
		memset(st, 0, sizeof(*st));
	if (len > SW_INV_MAX_BYTES)
		rc = sw_inv_fail(&c, "larger than %u MiB", SW_INV_MAX_BYTES >> 20);
	else
		rc = sw_load_json(&c, buf, len);
	if (rc) {
		sw_inventory_free(c.wl, c.n_wl);
		return rc;
	}
	c.st.workloads = c.n_wl;
	if (st)
		*st = c.st;
	*out = c.wl;
	*n = c.n_wl;
	return SW_EXIT_OK;
}

/*
 * sw_size_hint - the size of a regular file @f plus one (to see the end in
 * one read, without growing and copying the buffer); 0 when unknown.
 */
static size_t sw_size_hint(FILE *f)
{
	struct stat sb;

	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0 ||
	    (uintmax_t)sb.st_size >= SW_INV_MAX_BYTES)
		return 0;
	return (size_t)sb.st_size + 1;
}

/* sw_read_all - the whole of @f into a new buffer; errno set on failure. */
static int sw_read_all(FILE *f, char **out, size_t *len)
{
	size_t cap = 0, n = 0, hint = sw_size_hint(f);
	char *buf = NULL;

	for (;;) {
		if (n == cap) {
			size_t grow = cap ? cap * 2 : hint ? hint : 65536;
			char *b;

			if (cap > SW_INV_MAX_BYTES)
				break; /* enough to know it is too large */
			if (grow > SW_INV_MAX_BYTES)
				grow = (size_t)SW_INV_MAX_BYTES + 1;
			b = realloc(buf, grow);
			if (!b) {
				free(buf);
				errno = ENOMEM;
				return -1;
			}
			buf = b;
			cap = grow;
		}
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f)) {
		free(buf);
		errno = errno ? errno : EIO;
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

int sw_inventory_load(const char *path, struct sw_workload **out, size_t *n,
		      struct sw_inventory_stats *st, struct sw_err *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	struct sw_err local;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	size_t len = 0;
	char *buf = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (st)
		memset(st, 0, sizeof(*st));
	if (!err)
		err = &local;
	if (!f)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name, strerror(errno));
	errno = 0;
	rc = sw_read_all(f, &buf, &len);
	if (rc)
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", name, strerror(errno));
	if (!is_stdin)
		fclose(f);
	if (rc)
		return rc;
	rc = sw_inventory_load_buffer(name, buf, len, 0, out, n, st, err);
	free(buf);
	return rc;
}
