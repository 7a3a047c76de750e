/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table of flow sinks. A new sink is one file with its struct
 * sw_sink_ops and one line here; no constructor tricks (libnftnl's
 * expr_ops.c explains why a plain list is better).
 */
#include <string.h>

#include "internal.h"

static const struct sw_sink_ops *const sw_sinks[] = {
	&sw_sink_jsonl_ops,
	&sw_sink_collect_ops,
	&sw_sink_alerts_ops,
	&sw_sink_klog_ops,
	&sw_sink_history_ops,
	&sw_sink_metrics_ops,
	&sw_sink_ipfix_ops,
	&sw_sink_live_ops,
};

const struct sw_sink_ops *sw_sink_ops_find(const char *name)
{
	for (size_t i = 0; i < sizeof(sw_sinks) / sizeof(sw_sinks[0]); i++)
		if (strcmp(sw_sinks[i]->name, name) == 0)
			return sw_sinks[i];
	return NULL;
}
