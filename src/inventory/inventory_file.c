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
#include <stdint.h>
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

/*
 * The uniqueness checks: a set of the keys seen so far, open addressing over
 * positions (workload, item) with the key read back from the workloads. Keys
 * go in in file order, so the first one already in the set is the repeat
 * that comes first in the file and the entry found is its first holder. (A
 * sort did this before: its buffers cost more than the work on a cold heap.)
 */
struct sw_seg_slot {
	uint32_t wl1;	/* workload index + 1; 0 when the slot is empty */
	uint32_t item;
	uint32_t hash;	/* of the key: most probes need not read the workloads */
};

struct sw_seg_seen {
	const struct sw_inv_ctx *c;
	const void *(*key)(const struct sw_workload *w, size_t item, size_t *len);
	struct sw_seg_slot *slot;
	size_t mask;
};

static const void *sw_seg_key_name(const struct sw_workload *w, size_t item, size_t *len)
{
	(void)item;
	*len = strlen(w->name);
	return w->name;
}

static const void *sw_seg_key_addr(const struct sw_workload *w, size_t item, size_t *len)
{
	*len = 16;
	return w->addrs[item];
}

static const void *sw_seg_key_mac(const struct sw_workload *w, size_t item, size_t *len)
{
	*len = 6;
	return w->macs[item];
}

/* FNV-1a: the keys are short, and a probe compares the whole key anyway. */
static uint32_t sw_seg_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* sw_seg_seen_init - room for @n keys; false when out of memory. */
static bool sw_seg_seen_init(struct sw_seg_seen *s, const struct sw_inv_ctx *c, size_t n,
			     const void *(*key)(const struct sw_workload *, size_t, size_t *))
{
	size_t cap = 16;

	while (cap < n + n / 2)
		cap *= 2;
	*s = (struct sw_seg_seen){ .c = c, .key = key, .mask = cap - 1,
				   .slot = calloc(cap, sizeof(*s->slot)) };
	return s->slot != NULL;
}

/* sw_seg_seen_add - add the key at (@wl, @item); the earlier holder when it is there. */
static const struct sw_seg_slot *sw_seg_seen_add(struct sw_seg_seen *s, size_t wl, size_t item)
{
	size_t len, olen;
	const void *k = s->key(&s->c->wl[wl], item, &len);
	uint32_t hash = sw_seg_hash(k, len);

	for (size_t h = hash & s->mask;; h = (h + 1) & s->mask) {
		struct sw_seg_slot *e = &s->slot[h];
		const void *o;

		if (e->wl1 == 0) {
			*e = (struct sw_seg_slot){ .wl1 = (uint32_t)wl + 1, .item = (uint32_t)item,
						   .hash = hash };
			return NULL;
		}
		if (e->hash != hash)
			continue;
		o = s->key(&s->c->wl[e->wl1 - 1], e->item, &olen);
		if (olen == len && memcmp(o, k, len) == 0)
			return e;
	}
}

static int sw_seg_unique_names(struct sw_inv_ctx *c)
{
	const struct sw_seg_slot *found = NULL;
	struct sw_seg_seen seen;
	struct sw_quote q;
	size_t i, orig = 0;

	if (!sw_seg_seen_init(&seen, c, c->n_wl, sw_seg_key_name))
		return sw_inv_nomem(c);
	for (i = 0; i < c->n_wl && !found; i++)
		found = sw_seg_seen_add(&seen, i, 0);
	if (found)
		orig = (size_t)found->wl1 - 1; /* before the table goes */
	free(seen.slot);
	if (!found)
		return SW_EXIT_OK;
	sw_jsonptr_index(&c->ptr, i - 1);
	sw_jsonptr_key(&c->ptr, "name");
	return sw_inv_fail(c, "duplicate workload name %s (also /workloads/%zu)",
			   sw_text_quote(&q, c->wl[i - 1].name), orig);
}

static void sw_seg_addr_text(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/*
 * sw_seg_first_repeat - the first item (of @count's list in each workload)
 * whose key an earlier one holds: *@wl, *@item and its first holder
 * *@orig; false when all differ. -1 when out of memory.
 */
static int sw_seg_first_repeat(struct sw_inv_ctx *c, size_t (*count)(const struct sw_workload *),
			       const void *(*key)(const struct sw_workload *, size_t, size_t *),
			       size_t *wl, size_t *item, struct sw_seg_slot *orig)
{
	const struct sw_seg_slot *found = NULL;
	struct sw_seg_seen seen;
	size_t n = 0;

	for (size_t i = 0; i < c->n_wl; i++)
		n += count(&c->wl[i]);
	if (!sw_seg_seen_init(&seen, c, n, key))
		return -1;
	for (size_t i = 0; i < c->n_wl && !found; i++)
		for (size_t j = 0; j < count(&c->wl[i]) && !found; j++) {
			found = sw_seg_seen_add(&seen, i, j);
			*wl = i;
			*item = j;
		}
	if (found)
		*orig = *found;
	free(seen.slot);
	return found != NULL;
}

static size_t sw_seg_n_addrs(const struct sw_workload *w)
{
	return w->n_addrs;
}

static size_t sw_seg_n_macs(const struct sw_workload *w)
{
	return w->n_macs;
}

static int sw_seg_unique_addrs(struct sw_inv_ctx *c)
{
	struct sw_seg_slot orig;
	size_t wl = 0, item = 0;
	struct sw_quote q1, q2;
	char text[INET6_ADDRSTRLEN];
	int found = sw_seg_first_repeat(c, sw_seg_n_addrs, sw_seg_key_addr, &wl, &item, &orig);

	if (found < 0)
		return sw_inv_nomem(c);
	if (!found)
		return SW_EXIT_OK;
	sw_seg_addr_text(c->wl[wl].addrs[item], text, sizeof(text));
	sw_jsonptr_index(&c->ptr, wl);
	sw_jsonptr_key(&c->ptr, "ips");
	sw_jsonptr_index(&c->ptr, item);
	return sw_inv_fail(c, "address %s is listed by both %s (/workloads/%zu/ips/%zu) and %s",
			   text, sw_text_quote(&q1, c->wl[orig.wl1 - 1].name), (size_t)orig.wl1 - 1,
			   (size_t)orig.item, sw_text_quote(&q2, c->wl[wl].name));
}

/*
 * A MAC belongs to one workload: it joins the entry to the kernel's or the
 * engine's view of the container and names link-local addresses
 * (docs/workloads.md), which two owners would make a coin toss.
 */
static int sw_seg_unique_macs(struct sw_inv_ctx *c)
{
	struct sw_seg_slot orig;
	size_t wl = 0, item = 0;
	struct sw_quote q1, q2;
	const uint8_t *m;
	int found = sw_seg_first_repeat(c, sw_seg_n_macs, sw_seg_key_mac, &wl, &item, &orig);

	if (found < 0)
		return sw_inv_nomem(c);
	if (!found)
		return SW_EXIT_OK;
	m = c->wl[wl].macs[item];
	sw_jsonptr_index(&c->ptr, wl);
	sw_jsonptr_key(&c->ptr, "macs");
	sw_jsonptr_index(&c->ptr, item);
	return sw_inv_fail(c, "MAC %02x:%02x:%02x:%02x:%02x:%02x is listed by both %s "
			   "(/workloads/%zu/macs/%zu) and %s", m[0], m[1], m[2], m[3], m[4], m[5],
			   sw_text_quote(&q1, c->wl[orig.wl1 - 1].name), (size_t)orig.wl1 - 1,
			   (size_t)orig.item, sw_text_quote(&q2, c->wl[wl].name));
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
