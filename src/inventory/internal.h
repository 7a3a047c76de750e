/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_INVENTORY_INTERNAL_H
#define SW_INVENTORY_INTERNAL_H

/*
 * Private to src/inventory: the parse context both parsers fill, the JSON
 * Pointer that tracks where in the document they are (so semantic errors
 * can name the value at fault), and helpers for the fields both formats share.
 *
 * Convention: every function returning int returns SW_EXIT_OK or the exit
 * code of the error it recorded in ctx->err; the first error stops the load,
 * so after an error the pointer is left as it was (it is what was printed).
 */

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <segwatch/inventory.h>
#include <segwatch/jsonptr.h>
#include <segwatch/text.h>

/* Longest string we accept in names, labels and the like (bytes). */
#define SW_INV_MAX_TEXT 1024

struct sw_inv_ctx {
	const char *name;	/* input name for messages and inventory uids */
	unsigned flags;		/* SW_INV_* */
	struct sw_err *err;
	struct sw_jsonptr ptr;	/* where the parser is */
	struct sw_workload *wl;	/* the result so far */
	size_t n_wl, cap_wl;
	struct sw_inventory_stats st;
};

/* sw_inv_fail - a semantic error at ctx->ptr; returns SW_EXIT_USAGE. */
int sw_inv_fail(struct sw_inv_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* sw_inv_nomem - out of memory; returns SW_EXIT_RUNTIME. */
int sw_inv_nomem(struct sw_inv_ctx *c);


/* sw_inv_expect - fail unless @v (at ctx->ptr) has type @t. */
int sw_inv_expect(struct sw_inv_ctx *c, const json_t *v, json_type t);

/*
 * sw_inv_wl_append - move @w (built completely) to the end of the result;
 * @w is cleared either way. Returns SW_EXIT_OK or the out-of-memory error.
 */
int sw_inv_wl_append(struct sw_inv_ctx *c, struct sw_workload *w);

/*
 * sw_inv_text - check that @s (at ctx->ptr, describing @what) is usable as
 * a name or label: not empty unless @empty_ok, no control characters, not
 * longer than SW_INV_MAX_TEXT.
 */
int sw_inv_text(struct sw_inv_ctx *c, const char *s, const char *what, bool empty_ok);

/*
 * sw_inv_opt_string - member @key of @obj as non-empty text (sw_inv_text,
 * naming it @what in errors); *@out is NULL when the member is absent.
 */
int sw_inv_opt_string(struct sw_inv_ctx *c, const json_t *obj, const char *key,
		      const char *what, const char **out);

/* sw_inv_add_ip - parse @text (at ctx->ptr) as a workload address and add it to @w. */
int sw_inv_add_ip(struct sw_inv_ctx *c, struct sw_workload *w, const char *text);

/* sw_inv_add_labels - @labels (at ctx->ptr): an object of string values. */
int sw_inv_add_labels(struct sw_inv_ctx *c, struct sw_workload *w, const json_t *labels);

/*
 * sw_inv_suggest - the entry of @known closest to @word, when close enough
 * to be a likely misspelling (or a known alias of it); NULL otherwise.
 */
const char *sw_inv_suggest(const char *word, const char *const *known, size_t n_known);

/* The two parsers: @root is an object; fill ctx->wl and ctx->st. */
int sw_inv_parse_segwatch(struct sw_inv_ctx *c, const json_t *root);
int sw_inv_parse_kube(struct sw_inv_ctx *c, const json_t *root);
/* sw_inv_parse_root - recognise the format of @root (any value) and parse it. */
int sw_inv_parse_root(struct sw_inv_ctx *c, const json_t *root);

/* One element of the big array, at ctx->ptr: a workload, a kubectl list item. */
int sw_inv_segwatch_workload(struct sw_inv_ctx *c, const json_t *o);
int sw_inv_kube_pod(struct sw_inv_ctx *c, const json_t *pod);

/*
 * Private flag of sw_inventory_load_buffer(): parse the input as one
 * document only, never through sw_inv_stream() (the reference the fuzzer
 * and the unit tests hold the streaming reader to).
 */
#define SW_INV_WHOLE_DOCUMENT 0x80000000u

/* sw_inv_stream() could not take the input whole; read it as one document. */
#define SW_INV_DECLINED (-1)

/*
 * sw_inv_stream - the fast path (stream.c): the outer object's punctuation
 * scanned here, the big array parsed and converted one element at a time.
 * Returns SW_EXIT_OK with ctx filled exactly as sw_inv_parse_root() on the
 * whole document would, or SW_INV_DECLINED on anything else (ctx->err and
 * the partial result are then meaningless: free ctx->wl, start again).
 */
int sw_inv_stream(struct sw_inv_ctx *c, const char *buf, size_t len);

#endif
