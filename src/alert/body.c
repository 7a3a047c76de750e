// SPDX-License-Identifier: GPL-2.0-or-later
/* body.c - the JSON fields of an alert (docs/alerts.md). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <segwatch/learn.h>
#include <segwatch/proto.h>

#include "internal.h"

void sw_alert_addr_text(const uint8_t a[16], char *buf, size_t size)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(a, mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)size);
}

void sw_alert_time_text(uint64_t us, char *buf, size_t size)
{
	time_t sec = (time_t)(us / 1000000u);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(us % 1000000u));
}

const char *sw_alert_endpoint_id(const struct sw_alert_endpoint *ep, char *buf, size_t size)
{
	if (ep->wl && ep->wl->name)
		snprintf(buf, size, "%s", ep->wl->name);
	else
		sw_alert_addr_text(ep->addr, buf, size);
	return buf;
}

void sw_alert_src_key_of(struct sw_alert_src_key *k, const struct sw_alert_endpoint *ep)
{
	if (ep->wl && ep->wl->name) {
		size_t n = strnlen(ep->wl->name, sizeof(k->b) - 2); /* the text id's cut */

		k->b[0] = 'n';
		memcpy(k->b + 1, ep->wl->name, n);
		k->len = (uint32_t)n + 1;
	} else {
		k->b[0] = 'a';
		memcpy(k->b + 1, ep->addr, 16);
		k->len = 17;
	}
}

const char *sw_alert_src_key_text(const char *key, size_t len, char *buf, size_t size)
{
	if (len >= 1 && key[0] == 'n')
		snprintf(buf, size, "%.*s", (int)(len - 1), key + 1);
	else if (len == 17)
		sw_alert_addr_text((const uint8_t *)key + 1, buf, size);
	else if (size)
		buf[0] = '\0';
	return buf;
}

static json_t *sw_alert_groups_json(const struct sw_policy *p, const struct sw_alert_endpoint *ep)
{
	json_t *a = json_array();
	uint64_t bits[64];
	size_t words;

	if (!a || !p)
		return a;
	words = SW_POL_BITMAP_WORDS(p->n_groups);
	if (words > sizeof(bits) / sizeof(bits[0]))
		return a; /* over 4096 groups: not listed */
	sw_policy_membership(p, ep->wl, ep->addr, bits);
	for (size_t g = 0; g < p->n_groups; g++)
		if (bits[g / 64] & (1ull << (g % 64)))
			json_array_append_new(a, json_string(p->groups[g].name));
	return a;
}

static json_t *sw_alert_labels_json(const struct sw_workload *wl)
{
	json_t *o = json_object();

	for (size_t i = 0; o && wl && i < wl->n_labels; i++)
		json_object_set_new(o, wl->labels[i].key, json_string(wl->labels[i].value));
	return o;
}

static json_t *sw_alert_endpoint_json(const struct sw_alert_engine *e,
				      const struct sw_alert_endpoint *ep, const char *name)
{
	char addr[INET6_ADDRSTRLEN] = "", node[SW_LEARN_NODE_MAX];
	json_t *o;

	if (!ep)
		return json_null();
	sw_alert_addr_text(ep->addr, addr, sizeof(addr));
	sw_learn_endpoint_node(ep->wl, ep->addr, e->cfg.group_by, node, sizeof(node));
	o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "kind", sw_endpoint_kind_name(ep->kind), "address",
		      addr, "node", node, "labels", sw_alert_labels_json(ep->wl), "groups",
		      sw_alert_groups_json(e->policy, ep));
	if (o && ep->wl && ep->wl->name)
		json_object_set_new(o, "name", json_string(ep->wl->name));
	else if (o && name && ep->kind == SW_EP_WORKLOAD) /* no workload at hand: its key */
		json_object_set_new(o, "name", json_string(name));
	return o;
}

static void sw_alert_body_conn(json_t *o, const struct sw_alert_conn *c)
{
	char pbuf[8];

	json_object_set_new(o, "proto", json_string(sw_proto_name_or_num(c->proto, 0, pbuf, sizeof(pbuf))));
	if (c->proto == 1 || c->proto == 58)
		json_object_set_new(o, "icmp_type", json_integer(c->icmp_type));
	else
		json_object_set_new(o, "port", json_integer(c->dport));
	if (c->community_id[0])
		json_object_set_new(o, "community_id", json_string(c->community_id));
}

json_t *sw_alert_body(const struct sw_alert_engine *e, const struct sw_alert_event *ev)
{
	json_t *o;

	if (ev->kind == SW_ALERT_AGENT_HEALTH)
		return sw_alert_health_body(ev);
	o = json_pack("{s:s,s:s,s:s,s:o,s:o}", "kind", sw_alert_kind_name(ev->kind),
		      "severity", sw_alert_severity_name(ev->severity), "origin",
		      ev->origin ? ev->origin : "capture", "src",
		      sw_alert_endpoint_json(e, ev->src, ev->src_id),
		      "dst", sw_alert_endpoint_json(e, ev->dst, NULL));
	if (!o)
		return NULL;
	if (ev->conn)
		sw_alert_body_conn(o, ev->conn);
	json_object_set_new(o, "rule", ev->rule ? json_string(ev->rule) : json_null());
	if (ev->verdict_mode)
		json_object_set_new(o, "mode", json_string(ev->verdict_mode));
	if (ev->dropped >= 0)
		json_object_set_new(o, "dropped", json_boolean(ev->dropped));
	if (ev->state)
		json_object_set_new(o, "state", json_string(ev->state));
	if (ev->iface)
		json_object_set_new(o, "interface", json_string(ev->iface));
	if (ev->forged)
		json_object_set_new(o, "forged", json_string(ev->forged));
	if (ev->forged_mac)
		json_object_set_new(o, "mac", json_string(ev->forged_mac));
	if (ev->scan)
		sw_scan_body(o, ev);
	if (ev->message)
		json_object_set_new(o, "message", json_string(ev->message));
	return o;
}
