/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_LEARN_H
#define SEGWATCH_LEARN_H

/*
 * learn - from observed flows to a policy and a baseline (docs/alerts.md).
 *
 * Flow records (docs/flows.md: JSON lines or the --json capture document)
 * are folded into edges between nodes: a workload's node is the value of its
 * group_by label ("app" by default), "wl:NAME" for a workload without that
 * label, "ip:ADDR" for any other address. Only answered flows (established,
 * closed) are allowances; attempted and refused ones are kept apart and
 * reported, never learned. Pure: no I/O besides the *_file helpers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>
#include <segwatch/infra.h>
#include <segwatch/workload.h>

/* Buffer for a node name ("ip:" + an IPv6 address, or a label value, cut at 120 bytes). */
#define SW_LEARN_NODE_MAX 121	/* with the NUL: two names and a proto fit a 256-byte rule name */

/**
 * sw_learn_node_name - the node (group) name of an endpoint
 * @label_value: value of the group_by label, or NULL
 * @wl_name: workload name, or NULL when the endpoint is not a workload
 * @addr_text: the address as text
 *
 * Characters a policy group name cannot hold become '_'. Returns @buf.
 */
const char *sw_learn_node_name(const char *label_value, const char *wl_name,
			       const char *addr_text, char *buf, size_t size);

/* sw_learn_endpoint_node - the same from a resolved endpoint (wl may be NULL). */
const char *sw_learn_endpoint_node(const struct sw_workload *wl, const uint8_t addr[16],
				   const char *group_by, char *buf, size_t size);

struct sw_learn;

/* sw_learn_alloc - @group_by: label key (copied); NULL means "app". NULL on out of memory. */
struct sw_learn *sw_learn_alloc(const char *group_by);
void sw_learn_free(struct sw_learn *l);
/*
 * sw_learn_set_all - learn infrastructure flows too (docs/flows.md,
 * "Infrastructure traffic"). By default they are counted in stats.infra and
 * make no node, edge, rule or baseline entry: the kernel plumbing the
 * compiled ruleset always lets through is not the application's traffic.
 */
void sw_learn_set_all(struct sw_learn *l, bool all);

/* sw_learn_add_flow - fold one flow record (a jansson json_t * object). */
int sw_learn_add_flow(struct sw_learn *l, const void *flow, struct sw_err *err);

/*
 * sw_learn_load_buffer - fold every flow of a capture document or of JSON
 * lines (records whose "type" is not "flow" are skipped).
 * Returns SW_EXIT_OK, SW_EXIT_USAGE (bad input, @err says where) or SW_EXIT_RUNTIME.
 */
int sw_learn_load_buffer(struct sw_learn *l, const char *buf, size_t len, struct sw_err *err);
/* sw_learn_load_file - one path, as sw_learn_load_window with no window. */
int sw_learn_load_file(struct sw_learn *l, const char *path, struct sw_err *err);

/*
 * sw_learn_load_window - fold the flows of @paths (@n, in order: flow files,
 * .zst files, history directories, capture documents) whose span meets
 * [@since_us, @until_us] (0: open). Errors as sw_learn_load_buffer, with
 * "PATH:LINE:COL" (include/segwatch/query.h: sw_query_records_next).
 */
int sw_learn_load_window(struct sw_learn *l, const char *const *paths, size_t n,
			 uint64_t since_us, uint64_t until_us, struct sw_err *err);

struct sw_learn_stats {
	uint64_t flows;		/* flow records read */
	uint64_t learned;	/* answered flows folded into allowances */
	uint64_t unanswered;	/* attempted or refused: reported, not learned */
	uint64_t skipped;	/* protocols a policy cannot name (not tcp/udp/sctp/icmp/icmpv6) */
	uint64_t infra[SW_INFRA_MAX];	/* infrastructure flows left out, by kind (no --all) */
};
const struct sw_learn_stats *sw_learn_stats(const struct sw_learn *l);

struct sw_learn_policy_opts {
	const char *name;	/* policy name; NULL = "learned" */
	bool enforce;		/* mode "enforce"; default false: "monitor", to stage it */
};

/*
 * sw_learn_policy_json - the policy (docs/policy.md) that allows exactly the
 * answered traffic: one group per node, one allow rule per (from, to, proto)
 * with the observed destination ports or ICMP types, default deny,
 * intra_group "policy". Returns a new json_t * (caller decrefs), NULL on out of memory.
 */
void *sw_learn_policy_json(const struct sw_learn *l, const struct sw_learn_policy_opts *o);

/* sw_learn_baseline_json - the baseline document of answered edges (new json_t *). */
void *sw_learn_baseline_json(const struct sw_learn *l);

/* sw_learn_unanswered_json - array of edges only ever attempted or refused (new json_t *). */
void *sw_learn_unanswered_json(const struct sw_learn *l);

/* ---- baseline, as used by new_edge alerts ---- */

struct sw_baseline;

/* sw_baseline_load_buffer - parse a baseline document. SW_EXIT_OK / SW_EXIT_USAGE / SW_EXIT_RUNTIME. */
int sw_baseline_load_buffer(const char *buf, size_t len, struct sw_baseline **out,
			    struct sw_err *err);
int sw_baseline_load_file(const char *path, struct sw_baseline **out, struct sw_err *err);
void sw_baseline_free(struct sw_baseline *b);

/* sw_baseline_group_by - the label key the baseline's nodes were named by. */
const char *sw_baseline_group_by(const struct sw_baseline *b);

/* sw_baseline_has - is (from, to, ipproto, port-or-ICMP-type) a known edge? */
bool sw_baseline_has(const struct sw_baseline *b, const char *from, const char *to,
		     uint8_t ipproto, uint16_t port);

size_t sw_baseline_count(const struct sw_baseline *b);

#endif
