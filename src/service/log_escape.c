/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Making hostile text safe for a log line. Container names, labels and
 * engine error texts are chosen by whoever runs a container; written raw to
 * a terminal, an escape sequence in one can rewrite the screen, and a
 * newline can forge a whole log line. So every byte that is not plainly
 * printable is written as \xNN: C0 controls, DEL, the backslash itself (so
 * the escaping can be undone without ambiguity), bytes that are not valid
 * UTF-8, the UTF-8 forms of the C1 controls (U+0080..U+009F, which some
 * terminals obey) and of the bidirectional overrides (U+202A..U+202E,
 * U+2066..U+2069, which reorder what a reader sees).
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence at @p (at most @left bytes), 0 if none; its code point in @cp. */
static size_t sw_utf8_seq(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f, min = 0x80;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f, min = 0x800;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (left < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;	/* overlong, out of range, surrogate */
	*cp = c;
	return len;
}

static bool sw_cp_is_hostile(uint32_t c)
{
	return c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c <= 0x9f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

size_t sw_log_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t left = strlen(src), o = 0;

	if (size == 0)
		return 0;
	while (left > 0) {
		uint32_t cp = 0;
		size_t len = sw_utf8_seq(p, left, &cp);
		bool esc = len == 0 || sw_cp_is_hostile(cp);
		size_t n = len ? len : 1;	/* an invalid byte goes alone */
		size_t need = esc ? 4 * n : n;

		if (o + need + 1 > size)
			break;
		for (size_t i = 0; i < n; i++) {
			if (esc)
				o += (size_t)snprintf(dst + o, size - o, "\\x%02x", p[i]);
			else
				dst[o++] = (char)p[i];
		}
		p += n;
		left -= n;
	}
	dst[o] = '\0';
	return o;
}
