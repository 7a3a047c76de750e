/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stable names of flow states and end reasons: part of the JSON interface. */
#include <segwatch/flow.h>

const char *sw_flow_state_name(enum sw_flow_state s)
{
	static const char *const names[] = { "attempted", "refused", "established", "closed" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *sw_flow_end_name(enum sw_flow_end e)
{
	static const char *const names[] = { "idle", "active", "evicted", "flush", "reused" };

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "unknown";
}
