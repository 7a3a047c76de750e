/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * YAML documents with libyaml's loader, bounded: the caller's buffer is at
 * most SW_NETPOL_MAX_FILE bytes, and each document is measured before it is
 * looked at: nesting deeper than SW_NETPOL_MAX_DEPTH, an alias that refers
 * to its own ancestor, or more than SW_NETPOL_MAX_NODES nodes once aliases
 * are expanded (a "billion laughs") is an error, so what reads the
 * documents afterwards does bounded work. Notes (warnings and errors) carry
 * the file, the line and column of the node and its YAML path.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>

#include "internal.h"

static bool sw_np_note_push(struct sw_netpol_result *r, struct sw_netpol_note *n)
{
	if (r->n_notes == r->cap_notes) {
		size_t cap = r->cap_notes ? 2 * r->cap_notes : 16;
		struct sw_netpol_note *v = realloc(r->notes, cap * sizeof(*v));

		if (!v)
			return false;
		r->notes = v;
		r->cap_notes = cap;
	}
	r->notes[r->n_notes++] = *n;
	return true;
}

void sw_np_nomem(struct sw_np_ctx *c)
{
	c->res->nomem = true;
}

__attribute__((format(printf, 4, 0)))
static void sw_np_vnote(struct sw_np_ctx *c, enum sw_diag_severity sev, const yaml_node_t *at,
			const char *fmt, va_list ap)
{
	struct sw_netpol_note n = { .severity = sev };
	char msg[600];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (sev == SW_DIAG_ERROR)
		c->res->n_errors++;
	else
		c->res->n_warnings++;
	if (!at)
		at = c->node;
	if (at) {
		n.line = (int)at->start_mark.line + 1;
		n.col = (int)at->start_mark.column + 1;
	}
	n.file = strdup(c->file ? c->file : "-");
	n.path = c->doc ? strdup(c->ptr.buf) : NULL;
	n.msg = strdup(msg);
	if (!n.file || !n.msg || (c->doc && !n.path) || !sw_np_note_push(c->res, &n)) {
		free(n.file);
		free(n.path);
		free(n.msg);
		c->res->nomem = true;
	}
}

void sw_np_warn_rule(struct sw_np_ctx *c, const struct sw_np_rule *r, const char *fmt, ...)
{
	struct sw_netpol_note n = { .severity = SW_DIAG_WARNING, .line = r->line, .col = r->col };
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->res->n_warnings++;
	n.file = strdup(r->file ? r->file : "-");
	n.path = strdup(r->where ? r->where : "");
	n.msg = strdup(msg);
	if (!n.file || !n.path || !n.msg || !sw_np_note_push(c->res, &n)) {
		free(n.file);
		free(n.path);
		free(n.msg);
		c->res->nomem = true;
	}
}

bool sw_np_rule_place(struct sw_np_ctx *c, const yaml_node_t *at, struct sw_np_rule *r)
{
	r->file = c->file;
	r->line = at ? (int)at->start_mark.line + 1 : 0;
	r->col = at ? (int)at->start_mark.column + 1 : 0;
	r->where = strdup(c->ptr.buf);
	return r->where != NULL;
}

void sw_np_note(struct sw_np_ctx *c, enum sw_diag_severity sev, const yaml_node_t *at,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_np_vnote(c, sev, at, fmt, ap);
	va_end(ap);
}

bool sw_np_err(struct sw_np_ctx *c, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_np_vnote(c, SW_DIAG_ERROR, at, fmt, ap);
	va_end(ap);
	return false;
}

const char *sw_netpol_note_format(const struct sw_netpol_note *n, char *buf, size_t size)
{
	const char *sev = n->severity == SW_DIAG_ERROR ? "error" : "warning";
	char place[64] = "";

	if (n->line)
		snprintf(place, sizeof(place), ":%d:%d", n->line, n->col);
	if (n->path)
		snprintf(buf, size, "%s%s: %s: %s: %s", n->file, place, *n->path ? n->path : "/",
			 sev, n->msg);
	else
		snprintf(buf, size, "%s%s: %s: %s", n->file, place, sev, n->msg);
	return buf;
}

/* ---- node access ---- */

bool sw_np_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool sw_np_is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

const char *sw_np_str(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool sw_np_is_null(const yaml_node_t *n)
{
	const char *s;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return n == NULL;
	s = (const char *)n->data.scalar.value;
	return !*s || strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

const char *sw_np_type_name(const yaml_node_t *n)
{
	if (!n || sw_np_is_null(n))
		return "null";
	return n->type == YAML_MAPPING_NODE ? "a mapping" :
	       n->type == YAML_SEQUENCE_NODE ? "a sequence" : "a scalar";
}

yaml_node_t *sw_np_get(yaml_document_t *d, const yaml_node_t *map, const char *key)
{
	if (!sw_np_is_map(map))
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		const char *k = sw_np_str(yaml_document_get_node(d, p->key));

		if (k && strcmp(k, key) == 0) {
			yaml_node_t *v = yaml_document_get_node(d, p->value);

			return sw_np_is_null(v) ? NULL : v;
		}
	}
	return NULL;
}

size_t sw_np_seq_len(const yaml_node_t *n)
{
	return sw_np_is_seq(n) ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 0;
}

yaml_node_t *sw_np_seq_at(yaml_document_t *d, const yaml_node_t *n, size_t i)
{
	yaml_node_t *v;

	if (i >= sw_np_seq_len(n))
		return NULL;
	v = yaml_document_get_node(d, n->data.sequence.items.start[i]);
	return sw_np_is_null(v) ? NULL : v;
}

/* ---- loading, bounded ---- */

struct sw_np_measure {
	yaml_document_t *d;
	uint8_t *state;		/* per node: 0 unseen, 1 being measured, 2 done */
	size_t *size;		/* per node: nodes below it, aliases expanded (capped) */
	const yaml_node_t *bad;
	const char *why;
};

static size_t sw_np_cap_add(size_t a, size_t b)
{
	return a + b > SW_NETPOL_MAX_NODES ? SW_NETPOL_MAX_NODES + 1 : a + b;
}

/* Nodes under node @id (1-based), aliases expanded; SIZE_MAX on a bound passed. */
static size_t sw_np_measure(struct sw_np_measure *m, int id, unsigned depth)
{
	yaml_node_t *n = yaml_document_get_node(m->d, id);
	size_t i = (size_t)id - 1, total = 1;

	if (!n)
		return 1;
	if (depth > SW_NETPOL_MAX_DEPTH) {
		m->bad = n;
		m->why = "nested deeper than " "64" " levels";
		return SIZE_MAX;
	}
	if (m->state[i] == 2)
		return m->size[i];
	if (m->state[i] == 1) {
		m->bad = n;
		m->why = "an alias refers to a node that contains it";
		return SIZE_MAX;
	}
	m->state[i] = 1;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			size_t s = sw_np_measure(m, *it, depth + 1);

			if (s == SIZE_MAX)
				return SIZE_MAX;
			total = sw_np_cap_add(total, s);
		}
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
		     p++) {
			size_t k = sw_np_measure(m, p->key, depth + 1), v;

			if (k == SIZE_MAX || (v = sw_np_measure(m, p->value, depth + 1)) == SIZE_MAX)
				return SIZE_MAX;
			total = sw_np_cap_add(total, sw_np_cap_add(k, v));
		}
	}
	m->state[i] = 2;
	m->size[i] = total;
	return total;
}

static bool sw_np_doc_bounded(struct sw_np_ctx *c, yaml_document_t *d, size_t *budget)
{
	size_t n = (size_t)(d->nodes.top - d->nodes.start), s;
	struct sw_np_measure m = { .d = d };

	if (n == 0)
		return true;
	m.state = calloc(n, 1);
	m.size = calloc(n, sizeof(*m.size));
	if (!m.state || !m.size) {
		free(m.state);
		free(m.size);
		sw_np_nomem(c);
		return false;
	}
	s = sw_np_measure(&m, 1, 0);
	free(m.state);
	free(m.size);
	if (s == SIZE_MAX)
		return sw_np_err(c, m.bad, "%s: not read", m.why);
	if (s > *budget)
		return sw_np_err(c, yaml_document_get_root_node(d),
				 "more than %u nodes (aliases expanded): not read", SW_NETPOL_MAX_NODES);
	*budget -= s;
	return true;
}

bool sw_np_yaml_load(struct sw_np_ctx *c, const struct sw_netpol_input *in, struct sw_np_yaml *y)
{
	yaml_parser_t p;
	size_t budget = SW_NETPOL_MAX_NODES;
	bool ok = true;

	memset(y, 0, sizeof(*y));
	if (in->len > SW_NETPOL_MAX_FILE)
		return sw_np_err(c, NULL, "larger than %u bytes: not read", SW_NETPOL_MAX_FILE);
	if (!yaml_parser_initialize(&p)) {
		sw_np_nomem(c);
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)in->buf, in->len);
	for (;;) {
		yaml_document_t d;
		yaml_document_t *v;

		if (!yaml_parser_load(&p, &d)) {
			size_t before = c->res->n_notes;

			c->node = NULL;
			sw_np_note(c, SW_DIAG_ERROR, NULL, "YAML: %s%s%s", p.problem ? p.problem : "error",
				   p.context ? " " : "", p.context ? p.context : "");
			if (c->res->n_notes > before) { /* the place is the parser's, not a node's */
				c->res->notes[before].line = (int)p.problem_mark.line + 1;
				c->res->notes[before].col = (int)p.problem_mark.column + 1;
			}
			ok = false;
			break;
		}
		if (!yaml_document_get_root_node(&d)) {
			yaml_document_delete(&d);
			break; /* the end of the stream */
		}
		if (!sw_np_doc_bounded(c, &d, &budget)) {
			yaml_document_delete(&d);
			ok = false;
			break;
		}
		v = realloc(y->docs, (y->n_docs + 1) * sizeof(*v));
		if (!v) {
			yaml_document_delete(&d);
			sw_np_nomem(c);
			ok = false;
			break;
		}
		y->docs = v;
		y->docs[y->n_docs++] = d;
	}
	yaml_parser_delete(&p);
	if (!ok)
		sw_np_yaml_free(y);
	return ok;
}

void sw_np_yaml_free(struct sw_np_yaml *y)
{
	for (size_t i = 0; i < y->n_docs; i++)
		yaml_document_delete(&y->docs[i]);
	free(y->docs);
	y->docs = NULL;
	y->n_docs = 0;
}

int sw_netpol_read_file(const char *path, char **buf, size_t *len, const char **why)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *b;

	*buf = NULL;
	*len = 0;
	if (!f) {
		*why = strerror(errno);
		return SW_EXIT_RUNTIME;
	}
	b = malloc(cap);
	while (b) {
		size_t got;

		if (n == cap - 1) {
			char *nb;

			if (cap > SW_NETPOL_MAX_FILE + 1u) {
				*why = "larger than 16 MiB: not read";
				free(b);
				if (f != stdin)
					fclose(f);
				return SW_EXIT_USAGE;
			}
			nb = realloc(b, cap * 2);
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
		got = fread(b + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (!b || ferror(f)) {
		*why = b ? strerror(errno) : "out of memory";
		free(b);
		if (f != stdin)
			fclose(f);
		return SW_EXIT_RUNTIME;
	}
	if (f != stdin)
		fclose(f);
	if (n > SW_NETPOL_MAX_FILE) {
		free(b);
		*why = "larger than 16 MiB: not read";
		return SW_EXIT_USAGE;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return SW_EXIT_OK;
}

bool sw_netpol_is_yaml_name(const char *path)
{
	size_t n = strlen(path);

	return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
	       (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}
