/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TEMPORARY - replaced by scandet's implementation at merge (issue 15).
 *
 * Only here so the scanfeed branch compiles and links against the shared
 * contract in include/segwatch/alert.h: the engine ignores answers until
 * scandet's detectors (src/alert) consume them. Nothing may depend on this
 * doing anything. Delete this file and its line in src/alert/CMakeLists.txt
 * when merging scandet.
 */
#include <segwatch/alert.h>

void sw_alert_flow_answered(struct sw_alert_engine *e, const struct sw_alert_conn *c, bool refused)
{
	(void)e;
	(void)c;
	(void)refused;
}
