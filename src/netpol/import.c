/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sw_netpol_import: every input's YAML documents read (bounded), their
 * Kubernetes objects into the model (k8s.c, anp.c), the model into one
 * segwatch policy document (emit.c). With any error there is no document.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* AdminNetworkPolicy rules in priority order (stable: listed order within one). */
static int sw_np_prio_cmp(const void *pa, const void *pb)
{
	const struct sw_np_rule *a = pa, *b = pb;

	return (a->priority > b->priority) - (a->priority < b->priority);
}

static void sw_np_sort_stable(struct sw_np_rules *r)
{
	/* insertion sort: stable, and there are few admin rules */
	for (size_t i = 1; i < r->n; i++) {
		struct sw_np_rule x = r->v[i];
		size_t j = i;

		for (; j > 0 && sw_np_prio_cmp(&r->v[j - 1], &x) > 0; j--)
			r->v[j] = r->v[j - 1];
		r->v[j] = x;
	}
}

int sw_netpol_import(const struct sw_netpol_input *in, size_t n, const struct sw_netpol_opts *o,
		     struct sw_netpol_result *res)
{
	struct sw_np_ctx c = { .res = res };
	struct sw_np_model m = { 0 };

	memset(res, 0, sizeof(*res));
	m.ingress_isolated = json_array();
	m.egress_isolated = json_array();
	if (!m.ingress_isolated || !m.egress_isolated)
		res->nomem = true;
	if (!res->nomem && o && o->namespaces)
		sw_np_namespaces_load(&c, &m, o->namespaces);
	for (size_t i = 0; i < n && !res->nomem; i++) {
		struct sw_np_yaml y;

		c.file = in[i].name;
		c.doc = NULL;
		c.node = NULL;
		sw_jsonptr_init(&c.ptr);
		if (!sw_np_yaml_load(&c, &in[i], &y))
			continue;
		for (size_t d = 0; d < y.n_docs && !res->nomem; d++) {
			c.doc = &y.docs[d];
			sw_jsonptr_init(&c.ptr);
			c.node = yaml_document_get_root_node(c.doc);
			sw_np_read_object(&c, &m, c.node);
		}
		c.doc = NULL;
		sw_np_yaml_free(&y);
	}
	sw_np_sort_stable(&m.anp);
	c.file = NULL;
	if (!res->nomem && res->n_errors == 0)
		res->policy = sw_np_emit(&c, &m, o ? o->name : NULL);
	sw_np_model_clear(&m);
	if (res->nomem) {
		json_decref(res->policy);
		res->policy = NULL;
		return SW_EXIT_RUNTIME;
	}
	return res->n_errors ? SW_EXIT_USAGE : SW_EXIT_OK;
}

void sw_netpol_result_clear(struct sw_netpol_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_notes; i++) {
		free(res->notes[i].file);
		free(res->notes[i].path);
		free(res->notes[i].msg);
	}
	free(res->notes);
	json_decref(res->policy);
	memset(res, 0, sizeof(*res));
}
