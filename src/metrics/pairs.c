/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flows, bytes and denials per (source group, destination group), with a
 * bound on the series. Why "the first N pairs" and not "the N largest now":
 * Prometheus counters must only go up. A pair that entered and left a
 * moving top N would see its series vanish and come back, and "(other)"
 * would go down whenever a pair left it: rate() reads both as resets and
 * invents traffic. A pair keeps the series it was given for the agent's
 * life; pairs are few in practice (groups of a policy squared), and the
 * bound only bites when group names come from somewhere unbounded.
 *
 * Lookups run once per ended flow on the capture thread: an open-addressing
 * hash (FNV-1a of both names) with twice the slots of pairs, never resized.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/metrics.h>

struct sw_metrics_pair {
	char *src, *dst;	/* one allocation: "src\0dst\0" */
	uint64_t hash;
	uint64_t flows, bytes, denied;
};

struct sw_metrics_pairs {
	size_t max, n;
	struct sw_metrics_pair *v;	/* in the order they were seen */
	uint32_t *slots;		/* index + 1 into v; 0: empty */
	size_t n_slots;			/* power of two, >= 2 * max */
	struct sw_metrics_pair other;
	uint64_t overflow;		/* flows that went to "(other)" */
};

static uint64_t sw_metrics_pair_hash(const char *src, const char *dst)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *s = (const unsigned char *)src; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull; /* ("a", "bc") and ("ab", "c") differ */
	for (const unsigned char *s = (const unsigned char *)dst; *s; s++)
		h = (h ^ *s) * 0x100000001b3ull;
	return h;
}

struct sw_metrics_pairs *sw_metrics_pairs_alloc(size_t max)
{
	struct sw_metrics_pairs *p;

	if (max < 1 || max > SW_METRICS_PAIRS_MAX)
		return NULL;
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->max = max;
	for (p->n_slots = 16; p->n_slots < 2 * max; p->n_slots *= 2)
		;
	p->v = calloc(max, sizeof(*p->v));
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	if (!p->v || !p->slots) {
		sw_metrics_pairs_free(p);
		return NULL;
	}
	p->other.src = p->other.dst = (char *)SW_METRICS_OTHER; /* never freed */
	return p;
}

void sw_metrics_pairs_free(struct sw_metrics_pairs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].src);
	free(p->v);
	free(p->slots);
	free(p);
}

/* The pair's record: found, or new while there is room; NULL: full (or out of memory). */
static struct sw_metrics_pair *sw_metrics_pair_get(struct sw_metrics_pairs *p, const char *src,
						  const char *dst)
{
	uint64_t h = sw_metrics_pair_hash(src, dst);
	size_t mask = p->n_slots - 1, i = (size_t)h & mask;
	size_t ls, ld;
	struct sw_metrics_pair *e;

	for (; p->slots[i]; i = (i + 1) & mask) {
		e = &p->v[p->slots[i] - 1];
		if (e->hash == h && strcmp(e->src, src) == 0 && strcmp(e->dst, dst) == 0)
			return e;
	}
	if (p->n == p->max)
		return NULL;
	e = &p->v[p->n];
	ls = strlen(src);
	ld = strlen(dst);
	if (!(e->src = malloc(ls + ld + 2)))
		return NULL;
	memcpy(e->src, src, ls + 1);
	e->dst = e->src + ls + 1;
	memcpy(e->dst, dst, ld + 1);
	e->hash = h;
	p->slots[i] = (uint32_t)++p->n;
	return e;
}

bool sw_metrics_pairs_add(struct sw_metrics_pairs *p, const char *src, const char *dst,
			  uint64_t bytes, bool denied)
{
	struct sw_metrics_pair *e = sw_metrics_pair_get(p, src ? src : "", dst ? dst : "");
	bool own = e != NULL;

	if (!own) {
		e = &p->other;
		p->overflow++;
	}
	e->flows++;
	e->bytes += bytes;
	e->denied += denied;
	return own;
}

size_t sw_metrics_pairs_n(const struct sw_metrics_pairs *p)
{
	return p->n;
}

static void sw_metrics_pairs_family(const struct sw_metrics_pairs *p, struct sw_metrics_text *t,
				    const char *name, const char *help, size_t member)
{
	sw_metrics_family(t, name, SW_METRICS_COUNTER, help);
	for (size_t i = 0; i <= p->n; i++) {
		const struct sw_metrics_pair *e = i < p->n ? &p->v[i] : &p->other;
		const struct sw_metrics_label l[2] = { { "src_group", e->src }, { "dst_group", e->dst } };
		uint64_t v;

		memcpy(&v, (const char *)e + member, sizeof(v));
		sw_metrics_u64(t, name, l, 2, v);
	}
}

void sw_metrics_pairs_render(const struct sw_metrics_pairs *p, struct sw_metrics_text *t)
{
	sw_metrics_pairs_family(p, t, "segwatch_group_pair_flows_total",
				"Flows ended between a source group and a destination group.",
				offsetof(struct sw_metrics_pair, flows));
	sw_metrics_pairs_family(p, t, "segwatch_group_pair_bytes_total",
				"Bytes of those flows, both directions.",
				offsetof(struct sw_metrics_pair, bytes));
	sw_metrics_pairs_family(p, t, "segwatch_group_pair_denied_flows_total",
				"Flows between the pair that the policy denies (dropped in "
				"enforce mode, let through in monitor mode).",
				offsetof(struct sw_metrics_pair, denied));
	sw_metrics_counter(t, "segwatch_group_pairs_overflow_total",
			   "Flows counted in the (other) pair because every series was taken.",
			   p->overflow);
}
