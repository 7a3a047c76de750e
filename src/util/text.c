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

const char *sw_text_quote(struct sw_quote *b, const char *text)
{
	const size_t room = sizeof(b->s) - 6; /* "...", closing quote, NUL */
	size_t o = 0;

	b->s[o++] = '"';
	for (const unsigned char *t = (const unsigned char *)text; *t; t++) {
		if (o + 4 >= room) {
			memcpy(b->s + o, "...", 3);
			o += 3;
			break;
		}
		if (*t == '"' || *t == '\\') {
			b->s[o++] = '\\';
			b->s[o++] = (char)*t;
		} else if (*t < 0x20 || *t == 0x7f) {
			o += (size_t)snprintf(b->s + o, sizeof(b->s) - o, "\\x%02x", *t);
		} else {
			b->s[o++] = (char)*t;
		}
	}
	b->s[o++] = '"';
	b->s[o] = '\0';
	return b->s;
}

/* Length of the UTF-8 sequence at @t (1-4), or 0 when it is not one. */
static size_t sw_text_utf8_len(const unsigned char *t)
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

/* A byte or sequence a terminal could act on rather than show. */
static bool sw_text_is_control(const unsigned char *t, size_t n)
{
	if (n == 1)
		return *t < 0x20 || *t == 0x7f || *t == '\\';
	if (n == 2)
		return t[0] == 0xc2 && t[1] < 0xa0;
	return n == 3 && t[0] == 0xe2 &&
	       ((t[1] == 0x80 && (t[2] == 0x8e || t[2] == 0x8f || (t[2] >= 0xaa && t[2] <= 0xae))) ||
		(t[1] == 0x81 && t[2] >= 0xa6 && t[2] <= 0xa9));
}

/*
 * Escape @text into @buf while a character and @reserve more bytes fit;
 * whole characters only. Returns the length written; *@cut says whether
 * text was left over.
 */
static size_t sw_text_escape_core(char *buf, size_t size, const char *text, size_t reserve,
				  bool *cut)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t o = 0;

	*cut = false;
	while (*t) {
		size_t n = sw_text_utf8_len(t), need = n == 0 ? 4 : sw_text_is_control(t, n) ? 4 * n : n;

		if (o + need + reserve + 1 > size) {
			*cut = true;
			break;
		}
		if (n == 0 || sw_text_is_control(t, n)) {
			for (size_t i = 0; i < (n ? n : 1); i++)
				o += (size_t)snprintf(buf + o, size - o, "\\x%02x", t[i]);
		} else {
			memcpy(buf + o, t, n);
			o += n;
		}
		t += n ? n : 1;
	}
	buf[o] = '\0';
	return o;
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
	o = sw_text_escape_core(buf, size, text, 3, &cut);
	if (cut)
		memcpy(buf + o, "...", 4);
	return buf;
}

size_t sw_text_escape_len(char *buf, size_t size, const char *text)
{
	bool cut;

	if (size == 0)
		return 0;
	return sw_text_escape_core(buf, size, text, 0, &cut);
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


/* "expected an object, got a string": what kind of value @v is, for messages. */
const char *sw_text_json_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
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
