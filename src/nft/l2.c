/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * l2.c - the L2 guard's bindings: ports with their MACs and addresses, and
 * the set elements derived from them, which render (l2_render.c) and the
 * batch (l2_batch.c) share so that what is reviewed is what is applied.
 */
#include <stdlib.h>
#include <string.h>

#include "l2.h"

static const char *const sw_l2_forged_names[SW_NFT_L2_F_MAX] = {
	"source_mac", "arp_sender_mac", "arp_sender_ip", "source_ip",
	"source_ip6", "na_target", "ethertype",
};

static const char *const sw_l2_set_names[SW_NFT_L2_N_SETS] = {
	"l2_ports", "l2_mac", "l2_ip4", "l2_ip6", "l2_na",
};

const char *sw_nft_l2_forged_name(enum sw_nft_l2_forged f)
{
	return (unsigned)f < SW_NFT_L2_F_MAX ? sw_l2_forged_names[f] : NULL;
}

const char *sw_nft_l2_set_name(enum sw_nft_l2_set s)
{
	return (unsigned)s < SW_NFT_L2_N_SETS ? sw_l2_set_names[s] : NULL;
}

void sw_nft_l2_free(struct sw_nft_l2 *l2)
{
	if (!l2)
		return;
	for (size_t i = 0; i < l2->n_ports; i++) {
		free(l2->ports[i].macs);
		free(l2->ports[i].addrs);
	}
	free(l2->ports);
	for (size_t i = 0; i < l2->n_unguarded; i++) {
		free(l2->unguarded[i].ifname);
		free(l2->unguarded[i].workload);
	}
	free(l2->unguarded);
	free(l2);
}

bool sw_nft_l2_ifname_ok(const char *n)
{
	size_t len = n ? strnlen(n, SW_NFT_L2_IFNAMSIZ) : 0;

	if (len == 0 || len >= SW_NFT_L2_IFNAMSIZ || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)n[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == '"' || c == '\\' || c == ':')
			return false;
	}
	return true;
}

/* Room in *@arr (@n items of @size, room for *@cap) for one more; false on out of memory. */
static bool sw_l2_room(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
	uint8_t **a = arr, *na;
	size_t c = *cap ? *cap * 2 : first;

	if (n < *cap)
		return true;
	na = realloc(*a, c * size);
	if (!na)
		return false;
	*a = na;
	*cap = c;
	return true;
}

/* A new port entry; one of the same name is merged into it by sw_nft_l2_normalize. */
static struct sw_nft_l2_port *sw_l2_port_new(struct sw_nft_l2 *l2, const char *ifname)
{
	struct sw_nft_l2_port *np;

	if (!sw_l2_room(&l2->ports, l2->n_ports, &l2->cap_ports, sizeof(*np), 64))
		return NULL;
	np = &l2->ports[l2->n_ports++];
	memset(np, 0, sizeof(*np));
	snprintf(np->ifname, sizeof(np->ifname), "%s", ifname);
	return np;
}

/* Append @n items of @size bytes to *@arr (holding *@have). */
static bool sw_l2_append(void *arr, size_t *have, const void *items, size_t n, size_t size)
{
	uint8_t **a = arr, *na;

	if (!n)
		return true;
	na = realloc(*a, (*have + n) * size);
	if (!na)
		return false;
	memcpy(na + *have * size, items, n * size);
	*a = na;
	*have += n;
	return true;
}

bool sw_nft_l2_port_add(struct sw_nft_l2 *l2, const char *ifname, const uint8_t (*macs)[6],
			size_t n_macs, const uint8_t (*addrs)[16], size_t n_addrs, bool *bad)
{
	struct sw_nft_l2_port *p;

	*bad = !sw_nft_l2_ifname_ok(ifname);
	if (*bad)
		return false;
	p = sw_l2_port_new(l2, ifname);
	return p && sw_l2_append(&p->macs, &p->n_macs, macs, n_macs, 6) &&
	       sw_l2_append(&p->addrs, &p->n_addrs, addrs, n_addrs, 16);
}

/* Sources bound nothing: at most this much of a hostile name is kept for the warning. */
#define SW_L2_UNGUARDED_NAME_MAX 255

bool sw_nft_l2_unguarded_add(struct sw_nft_l2 *l2, const char *ifname, const char *workload)
{
	struct sw_nft_l2_unguarded *u;

	if (!sw_l2_room(&l2->unguarded, l2->n_unguarded, &l2->cap_unguarded, sizeof(*u), 8))
		return false;
	u = &l2->unguarded[l2->n_unguarded];
	u->ifname = strndup(ifname ? ifname : "", SW_L2_UNGUARDED_NAME_MAX);
	u->workload = workload ? strndup(workload, SW_L2_UNGUARDED_NAME_MAX) : NULL;
	if (!u->ifname || (workload && !u->workload)) {
		free(u->ifname);
		free(u->workload);
		return false;
	}
	l2->n_unguarded++;
	return true;
}

static int sw_l2_unguarded_cmp(const void *a, const void *b)
{
	const struct sw_nft_l2_unguarded *x = a, *y = b;
	int c = strcmp(x->ifname, y->ifname);

	if (c || x->workload == y->workload)
		return c;
	if (!x->workload || !y->workload)
		return x->workload ? 1 : -1;
	return strcmp(x->workload, y->workload);
}

/* Unguarded ports sorted, one entry per port and workload (several sources name one). */
static void sw_l2_unguarded_uniq(struct sw_nft_l2 *l2)
{
	size_t k = 0;

	if (l2->n_unguarded)
		qsort(l2->unguarded, l2->n_unguarded, sizeof(*l2->unguarded), sw_l2_unguarded_cmp);
	for (size_t i = 0; i < l2->n_unguarded; i++) {
		if (k && sw_l2_unguarded_cmp(&l2->unguarded[k - 1], &l2->unguarded[i]) == 0) {
			free(l2->unguarded[i].ifname);
			free(l2->unguarded[i].workload);
			continue;
		}
		l2->unguarded[k++] = l2->unguarded[i];
	}
	l2->n_unguarded = k;
}

static int sw_l2_cmp6(const void *a, const void *b) { return memcmp(a, b, 6); }
static int sw_l2_cmp16(const void *a, const void *b) { return memcmp(a, b, 16); }
static int sw_l2_port_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sw_nft_l2_port *)a)->ifname,
		      ((const struct sw_nft_l2_port *)b)->ifname);
}

/* Sort @n items of @size and drop repeats; returns the new count. */
static size_t sw_l2_uniq(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *b = v;
	size_t k = 0;

	if (!n)
		return 0;
	qsort(b, n, size, cmp);
	for (size_t i = 0; i < n; i++)
		if (!k || memcmp(b + (k - 1) * size, b + i * size, size) != 0)
			memmove(b + k++ * size, b + i * size, size);
	return k;
}

/* Entries of one name (sorted: next to each other) become one. False on out of memory. */
static bool sw_l2_ports_merge(struct sw_nft_l2 *l2)
{
	size_t k = 0;

	for (size_t i = 0; i < l2->n_ports; i++) {
		struct sw_nft_l2_port *p = &l2->ports[i], *q = k ? &l2->ports[k - 1] : NULL;

		if (!q || strcmp(q->ifname, p->ifname) != 0) {
			l2->ports[k++] = *p;
			continue;
		}
		if (!sw_l2_append(&q->macs, &q->n_macs, p->macs, p->n_macs, 6) ||
		    !sw_l2_append(&q->addrs, &q->n_addrs, p->addrs, p->n_addrs, 16)) {
			for (size_t j = i; j < l2->n_ports; j++) { /* the rest go, not leak */
				free(l2->ports[j].macs);
				free(l2->ports[j].addrs);
			}
			l2->n_ports = k;
			return false;
		}
		free(p->macs);
		free(p->addrs);
	}
	l2->n_ports = k;
	return true;
}

bool sw_nft_l2_normalize(struct sw_nft_l2 *l2)
{
	bool ok;

	if (l2->n_ports)
		qsort(l2->ports, l2->n_ports, sizeof(*l2->ports), sw_l2_port_cmp);
	ok = sw_l2_ports_merge(l2);
	for (size_t i = 0; i < l2->n_ports; i++) {
		struct sw_nft_l2_port *p = &l2->ports[i];

		p->n_macs = sw_l2_uniq(p->macs, p->n_macs, 6, sw_l2_cmp6);
		p->n_addrs = sw_l2_uniq(p->addrs, p->n_addrs, 16, sw_l2_cmp16);
	}
	sw_l2_unguarded_uniq(l2);
	return ok;
}

bool sw_nft_l2_same_layout(const struct sw_nft_l2 *a, const struct sw_nft_l2 *b)
{
	if (!a || !b)
		return !a && !b;
	return a->monitor == b->monitor && a->log_group == b->log_group;
}

size_t sw_nft__l2_klen(enum sw_nft_l2_set s)
{
	static const size_t klen[SW_NFT_L2_N_SETS] = { 16, 24, 20, 32, 32 };

	return klen[s];
}

static bool sw_l2_is_v4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, mapped, 12) == 0;
}

/* The keys one port contributes to set @s, appended to @out (room for all of them). */
static size_t sw_l2_port_keys(const struct sw_nft_l2_port *p, enum sw_nft_l2_set s,
			      struct sw_nft_l2_key *out)
{
	size_t n = 0;

	if (s == SW_NFT_L2_PORTS) {
		memset(&out[0], 0, sizeof(out[0]));
		memcpy(out[0].b, p->ifname, strlen(p->ifname));
		return 1;
	}
	if (s == SW_NFT_L2_MAC) {
		for (size_t i = 0; i < p->n_macs; i++, n++) {
			memset(&out[n], 0, sizeof(out[n]));
			memcpy(out[n].b, p->ifname, strlen(p->ifname));
			memcpy(out[n].b + SW_NFT_L2_IFNAMSIZ, p->macs[i], 6);
		}
		return n;
	}
	for (size_t i = 0; i < p->n_addrs; i++) {
		bool v4 = sw_l2_is_v4(p->addrs[i]);

		if (v4 != (s == SW_NFT_L2_IP4))
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		memcpy(out[n].b, p->ifname, strlen(p->ifname));
		if (v4)
			memcpy(out[n].b + SW_NFT_L2_IFNAMSIZ, p->addrs[i] + 12, 4);
		else
			memcpy(out[n].b + SW_NFT_L2_IFNAMSIZ, p->addrs[i], 16);
		n++;
	}
	return n;
}

static size_t sw_l2_cmp_len;
static int sw_l2_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sw_l2_cmp_len);
}

int sw_nft__l2_keys(const struct sw_nft_l2 *l2, enum sw_nft_l2_set s, struct sw_nft_l2_key **out,
		    size_t *n)
{
	size_t room = 0, k = 0;
	struct sw_nft_l2_key *v;

	*out = NULL;
	*n = 0;
	for (size_t i = 0; l2 && i < l2->n_ports; i++)
		room += 1 + l2->ports[i].n_macs + l2->ports[i].n_addrs;
	if (!room)
		return 0;
	v = calloc(room, sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < l2->n_ports; i++)
		k += sw_l2_port_keys(&l2->ports[i], s, v + k);
	sw_l2_cmp_len = sizeof(v->b);
	k = sw_l2_uniq(v, k, sizeof(*v), sw_l2_key_cmp);
	*out = v;
	*n = k;
	return 0;
}
