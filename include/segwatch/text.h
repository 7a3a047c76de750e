/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_TEXT_H
#define SEGWATCH_TEXT_H

/* text - small helpers for messages about user input (policy, inventory files). */

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

struct sw_quote {
	char s[80];
};

/*
 * Every string from outside (container engine, inventory, kubectl, flow
 * files, policy names, labels, interface and file names) printed for people
 * goes through one of these. The characters escaped, as \xNN of their UTF-8
 * bytes, are the same for all of them (docs/exit-codes.md, "Terminal
 * safety"): C0 controls, DEL, C1 controls (U+0080-U+009F), bytes that are not
 * UTF-8 (overlong, surrogates, beyond U+10FFFF, cut sequences), and the
 * invisible format characters that reorder or hide text: U+00AD, U+061C,
 * U+180E, U+200B-U+200F, U+2028-U+202E, U+2060-U+206F, U+FEFF,
 * U+FFF9-U+FFFB. Other UTF-8 is kept, so names in any script stay readable.
 * JSON output is not escaped this way (jansson writes controls as \uNNNN and
 * other characters as they are; JSON consumers must treat names as data).
 */

/*
 * sw_text_quote - "text" with quotes and backslashes as \" \\, the
 * characters above as \xNN, cut near 70 bytes.
 */
const char *sw_text_quote(struct sw_quote *q, const char *text);

/* SW_QUOTE - sw_text_quote into a buffer that lives until the end of the enclosing block. */
#define SW_QUOTE(text) sw_text_quote(&(struct sw_quote){ { 0 } }, (text))

/*
 * sw_text_escape - @text as it may go on a terminal, unquoted (a table cell):
 * the characters above and backslash are written as \xNN. NULL is "". Cut
 * with "..." to fit @size. Returns @buf.
 */
const char *sw_text_escape(char *buf, size_t size, const char *text);
/*
 * sw_text_escape_len - the same escaping with no "..." (a log line): as many
 * whole characters as fit, @buf always terminated; returns the length written.
 */
size_t sw_text_escape_len(char *buf, size_t size, const char *text);

/* Room for a table cell: a name, a label, an endpoint. */
struct sw_text_cell {
	char s[256];
};

/* sw_text_cell - sw_text_escape into @b (cut with "..." past 255 bytes); returns b->s. */
const char *sw_text_cell(struct sw_text_cell *b, const char *text);

/* SW_CELL - sw_text_cell into a buffer that lives until the end of the enclosing block. */
#define SW_CELL(text) sw_text_cell(&(struct sw_text_cell){ { 0 } }, (text))

/* Room for a message of up to 1 KiB (an sw_err, a formatted diagnostic) with every byte escaped. */
struct sw_text_msg {
	char s[4 * 1024 + 1];
};

/*
 * sw_text_msg - a message made elsewhere (an sw_err's text) as it may go on a
 * terminal: the characters above escaped, backslashes kept (the message may
 * hold parts already escaped). Returns b->s.
 */
const char *sw_text_msg(struct sw_text_msg *b, const char *msg);

/* SW_MSG - sw_text_msg into a buffer that lives until the end of the enclosing block. */
#define SW_MSG(msg) sw_text_msg(&(struct sw_text_msg){ { 0 } }, (msg))

/*
 * sw_text_utf8_len - length of the UTF-8 sequence at @t (1-4), or 0 when it
 * is not one (overlong, surrogate, beyond U+10FFFF, cut short by a NUL).
 */
size_t sw_text_utf8_len(const unsigned char *t);

/* sw_text_fputs - write @text escaped as sw_text_escape does, whole, never cut; EOF on error. */
int sw_text_fputs(const char *text, FILE *out);

/*
 * sw_text_suggest - the entry of @known closest to @word by edit distance
 * (optimal string alignment), if it is close enough to be a likely typo; NULL
 * otherwise. The threshold grows with the word's length.
 */
const char *sw_text_suggest(const char *word, const char *const *known, size_t n);

/* sw_text_json_type - "an object", "a string", "a number", ... for "expected X, got Y". */
const char *sw_text_json_type(const json_t *v);

/* sw_text_json_type_name - a type as a message names what was expected: "an integer", "true or false". */
const char *sw_text_json_type_name(json_type t);

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

/* sw_text_s - "s" unless @n is 1: "%llu flow%s" never says "1 flows". */
static inline const char *sw_text_s(unsigned long long n)
{
	return n == 1 ? "" : "s";
}

#endif
