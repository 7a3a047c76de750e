// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's log per endpoint pair: a scan logs one row per port, so the
 * report also folds the rows of one (action, rule, source, destination) into
 * one line with how many ports it tried, which is what a reader wants first.
 */
#define _GNU_SOURCE /* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SW_GKLOG_PEERS_MAX 20	/* peers listed, most packets first */

struct sw_klog_peer {
	const struct sw_gklog_row *first_row;	/* ends, action and rule */
	uint64_t packets, ports;
	unsigned port_min, port_max;		/* over the rows with ports (not ICMP) */
	unsigned protos;			/* bit per: tcp, udp, icmp/icmpv6, other */
	char first[SW_GRAPH_TIME_LEN], last[SW_GRAPH_TIME_LEN];
};

static unsigned sw_proto_bit(const struct sw_gklog_row *r)
{
	return r->icmp ? 4u : r->proto_num == 6 ? 1u : r->proto_num == 17 ? 2u : 8u;
}

static void sw_peer_add(struct sw_klog_peer *p, const struct sw_gklog_row *r)
{
	if (!p->first_row) {
		p->first_row = r;
		p->port_min = 65536;
	}
	p->packets = sw_flowfile_count_add(p->packets, r->packets);
	p->ports++;
	p->protos |= sw_proto_bit(r);
	if (!r->icmp && r->port < p->port_min)
		p->port_min = r->port;
	if (!r->icmp && r->port > p->port_max)
		p->port_max = r->port;
	sw_graph_times_widen(p->first, p->last, r->first, r->last);
}

/* Rows folded by (action, rule, src, dst); *@n peers, NULL on out of memory. */
static struct sw_klog_peer *sw_klog_fold(const struct sw_gklog *k, size_t *n)
{
	struct sw_klog_peer *v = calloc(k->n + 1, sizeof(*v));
	json_t *index = json_object(), *at;
	char key[1400];

	*n = 0;
	for (size_t i = 0; v && index && i < k->n; i++) {
		const struct sw_gklog_row *r = &k->rows[i];
		size_t j;

		snprintf(key, sizeof(key), "%d\x1f%ld\x1f%s\x1f%s", r->monitor, r->rule, r->src, r->dst);
		if ((at = json_object_get(index, key))) {
			j = (size_t)json_integer_value(at);
		} else {
			j = (*n)++;
			if (json_object_set_new(index, key, json_integer((json_int_t)j)))
				break;
		}
		sw_peer_add(&v[j], r);
	}
	json_decref(index);
	return v;
}

static int sw_klog_peer_cmp(const void *x, const void *y)
{
	const struct sw_klog_peer *a = x, *b = y;
	int c;

	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if ((c = strcmp(a->first_row->src, b->first_row->src)))
		return c;
	return strcmp(a->first_row->dst, b->first_row->dst);
}

static json_t *sw_klog_peer_json(const struct sw_graph *g, const struct sw_klog_peer *p)
{
	static const char *const names[] = { "tcp", "udp", "icmp", "other" };
	const struct sw_gklog_row *r = p->first_row;
	json_t *o = json_object(), *protos = json_array();

	if (!o || !protos) {
		json_decref(o);
		json_decref(protos);
		return NULL;
	}
	sw_graph_klog_rule_json(g, r->monitor, r->rule, o);
	json_object_set_new(o, "src", json_string(r->src));
	json_object_set_new(o, "src_name", json_string(r->src_name));
	json_object_set_new(o, "dst", json_string(r->dst));
	json_object_set_new(o, "dst_name", json_string(r->dst_name));
	json_object_set_new(o, "packets", json_integer((json_int_t)p->packets));
	json_object_set_new(o, "ports", json_integer((json_int_t)p->ports));
	for (unsigned b = 0; b < 4; b++)
		if (p->protos & (1u << b))
			json_array_append_new(protos, json_string(names[b]));
	json_object_set_new(o, "protos", protos);
	if (p->port_min <= p->port_max) {
		json_object_set_new(o, "port_min", json_integer(p->port_min));
		json_object_set_new(o, "port_max", json_integer(p->port_max));
	}
	if (p->first[0])
		json_object_set_new(o, "first_seen", json_string(p->first));
	if (p->last[0])
		json_object_set_new(o, "last_seen", json_string(p->last));
	return o;
}

json_t *sw_graph_klog_peers(const struct sw_graph *g, size_t *n_total)
{
	size_t n;
	struct sw_klog_peer *v = sw_klog_fold(&g->klog, &n);
	json_t *out = json_array();

	*n_total = v ? n : 0;
	if (v)
		qsort(v, n, sizeof(*v), sw_klog_peer_cmp);
	for (size_t i = 0; v && out && i < n && i < SW_GKLOG_PEERS_MAX; i++)
		json_array_append_new(out, sw_klog_peer_json(g, &v[i]));
	free(v);
	return out;
}
