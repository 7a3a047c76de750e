/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts to the systemd journal with their own fields, so that
 * `journalctl SEGWATCH_KIND=fan_out` or `SEGWATCH_SRC=10.0.0.2` finds them
 * without parsing the message (which is the alert's JSON line).
 */
#include <string.h>

#include <jansson.h>
#include <systemd/sd-journal.h>

#include "internal.h"

void sw_alert_sink_journal(const struct sw_alert *a, const char *json_line, void *arg)
{
	/* the syslog levels of sw_alert_sink_syslog: notice, warning, alert */
	static const int prio[] = { 5, 4, 1 };
	uint64_t *lost = arg;
	/* the record's fields, whatever the line's format (ECS lines name them otherwise) */
	json_t *o = a->record ? json_incref((json_t *)a->record) : json_loads(json_line, 0, NULL);
	json_t *src = json_object_get(o, "src"), *dst = json_object_get(o, "dst");
	const char *s_addr = json_string_value(json_object_get(src, "address"));
	const char *d_addr = json_string_value(json_object_get(dst, "address"));
	const char *cid = json_string_value(json_object_get(o, "community_id"));
	const char *rule = json_string_value(json_object_get(o, "rule"));
	int rc;

	rc = sd_journal_send("MESSAGE=%s", json_line,
			     "PRIORITY=%d", prio[a->severity <= SW_ALERT_SEV_HIGH ? a->severity : SW_ALERT_SEV_HIGH],
			     "SYSLOG_IDENTIFIER=segwatch",
			     "SEGWATCH_KIND=%s", sw_alert_kind_name(a->kind),
			     "SEGWATCH_SEVERITY=%s", sw_alert_severity_name(a->severity),
			     "SEGWATCH_SRC=%s", s_addr ? s_addr : "",
			     "SEGWATCH_DST=%s", d_addr ? d_addr : "",
			     "SEGWATCH_RULE=%s", rule ? rule : "",
			     "SEGWATCH_COMMUNITY_ID=%s", cid ? cid : "",
			     "SEGWATCH_COUNT=%llu", (unsigned long long)a->count,
			     NULL);
	json_decref(o);
	if (rc < 0 && lost)
		(*lost)++;
}
