/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_JSONPTR_H
#define SEGWATCH_JSONPTR_H

/*
 * jsonptr - an RFC 6901 JSON Pointer built while walking a document, to
 * place semantic errors (`policy.json: /rules/3/to: error: ...`): jansson
 * keeps no positions for values. Push a key or an index before looking at a
 * member, pop back to the mark it returned afterwards.
 *
 * The pointer is for people to read: keys longer than 64 bytes are cut with
 * "...", control bytes become '?' (messages go to terminals), and a pointer
 * that does not fit the buffer is cut. '~' and '/' are escaped as "~0" and
 * "~1" as RFC 6901 says.
 */

#include <stddef.h>

#define SW_JSONPTR_MAX 384

struct sw_jsonptr {
	char buf[SW_JSONPTR_MAX];	/* always NUL-terminated; "" is the whole document */
	size_t len;
};

/* sw_jsonptr_init - the empty pointer (the whole document). */
void sw_jsonptr_init(struct sw_jsonptr *p);

/* sw_jsonptr_key - append "/KEY"; returns the mark to pop back to. */
size_t sw_jsonptr_key(struct sw_jsonptr *p, const char *key);

/* sw_jsonptr_index - append "/I" (an array element); returns the mark to pop back to. */
size_t sw_jsonptr_index(struct sw_jsonptr *p, size_t i);

/* sw_jsonptr_pop - back to @mark (a value sw_jsonptr_key/_index returned). */
void sw_jsonptr_pop(struct sw_jsonptr *p, size_t mark);

#endif
