/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_TEXT_H
#define SEGWATCH_TEXT_H

/* text - small helpers for messages about user input (policy, inventory files). */

#include <stddef.h>

#include <jansson.h>

struct sw_quote {
	char s[80];
};

/* sw_text_quote - "text" with quotes, backslashes and control bytes escaped, cut near 70 bytes. */
const char *sw_text_quote(struct sw_quote *q, const char *text);

/*
 * sw_text_escape - @text as it may go on a terminal, unquoted (a table cell):
 * control bytes, DEL, backslash, the C1 controls (U+0080-U+009F), the
 * bidirectional overrides (U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and
 * bytes that are not UTF-8 are written as \xNN; other UTF-8 is kept, so names
 * in any script stay readable. Cut with "..." to fit @size. Returns @buf.
 */
const char *sw_text_escape(char *buf, size_t size, const char *text);
/*
 * sw_text_escape_len - the same escaping with no "..." (a log line): as many
 * whole characters as fit, @buf always terminated; returns the length written.
 */
size_t sw_text_escape_len(char *buf, size_t size, const char *text);

/*
 * sw_text_suggest - the entry of @known closest to @word by edit distance
 * (optimal string alignment), if it is close enough to be a likely typo; NULL
 * otherwise. The threshold grows with the word's length.
 */
const char *sw_text_suggest(const char *word, const char *const *known, size_t n);

/* sw_text_json_type - "an object", "a string", "a number", ... for "expected X, got Y". */
const char *sw_text_json_type(const json_t *v);

/* Room for jansson's error text with every byte escaped. */
struct sw_json_err_text {
	char s[4 * JSON_ERROR_TEXT_LENGTH + 1];
};

/*
 * sw_text_json_error - jansson's error text with control bytes escaped as
 * \xNN: jansson quotes the input near a syntax error, and a message may end
 * up on a terminal.
 */
const char *sw_text_json_error(struct sw_json_err_text *b, const json_error_t *e);

#endif
