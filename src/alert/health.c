// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * health.c - agent_health: the agent telling operators it cannot do its job
 * (its ruleset deleted, flow records lost, a table full, the container
 * engine gone). Keyed by event name, deduplicated like every other kind.
 */
#include <string.h>

#include <segwatch/text.h>

#include "internal.h"

#define SW_ALERT_EVENT_MAX 96		/* an escaped event name, cut */
#define SW_ALERT_DETAIL_MAX 512		/* an escaped detail, cut */

/* The events segwatch agent raises (docs/alerts.md), with a sentence for people. */
static const struct {
	const char *event, *message;
} sw_alert_health_events[] = {
	{ "ruleset_deleted", "the segwatch nftables table was deleted; the agent re-applies it" },
	{ "history_loss", "flow history records were lost" },
	{ "table_full", "an agent table hit its bound and dropped entries" },
	{ "engine_lost", "the container engine went away" },
	{ "engine_back", "the container engine is back" },
	{ "reload_refused", "a configuration reload was refused; the previous one stays" },
};

static const char *sw_alert_health_message(const char *event)
{
	for (size_t i = 0; i < sizeof(sw_alert_health_events) / sizeof(sw_alert_health_events[0]);
	     i++)
		if (strcmp(event, sw_alert_health_events[i].event) == 0)
			return sw_alert_health_events[i].message;
	return "the agent reported a problem";
}

json_t *sw_alert_health_body(const struct sw_alert_event *ev)
{
	json_int_t v = ev->value > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX
						       : (json_int_t)ev->value;

	return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:I,s:s}", "kind",
			 sw_alert_kind_name(ev->kind), "severity",
			 sw_alert_severity_name(ev->severity), "origin", "agent", "event",
			 ev->event, "detail", ev->detail, "value", v, "message",
			 ev->message);
}

void sw_alert_health(struct sw_alert_engine *e, uint64_t ts_us, const char *event,
		     enum sw_alert_severity sev, const char *detail, uint64_t count)
{
	char ebuf[SW_ALERT_EVENT_MAX], dbuf[SW_ALERT_DETAIL_MAX];
	struct sw_alert_event ev = { .kind = SW_ALERT_AGENT_HEALTH,
				     .severity = sev <= SW_ALERT_SEV_HIGH ? sev : SW_ALERT_SEV_HIGH,
				     .ts_us = ts_us, .origin = "agent", .dropped = -1,
				     .value = count };

	if (!e->cfg.enabled[ev.kind])
		return;
	ev.event = sw_text_escape(ebuf, sizeof(ebuf), event && *event ? event : "unknown");
	ev.detail = detail ? sw_text_escape(dbuf, sizeof(dbuf), detail) : NULL;
	ev.message = sw_alert_health_message(ev.event);
	sw_alert_raise(e, &ev);
}
