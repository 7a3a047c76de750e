/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading an inventory one workload at a time: the fast path of load.c.
 *
 * Parsing a 10,000-workload file as one jansson document touches a fresh
 * page for every few nodes (tens of milliseconds on a cold heap). Here a
 * small scanner walks only the punctuation of the outer object; jansson
 * parses every value (JSON_DISABLE_EOF_CHECK: it stops after the value and
 * says how far it read). The big array, "workloads" or "items", is taken
 * element by element: each is parsed, converted by the format's own code
 * and freed before the next, so the heap reuses the same memory. The other
 * members are small; they go into a root object in document order, with an
 * empty array standing for the streamed one, and the format's parser then
 * runs on that root as it would on the whole document (version, kind,
 * unknown keys, the uniqueness checks over the workloads already built).
 *
 * This path only ever accepts: whatever it does not take in full (a syntax
 * error, a semantic error, an order of members that makes the format
 * unclear while streaming, very deep nesting) it declines, and load.c
 * reads the input again as one document. Errors are thus the whole-document
 * reader's, byte for byte (messages, line:column, excerpt, JSON Pointer,
 * which error comes first); an error costs a second parse, a success does
 * not.
 */
#include <string.h>

#include "internal.h"

/*
 * jansson refuses values nested deeper than this (JSON_PARSER_MAX_DEPTH in
 * its load.c, counting every value). A value parsed on its own sits one or
 * two levels higher than in the document, so a span that could reach the
 * limit is declined and left to the whole-document reader.
 */
#define SW_JANSSON_MAX_DEPTH 2048
#define SW_STREAM_DEPTH_MARGIN 16

struct sw_stream {
	struct sw_inv_ctx *c;
	const char *buf;
	size_t len, pos;
	const char *streamed;	/* "workloads" or "items" once taken, else NULL */
};

static void sw_stream_ws(struct sw_stream *s)
{
	while (s->pos < s->len) {
		char ch = s->buf[s->pos];

		if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
			break;
		s->pos++;
	}
}

/* sw_stream_peek - the next byte after whitespace, or '\0' at the end. */
static char sw_stream_peek(struct sw_stream *s)
{
	sw_stream_ws(s);
	return s->pos < s->len ? s->buf[s->pos] : '\0';
}

/* sw_stream_too_deep - could @n bytes at @p nest near jansson's limit? */
static bool sw_stream_too_deep(const char *p, size_t n)
{
	size_t open = 0;

	if (n < SW_JANSSON_MAX_DEPTH - SW_STREAM_DEPTH_MARGIN)
		return false;
	for (size_t i = 0; i < n; i++)
		open += p[i] == '[' || p[i] == '{';
	return open >= SW_JANSSON_MAX_DEPTH - SW_STREAM_DEPTH_MARGIN;
}

/* sw_stream_value - jansson's parse of the value at the position; NULL to decline. */
static json_t *sw_stream_value(struct sw_stream *s)
{
	json_error_t je;
	json_t *v;

	v = json_loadb(s->buf + s->pos, s->len - s->pos,
		       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
	if (!v)
		return NULL;
	if (je.position <= 0 || (size_t)je.position > s->len - s->pos ||
	    sw_stream_too_deep(s->buf + s->pos, (size_t)je.position)) {
		json_decref(v);
		return NULL;
	}
	s->pos += (size_t)je.position;
	return v;
}

/* sw_stream_element - parse, convert and free one element of the streamed array. */
static int sw_stream_element(struct sw_stream *s, size_t i)
{
	size_t mark = sw_jsonptr_index(&s->c->ptr, i);
	json_t *v = sw_stream_value(s);
	int rc;

	if (!v)
		return SW_INV_DECLINED;
	if (strcmp(s->streamed, "workloads") == 0)
		rc = sw_inv_segwatch_workload(s->c, v);
	else
		rc = sw_inv_kube_pod(s->c, v);
	json_decref(v);
	if (rc)
		return SW_INV_DECLINED;
	sw_jsonptr_pop(&s->c->ptr, mark);
	return SW_EXIT_OK;
}

/* sw_stream_array - the big array, its '[' at the position, under member @key. */
static int sw_stream_array(struct sw_stream *s, const char *key)
{
	size_t mark = sw_jsonptr_key(&s->c->ptr, key);
	int rc;

	s->streamed = key;
	s->pos++; /* '[' */
	if (sw_stream_peek(s) == ']') {
		s->pos++;
		sw_jsonptr_pop(&s->c->ptr, mark);
		return SW_EXIT_OK;
	}
	for (size_t i = 0;; i++) {
		char ch;

		rc = sw_stream_element(s, i);
		if (rc)
			return rc;
		ch = sw_stream_peek(s);
		s->pos++;
		if (ch == ']')
			break;
		if (ch != ',')
			return SW_INV_DECLINED;
	}
	sw_jsonptr_pop(&s->c->ptr, mark);
	return SW_EXIT_OK;
}

/* sw_stream_key - a member's name (jansson parses the string) and its ':'. */
static json_t *sw_stream_key(struct sw_stream *s)
{
	json_t *k;

	if (sw_stream_peek(s) != '"')
		return NULL;
	k = sw_stream_value(s);
	if (!k)
		return NULL;
	if (!json_is_string(k) || sw_stream_peek(s) != ':') {
		json_decref(k);
		return NULL;
	}
	s->pos++;
	return k;
}

/* sw_stream_streamable - is this member the array to take element by element? */
static bool sw_stream_streamable(struct sw_stream *s, const char *key)
{
	if (s->streamed || sw_stream_peek(s) != '[')
		return false;
	return strcmp(key, "workloads") == 0 || strcmp(key, "items") == 0;
}

/* sw_stream_member - one member into @root (the streamed array as an empty one). */
static int sw_stream_member(struct sw_stream *s, json_t *root)
{
	json_t *k = sw_stream_key(s), *v = NULL;
	const char *key;
	int rc = SW_INV_DECLINED;

	if (!k)
		return SW_INV_DECLINED;
	key = json_string_value(k);
	if (json_object_get(root, key))
		goto out; /* a duplicate: the whole-document reader words the error */
	if (sw_stream_streamable(s, key)) {
		/* the literal, not @key: s->streamed outlives this member's name */
		rc = sw_stream_array(s, strcmp(key, "workloads") == 0 ? "workloads" : "items");
		if (!rc)
			v = json_array();
	} else {
		v = sw_stream_value(s);
		rc = SW_EXIT_OK;
	}
	if (rc || !v || json_object_set_new(root, key, v) != 0)
		rc = SW_INV_DECLINED;
out:
	json_decref(k);
	return rc;
}

/* sw_stream_object - the outer object's members, in document order, into @root. */
static int sw_stream_object(struct sw_stream *s, json_t *root)
{
	int rc;

	if (sw_stream_peek(s) != '{')
		return SW_INV_DECLINED; /* not an object: the document reader says so */
	s->pos++;
	if (sw_stream_peek(s) == '}') {
		s->pos++;
	} else {
		for (;;) {
			char ch;

			rc = sw_stream_member(s, root);
			if (rc)
				return rc;
			ch = sw_stream_peek(s);
			s->pos++;
			if (ch == '}')
				break;
			if (ch != ',')
				return SW_INV_DECLINED;
		}
	}
	return sw_stream_peek(s) == '\0' && s->pos == s->len ? SW_EXIT_OK : SW_INV_DECLINED;
}

/*
 * sw_stream_format_matches - was the streamed array converted with the
 * format the document turns out to have? ("workloads" of a kubectl object
 * are ignored there; "items" are only a list's.)
 */
static bool sw_stream_format_matches(const struct sw_stream *s, const json_t *root)
{
	bool kube = json_object_get(root, "kind") || json_object_get(root, "apiVersion");
	const char *kind = json_string_value(json_object_get(root, "kind"));

	if (!s->streamed)
		return true;
	if (strcmp(s->streamed, "workloads") == 0)
		return !kube;
	return kind && (strcmp(kind, "List") == 0 || strcmp(kind, "PodList") == 0);
}

int sw_inv_stream(struct sw_inv_ctx *c, const char *buf, size_t len)
{
	struct sw_stream s = { .c = c, .buf = buf, .len = len };
	json_t *root = json_object();
	int rc;

	if (!root)
		return SW_INV_DECLINED;
	rc = sw_stream_object(&s, root);
	if (!rc && !sw_stream_format_matches(&s, root))
		rc = SW_INV_DECLINED;
	if (!rc) {
		sw_jsonptr_init(&c->ptr);
		rc = sw_inv_parse_root(c, root) ? SW_INV_DECLINED : SW_EXIT_OK;
	}
	json_decref(root);
	return rc;
}
