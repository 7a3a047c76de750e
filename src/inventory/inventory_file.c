/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The segwatch inventory format (docs/inventory.md):
 *
 *   {"version": 1,
 *    "workloads": [{"name": "shop/web-1", "namespace": "shop",
 *                   "labels": {"app": "web"}, "ips": ["10.77.0.10"],
 *                   "macs": ["02:00:00:00:00:10"], "interface": "veth-web"}]}
 *
 * Strict: unknown keys are errors (with a suggestion), since a misspelt
 * "ips" would otherwise leave a workload silently unidentified; names are
 * unique; an address belongs to one workload.
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_INV_VERSION 1

static const char *const sw_seg_root_keys[] = { "version", "workloads" };
static const char *const sw_seg_wl_keys[] = { "name", "namespace", "labels",
					      "ips", "macs", "interface" };

#define SW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* sw_seg_unknown_key_list - the error for a key nothing resembles: name the valid ones. */
static int sw_seg_unknown_key_list(struct sw_inv_ctx *c, const char *key,
				   const char *const *known, size_t n_known)
{
	char list[128] = "";
	size_t o = 0;
	struct sw_quote q;

	for (size_t i = 0; i < n_known && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", known[i]);
	return sw_inv_fail(c, "unknown key %s (expected %s)", sw_text_quote(&q, key), list);
}

/* sw_seg_unknown_keys - fail on the first member of @o not in @known. */
static int sw_seg_unknown_keys(struct sw_inv_ctx *c, const json_t *o, const char *const *known,
			       size_t n_known)
{
	const char *key, *hint;
	struct sw_quote q, qh;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		size_t i;

		for (i = 0; i < n_known && strcmp(key, known[i]) != 0; i++)
			;
		if (i < n_known)
			continue;
		sw_jsonptr_key(&c->ptr, key);
		hint = sw_inv_suggest(key, known, n_known);
		if (hint)
			return sw_inv_fail(c, "unknown key %s; did you mean %s?", sw_text_quote(&q, key),
					   sw_text_quote(&qh, hint));
		return sw_seg_unknown_key_list(c, key, known, n_known);
	}
	return SW_EXIT_OK;
}

static int sw_seg_version(struct sw_inv_ctx *c, const json_t *root)
{
	const json_t *v = json_object_get(root, "version");
	size_t mark;

	if (!v)
		return sw_inv_fail(c, "missing \"version\" (this segwatch reads inventory version %d)",
				   SW_INV_VERSION);
	mark = sw_jsonptr_key(&c->ptr, "version");
	if (!json_is_integer(v))
		return sw_inv_fail(c, "expected the integer %d, got %s", SW_INV_VERSION,
				   sw_text_json_type(v));
	if (json_integer_value(v) != SW_INV_VERSION)
		return sw_inv_fail(c, "unsupported version %" JSON_INTEGER_FORMAT
				   " (this segwatch reads inventory version %d)",
				   json_integer_value(v), SW_INV_VERSION);
	sw_jsonptr_pop(&c->ptr, mark);
	return SW_EXIT_OK;
}

/* sw_seg_list - optional member @key of @o: an array of strings, each given to @add. */
static int sw_seg_list(struct sw_inv_ctx *c, const json_t *o, const char *key,
		       struct sw_workload *w,
		       int (*add)(struct sw_inv_ctx *, struct sw_workload *, const char *))
{
	const json_t *arr = json_object_get(o, key), *v;
	size_t mark, i;
	int rc;

	if (!arr)
		return SW_EXIT_OK;
	mark = sw_jsonptr_key(&c->ptr, key);
	rc = sw_inv_expect(c, arr, JSON_ARRAY);
	if (rc)
		return rc;
	json_array_foreach(arr, i, v) {
		size_t m = sw_jsonptr_index(&c->ptr, i);

		rc = sw_inv_expect(c, v, JSON_STRING);
		if (!rc)
			rc = add(c, w, json_string_value(v));
		if (rc)
			return rc;
		sw_jsonptr_pop(&c->ptr, m);
	}
	sw_jsonptr_pop(&c->ptr, mark);
	return SW_EXIT_OK;
}

/* sw_seg_ip - one of "ips"; twice in one workload is an error so that indexes match. */
static int sw_seg_ip(struct sw_inv_ctx *c, struct sw_workload *w, const char *text)
{
	size_t before = w->n_addrs;
	struct sw_quote q;
	int rc = sw_inv_add_ip(c, w, text);

	if (rc)
		return rc;
	if (w->n_addrs == before)
		return sw_inv_fail(c, "%s is listed twice in this workload", sw_text_quote(&q, text));
	return SW_EXIT_OK;
}

static int sw_seg_mac(struct sw_inv_ctx *c, struct sw_workload *w, const char *text)
{
	static const uint8_t zero[6];
	struct sw_quote q;
	uint8_t mac[6];
	size_t before;

	if (!sw_mac_parse(text, mac))
		return sw_inv_fail(c, "not a MAC address %s (expected six hex pairs separated "
				   "by colons, like \"02:00:00:00:00:10\")", sw_text_quote(&q, text));
	if (mac[0] & 1)
		return sw_inv_fail(c, "%s is a multicast MAC address, not a workload's",
				   sw_text_quote(&q, text));
	if (memcmp(mac, zero, sizeof(zero)) == 0)
		return sw_inv_fail(c, "%s is not a workload's MAC address", sw_text_quote(&q, text));
	before = w->n_macs;
	if (!sw_workload_add_mac(w, mac))
		return sw_inv_nomem(c);
	if (w->n_macs == before) /* so that indexes match, as for "ips" */
		return sw_inv_fail(c, "%s is listed twice in this workload", sw_text_quote(&q, text));
	return SW_EXIT_OK;
}

/* sw_seg_ifname_ok - the kernel's rules for a device name (dev_valid_name()). */
static bool sw_seg_ifname_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IF_NAMESIZE || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
			return false;
	return true;
}

static int sw_seg_iface(struct sw_inv_ctx *c, const json_t *o, struct sw_workload *w)
{
	const char *name;
	struct sw_quote q;
	int rc = sw_inv_opt_string(c, o, "interface", "interface name", &name);

	if (rc || !name)
		return rc;
	if (!sw_seg_ifname_ok(name)) {
		sw_jsonptr_key(&c->ptr, "interface");
		return sw_inv_fail(c, "%s is not an interface name (at most %d characters, "
				   "no \"/\", \":\" or spaces)", sw_text_quote(&q, name), IF_NAMESIZE - 1);
	}
	w->iface = strdup(name);
	if (!w->iface)
		return sw_inv_nomem(c);
	if (!(c->flags & SW_INV_NO_IFINDEX))
		w->ifindex = (int)if_nametoindex(name);
	if (w->ifindex == 0)
		c->st.iface_unresolved++;
	return SW_EXIT_OK;
}

/* sw_seg_strings - name, uid ("INPUT#name") and namespace. */
static int sw_seg_strings(struct sw_inv_ctx *c, const json_t *o, struct sw_workload *w)
{
	const char *name, *ns;
	size_t len;
	int rc;

	rc = sw_inv_opt_string(c, o, "name", "name", &name);
	if (!rc && !name)
		rc = sw_inv_fail(c, "missing \"name\"");
	if (!rc)
		rc = sw_inv_opt_string(c, o, "namespace", "namespace", &ns);
	if (rc)
		return rc;
	len = strlen(c->name) + 1 + strlen(name) + 1;
	w->name = strdup(name);
	w->namespace = ns ? strdup(ns) : NULL;
	w->uid = malloc(len);
	if (!w->name || (ns && !w->namespace) || !w->uid)
		return sw_inv_nomem(c);
	snprintf(w->uid, len, "%s#%s", c->name, name);
	return SW_EXIT_OK;
}

static int sw_seg_fields(struct sw_inv_ctx *c, const json_t *o, struct sw_workload *w)
{
	const json_t *labels = json_object_get(o, "labels");
	struct sw_quote q;
	int rc;

	rc = sw_inv_expect(c, o, JSON_OBJECT);
	if (!rc)
		rc = sw_seg_unknown_keys(c, o, sw_seg_wl_keys, SW_ARRAY_SIZE(sw_seg_wl_keys));
	if (!rc)
		rc = sw_seg_strings(c, o, w);
	if (!rc && labels) {
		size_t mark = sw_jsonptr_key(&c->ptr, "labels");

		rc = sw_inv_add_labels(c, w, labels);
		if (!rc)
			sw_jsonptr_pop(&c->ptr, mark);
	}
	if (!rc)
		rc = sw_seg_list(c, o, "ips", w, sw_seg_ip);
	if (!rc)
		rc = sw_seg_list(c, o, "macs", w, sw_seg_mac);
	if (!rc)
		rc = sw_seg_iface(c, o, w);
	if (!rc && w->n_addrs == 0 && w->n_macs == 0 && !w->iface)
		rc = sw_inv_fail(c, "workload %s has no \"ips\"; give its addresses, or \"macs\" "
				 "or \"interface\" to recognise it by", sw_text_quote(&q, w->name));
	return rc;
}

int sw_inv_segwatch_workload(struct sw_inv_ctx *c, const json_t *o)
{
	struct sw_workload w = { .source = SW_WL_SRC_INVENTORY };
	int rc = sw_seg_fields(c, o, &w);

	if (rc) {
		sw_workload_clear(&w);
		return rc;
	}
	return sw_inv_wl_append(c, &w);
}

/* Sorting keys for the uniqueness checks: what, and where (workload, item). */
struct sw_seg_ref {
	const void *key;
	size_t wl, item;
};

static int sw_seg_ref_pos_cmp(const struct sw_seg_ref *a, const struct sw_seg_ref *b)
{
	if (a->wl != b->wl)
		return a->wl < b->wl ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static int sw_seg_name_cmp(const void *pa, const void *pb)
{
	const struct sw_seg_ref *a = pa, *b = pb;
	int d = strcmp(a->key, b->key);

	return d ? d : sw_seg_ref_pos_cmp(a, b);
}

static int sw_seg_addr_cmp(const void *pa, const void *pb)
{
	const struct sw_seg_ref *a = pa, *b = pb;
	int d = memcmp(a->key, b->key, 16);

	return d ? d : sw_seg_ref_pos_cmp(a, b);
}

/*
 * sw_seg_first_dup - sort @refs and find the repeat that comes first in the
 * file; *@orig is the first holder of the same key. False when all differ.
 */
static bool sw_seg_first_dup(struct sw_seg_ref *refs, size_t n,
			     int (*cmp)(const void *, const void *),
			     const struct sw_seg_ref **dup, const struct sw_seg_ref **orig)
{
	size_t group = 0;

	*dup = *orig = NULL;
	if (n < 2)
		return false;
	qsort(refs, n, sizeof(*refs), cmp);
	for (size_t i = 1; i < n; i++) {
		struct sw_seg_ref a = refs[i - 1], b = refs[i];

		a.wl = b.wl = a.item = b.item = 0; /* compare the keys only */
		if (cmp(&a, &b) != 0) {
			group = i;
			continue;
		}
		if (!*dup || sw_seg_ref_pos_cmp(&refs[i], *dup) < 0) {
			*dup = &refs[i];
			*orig = &refs[group];
		}
	}
	return *dup != NULL;
}

static int sw_seg_unique_names(struct sw_inv_ctx *c)
{
	struct sw_seg_ref *refs = calloc(c->n_wl ? c->n_wl : 1, sizeof(*refs));
	const struct sw_seg_ref *dup, *orig;
	struct sw_quote q;
	int rc = SW_EXIT_OK;

	if (!refs)
		return sw_inv_nomem(c);
	for (size_t i = 0; i < c->n_wl; i++)
		refs[i] = (struct sw_seg_ref){ .key = c->wl[i].name, .wl = i };
	if (sw_seg_first_dup(refs, c->n_wl, sw_seg_name_cmp, &dup, &orig)) {
		sw_jsonptr_index(&c->ptr, dup->wl);
		sw_jsonptr_key(&c->ptr, "name");
		rc = sw_inv_fail(c, "duplicate workload name %s (also /workloads/%zu)",
				 sw_text_quote(&q, dup->key), orig->wl);
	}
	free(refs);
	return rc;
}

static void sw_seg_addr_text(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static int sw_seg_unique_addrs(struct sw_inv_ctx *c)
{
	const struct sw_seg_ref *dup, *orig;
	struct sw_seg_ref *refs;
	size_t n = 0;
	struct sw_quote q1, q2;
	char text[INET6_ADDRSTRLEN];
	int rc = SW_EXIT_OK;

	for (size_t i = 0; i < c->n_wl; i++)
		n += c->wl[i].n_addrs;
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		return sw_inv_nomem(c);
	n = 0;
	for (size_t i = 0; i < c->n_wl; i++)
		for (size_t j = 0; j < c->wl[i].n_addrs; j++)
			refs[n++] = (struct sw_seg_ref){ .key = c->wl[i].addrs[j], .wl = i, .item = j };
	if (sw_seg_first_dup(refs, n, sw_seg_addr_cmp, &dup, &orig)) {
		sw_seg_addr_text(dup->key, text, sizeof(text));
		sw_jsonptr_index(&c->ptr, dup->wl);
		sw_jsonptr_key(&c->ptr, "ips");
		sw_jsonptr_index(&c->ptr, dup->item);
		rc = sw_inv_fail(c, "address %s is listed by both %s (/workloads/%zu/ips/%zu) and %s",
				 text, sw_text_quote(&q1, c->wl[orig->wl].name), orig->wl, orig->item,
				 sw_text_quote(&q2, c->wl[dup->wl].name));
	}
	free(refs);
	return rc;
}

static int sw_seg_mac_cmp(const void *pa, const void *pb)
{
	const struct sw_seg_ref *a = pa, *b = pb;
	int d = memcmp(a->key, b->key, 6);

	return d ? d : sw_seg_ref_pos_cmp(a, b);
}

/*
 * A MAC belongs to one workload: it joins the entry to the kernel's or the
 * engine's view of the container and names link-local addresses
 * (docs/workloads.md), which two owners would make a coin toss.
 */
static int sw_seg_unique_macs(struct sw_inv_ctx *c)
{
	const struct sw_seg_ref *dup, *orig;
	struct sw_seg_ref *refs;
	size_t n = 0;
	struct sw_quote q1, q2;
	int rc = SW_EXIT_OK;

	for (size_t i = 0; i < c->n_wl; i++)
		n += c->wl[i].n_macs;
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		return sw_inv_nomem(c);
	n = 0;
	for (size_t i = 0; i < c->n_wl; i++)
		for (size_t j = 0; j < c->wl[i].n_macs; j++)
			refs[n++] = (struct sw_seg_ref){ .key = c->wl[i].macs[j], .wl = i, .item = j };
	if (sw_seg_first_dup(refs, n, sw_seg_mac_cmp, &dup, &orig)) {
		const uint8_t *m = dup->key;

		sw_jsonptr_index(&c->ptr, dup->wl);
		sw_jsonptr_key(&c->ptr, "macs");
		sw_jsonptr_index(&c->ptr, dup->item);
		rc = sw_inv_fail(c, "MAC %02x:%02x:%02x:%02x:%02x:%02x is listed by both %s "
				 "(/workloads/%zu/macs/%zu) and %s", m[0], m[1], m[2], m[3], m[4], m[5],
				 sw_text_quote(&q1, c->wl[orig->wl].name), orig->wl, orig->item,
				 sw_text_quote(&q2, c->wl[dup->wl].name));
	}
	free(refs);
	return rc;
}

static int sw_seg_workloads(struct sw_inv_ctx *c, const json_t *root)
{
	const json_t *arr = json_object_get(root, "workloads"), *v;
	size_t mark, i;
	int rc;

	if (!arr)
		return sw_inv_fail(c, "missing \"workloads\" (an array of workloads, may be empty)");
	mark = sw_jsonptr_key(&c->ptr, "workloads");
	rc = sw_inv_expect(c, arr, JSON_ARRAY);
	if (rc)
		return rc;
	json_array_foreach(arr, i, v) {
		size_t m = sw_jsonptr_index(&c->ptr, i);

		rc = sw_inv_segwatch_workload(c, v);
		if (rc)
			return rc;
		sw_jsonptr_pop(&c->ptr, m);
	}
	rc = sw_seg_unique_names(c);
	if (!rc)
		rc = sw_seg_unique_addrs(c);
	if (!rc)
		rc = sw_seg_unique_macs(c);
	if (!rc)
		sw_jsonptr_pop(&c->ptr, mark);
	return rc;
}

int sw_inv_parse_segwatch(struct sw_inv_ctx *c, const json_t *root)
{
	int rc;

	c->st.format = SW_INV_FMT_SEGWATCH;
	rc = sw_seg_unknown_keys(c, root, sw_seg_root_keys, SW_ARRAY_SIZE(sw_seg_root_keys));
	if (!rc)
		rc = sw_seg_version(c, root);
	if (!rc)
		rc = sw_seg_workloads(c, root);
	return rc;
}
