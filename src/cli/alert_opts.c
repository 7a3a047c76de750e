/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The alert options shared by capture and flows. */
#include <stdio.h>

#include <segwatch/alert.h>
#include <segwatch/text.h>

#include "alert_opts.h"

bool sw_cli_alerts_opt(struct sw_cli_alerts *a, int opt, const char *arg, const char *cmd,
		       bool *ok)
{
	switch (opt) {
	case SW_OPT_ALERTS: a->o->dest = arg; return true;
	case SW_OPT_BASELINE: a->o->baseline = arg; return true;
	case SW_OPT_ALERT_CONFIG: a->o->config = arg; return true;
	case SW_OPT_ALERT_FORMAT:
		a->format_set = true;
		if (!sw_alert_format_parse(arg, &a->o->format)) {
			fprintf(stderr, "%s: --alert-format: %s is not segwatch or ecs\n", cmd,
				SW_QUOTE(arg));
			*ok = false;
		}
		return true;
	default:
		return false;
	}
}

int sw_cli_alerts_check(const struct sw_cli_alerts *a, const char *cmd)
{
	if (!a->o->dest && (a->o->baseline || a->o->config || a->format_set)) {
		fprintf(stderr, "%s: --baseline, --alert-config and --alert-format go with --alerts\n",
			cmd);
		return SW_EXIT_USAGE;
	}
	return SW_EXIT_OK;
}
