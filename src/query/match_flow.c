/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A flow as the pipeline holds it (struct sw_flow_rec) against the filter.
 * The filter's meaning is defined on records (match.c); rather than a second
 * matcher on the struct that could drift from it, the flow is written as
 * the very line a flows file would hold and that line is matched. Only
 * commands given a filter pay for it (a few microseconds a flow).
 */
#include <stdlib.h>

#include <segwatch/workload.h>

#include "internal.h"

bool sw_query_match_flow(struct sw_query *q, const struct sw_flow_rec *r,
			 struct sw_query_result *res)
{
	json_t *rec;
	size_t n;
	bool m;

	if (res)
		res->judged = false;
	if (!q->line && !(q->line = malloc(SW_REPORT_FLOW_LINE_MAX)))
		return false;
	n = sw_report_flow_line(&q->clock, &r->f, &r->id, q->line, SW_REPORT_FLOW_LINE_MAX);
	if (n == 0 || !(rec = json_loadb(q->line, n, 0, NULL)))
		return false;
	m = sw_query_match(q, rec, res);
	json_decref(rec);
	return m;
}
