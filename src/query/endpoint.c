/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Endpoint values of --from, --to and --peer: what each form means is in
 * include/segwatch/query.h and docs/flows-query.md. The forms are told apart
 * by their text alone (a prefix, then the shape of an address, then '='),
 * so a value never means two things.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>
#include <segwatch/workload.h>

#include "internal.h"

void sw_q_ep_clear(struct sw_q_ep *ep)
{
	for (size_t i = 0; i < ep->n_terms; i++) {
		free(ep->terms[i].key);
		free(ep->terms[i].value);
	}
	free(ep->terms);
	free(ep->text);
	memset(ep, 0, sizeof(*ep));
}

static int sw_q_nomem(struct sw_err *err)
{
	return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
}

/*
 * Meant as an address: any ':' (container and pod names never have one), an
 * address before a '/' ("10.0.0.0/8x" is a bad prefix, not a name), or only
 * digits, dots and '/' with a dot ("10.1.2.0/24", and the typo "10.1.2/24").
 */
static bool sw_q_looks_like_addr(const char *t)
{
	const char *slash = strchr(t, '/');
	uint8_t a[16];
	char head[64];
	bool dot = false;

	if (strchr(t, ':'))
		return true;
	if (slash && (size_t)(slash - t) < sizeof(head)) {
		memcpy(head, t, (size_t)(slash - t));
		head[slash - t] = '\0';
		if (sw_addr_parse(head, a))
			return true;
	}
	for (; *t; t++) {
		if (*t == '.')
			dot = true;
		else if (!isdigit((unsigned char)*t) && *t != '/')
			return false;
	}
	return dot;
}

static bool sw_q_is_v4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, mapped, sizeof(mapped)) == 0;
}

static bool sw_q_prefix_has(const uint8_t *net, unsigned plen, const uint8_t a[16])
{
	unsigned full = plen / 8u, rest = plen % 8u;

	if (memcmp(net, a, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* "ADDR" or "ADDR/LEN": host bits are cleared ("10.1.2.3/24" is 10.1.2.0/24). */
static int sw_q_cidr_parse(struct sw_q_ep *ep, const char *opt, const char *text,
			   struct sw_err *err)
{
	struct sw_quote q;
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max, len = 0;

	if (alen >= sizeof(buf))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s is not an IP address or prefix", opt,
				  sw_text_quote(&q, text));
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (!sw_addr_parse(buf, ep->addr))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s is not an IP address or prefix "
				  "(write name:%s for a workload name)", opt, sw_text_quote(&q, text),
				  text);
	/* "::ffff:10.0.0.0/104" is written in IPv6 terms but selects IPv4 */
	ep->v4 = sw_q_is_v4(ep->addr);
	max = strchr(buf, ':') ? 128 : 32;
	if (slash) {
		const char *p = slash + 1;

		if (!*p || strlen(p) > 3)
			len = max + 1;
		for (; *p && len <= max; p++)
			len = isdigit((unsigned char)*p) ? len * 10 + (unsigned)(*p - '0') : max + 1;
		if (len > max)
			return sw_err_set(err, SW_EXIT_USAGE, "%s: %s is not a valid prefix: the "
					  "length after '/' must be 0 to %u", opt,
					  sw_text_quote(&q, text), max);
	} else {
		len = max;
	}
	ep->plen = (uint8_t)(max == 32 ? 96 + len : len);
	for (unsigned b = ep->plen; b < 128; b++)
		ep->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	ep->kind = SW_Q_EP_CIDR;
	return (ep->text = strdup(text)) ? SW_EXIT_OK : sw_q_nomem(err);
}

/* One selector term, spaces around it trimmed. */
static int sw_q_term_parse(struct sw_q_term *t, const char *opt, const char *sel,
			   const char *term, struct sw_err *err)
{
	struct sw_quote q1, q2;
	const char *eq = strchr(term, '='), *key_end;

	memset(t, 0, sizeof(*t));
	if (!eq && term[0] == '!') {
		t->op = SW_Q_LABEL_ABSENT;
		term++;
		key_end = term + strlen(term);
	} else if (!eq) {
		t->op = SW_Q_LABEL_EXISTS;
		key_end = term + strlen(term);
	} else if (eq > term && eq[-1] == '!') {
		t->op = SW_Q_LABEL_NE;
		key_end = eq - 1;
	} else {
		t->op = SW_Q_LABEL_EQ;
		key_end = eq;
		if (eq[1] == '=')
			eq++;
	}
	while (key_end > term && isspace((unsigned char)key_end[-1]))
		key_end--;
	if (key_end == term || memchr(term, '!', (size_t)(key_end - term)) ||
	    memchr(term, ' ', (size_t)(key_end - term)))
		return sw_err_set(err, SW_EXIT_USAGE, "%s: label selector %s: term %s has no valid "
				  "key (terms are key=value, key!=value, key, !key)", opt,
				  sw_text_quote(&q1, sel), sw_text_quote(&q2, term));
	if (!(t->key = strndup(term, (size_t)(key_end - term))))
		return sw_q_nomem(err);
	if (eq) {
		const char *v = eq + 1;

		while (isspace((unsigned char)*v))
			v++;
		if (!(t->value = strdup(v)))
			return sw_q_nomem(err);
	}
	return SW_EXIT_OK;
}

/* "app=web,tier!=db,canary": comma-separated terms, all must hold. */
static int sw_q_selector_parse(struct sw_q_ep *ep, const char *opt, const char *sel,
			       struct sw_err *err)
{
	char *copy = strdup(sel), *save = NULL, *term;
	struct sw_quote q;
	size_t n = 1;
	int rc = SW_EXIT_OK;

	for (const char *p = sel; *p; p++)
		n += *p == ',';
	ep->kind = SW_Q_EP_LABELS;
	if (!copy || !(ep->terms = calloc(n, sizeof(*ep->terms))) || !(ep->text = strdup(sel))) {
		free(copy);
		return sw_q_nomem(err);
	}
	/* strtok_r would skip empty terms: "app=web,,x" is a mistake worth saying */
	for (term = copy; rc == SW_EXIT_OK && term; term = save) {
		if ((save = strchr(term, ',')))
			*save++ = '\0';
		while (isspace((unsigned char)*term))
			term++;
		if (!*term)
			rc = sw_err_set(err, SW_EXIT_USAGE, "%s: label selector %s has an empty term",
					opt, sw_text_quote(&q, sel));
		else if ((rc = sw_q_term_parse(&ep->terms[ep->n_terms], opt, sel, term, err)) ==
			 SW_EXIT_OK)
			ep->n_terms++;
	}
	free(copy);
	return rc;
}

static int sw_q_ep_parse_kind(struct sw_q_ep *ep, const char *opt, const char *text,
			      struct sw_err *err)
{
	if (strncmp(text, "group:", 6) == 0) {
		if (!text[6])
			return sw_err_set(err, SW_EXIT_USAGE, "%s: group: needs a group name", opt);
		ep->kind = SW_Q_EP_GROUP;
		return (ep->text = strdup(text + 6)) ? SW_EXIT_OK : sw_q_nomem(err);
	}
	if (strncmp(text, "label:", 6) == 0)
		return sw_q_selector_parse(ep, opt, text + 6, err);
	if (strncmp(text, "name:", 5) == 0) {
		if (!text[5])
			return sw_err_set(err, SW_EXIT_USAGE, "%s: name: needs a name or pattern", opt);
		ep->kind = SW_Q_EP_NAME;
		return (ep->text = strdup(text + 5)) ? SW_EXIT_OK : sw_q_nomem(err);
	}
	if (sw_q_looks_like_addr(text))
		return sw_q_cidr_parse(ep, opt, text, err);
	/* names never hold '=' or ',' nor start with '!': those are selectors */
	if (strchr(text, '=') || strchr(text, ',') || text[0] == '!')
		return sw_q_selector_parse(ep, opt, text, err);
	ep->kind = SW_Q_EP_NAME;
	return (ep->text = strdup(text)) ? SW_EXIT_OK : sw_q_nomem(err);
}

int sw_q_ep_parse(struct sw_q_ep *ep, const char *opt, const char *text, struct sw_err *err)
{
	int rc;

	memset(ep, 0, sizeof(*ep));
	if (!*text)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: empty value (a name pattern, key=value, "
				  "group:NAME or an address)", opt);
	if ((rc = sw_q_ep_parse_kind(ep, opt, text, err)) != SW_EXIT_OK)
		sw_q_ep_clear(ep);
	return rc;
}

void sw_q_end_read(struct sw_q_end *e, const json_t *rec, const char *end)
{
	const char *addr = json_string_value(json_object_get(rec, end));
	char key[32];
	json_t *wl;

	memset(e, 0, sizeof(*e));
	e->has_addr = addr && sw_addr_parse(addr, e->addr);
	snprintf(key, sizeof(key), "%s_workload", end);
	wl = json_object_get(rec, key);
	if (!json_is_object(wl))
		return;
	e->name = json_string_value(json_object_get(wl, "name"));
	e->namespace = json_string_value(json_object_get(wl, "namespace"));
	e->labels = json_object_get(wl, "labels");
	if (!json_is_object(e->labels))
		e->labels = NULL;
}

/*
 * The name as recorded, and with or without its namespace: engines and pod
 * lists name workloads "shop/db-0" with namespace "shop", so "db-*" matches
 * it; a name recorded without its namespace matches "shop/db-*" too.
 */
static bool sw_q_name_match(const char *glob, const struct sw_q_end *e)
{
	size_t ns = e->namespace ? strlen(e->namespace) : 0;
	char full[1024];

	if (!e->name)
		return false;
	if (fnmatch(glob, e->name, 0) == 0)
		return true;
	if (!ns)
		return false;
	if (strncmp(e->name, e->namespace, ns) == 0 && e->name[ns] == '/')
		return fnmatch(glob, e->name + ns + 1, 0) == 0;
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", e->namespace, e->name) >= sizeof(full))
		return false;
	return fnmatch(glob, full, 0) == 0;
}

static bool sw_q_labels_match(const struct sw_q_ep *ep, const struct sw_q_end *e)
{
	for (size_t i = 0; i < ep->n_terms; i++) {
		const struct sw_q_term *t = &ep->terms[i];
		const char *v = json_string_value(json_object_get(e->labels, t->key));
		bool ok;

		switch (t->op) {
		case SW_Q_LABEL_EQ: ok = v && strcmp(v, t->value) == 0; break;
		case SW_Q_LABEL_NE: ok = !v || strcmp(v, t->value) != 0; break;
		case SW_Q_LABEL_EXISTS: ok = v != NULL; break;
		default: ok = v == NULL; break;
		}
		if (!ok)
			return false;
	}
	return true;
}

bool sw_q_ep_match(const struct sw_q_ep *ep, const struct sw_q_end *e)
{
	switch (ep->kind) {
	case SW_Q_EP_NAME:
		return sw_q_name_match(ep->text, e);
	case SW_Q_EP_LABELS:
		return sw_q_labels_match(ep, e);
	case SW_Q_EP_GROUP:
		return e->bits && (e->bits[ep->group / 64] >> (ep->group % 64) & 1);
	case SW_Q_EP_CIDR:
		return e->has_addr && sw_q_is_v4(e->addr) == ep->v4 &&
		       sw_q_prefix_has(ep->addr, ep->plen, e->addr);
	}
	return false;
}
