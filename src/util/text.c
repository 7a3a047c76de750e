/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for messages about user input: quoting a value safely, and the
 * "did you mean" suggestion (the idea of nftables' misspell.c: edit distance
 * with a threshold that grows with the word).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <segwatch/text.h>

/* How a string is escaped: what else than controls and bad UTF-8 becomes \xNN. */
enum sw_text_mode {
	SW_TEXT_CELL,	/* backslash too: the output reads back unambiguously */
	SW_TEXT_QUOTE,	/* inside "...": \" and \\ */
	SW_TEXT_MSG,	/* a message already made of escaped parts: backslash kept */
};

size_t sw_text_utf8_len(const unsigned char *t)
{
	size_t n = *t < 0x80 ? 1 : *t < 0xc2 ? 0 : *t < 0xe0 ? 2 : *t < 0xf0 ? 3 : *t < 0xf5 ? 4 : 0;

	for (size_t i = 1; i < n; i++)
		if ((t[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && *t == 0xe0 && t[1] < 0xa0) || (n == 3 && *t == 0xed && t[1] >= 0xa0) ||
	    (n == 4 && *t == 0xf0 && t[1] < 0x90) || (n == 4 && *t == 0xf4 && t[1] >= 0x90))
		return 0; /* overlong, surrogate, beyond U+10FFFF */
	return n;
}

/* The code point of the valid @n-byte sequence at @t. */
static unsigned long sw_text_cp(const unsigned char *t, size_t n)
{
	unsigned long cp = n == 1 ? t[0] : n == 2 ? t[0] & 0x1f : n == 3 ? t[0] & 0x0f : t[0] & 0x07;

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (t[i] & 0x3f);
	return cp;
}

/*
 * A character a terminal could act on rather than show, or one that is
 * invisible and reorders or hides the text around it: C0, DEL, C1, soft
 * hyphen, Arabic letter mark, Mongolian vowel separator, zero-width and
 * direction marks, line and paragraph separators, the bidirectional
 * embeddings, overrides and isolates, word joiner and invisible operators,
 * byte order mark, interlinear annotation.
 */
static bool sw_text_is_control(unsigned long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || cp == 0x61c ||
	       cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/* Whether the character @t (@n bytes, 0: not UTF-8) is written as \xNN bytes. */
static bool sw_text_is_escaped(const unsigned char *t, size_t n, enum sw_text_mode mode)
{
	if (n == 0)
		return true;
	if (n == 1 && *t == '\\')
		return mode == SW_TEXT_CELL;
	return sw_text_is_control(sw_text_cp(t, n));
}

/*
 * Escape @text into @buf while a character and @reserve more bytes fit;
 * whole characters only. Returns the length written; *@cut says whether
 * text was left over.
 */
static size_t sw_text_escape_core(char *buf, size_t size, const char *text, size_t reserve,
				  enum sw_text_mode mode, bool *cut)
{
	const unsigned char *t = (const unsigned char *)(text ? text : "");
	size_t o = 0;

	*cut = false;
	while (*t) {
		size_t n = sw_text_utf8_len(t), step = n ? n : 1;
		bool esc = sw_text_is_escaped(t, n, mode);
		bool bs = mode == SW_TEXT_QUOTE && (*t == '"' || *t == '\\');
		size_t need = esc ? 4 * step : bs ? 2 : n;

		if (o + need + reserve + 1 > size) {
			*cut = true;
			break;
		}
		if (esc) {
			for (size_t i = 0; i < step; i++)
				o += (size_t)snprintf(buf + o, size - o, "\\x%02x", t[i]);
		} else {
			if (bs)
				buf[o++] = '\\';
			memcpy(buf + o, t, n);
			o += n;
		}
		t += step;
	}
	buf[o] = '\0';
	return o;
}

const char *sw_text_quote(struct sw_quote *b, const char *text)
{
	bool cut;
	size_t o;

	b->s[0] = '"';
	/* room for "...", the closing quote and the NUL */
	o = 1 + sw_text_escape_core(b->s + 1, sizeof(b->s) - 1, text, 4, SW_TEXT_QUOTE, &cut);
	if (cut) {
		memcpy(b->s + o, "...", 3);
		o += 3;
	}
	b->s[o++] = '"';
	b->s[o] = '\0';
	return b->s;
}

const char *sw_text_escape(char *buf, size_t size, const char *text)
{
	bool cut;
	size_t o;

	if (size < 8) {
		if (size)
			buf[0] = '\0';
		return buf;
	}
	o = sw_text_escape_core(buf, size, text, 3, SW_TEXT_CELL, &cut);
	if (cut)
		memcpy(buf + o, "...", 4);
	return buf;
}

size_t sw_text_escape_len(char *buf, size_t size, const char *text)
{
	bool cut;

	if (size == 0)
		return 0;
	return sw_text_escape_core(buf, size, text, 0, SW_TEXT_CELL, &cut);
}

const char *sw_text_cell(struct sw_text_cell *b, const char *text)
{
	return sw_text_escape(b->s, sizeof(b->s), text);
}

const char *sw_text_msg(struct sw_text_msg *b, const char *msg)
{
	bool cut;

	sw_text_escape_core(b->s, sizeof(b->s), msg, 0, SW_TEXT_MSG, &cut);
	return b->s;
}

int sw_text_fputs(const char *text, FILE *out)
{
	char buf[512];
	const unsigned char *t = (const unsigned char *)(text ? text : "");

	while (*t) {
		bool cut;
		size_t n = 0, len;

		/* a piece of whole characters that fits escaped in buf */
		while (t[n] && n < sizeof(buf) / 4 - 4)
			n += sw_text_utf8_len(t + n) ?: 1;
		{
			char piece[sizeof(buf) / 4 + 4];

			memcpy(piece, t, n);
			piece[n] = '\0';
			len = sw_text_escape_core(buf, sizeof(buf), piece, 0, SW_TEXT_CELL, &cut);
		}
		if (fwrite(buf, 1, len, out) != len)
			return EOF;
		t += n;
	}
	return 0;
}

/*
 * Optimal string alignment distance, ignoring case ("ANY" is a typo of
 * "any"), capped: words longer than 64 bytes are never close.
 */
static size_t sw_text_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[65][65];

	if (la > 64 || lb > 64)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

const char *sw_text_suggest(const char *word, const char *const *known, size_t n)
{
	size_t len = strlen(word), max = len <= 3 ? 1 : len <= 6 ? 2 : len / 3;
	size_t best = (size_t)-1;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t dist = sw_text_distance(word, known[i]);

		if (dist <= max && dist < best) {
			best = dist;
			pick = known[i];
		}
	}
	return pick;
}


const char *sw_text_json_type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "true or false";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

/* "expected an object, got a string": what kind of value @v is, for messages. */
const char *sw_text_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return sw_text_json_type_name(json_typeof(v));
	}
}

const char *sw_text_json_error(struct sw_json_err_text *b, const json_error_t *e)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)e->text; *p && o + 5 < sizeof(b->s); p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(b->s + o, sizeof(b->s) - o, "\\x%02x", *p);
		else
			b->s[o++] = (char)*p;
	}
	b->s[o] = '\0';
	return b->s;
}
