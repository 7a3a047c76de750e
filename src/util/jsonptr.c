/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * JSON Pointers for error messages (include/segwatch/jsonptr.h), shared by
 * every reader of JSON input that reports errors with a place: the policy
 * language, the agent's config.
 */
#include <stdio.h>

#include <segwatch/jsonptr.h>

/* Longest rendering of one key, in input bytes, before "...". */
#define SW_JSONPTR_KEY_MAX 64

static void sw_jsonptr_putc(struct sw_jsonptr *p, char ch)
{
	if (p->len + 1 < sizeof(p->buf))
		p->buf[p->len++] = ch;
	p->buf[p->len] = '\0';
}

void sw_jsonptr_init(struct sw_jsonptr *p)
{
	p->len = 0;
	p->buf[0] = '\0';
}

size_t sw_jsonptr_key(struct sw_jsonptr *p, const char *key)
{
	size_t mark = p->len, n = 0;

	sw_jsonptr_putc(p, '/');
	for (const unsigned char *k = (const unsigned char *)key; *k; k++, n++) {
		if (n >= SW_JSONPTR_KEY_MAX) {
			sw_jsonptr_putc(p, '.');
			sw_jsonptr_putc(p, '.');
			sw_jsonptr_putc(p, '.');
			break;
		}
		if (*k == '~') {
			sw_jsonptr_putc(p, '~');
			sw_jsonptr_putc(p, '0');
		} else if (*k == '/') {
			sw_jsonptr_putc(p, '~');
			sw_jsonptr_putc(p, '1');
		} else {
			sw_jsonptr_putc(p, (*k < 0x20 || *k == 0x7f) ? '?' : (char)*k);
		}
	}
	return mark;
}

size_t sw_jsonptr_index(struct sw_jsonptr *p, size_t i)
{
	size_t mark = p->len;
	char num[24];

	snprintf(num, sizeof(num), "/%zu", i);
	for (const char *s = num; *s; s++)
		sw_jsonptr_putc(p, *s);
	return mark;
}

void sw_jsonptr_pop(struct sw_jsonptr *p, size_t mark)
{
	if (mark < p->len) {
		p->len = mark;
		p->buf[mark] = '\0';
	}
}
