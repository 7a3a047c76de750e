/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The L2 guard's bindings (policy "l2_guard"): each running workload whose
 * host-side interface is known is bound to the MACs and addresses its
 * sources give it. Sources describe one container separately (the engine
 * or an inventory its name and addresses, the kernel its veth, MAC and
 * fe80 address), so the entries sw_registry_merged joins are bound
 * together. A MAC also binds its EUI-64 link-local address (RFC 4291
 * 2.5.1), which a container uses before any source reports it. A port with
 * no MAC known is not guarded: its frames could not be told from forged ones.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/nft_l2.h>

#include "internal.h"

struct sw_guard_entry {
	const struct sw_workload *rep;	/* what it merges into */
	const struct sw_workload *w;
};

struct sw_guard_list {
	const struct sw_registry *reg;
	struct sw_guard_entry *v;
	size_t n, cap;
	bool nomem;
};

static void sw_guard_collect(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_guard_list *l = arg;

	if (!running || l->nomem)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct sw_guard_entry *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv) {
			l->nomem = true;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = (struct sw_guard_entry){ sw_registry_merged(l->reg, w, SW_REG_NOW), w };
}

static int sw_guard_entry_cmp(const void *a, const void *b)
{
	const struct sw_guard_entry *x = a, *y = b;

	return x->rep < y->rep ? -1 : x->rep > y->rep;
}

/* fe80::/64 with the interface identifier of @mac (U/L bit flipped, ff:fe in the middle). */
static void sw_guard_eui64(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

/* Bind the entries [@i, @j) (one workload) to every interface they name. */
static bool sw_guard_bind(struct sw_nft_l2 *l2, const struct sw_guard_entry *e, size_t i, size_t j)
{
	for (size_t a = i; a < j; a++) {
		const char *ifname = e[a].w->iface;
		bool bad;

		if (!ifname || !ifname[0])
			continue;
		if (!sw_nft_l2_ifname_ok(ifname)) {	/* nft cannot take it: unguarded, and said so */
			if (!sw_nft_l2_unguarded_add(l2, ifname, e[a].rep->name ? e[a].rep->name
										: e[a].w->name))
				return false;
			continue;
		}
		for (size_t b = i; b < j; b++) {
			const struct sw_workload *w = e[b].w;

			if (!sw_nft_l2_port_add(l2, ifname, (const uint8_t(*)[6])w->macs, w->n_macs,
						(const uint8_t(*)[16])w->addrs, w->n_addrs, &bad))
				return false;	/* out of memory (names were checked above) */
			for (size_t m = 0; m < w->n_macs; m++) {
				uint8_t ll[16];

				sw_guard_eui64(w->macs[m], ll);
				if (!sw_nft_l2_port_add(l2, ifname, NULL, 0, (const uint8_t(*)[16])ll, 1, &bad))
					return false;
			}
		}
	}
	return true;
}

/* Ports with no MAC bound go: every frame from them would look forged. */
static void sw_guard_drop_macless(struct sw_nft_l2 *l2)
{
	size_t k = 0;

	for (size_t i = 0; i < l2->n_ports; i++) {
		if (l2->ports[i].n_macs) {
			l2->ports[k++] = l2->ports[i];
			continue;
		}
		free(l2->ports[i].macs);
		free(l2->ports[i].addrs);
	}
	l2->n_ports = k;
}

int sw_compile_guard(struct sw_compile *c)
{
	struct sw_guard_list l = { .reg = c->reg };
	struct sw_nft_l2 *l2;
	bool ok = true;

	if (c->p->l2_guard == SW_POL_L2_OFF)
		return 0;
	if (!(l2 = calloc(1, sizeof(*l2))))
		return -1;
	l2->monitor = c->p->l2_guard == SW_POL_L2_MONITOR;
	l2->log_group = c->o.log_group;
	c->plan->l2 = l2;	/* freed with the plan */
	if (!c->reg)
		return 0;
	sw_registry_foreach(c->reg, sw_guard_collect, &l);
	if (l.nomem) {
		free(l.v);
		return -1;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), sw_guard_entry_cmp);
	for (size_t i = 0, j; ok && i < l.n; i = j) {
		for (j = i + 1; j < l.n && l.v[j].rep == l.v[i].rep; j++)
			;
		ok = sw_guard_bind(l2, l.v, i, j);
	}
	free(l.v);
	if (!ok)
		return -1;
	if (!sw_nft_l2_normalize(l2))	/* first: a MAC may come from another entry of the port */
		return -1;
	sw_guard_drop_macless(l2);
	return 0;
}
