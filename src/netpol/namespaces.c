/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * namespaceSelector resolved to namespace names at import time. With
 * --namespaces (`kubectl get namespaces -o json`, or YAML) the selector is
 * evaluated against each namespace's labels, plus the label Kubernetes puts
 * on every namespace, kubernetes.io/metadata.name. Without it only what
 * needs no labels is resolved: {} (every namespace: the term keeps no
 * "namespaces" key, so namespaces made later are in too) and selectors on
 * kubernetes.io/metadata.name alone (matchLabels, or In). A namespace
 * created after the import is not in a resolved list: import again.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/text.h>

#include "internal.h"

#define SW_NP_NS_NAME "kubernetes.io/metadata.name"

bool sw_np_labels_match(const json_t *term, const json_t *labels)
{
	const json_t *want = json_object_get(term, "labels"), *exprs, *x, *v;
	const char *k;
	size_t i, j;

	json_object_foreach((json_t *)want, k, v) {
		const char *have = json_string_value(json_object_get(labels, k));

		if (!have || strcmp(have, json_string_value(v)) != 0)
			return false;
	}
	exprs = json_object_get(term, "expressions");
	json_array_foreach(exprs, i, x) {
		const char *have = json_string_value(
			json_object_get(labels, json_string_value(json_object_get(x, "key"))));
		const char *op = json_string_value(json_object_get(x, "operator"));
		bool listed = false;

		json_array_foreach(json_object_get(x, "values"), j, v)
			listed |= have && strcmp(have, json_string_value(v)) == 0;
		if ((strcmp(op, "In") == 0 && !listed) || (strcmp(op, "NotIn") == 0 && listed) ||
		    (strcmp(op, "Exists") == 0 && !have) || (strcmp(op, "DoesNotExist") == 0 && have))
			return false;
	}
	return true;
}

/* Without labels: the names a selector on kubernetes.io/metadata.name alone allows, or NULL. */
static json_t *sw_np_ns_by_name(const json_t *sel)
{
	const json_t *labels = json_object_get(sel, "labels"), *exprs = json_object_get(sel, "expressions");
	const json_t *x, *v;
	json_t *names = NULL;
	size_t i, j;

	if (json_object_size(labels) > 1 ||
	    (json_object_size(labels) == 1 && !json_object_get(labels, SW_NP_NS_NAME)))
		return NULL;
	if (json_object_size(labels) == 1)
		names = json_pack("[O]", json_object_get(labels, SW_NP_NS_NAME));
	json_array_foreach(exprs, i, x) {
		json_t *in = json_array();

		if (strcmp(json_string_value(json_object_get(x, "key")), SW_NP_NS_NAME) != 0 ||
		    strcmp(json_string_value(json_object_get(x, "operator")), "In") != 0 || !in) {
			json_decref(in);
			json_decref(names);
			return NULL;
		}
		json_array_foreach(json_object_get(x, "values"), j, v) {
			bool keep = true;

			if (names) { /* both given: the names both allow */
				const json_t *n;
				size_t k;

				keep = false;
				json_array_foreach(names, k, n)
					keep |= json_equal((json_t *)n, (json_t *)v);
			}
			if (keep)
				json_array_append((json_t *)in, (json_t *)v);
		}
		json_decref(names);
		names = in;
	}
	return names;
}

bool sw_np_peer_namespaces(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *sel,
			   json_t *term)
{
	json_t *s = json_object(), *names;
	const json_t *ns;
	size_t i;

	if (!s) {
		sw_np_nomem(c);
		return false;
	}
	if (!sw_np_selector(c, sel, s)) {
		json_decref(s);
		return false;
	}
	if (json_object_size(s) == 0) {
		json_decref(s); /* {}: every namespace, also those made later */
		return true;
	}
	if (!m->ns_list) {
		names = sw_np_ns_by_name(s);
		json_decref(s);
		if (!names)
			return sw_np_err(c, sel, "this namespaceSelector needs the namespaces' labels: "
					 "pass --namespaces FILE (kubectl get namespaces -o json)");
		for (i = json_array_size(names); i-- > 0;)
			if (json_string_length(json_array_get(names, i)) == 0)
				json_array_remove(names, i); /* no namespace is named "" */
		json_object_set_new(term, "namespaces", names);
		return true;
	}
	names = json_array();
	json_array_foreach(m->ns_list, i, ns)
		if (names && sw_np_labels_match(s, json_object_get(ns, "labels")))
			json_array_append(names, json_object_get(ns, "name"));
	json_decref(s);
	if (!names) {
		sw_np_nomem(c);
		return false;
	}
	json_object_set_new(term, "namespaces", names);
	return true;
}

/* One Namespace object (or a List of them) into m->ns_list. */
static void sw_np_ns_object(struct sw_np_ctx *c, struct sw_np_model *m, const yaml_node_t *obj)
{
	const char *kind = sw_np_str(sw_np_get(c->doc, obj, "kind"));
	const yaml_node_t *meta, *labels;
	const char *name;
	json_t *lj;
	struct sw_quote q;

	if (kind && (strcmp(kind, "List") == 0 || strcmp(kind, "NamespaceList") == 0)) {
		const yaml_node_t *items = sw_np_get(c->doc, obj, "items");
		size_t mark = sw_jsonptr_key(&c->ptr, "items");

		for (size_t i = 0; i < sw_np_seq_len(items); i++) {
			size_t m2 = sw_jsonptr_index(&c->ptr, i);

			sw_np_ns_object(c, m, sw_np_seq_at(c->doc, items, i));
			sw_jsonptr_pop(&c->ptr, m2);
		}
		sw_jsonptr_pop(&c->ptr, mark);
		return;
	}
	if (!kind || strcmp(kind, "Namespace") != 0) {
		sw_np_warn(c, obj, "not a Namespace (kind %s): left out",
			   sw_text_quote(&q, kind ? kind : "none"));
		return;
	}
	meta = sw_np_get(c->doc, obj, "metadata");
	name = sw_np_str(sw_np_get(c->doc, meta, "name"));
	if (!name || !*name || strlen(name) > 256) {
		sw_np_err(c, obj, "a Namespace without metadata.name (1 to 256 bytes)");
		return;
	}
	labels = sw_np_get(c->doc, meta, "labels");
	lj = json_object();
	if (labels && sw_np_is_map(labels))
		for (yaml_node_pair_t *p = labels->data.mapping.pairs.start;
		     lj && p < labels->data.mapping.pairs.top; p++) {
			const char *k = sw_np_str(yaml_document_get_node(c->doc, p->key));
			const char *v = sw_np_str(yaml_document_get_node(c->doc, p->value));

			if (k && v)
				json_object_set_new(lj, k, json_string(v));
		}
	if (lj)
		json_object_set_new(lj, SW_NP_NS_NAME, json_string(name));
	if (!lj || json_array_append_new(m->ns_list, json_pack("{s:s, s:o}", "name", name,
							       "labels", lj)) != 0)
		sw_np_nomem(c);
}

bool sw_np_namespaces_load(struct sw_np_ctx *c, struct sw_np_model *m,
			   const struct sw_netpol_input *in)
{
	struct sw_np_yaml y;
	size_t errors = c->res->n_errors;

	c->file = in->name;
	c->doc = NULL;
	sw_jsonptr_init(&c->ptr);
	if (!(m->ns_list = json_array())) {
		sw_np_nomem(c);
		return false;
	}
	if (!sw_np_yaml_load(c, in, &y))
		return false;
	for (size_t d = 0; d < y.n_docs; d++) {
		c->doc = &y.docs[d];
		sw_jsonptr_init(&c->ptr);
		c->node = yaml_document_get_root_node(c->doc);
		sw_np_ns_object(c, m, c->node);
	}
	c->doc = NULL;
	sw_np_yaml_free(&y);
	return c->res->n_errors == errors;
}
