/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Line and column of a JSON Pointer in the source text. jansson keeps no
 * positions for values, so once a document has parsed (it is then known to
 * be valid JSON) this scanner walks the text along the pointer of each
 * semantic diagnostic. The printed form stays the pointer (STYLE.md 5);
 * the position lets a caller show the source line with a caret.
 */
#include <string.h>

#include "internal.h"

struct sw_pol_scan {
	const char *p, *end;
};

static void sw_pol_scan_ws(struct sw_pol_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Past the string starting at s->p (on its opening quote). */
static void sw_pol_scan_string(struct sw_pol_scan *s)
{
	for (s->p++; s->p < s->end && *s->p != '"'; s->p++)
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
	if (s->p < s->end)
		s->p++;
}

/* Past the value starting at s->p. */
static void sw_pol_scan_value(struct sw_pol_scan *s)
{
	size_t depth = 0;

	do {
		if (s->p >= s->end)
			return;
		if (*s->p == '"') {
			sw_pol_scan_string(s);
			continue;
		}
		if (*s->p == '{' || *s->p == '[')
			depth++;
		else if (*s->p == '}' || *s->p == ']')
			depth--;
		else if (depth == 0 && (*s->p == ',' || *s->p == ':'))
			return;
		s->p++;
	} while (depth > 0 || (s->p < s->end && !strchr(",}] \t\r\n", *s->p)));
}

static void sw_pol_utf8(char *buf, size_t size, size_t *o, unsigned long cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	for (size_t i = 0; i < n && *o + 1 < size; i++)
		buf[(*o)++] = (char)u[i];
}

static unsigned long sw_pol_hex4(const char *p)
{
	unsigned long v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];

		v = v * 16 + (unsigned long)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
	}
	return v;
}

/* One escape of a key at *@p (after the backslash); moves *@p past it. */
static unsigned long sw_pol_scan_escape(const char **p, const char *end)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = strchr(from, **p);
	unsigned long cp, lo;

	if (**p != 'u' || end - *p < 5) {
		(*p)++;
		return e ? (unsigned char)to[e - from] : '?';
	}
	cp = sw_pol_hex4(*p + 1);
	*p += 5;
	if (cp >= 0xd800 && cp < 0xdc00 && end - *p >= 6 && (*p)[0] == '\\' && (*p)[1] == 'u') {
		lo = sw_pol_hex4(*p + 2);
		if (lo >= 0xdc00 && lo < 0xe000) {
			*p += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	return cp;
}

/* Decode the key at s->p into @buf (cut to fit) and move past it. */
static void sw_pol_scan_key(struct sw_pol_scan *s, char *buf, size_t size)
{
	size_t o = 0;

	for (s->p++; s->p < s->end && *s->p != '"';) {
		if (*s->p == '\\' && s->p + 1 < s->end) {
			s->p++;
			sw_pol_utf8(buf, size, &o, sw_pol_scan_escape(&s->p, s->end));
		} else {
			if (o + 1 < size)
				buf[o++] = *s->p;
			s->p++;
		}
	}
	buf[o] = '\0';
	if (s->p < s->end)
		s->p++;
}

/* Into member @seg (a pointer segment, as sw_jsonptr_key renders keys) of the object at s->p. */
static bool sw_pol_scan_member(struct sw_pol_scan *s, const char *seg, size_t seg_len)
{
	char key[1024];
	struct sw_jsonptr kp;

	for (s->p++;;) {
		sw_pol_scan_ws(s);
		if (s->p >= s->end || *s->p != '"')
			return false;
		sw_pol_scan_key(s, key, sizeof(key));
		sw_jsonptr_init(&kp);
		sw_jsonptr_key(&kp, key);
		sw_pol_scan_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		sw_pol_scan_ws(s);
		if (kp.len == seg_len + 1 && memcmp(kp.buf + 1, seg, seg_len) == 0)
			return true;
		sw_pol_scan_value(s);
		sw_pol_scan_ws(s);
		if (s->p >= s->end || *s->p != ',')
			return false;
		s->p++;
	}
}

/* Into element @seg (decimal) of the array at s->p. */
static bool sw_pol_scan_element(struct sw_pol_scan *s, const char *seg, size_t seg_len)
{
	size_t idx = 0;

	if (seg_len == 0 || seg_len > 9)
		return false;
	for (size_t i = 0; i < seg_len; i++) {
		if (seg[i] < '0' || seg[i] > '9')
			return false;
		idx = idx * 10 + (size_t)(seg[i] - '0');
	}
	s->p++;
	for (size_t i = 0;; i++) {
		sw_pol_scan_ws(s);
		if (s->p >= s->end || *s->p == ']')
			return false;
		if (i == idx)
			return true;
		sw_pol_scan_value(s);
		sw_pol_scan_ws(s);
		if (s->p >= s->end || *s->p != ',')
			return false;
		s->p++;
	}
}

/* Line and column (in characters, as jansson counts) of @at in @buf. */
static void sw_pol_position(const char *buf, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *p = buf; p < at; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else if ((*p & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

bool sw_pol_locate(const char *buf, size_t len, const char *ptr, int *line, int *col)
{
	struct sw_pol_scan s = { buf, buf + len };

	sw_pol_scan_ws(&s);
	while (*ptr == '/') {
		const char *seg = ptr + 1, *next = strchr(seg, '/');
		size_t seg_len = next ? (size_t)(next - seg) : strlen(seg);
		bool ok;

		if (s.p >= s.end)
			return false;
		if (*s.p == '{')
			ok = sw_pol_scan_member(&s, seg, seg_len);
		else if (*s.p == '[')
			ok = sw_pol_scan_element(&s, seg, seg_len);
		else
			ok = false;
		if (!ok)
			return false;
		ptr = seg + seg_len;
	}
	sw_pol_position(buf, s.p, line, col);
	return true;
}
