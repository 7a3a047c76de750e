/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's links: a table by ifindex kept current from RTM_NEWLINK and
 * RTM_DELLINK (or a full dump after a lost event), and from it the capture
 * interfaces (up bridges and their up ports) and the veths whose peer lives
 * in another namespace.
 *
 * Each event carries the whole state of one link, so applying them in order
 * converges on the kernel's state; a full dump is applied the same way and
 * followed by a sweep of the links it did not mention. libnl's own cache
 * manager could keep the table, but it reads until the socket is empty and
 * reports changes per object without the previous state; the table here lets
 * a poll stop after a fixed number of reads and compare old and new.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

static size_t sw_klinks_slot(const struct sw_klinks *t, int ifindex)
{
	return ((uint32_t)ifindex * 2654435761u) & t->mask;
}

bool sw_klinks_init(struct sw_klinks *t)
{
	t->mask = 63;
	t->count = 0;
	t->b = calloc(t->mask + 1, sizeof(*t->b));
	return t->b != NULL;
}

void sw_klinks_free(struct sw_klinks *t)
{
	for (size_t i = 0; t->b && i <= t->mask; i++) {
		struct sw_klink *l = t->b[i];

		while (l) {
			struct sw_klink *n = l->next;

			free(l);
			l = n;
		}
	}
	free(t->b);
	t->b = NULL;
}

struct sw_klink *sw_klinks_find(const struct sw_klinks *t, int ifindex)
{
	struct sw_klink *l = t->b[sw_klinks_slot(t, ifindex)];

	while (l && l->ifindex != ifindex)
		l = l->next;
	return l;
}

/* sw_klinks_grow - double the buckets; on failure keep the old ones (longer chains). */
static void sw_klinks_grow(struct sw_klinks *t)
{
	struct sw_klinks nt = { .mask = t->mask * 2 + 1 };

	nt.b = calloc(nt.mask + 1, sizeof(*nt.b));
	if (!nt.b)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		struct sw_klink *l = t->b[i];

		while (l) {
			struct sw_klink *n = l->next;
			size_t s = sw_klinks_slot(&nt, l->ifindex);

			l->next = nt.b[s];
			nt.b[s] = l;
			l = n;
		}
	}
	free(t->b);
	t->b = nt.b;
	t->mask = nt.mask;
}

static struct sw_klink *sw_klinks_insert(struct sw_klinks *t, int ifindex)
{
	struct sw_klink *l = calloc(1, sizeof(*l));
	size_t s;

	if (!l)
		return NULL;
	if (t->count + 1 > t->mask + 1)
		sw_klinks_grow(t);
	l->ifindex = ifindex;
	l->netnsid = -1;
	s = sw_klinks_slot(t, ifindex);
	l->next = t->b[s];
	t->b[s] = l;
	t->count++;
	return l;
}

static void sw_klinks_unlink(struct sw_klinks *t, struct sw_klink *l)
{
	struct sw_klink **pp = &t->b[sw_klinks_slot(t, l->ifindex)];

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = l->next;
		t->count--;
	}
}

/* sw_klink_bridge - the up bridge @l captures for (its own ifindex for a bridge), or 0. */
static int sw_klink_bridge(const struct sw_kernel *k, const struct sw_klink *l)
{
	const struct sw_klink *m;

	if (!l->up)
		return 0;
	if (l->is_bridge)
		return l->ifindex;
	if (!l->master)
		return 0;
	m = sw_klinks_find(&k->links, l->master);
	return m && m->is_bridge && m->up ? m->ifindex : 0;
}

static void sw_klink_tell(const struct sw_kernel *k, const struct sw_klink *l, int bridge)
{
	const struct sw_kernel_hooks *h = k->ctx.hooks;

	if (!h)
		return;
	if (bridge && h->port_added)
		h->port_added(l->name, l->ifindex, bridge, k->ctx.arg);
	else if (!bridge && h->port_removed)
		h->port_removed(l->name, l->ifindex, k->ctx.arg);
}

/*
 * sw_klink_reconcile - tell the caller when @l starts or stops being a capture
 * interface. A port moved straight from one bridge to another is reported as
 * removed then added, so that a caller watching one bridge sees it go.
 */
static void sw_klink_reconcile(struct sw_kernel *k, struct sw_klink *l)
{
	int bridge = sw_klink_bridge(k, l);

	if (bridge == l->reported)
		return;
	if (l->reported) {
		l->reported = 0;
		sw_klink_tell(k, l, 0);
	}
	if (bridge) {
		l->reported = bridge;
		sw_klink_tell(k, l, bridge);
	}
}

/* sw_klink_children - re-evaluate the ports of bridge @br after it changed. */
static void sw_klink_children(struct sw_kernel *k, int br)
{
	for (size_t i = 0; i <= k->links.mask; i++)
		for (struct sw_klink *l = k->links.b[i]; l; l = l->next)
			if (l->master == br && !l->is_bridge)
				sw_klink_reconcile(k, l);
}

static void sw_klink_remove(struct sw_kernel *k, struct sw_klink *l)
{
	bool was_bridge = l->is_bridge;
	int ifindex = l->ifindex;

	if (l->reported) {
		l->reported = 0;
		sw_klink_tell(k, l, 0);
	}
	if (l->is_veth && l->netnsid >= 0)
		sw_kns_detach(k, l->netnsid);
	sw_klinks_unlink(&k->links, l);
	free(l);
	if (was_bridge)
		sw_klink_children(k, ifindex);
}

/* sw_klink_read - the fields we keep, from a libnl link object. */
static void sw_klink_read(struct rtnl_link *obj, struct sw_klink *l)
{
	const char *type = rtnl_link_get_type(obj);
	const char *name = rtnl_link_get_name(obj);
	int32_t nsid;

	l->flags = rtnl_link_get_flags(obj);
	l->up = (l->flags & IFF_UP) != 0;
	l->master = rtnl_link_get_master(obj);
	l->peer_ifindex = rtnl_link_get_link(obj);
	l->is_bridge = type && strcmp(type, "bridge") == 0;
	l->is_veth = type && strcmp(type, "veth") == 0;
	l->netnsid = -1;
	if (l->is_veth && rtnl_link_get_link_netnsid(obj, &nsid) == 0 && nsid >= 0)
		l->netnsid = nsid;
	snprintf(l->name, sizeof(l->name), "%s", name ? name : "");
}

/* sw_klink_ns_follow - keep the namespace table in step with a veth's peer. */
static bool sw_klink_ns_follow(struct sw_kernel *k, const struct sw_klink *old,
			       const struct sw_klink *now, bool changed)
{
	int32_t before = old->is_veth ? old->netnsid : -1;
	int32_t after = now->is_veth ? now->netnsid : -1;

	if (before == after) {
		/* The peer came up, got a master...: its namespace may have new addresses. */
		if (after >= 0 && changed)
			sw_kns_touch(k, after);
		return true;
	}
	if (before >= 0)
		sw_kns_detach(k, before);
	return after < 0 || sw_kns_attach(k, after);
}

/* sw_klink_update - apply one RTM_NEWLINK (or dumped link) to @l. */
static bool sw_klink_update(struct sw_kernel *k, struct sw_klink *l, struct rtnl_link *obj,
			    bool fresh)
{
	struct sw_klink old = *l;
	static const struct sw_klink none = { .netnsid = -1 };
	bool changed, ok;

	sw_klink_read(obj, l);
	l->seen = true;
	/* Flags include IFF_LOWER_UP: the peer inside came up, perhaps with new addresses. */
	changed = fresh || old.flags != l->flags || old.master != l->master ||
		  old.peer_ifindex != l->peer_ifindex || strcmp(old.name, l->name) != 0;
	ok = sw_klink_ns_follow(k, fresh ? &none : &old, l, changed);
	sw_klink_reconcile(k, l);
	if (l->is_bridge && (fresh || old.up != l->up))
		sw_klink_children(k, l->ifindex);
	return ok;
}

/**
 * sw_klink_apply - one link from an event or a dump
 * @deleted: the message was RTM_DELLINK
 *
 * The caller has dropped AF_BRIDGE messages (see kernel.c).
 * Returns false only when memory runs out.
 */
bool sw_klink_apply(struct sw_kernel *k, struct rtnl_link *obj, bool deleted)
{
	int ifindex = rtnl_link_get_ifindex(obj);
	struct sw_klink *l;
	bool fresh = false;

	if (ifindex <= 0)
		return true;
	l = sw_klinks_find(&k->links, ifindex);
	if (deleted) {
		if (l)
			sw_klink_remove(k, l);
		return true;
	}
	if (!l) {
		l = sw_klinks_insert(&k->links, ifindex);
		if (!l)
			return false;
		fresh = true;
	}
	return sw_klink_update(k, l, obj, fresh);
}

static void sw_klink_dumped(struct nl_object *obj, void *arg)
{
	struct sw_kernel *k = arg;

	if (!sw_klink_apply(k, (struct rtnl_link *)obj, false))
		k->ctx.oom = true;
}

/* sw_klinks_sweep - drop every link the last dump did not mention. */
static void sw_klinks_sweep(struct sw_kernel *k)
{
	bool again = true;

	/* Removing a bridge re-evaluates other links: restart the walk after each removal. */
	while (again) {
		again = false;
		for (size_t i = 0; i <= k->links.mask && !again; i++)
			for (struct sw_klink *l = k->links.b[i]; l; l = l->next)
				if (!l->seen) {
					sw_klink_remove(k, l);
					again = true;
					break;
				}
	}
}

/**
 * sw_klinks_sync - dump every link and bring the table (and the hooks) in line
 *
 * Returns 0, or a negative libnl error: the dump failed (the table is then
 * untouched; the caller may retry) or memory ran out (-NLE_NOMEM).
 */
int sw_klinks_sync(struct sw_kernel *k)
{
	struct nl_cache *cache = NULL;
	int rc = rtnl_link_alloc_cache(k->rq, AF_UNSPEC, &cache);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i <= k->links.mask; i++)
		for (struct sw_klink *l = k->links.b[i]; l; l = l->next)
			l->seen = false;
	k->ctx.oom = false;
	nl_cache_foreach(cache, sw_klink_dumped, k);
	nl_cache_free(cache);
	if (k->ctx.oom)
		return -NLE_NOMEM;
	sw_klinks_sweep(k);
	return 0;
}

static int sw_klink_cmp(const void *a, const void *b)
{
	const struct sw_klink *x = *(const struct sw_klink *const *)a;
	const struct sw_klink *y = *(const struct sw_klink *const *)b;

	if (x->is_bridge != y->is_bridge)
		return x->is_bridge ? -1 : 1;
	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int sw_kernel_capture_ifaces(const struct sw_kernel *k, char **names, bool *is_bridge,
			     unsigned max, unsigned *n, struct sw_err *err)
{
	const struct sw_klink **sel = calloc(k->links.count + 1, sizeof(*sel));
	size_t m = 0;

	*n = 0;
	if (!sel)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	for (size_t i = 0; i <= k->links.mask; i++)
		for (const struct sw_klink *l = k->links.b[i]; l; l = l->next)
			if (sw_klink_bridge(k, l))
				sel[m++] = l;
	qsort(sel, m, sizeof(*sel), sw_klink_cmp);
	for (size_t i = 0; i < m && *n < max; i++) {
		names[*n] = strdup(sel[i]->name);
		if (is_bridge)
			is_bridge[*n] = sel[i]->is_bridge;
		if (!names[*n]) {
			while (*n)
				free(names[--*n]);
			free(sel);
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		}
		(*n)++;
	}
	free(sel);
	return SW_EXIT_OK;
}
