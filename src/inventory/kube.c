/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kubernetes pods as `kubectl get pods -A -o json` prints them, read as-is:
 *
 *   {"apiVersion": "v1", "kind": "List", "items": [
 *     {"kind": "Pod",
 *      "metadata": {"namespace": "shop", "name": "web-7f9c", "uid": "…",
 *                   "labels": {"app": "web"}},
 *      "spec": {"hostNetwork": false, ...},
 *      "status": {"phase": "Running", "podIP": "10.244.1.7",
 *                 "podIPs": [{"ip": "10.244.1.7"}, {"ip": "fd00:10:244:1::7"}]}}]}
 *
 * Also a PodList straight from the API (items without "kind") and a single
 * Pod (`kubectl get pod X -o json`). Only the fields above are read; all
 * others are ignored, as they change between Kubernetes versions. Pods that
 * own no address of their own are skipped and counted, not errors: not yet
 * scheduled or started (no IP), hostNetwork (the IP is the node's), and
 * finished (phase Succeeded or Failed: the IP may already be another pod's).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* sw_kube_member - optional member @key of @o with type @t; NULL when absent. */
static int sw_kube_member(struct sw_inv_ctx *c, const json_t *o, const char *key, json_type t,
			  const json_t **out)
{
	const json_t *v = json_object_get(o, key);
	size_t mark;
	int rc;

	*out = NULL;
	if (!v)
		return SW_EXIT_OK;
	mark = sw_jsonptr_key(&c->ptr, key);
	rc = sw_inv_expect(c, v, t);
	if (rc)
		return rc;
	sw_jsonptr_pop(&c->ptr, mark);
	*out = v;
	return SW_EXIT_OK;
}

/* sw_kube_identity - name "namespace/name", namespace, uid and labels from metadata. */
static int sw_kube_identity(struct sw_inv_ctx *c, const json_t *pod, struct sw_workload *w)
{
	const char *name, *ns, *uid;
	const json_t *meta, *labels;
	size_t mark, len;
	int rc;

	rc = sw_kube_member(c, pod, "metadata", JSON_OBJECT, &meta);
	if (!rc && !meta)
		rc = sw_inv_fail(c, "missing \"metadata\"");
	if (rc)
		return rc;
	mark = sw_jsonptr_key(&c->ptr, "metadata");
	rc = sw_inv_opt_string(c, meta, "name", "pod name", &name);
	if (!rc && !name)
		rc = sw_inv_fail(c, "missing \"name\"");
	if (!rc)
		rc = sw_inv_opt_string(c, meta, "namespace", "namespace", &ns);
	if (!rc)
		rc = sw_inv_opt_string(c, meta, "uid", "uid", &uid);
	if (!rc)
		rc = sw_kube_member(c, meta, "labels", JSON_OBJECT, &labels);
	if (rc)
		return rc;
	if (labels) {
		size_t m = sw_jsonptr_key(&c->ptr, "labels");

		rc = sw_inv_add_labels(c, w, labels);
		if (rc)
			return rc;
		sw_jsonptr_pop(&c->ptr, m);
	}
	sw_jsonptr_pop(&c->ptr, mark);
	if (!ns)
		ns = "default"; /* what the API server assumes for a namespaced object */
	len = strlen(ns) + 1 + strlen(name) + 1;
	w->name = malloc(len);
	w->namespace = strdup(ns);
	if (!w->name || !w->namespace)
		return sw_inv_nomem(c);
	snprintf(w->name, len, "%s/%s", ns, name);
	/* a pod written by hand has no uid; its name is unique within the cluster */
	w->uid = strdup(uid ? uid : w->name);
	return w->uid ? SW_EXIT_OK : sw_inv_nomem(c);
}

/* sw_kube_host_network - spec.hostNetwork, false when absent. */
static int sw_kube_host_network(struct sw_inv_ctx *c, const json_t *pod, bool *host)
{
	const json_t *spec, *hn = NULL;
	size_t mark;
	int rc;

	*host = false;
	rc = sw_kube_member(c, pod, "spec", JSON_OBJECT, &spec);
	if (rc || !spec)
		return rc;
	mark = sw_jsonptr_key(&c->ptr, "spec");
	rc = sw_kube_member(c, spec, "hostNetwork", JSON_TRUE, &hn);
	if (rc)
		return rc;
	sw_jsonptr_pop(&c->ptr, mark);
	*host = hn && json_is_true(hn);
	return SW_EXIT_OK;
}

/* sw_kube_ip_item - one element of status.podIPs: {"ip": "..."}. */
static int sw_kube_ip_item(struct sw_inv_ctx *c, const json_t *item, struct sw_workload *w)
{
	const json_t *ip;
	int rc;

	rc = sw_inv_expect(c, item, JSON_OBJECT);
	if (!rc)
		rc = sw_kube_member(c, item, "ip", JSON_STRING, &ip);
	if (!rc && !ip)
		rc = sw_inv_fail(c, "missing \"ip\"");
	if (rc)
		return rc;
	sw_jsonptr_key(&c->ptr, "ip");
	return sw_inv_add_ip(c, w, json_string_value(ip));
}

/* sw_kube_pod_ips - status.podIPs[].ip, or status.podIP when there is no podIPs. */
static int sw_kube_pod_ips(struct sw_inv_ctx *c, const json_t *status, struct sw_workload *w)
{
	const json_t *ips, *one, *item;
	size_t mark, i;
	int rc;

	rc = sw_kube_member(c, status, "podIPs", JSON_ARRAY, &ips);
	if (rc)
		return rc;
	mark = sw_jsonptr_key(&c->ptr, "podIPs");
	json_array_foreach(ips, i, item) {
		size_t m = sw_jsonptr_index(&c->ptr, i);

		rc = sw_kube_ip_item(c, item, w);
		if (rc)
			return rc;
		sw_jsonptr_pop(&c->ptr, m);
	}
	sw_jsonptr_pop(&c->ptr, mark);
	if (w->n_addrs)
		return SW_EXIT_OK;
	rc = sw_kube_member(c, status, "podIP", JSON_STRING, &one);
	if (rc || !one || json_string_length(one) == 0)
		return rc;
	sw_jsonptr_key(&c->ptr, "podIP");
	rc = sw_inv_add_ip(c, w, json_string_value(one));
	if (!rc)
		sw_jsonptr_pop(&c->ptr, mark);
	return rc;
}

/* sw_kube_status - the pod's addresses; *@finished for phase Succeeded or Failed. */
static int sw_kube_status(struct sw_inv_ctx *c, const json_t *pod, struct sw_workload *w,
			  bool *finished)
{
	const json_t *status, *phase;
	size_t mark;
	int rc;

	*finished = false;
	rc = sw_kube_member(c, pod, "status", JSON_OBJECT, &status);
	if (rc || !status)
		return rc;
	mark = sw_jsonptr_key(&c->ptr, "status");
	rc = sw_kube_member(c, status, "phase", JSON_STRING, &phase);
	if (rc)
		return rc;
	if (phase && (strcmp(json_string_value(phase), "Succeeded") == 0 ||
		      strcmp(json_string_value(phase), "Failed") == 0)) {
		*finished = true;
		sw_jsonptr_pop(&c->ptr, mark);
		return SW_EXIT_OK;
	}
	rc = sw_kube_pod_ips(c, status, w);
	if (!rc)
		sw_jsonptr_pop(&c->ptr, mark);
	return rc;
}

/* sw_kube_pod_fill - identity and addresses; *@skip names the counter when not kept. */
static int sw_kube_pod_fill(struct sw_inv_ctx *c, const json_t *pod, struct sw_workload *w,
			    size_t **skip)
{
	bool host, finished;
	int rc;

	*skip = NULL;
	rc = sw_kube_identity(c, pod, w);
	if (!rc)
		rc = sw_kube_host_network(c, pod, &host);
	if (rc)
		return rc;
	if (host) {
		*skip = &c->st.skipped_host_network;
		return SW_EXIT_OK;
	}
	rc = sw_kube_status(c, pod, w, &finished);
	if (rc)
		return rc;
	if (finished)
		*skip = &c->st.skipped_finished;
	else if (w->n_addrs == 0)
		*skip = &c->st.skipped_no_ip;
	return SW_EXIT_OK;
}

/* sw_inv_kube_pod - one pod at ctx->ptr; items of other kinds are counted and left. */
int sw_inv_kube_pod(struct sw_inv_ctx *c, const json_t *pod)
{
	struct sw_workload w = { .source = SW_WL_SRC_KUBERNETES };
	const json_t *kind;
	size_t *skip;
	int rc;

	rc = sw_inv_expect(c, pod, JSON_OBJECT);
	if (!rc)
		rc = sw_kube_member(c, pod, "kind", JSON_STRING, &kind);
	if (rc)
		return rc;
	if (kind && strcmp(json_string_value(kind), "Pod") != 0) {
		c->st.skipped_not_pod++;
		return SW_EXIT_OK;
	}
	rc = sw_kube_pod_fill(c, pod, &w, &skip);
	if (rc || skip) {
		sw_workload_clear(&w);
		if (skip)
			(*skip)++;
		return rc;
	}
	return sw_inv_wl_append(c, &w);
}

static int sw_kube_items(struct sw_inv_ctx *c, const json_t *root)
{
	const json_t *items, *item;
	size_t i;
	int rc;

	rc = sw_kube_member(c, root, "items", JSON_ARRAY, &items);
	if (!rc && !items)
		rc = sw_inv_fail(c, "missing \"items\"");
	if (rc)
		return rc;
	sw_jsonptr_key(&c->ptr, "items");
	json_array_foreach(items, i, item) {
		size_t m = sw_jsonptr_index(&c->ptr, i);

		rc = sw_inv_kube_pod(c, item);
		if (rc)
			return rc;
		sw_jsonptr_pop(&c->ptr, m);
	}
	sw_jsonptr_pop(&c->ptr, 0);
	return SW_EXIT_OK;
}

int sw_inv_parse_kube(struct sw_inv_ctx *c, const json_t *root)
{
	const json_t *kind;
	const char *k;
	struct sw_quote q;
	int rc;

	rc = sw_kube_member(c, root, "kind", JSON_STRING, &kind);
	if (rc)
		return rc;
	if (!kind)
		return sw_inv_fail(c, "missing \"kind\": expected the output of "
				   "`kubectl get pods -A -o json` (kind List) or one Pod");
	k = json_string_value(kind);
	if (strcmp(k, "List") == 0 || strcmp(k, "PodList") == 0) {
		c->st.format = SW_INV_FMT_KUBE_LIST;
		return sw_kube_items(c, root);
	}
	if (strcmp(k, "Pod") == 0) {
		c->st.format = SW_INV_FMT_KUBE_POD;
		return sw_inv_kube_pod(c, root);
	}
	sw_jsonptr_key(&c->ptr, "kind");
	return sw_inv_fail(c, "unsupported kind %s: expected the output of "
			   "`kubectl get pods -A -o json` (kind List) or one Pod", sw_text_quote(&q, k));
}
