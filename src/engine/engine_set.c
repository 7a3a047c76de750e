/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small hash set of container ids: which containers this engine has bound
 * in the registry (with their names, for stop notices), and which have an
 * inspect under way. Sized for hosts with tens of thousands of containers.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_IDSET_MIN 64

static size_t sw_idset_hash(const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 31));
}

bool sw_idset_init(struct sw_idset *s)
{
	s->count = 0;
	s->mask = SW_IDSET_MIN - 1;
	s->b = calloc(SW_IDSET_MIN, sizeof(*s->b));
	return s->b != NULL;
}

static void sw_idnode_free(struct sw_idnode *n)
{
	free(n->id);
	free(n->name);
	free(n);
}

void sw_idset_fini(struct sw_idset *s)
{
	for (size_t i = 0; s->b && i <= s->mask; i++) {
		while (s->b[i]) {
			struct sw_idnode *n = s->b[i];

			s->b[i] = n->next;
			sw_idnode_free(n);
		}
	}
	free(s->b);
	memset(s, 0, sizeof(*s));
}

struct sw_idnode *sw_idset_find(const struct sw_idset *s, const char *id)
{
	struct sw_idnode *n = s->b[sw_idset_hash(id) & s->mask];

	while (n && strcmp(n->id, id) != 0)
		n = n->next;
	return n;
}

/* Double the buckets; on failure keep the old (longer chains, still correct). */
static void sw_idset_grow(struct sw_idset *s)
{
	size_t size = (s->mask + 1) * 2;
	struct sw_idnode **b = calloc(size, sizeof(*b));

	if (!b)
		return;
	for (size_t i = 0; i <= s->mask; i++) {
		while (s->b[i]) {
			struct sw_idnode *n = s->b[i];
			size_t h = sw_idset_hash(n->id) & (size - 1);

			s->b[i] = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(s->b);
	s->b = b;
	s->mask = size - 1;
}

static bool sw_idnode_set_name(struct sw_idnode *n, const char *name)
{
	char *copy = NULL;

	if (name && !(copy = strdup(name)))
		return false;
	free(n->name);
	n->name = copy;
	return true;
}

struct sw_idnode *sw_idset_put(struct sw_idset *s, const char *id, const char *name, void *ptr)
{
	struct sw_idnode *n = sw_idset_find(s, id);
	size_t h;

	if (n) {
		n->ptr = ptr;
		return sw_idnode_set_name(n, name) ? n : NULL;
	}
	if (!(n = calloc(1, sizeof(*n))) || !(n->id = strdup(id)) || !sw_idnode_set_name(n, name)) {
		if (n)
			sw_idnode_free(n);
		return NULL;
	}
	n->ptr = ptr;
	if (s->count > s->mask)
		sw_idset_grow(s);
	h = sw_idset_hash(id) & s->mask;
	n->next = s->b[h];
	s->b[h] = n;
	s->count++;
	return n;
}

void sw_idset_del(struct sw_idset *s, const char *id)
{
	struct sw_idnode **pp = &s->b[sw_idset_hash(id) & s->mask];

	while (*pp && strcmp((*pp)->id, id) != 0)
		pp = &(*pp)->next;
	if (*pp) {
		struct sw_idnode *n = *pp;

		*pp = n->next;
		sw_idnode_free(n);
		s->count--;
	}
}

bool sw_idset_ids(const struct sw_idset *s, char ***ids, size_t *n)
{
	size_t k = 0;

	*n = 0;
	*ids = s->count ? calloc(s->count, sizeof(**ids)) : NULL;
	if (s->count && !*ids)
		return false;
	for (size_t i = 0; i <= s->mask; i++) {
		for (struct sw_idnode *p = s->b[i]; p; p = p->next) {
			if (!((*ids)[k] = strdup(p->id))) {
				sw_engine_ids_free(*ids, k);
				*ids = NULL;
				return false;
			}
			k++;
		}
	}
	*n = k;
	return true;
}
