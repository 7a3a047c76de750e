/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fields both formats share: names, labels, addresses; and the result array. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int sw_inv_wl_append(struct sw_inv_ctx *c, struct sw_workload *w)
{
	if (c->n_wl == c->cap_wl) {
		size_t cap = c->cap_wl ? c->cap_wl * 2 : 16;
		struct sw_workload *grown = realloc(c->wl, cap * sizeof(*grown));

		if (!grown) {
			sw_workload_clear(w);
			return sw_inv_nomem(c);
		}
		c->wl = grown;
		c->cap_wl = cap;
	}
	c->wl[c->n_wl++] = *w; /* the array owns the strings now */
	memset(w, 0, sizeof(*w));
	return SW_EXIT_OK;
}

int sw_inv_text(struct sw_inv_ctx *c, const char *s, const char *what, bool empty_ok)
{
	size_t len = strnlen(s, SW_INV_MAX_TEXT + 1);
	struct sw_quote q;

	if (len == 0 && !empty_ok)
		return sw_inv_fail(c, "%s is empty", what);
	if (len > SW_INV_MAX_TEXT)
		return sw_inv_fail(c, "%s %s is longer than %d bytes", what, sw_text_quote(&q, s),
				   SW_INV_MAX_TEXT);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return sw_inv_fail(c, "%s %s contains a control character", what,
					   sw_text_quote(&q, s));
	return SW_EXIT_OK;
}

int sw_inv_opt_string(struct sw_inv_ctx *c, const json_t *obj, const char *key,
		      const char *what, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc;

	*out = NULL;
	if (!v)
		return SW_EXIT_OK;
	mark = sw_jsonptr_key(&c->ptr, key);
	rc = sw_inv_expect(c, v, JSON_STRING);
	if (!rc)
		rc = sw_inv_text(c, json_string_value(v), what, false);
	if (rc)
		return rc;
	sw_jsonptr_pop(&c->ptr, mark);
	*out = json_string_value(v);
	return SW_EXIT_OK;
}

static bool sw_inv_is_v4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

/* sw_inv_addr_unusable - why @a cannot be a workload's address, or NULL. */
static const char *sw_inv_addr_unusable(const uint8_t a[16])
{
	static const uint8_t zero[16], loop6[16] = { [15] = 1 };

	if (sw_inv_is_v4(a)) {
		const uint8_t *v4 = a + 12;

		if (memcmp(v4, zero, 4) == 0)
			return "the unspecified address";
		if (v4[0] == 127)
			return "a loopback address";
		if (v4[0] >= 224 && v4[0] <= 239)
			return "a multicast address";
		if (v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255)
			return "the broadcast address";
		return NULL;
	}
	if (memcmp(a, zero, 16) == 0)
		return "the unspecified address";
	if (memcmp(a, loop6, 16) == 0)
		return "a loopback address";
	if (a[0] == 0xff)
		return "a multicast address";
	return NULL;
}

int sw_inv_add_ip(struct sw_inv_ctx *c, struct sw_workload *w, const char *text)
{
	uint8_t addr[16];
	const char *why;
	struct sw_quote q;

	if (!sw_addr_parse(text, addr)) {
		if (strchr(text, '/'))
			return sw_inv_fail(c, "not an IP address %s: give the address without a "
					   "prefix length", sw_text_quote(&q, text));
		return sw_inv_fail(c, "not an IP address %s", sw_text_quote(&q, text));
	}
	why = sw_inv_addr_unusable(addr);
	if (why)
		return sw_inv_fail(c, "%s is %s, not a workload's address", sw_text_quote(&q, text), why);
	if (!sw_workload_add_addr(w, addr))
		return sw_inv_nomem(c);
	return SW_EXIT_OK;
}

static int sw_inv_label_value(struct sw_inv_ctx *c, const json_t *v)
{
	if (json_is_string(v))
		return sw_inv_text(c, json_string_value(v), "label value", true);
	if (json_is_integer(v))
		return sw_inv_fail(c, "label values are strings: write \"%" JSON_INTEGER_FORMAT "\"",
				   json_integer_value(v));
	if (json_is_boolean(v))
		return sw_inv_fail(c, "label values are strings: write \"%s\"",
				   json_is_true(v) ? "true" : "false");
	return sw_inv_fail(c, "label values are strings, got %s", sw_text_json_type(v));
}

int sw_inv_add_labels(struct sw_inv_ctx *c, struct sw_workload *w, const json_t *labels)
{
	const char *key;
	json_t *v;
	int rc;

	rc = sw_inv_expect(c, labels, JSON_OBJECT);
	if (rc)
		return rc;
	/* json_object_foreach wants a non-const object; it only reads it */
	json_object_foreach((json_t *)labels, key, v) {
		size_t mark = sw_jsonptr_key(&c->ptr, key);

		rc = sw_inv_text(c, key, "label name", false);
		if (!rc)
			rc = sw_inv_label_value(c, v);
		if (rc)
			return rc;
		if (!sw_workload_add_label(w, key, json_string_value(v)))
			return sw_inv_nomem(c);
		sw_jsonptr_pop(&c->ptr, mark);
	}
	return SW_EXIT_OK;
}
