/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_GRAPH_H
#define SEGWATCH_GRAPH_H

/*
 * graph - who talks to whom (docs/graph.md). Flow records (docs/flows.md)
 * are folded into a graph whose nodes are workloads (or groups, or label
 * values), the host, external peers and multicast addresses, and whose
 * edges are initiator -> responder per (protocol, destination port or ICMP
 * type). With a policy every flow is judged as it is added, so each edge
 * carries a verdict. Graphs saved as JSON by several hosts merge into one.
 *
 * Library code never prints: errors come back in a struct sw_err; the
 * writers below only write to the stream the caller hands them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <segwatch/exit.h>
#include <segwatch/policy.h>

struct sw_query;

/* How endpoints become nodes. */
enum sw_graph_by {
	SW_GRAPH_BY_WORKLOAD = 0,	/* one node per workload identity (default) */
	SW_GRAPH_BY_GROUP,		/* one node per set of policy groups; needs a policy */
	SW_GRAPH_BY_LABEL,		/* one node per value of a label key */
};

/* An edge's verdict, from best to worst; an edge shows its worst flow's. */
enum sw_graph_verdict {
	SW_GV_NONE = 0,		/* no policy */
	SW_GV_ALLOWED,		/* by a rule or intra-group allow */
	SW_GV_UNMANAGED,	/* an end no group selects and no rule matched */
	SW_GV_MONITOR,		/* denied in monitor mode: would be dropped */
	SW_GV_VIOLATION,	/* denied (by a rule or the default) in enforce mode */
	SW_GV_MAX
};

struct sw_graph_opts {
	enum sw_graph_by by;
	const char *label;		/* SW_GRAPH_BY_LABEL: the key (copied) */
	const struct sw_policy *policy;	/* borrowed, may be NULL; must outlive the graph */
	bool kernel_log;		/* fold "type":"kernel_log" records (report); else skipped */
	bool all;			/* draw infrastructure flows (docs/flows.md) too; else
					 * they are tallied ("infrastructure") and left out */
	/*
	 * Borrowed, compiled (sw_query_compile), may be NULL: flows it does not
	 * match are left out before anything else (no node, edge, verdict or
	 * infrastructure tally); counters and kernel_log records are not
	 * flows and stay whole (docs/filters.md). Must outlive the graph.
	 */
	struct sw_query *filter;
	/*
	 * Borrowed, may be NULL (needs @policy): a candidate policy every flow
	 * is judged by too, with nothing enforced (report --staged; docs/
	 * policy.md "Staged policies"). Edges carry a "staged" object and the
	 * report a "staged" section. Must outlive the graph.
	 */
	const struct sw_policy *staged;
};

/* How complete the picture is: the flow files' counters lines, summed. */
struct sw_graph_completeness {
	uint64_t files;			/* flow files read */
	uint64_t files_without_counters;	/* no counters: completeness unknown */
	uint64_t packets_seen, decoded, duplicates, malformed, kernel_drops, evicted;
};

struct sw_graph;

/* sw_graph_alloc - an empty graph; NULL with @err set (usage: by group without a policy). */
struct sw_graph *sw_graph_alloc(const struct sw_graph_opts *o, struct sw_err *err);
void sw_graph_free(struct sw_graph *g);

/**
 * sw_graph_add_flow - fold one flow record (a borrowed "type":"flow" object) in
 * Returns SW_EXIT_OK, SW_EXIT_USAGE when the record has no usable src/dst
 * (err says which field), SW_EXIT_RUNTIME on out of memory.
 */
int sw_graph_add_flow(struct sw_graph *g, json_t *flow, struct sw_err *err);

/* sw_graph_add_counters - add a capture counters object (borrowed) to the completeness. */
void sw_graph_add_counters(struct sw_graph *g, json_t *counters);

/**
 * sw_graph_merge_json - merge a graph document ({"type":"graph",...}, borrowed)
 * Nodes are matched by id (workload identity: source and id, else name),
 * counters summed, first/last seen widened, verdicts kept (the worst wins).
 * @name names the input in errors. Returns an exit code like sw_graph_add_flow.
 */
int sw_graph_merge_json(struct sw_graph *g, json_t *doc, const char *name, struct sw_err *err);

/**
 * sw_graph_load_file - read @path: `capture -w` JSON lines, a `capture --json`
 * document (both: flows plus counters), or a graph document (merged).
 * Errors: SW_EXIT_RUNTIME unreadable, SW_EXIT_USAGE bad JSON ("file:line:col: ...").
 */
int sw_graph_load_file(struct sw_graph *g, const char *path, struct sw_err *err);

/**
 * sw_graph_load_window - read @paths (@n, in order) as sw_graph_load_file
 * does, plus history directories and .zst files (docs/history.md), keeping
 * the flows and kernel_log records whose span meets [@since_us, @until_us]
 * (0: open). Graph documents are merged whole. Same errors.
 */
int sw_graph_load_window(struct sw_graph *g, const char *const *paths, size_t n,
			 uint64_t since_us, uint64_t until_us, struct sw_err *err);

/* sw_graph_flows_left_out - flow records sw_graph_opts.filter did not match. */
uint64_t sw_graph_flows_left_out(const struct sw_graph *g);

size_t sw_graph_n_nodes(const struct sw_graph *g);
size_t sw_graph_n_edges(const struct sw_graph *g);
const struct sw_graph_completeness *sw_graph_completeness(const struct sw_graph *g);
/* sw_graph_count_verdict - edges whose verdict is @v. */
size_t sw_graph_count_verdict(const struct sw_graph *g, enum sw_graph_verdict v);
const char *sw_graph_verdict_name(enum sw_graph_verdict v);

/**
 * sw_graph_to_json - the graph as the documented document
 * {"type":"graph","version":1,"nodes":[...],"edges":[...],...}; a new
 * reference (NULL on out of memory). This is what the HTML view embeds.
 */
json_t *sw_graph_to_json(const struct sw_graph *g);

/*
 * sw_graph_infra_write - the one line saying what infrastructure traffic was
 * left out, from a graph or report document's "infrastructure" object
 * (borrowed); nothing when it is NULL or empty.
 */
void sw_graph_infra_write(json_t *infra, FILE *out);

/* Writers: a table for people, Graphviz dot (nodes coloured by group, edges by verdict). */
void sw_graph_write_table(const struct sw_graph *g, FILE *out);
void sw_graph_write_dot(const struct sw_graph *g, FILE *out);

/**
 * sw_graph_diff - what changed since @old (may be NULL)
 * Returns a new {"new_edges":[...],"vanished_edges":[...],"unused_rules":[...]}
 * (edges matched by node ids, protocol and port; unused_rules: allow rules of
 * @g's policy that no flow matched; empty without a policy). NULL on out of memory.
 */
json_t *sw_graph_diff(const struct sw_graph *g, const struct sw_graph *old);

/**
 * sw_graph_report_json - the audit: edges by verdict, completeness, and the
 * diff against @old when given. A new reference ({"type":"report",...}).
 */
json_t *sw_graph_report_json(const struct sw_graph *g, const struct sw_graph *old);
/*
 * With sw_graph_opts.staged the report has a "staged" section: edges newly
 * denied and newly allowed by the candidate, verdict changes by rule, and the
 * rules of either policy no flow used (docs/graph.md).
 */
/* sw_graph_report_write - the report (from sw_graph_report_json) as text. */
void sw_graph_report_write(json_t *report, FILE *out);

#endif
