/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_POLICY_CMD_H
#define SW_CLI_POLICY_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include <segwatch/policy.h>

/*
 * policy_test.c: judge recorded flows (a flows file, or a capture file read
 * in this process with @id's inventories); SW_EXIT_LATERAL when any would be denied.
 */
struct sw_identity_opts;
int sw_policy_test_flows(const struct sw_policy *p, const char *path, bool is_capture,
			 const struct sw_identity_opts *id, bool as_json);


/* policy_cut.c: end the tracked connections @p denies (apply --cut). */
struct sw_registry;
int sw_policy_cut(const struct sw_policy *p, const struct sw_registry *reg);

/* policy_status.c: the applied ruleset as the kernel holds it. */
int sw_policy_status_show(bool as_json);

struct sw_identity;
struct sw_enforcer;
/* policy_watch.c: keep the applied sets in step with the workloads until a signal. */
int sw_policy_watch(struct sw_enforcer *e, struct sw_identity *id);

#endif
