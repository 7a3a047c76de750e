// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ecs.c - an alert with Elastic Common Schema field names (docs/alerts.md
 * "Elastic Common Schema"), for SIEMs that ingest the line as it is.
 *
 * Built from segwatch's own record, key by key, so that the two formats can
 * never say different things: each key has an ECS home or goes under the
 * custom namespace "segwatch" (ECS: custom fields nest under a proper name).
 * A key this table does not know (one added to the record later) lands in
 * segwatch.* as it is: nothing is lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/proto.h>

#include "internal.h"

#define SW_ECS_VERSION "8.11.0"

/* The parts of the document, assembled in this order at the end. */
struct sw_ecs {
	json_t *root, *event, *source, *destination, *network, *rule, *container, *observer,
	       *seg;
	json_t *related_ip;
};

/*
 * The risk score Elastic Security gives a rule of each severity by default
 * (low 21, medium 47, high 73): larger is worse, and a range query keeps its
 * meaning next to other sources mapped the same way.
 */
static json_int_t sw_ecs_severity(const char *word)
{
	static const struct { const char *word; json_int_t n; } map[] = {
		{ "low", 21 }, { "medium", 47 }, { "high", 73 },
	};

	for (size_t i = 0; word && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(word, map[i].word) == 0)
			return map[i].n;
	return 0;
}

/* network.transport is IANA's keyword, lower case: ICMPv6 is "ipv6-icmp". */
static void sw_ecs_proto(struct sw_ecs *x, json_t *v)
{
	const char *name = json_string_value(v);
	char num[8];
	uint8_t p;

	if (!name)
		return;
	json_object_set_new(x->network, "transport",
			    json_string(strcmp(name, "icmpv6") == 0 ? "ipv6-icmp" : name));
	if (sw_proto_parse(name, &p)) {
		snprintf(num, sizeof(num), "%u", p);
		json_object_set_new(x->network, "iana_number", json_string(num));
	}
}

/*
 * Label keys with dots become underscores (as Beats' labels.dedot does):
 * Elasticsearch reads a dotted key as an object path, and "app" next to
 * "app.kubernetes.io/name" would make the document unmappable. A key that
 * meets one already there keeps the first value.
 */
static json_t *sw_ecs_labels(json_t *labels)
{
	json_t *o = json_object(), *v;
	const char *k;

	json_object_foreach(labels, k, v) {
		char *key = o ? strdup(k) : NULL;

		if (!key)
			continue;
		for (char *c = key; *c; c++)
			if (*c == '.')
				*c = '_';
		if (!json_object_get(o, key))
			json_object_set(o, key, v);
		free(key);
	}
	return o;
}

/* One end: source.ip (destination.ip), and the rest under segwatch.source (destination). */
static void sw_ecs_endpoint(struct sw_ecs *x, json_t *ep, json_t *ecs_ep, const char *seg_name,
			    bool is_source)
{
	json_t *seg = json_object(), *v, *name = json_object_get(ep, "name");
	const char *k, *addr = json_string_value(json_object_get(ep, "address"));
	const char *kind = json_string_value(json_object_get(ep, "kind"));

	if (!json_is_object(ep) || !seg) {
		json_decref(seg);
		return;
	}
	if (addr) {
		json_object_set_new(ecs_ep, "ip", json_string(addr));
		if (!json_equal(json_array_get(x->related_ip, 0), json_object_get(ep, "address")))
			json_array_append_new(x->related_ip, json_string(addr));
		if (is_source)
			json_object_set_new(x->network, "type",
					    json_string(strchr(addr, ':') ? "ipv6" : "ipv4"));
	}
	json_object_foreach(ep, k, v) {
		if (strcmp(k, "address") == 0)
			continue;
		json_object_set_new(seg, k, strcmp(k, "labels") == 0 ? sw_ecs_labels(v)
								     : json_incref(v));
	}
	/* the container that started it: ECS's container.* for the initiator */
	if (is_source && json_is_string(name) && kind && strcmp(kind, "workload") == 0) {
		json_object_set(x->container, "name", name);
		json_object_set_new(x->container, "labels",
				    sw_ecs_labels(json_object_get(ep, "labels")));
	}
	json_object_set_new(x->seg, seg_name, seg);
}

/*
 * event.type: what happened to the connection. policy_violation says
 * whether the packets got through; the others name the flow's moment.
 */
static json_t *sw_ecs_event_type(const char *kind, json_t *dropped)
{
	const char *second = NULL;

	if (strcmp(kind, "agent_health") == 0 || strcmp(kind, "spoofed_source") == 0)
		return json_pack("[s]", "info");
	if (strcmp(kind, "policy_violation") == 0 && json_is_boolean(dropped))
		second = json_is_true(dropped) ? "denied" : "allowed";
	else if (strcmp(kind, "new_edge") == 0 || strcmp(kind, "fan_out") == 0)
		second = "start";
	else if (strcmp(kind, "refused_or_unanswered") == 0)
		second = "end";
	return second ? json_pack("[s,s]", "connection", second) : json_pack("[s]", "connection");
}

/* One key of the record to its ECS home; false when it has none here (segwatch.KEY). */
static bool sw_ecs_key(struct sw_ecs *x, const char *k, json_t *v)
{
	static const struct { const char *key, *field; } to_event[] = {
		{ "type", "kind" }, { "kind", "action" }, { "origin", "provider" },
		{ "first_seen", "start" }, { "last_seen", "end" }, { "event", "code" },
		{ "detail", "reason" },
	};

	for (size_t i = 0; i < sizeof(to_event) / sizeof(to_event[0]); i++)
		if (strcmp(k, to_event[i].key) == 0) {
			if (!json_is_null(v))
				json_object_set(x->event, to_event[i].field, v);
			return true;
		}
	if (strcmp(k, "time") == 0)
		json_object_set(x->root, "@timestamp", v);
	else if (strcmp(k, "message") == 0)
		json_object_set(x->root, "message", v);
	else if (strcmp(k, "severity") == 0) {
		json_object_set_new(x->event, "severity",
				    json_integer(sw_ecs_severity(json_string_value(v))));
		json_object_set(x->seg, "severity", v); /* the word, for people and filters */
	} else if (strcmp(k, "src") == 0)
		sw_ecs_endpoint(x, v, x->source, "source", true);
	else if (strcmp(k, "dst") == 0)
		sw_ecs_endpoint(x, v, x->destination, "destination", false);
	else if (strcmp(k, "proto") == 0)
		sw_ecs_proto(x, v);
	else if (strcmp(k, "port") == 0)
		json_object_set(x->destination, "port", v);
	else if (strcmp(k, "community_id") == 0)
		json_object_set(x->network, "community_id", v);
	else if (strcmp(k, "rule") == 0) {
		if (!json_is_null(v))
			json_object_set(x->rule, "name", v);
	} else
		return false;
	return true;
}

/* @part under @name in the root when it has anything; the reference is taken either way. */
static void sw_ecs_put(json_t *root, const char *name, json_t *part)
{
	if (json_object_size(part) || json_array_size(part))
		json_object_set(root, name, part);
	json_decref(part);
}

json_t *sw_alert_ecs(json_t *rec, const char *host)
{
	struct sw_ecs x = { .root = json_object(), .event = json_object(), .source = json_object(),
			    .destination = json_object(), .network = json_object(),
			    .rule = json_object(), .container = json_object(),
			    .observer = json_object(), .seg = json_object(),
			    .related_ip = json_array() };
	const char *kind = json_string_value(json_object_get(rec, "kind"));
	json_t *v, *related;
	const char *k;

	if (!x.root || !x.event || !x.source || !x.destination || !x.network || !x.rule ||
	    !x.container || !x.observer || !x.seg || !x.related_ip || !kind)
		goto err;
	json_object_set_new(x.root, "@timestamp", json_null()); /* first, whatever the record's order */
	json_object_set_new(x.root, "ecs", json_pack("{s:s}", "version", SW_ECS_VERSION));
	json_object_set_new(x.event, "kind", json_string("alert"));
	json_object_set_new(x.event, "category",
			    json_pack("[s]", strcmp(kind, "agent_health") == 0 ? "host" : "network"));
	json_object_set_new(x.event, "type",
			    sw_ecs_event_type(kind, json_object_get(rec, "dropped")));
	json_object_set_new(x.event, "module", json_string("segwatch"));
	/* a scan is discovery: ECS threat.* names the ATT&CK technique, the evidence stays in segwatch.* */
	if (strcmp(kind, "scan") == 0)
		json_object_set_new(x.root, "threat",
				    json_pack("{s:s,s:{s:s,s:s},s:{s:[s],s:[s]}}", "framework",
					      "MITRE ATT&CK", "tactic", "id", "TA0007", "name",
					      "Discovery", "technique", "id", "T1046", "name",
					      "Network Service Discovery"));
	json_object_set_new(x.event, "dataset", json_string("segwatch.alert"));
	json_object_foreach(rec, k, v)
		if (!sw_ecs_key(&x, k, v))
			json_object_set(x.seg, k, v);
	json_object_set_new(x.observer, "product", json_string("segwatch"));
	json_object_set_new(x.observer, "type", json_string("sensor"));
	if (host)
		json_object_set_new(x.observer, "hostname", json_string(host));
	json_object_set_new(x.root, "event", x.event);
	sw_ecs_put(x.root, "source", x.source);
	sw_ecs_put(x.root, "destination", x.destination);
	sw_ecs_put(x.root, "network", x.network);
	sw_ecs_put(x.root, "rule", x.rule);
	related = json_array_size(x.related_ip) ? json_pack("{s:O}", "ip", x.related_ip) : NULL;
	if (related)
		json_object_set_new(x.root, "related", related);
	sw_ecs_put(x.root, "container", x.container);
	json_object_set_new(x.root, "observer", x.observer);
	json_object_set_new(x.root, "segwatch", x.seg);
	json_decref(x.related_ip);
	return x.root;
err:
	json_decref(x.root);
	json_decref(x.event);
	json_decref(x.source);
	json_decref(x.destination);
	json_decref(x.network);
	json_decref(x.rule);
	json_decref(x.container);
	json_decref(x.observer);
	json_decref(x.seg);
	json_decref(x.related_ip);
	return NULL;
}
