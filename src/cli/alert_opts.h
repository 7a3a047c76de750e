/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_ALERT_OPTS_H
#define SW_CLI_ALERT_OPTS_H

/*
 * The options that send flows to the alert engine (struct
 * sw_sink_alerts_opts), shared by capture and flows (the history replayed).
 * --policy is each command's own: it serves more than alerts there.
 */

#include <stdbool.h>

#include <segwatch/pipeline.h>

enum {
	SW_OPT_ALERTS = 600,
	SW_OPT_BASELINE,
	SW_OPT_ALERT_CONFIG,
	SW_OPT_ALERT_FORMAT,
};

struct sw_cli_alerts {
	struct sw_sink_alerts_opts *o;	/* filled in */
	bool format_set;		/* --alert-format given */
};

/*
 * sw_cli_alerts_opt - handle one of the options above: false when @opt is
 * not one of them; *@ok false on a usage error (printed, naming @cmd).
 */
bool sw_cli_alerts_opt(struct sw_cli_alerts *a, int opt, const char *arg, const char *cmd,
		       bool *ok);

/* sw_cli_alerts_check - --baseline, --alert-config, --alert-format without --alerts: SW_EXIT_USAGE. */
int sw_cli_alerts_check(const struct sw_cli_alerts *a, const char *cmd);

#define SW_ALERT_LONGOPTS                                                          \
	{ "alerts", required_argument, NULL, SW_OPT_ALERTS },                      \
	{ "baseline", required_argument, NULL, SW_OPT_BASELINE },                  \
	{ "alert-config", required_argument, NULL, SW_OPT_ALERT_CONFIG },          \
	{ "alert-format", required_argument, NULL, SW_OPT_ALERT_FORMAT }

#endif
