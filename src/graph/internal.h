/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_GRAPH_INTERNAL_H
#define SW_GRAPH_INTERNAL_H

#include <segwatch/flowfile.h>
#include <segwatch/graph.h>
#include <segwatch/infra.h>

/* Flow states counted per edge, in the order of docs/flows.md. */
enum sw_gstate {
	SW_GS_ESTABLISHED = 0,
	SW_GS_ATTEMPTED,
	SW_GS_REFUSED,
	SW_GS_CLOSED,
	SW_GS_OTHER,
	SW_GS_MAX
};

#define SW_GRAPH_TIME_LEN 40	/* RFC 3339 with microseconds fits easily */
#define SW_GRAPH_LIST_MAX 32	/* addresses or members listed per node */

struct sw_gedge {
	size_t src, dst;		/* node indices */
	char proto[16];			/* "tcp", ... as in the flow record */
	uint8_t proto_num;
	bool icmp;			/* port is the ICMP type */
	uint16_t port;
	uint64_t flows, state[SW_GS_MAX];
	uint64_t fwd_packets, fwd_bytes, rev_packets, rev_bytes;
	char first[SW_GRAPH_TIME_LEN], last[SW_GRAPH_TIME_LEN];
	uint64_t vflows[SW_GV_MAX];	/* flows per verdict */
	enum sw_graph_verdict verdict;	/* the worst */
	char *rule;			/* of the worst: "/rules/2", "default", "intra_group" */
	char *rule_name;		/* may be NULL */
	struct sw_gstaged *staged;	/* NULL: no staged policy, or merged from a saved graph */
};

/* An edge's flows as a staged (candidate) policy judges them (staged.c). */
struct sw_gstaged {
	uint64_t vflows[SW_GV_MAX];
	enum sw_graph_verdict verdict;	/* the worst */
	char *rule, *rule_name;		/* of the worst, as sw_gedge's */
	uint64_t newly_denied;		/* flows the enforced policy lets pass, the candidate denies */
	uint64_t newly_allowed;		/* flows the enforced policy denies, the candidate lets pass */
};

/* Logged packets of one (action, rule, node pair, protocol, port): kernel_log records folded. */
struct sw_gklog_row {
	bool monitor;			/* "monitor"; otherwise "deny" */
	long rule;			/* index, -1 for the default */
	char *src, *dst;		/* node ids */
	char *src_name, *dst_name;
	char proto[16];
	uint8_t proto_num;
	bool icmp;			/* port is the ICMP type */
	uint16_t port;
	uint64_t packets;
	char first[SW_GRAPH_TIME_LEN], last[SW_GRAPH_TIME_LEN];
};

/* Infrastructure flows left out of the graph, tallied (infra.c). */
struct sw_ginfra {
	uint64_t flows;
	uint64_t kinds[SW_INFRA_MAX];	/* [SW_INFRA_ARP]: ARP frames from the counters */
	uint64_t denied;		/* flows the policy would deny (violation or monitor) */
	json_t *by_node;		/* node id -> {"id","name","flows","kinds":{...}} */
};

/* The kernel's log as the capture recorded it (report only: sw_graph_opts.kernel_log). */
struct sw_gklog {
	struct sw_gklog_row *rows;
	size_t n, cap;
	json_t *index;			/* row key -> index into rows */
	uint64_t records;		/* kernel_log records read */
	uint64_t files;			/* counters lines with an "nflog" object */
	uint64_t messages, undecoded, invalid, overruns, not_aggregated;
};

struct sw_graph {
	enum sw_graph_by by;
	char *label;
	const struct sw_policy *policy;
	json_t *nodes;			/* array of node objects (docs/graph.md) */
	json_t *node_index;		/* id -> index into nodes */
	struct sw_gedge *edges;
	size_t n_edges, cap_edges;
	json_t *edge_index;		/* edge key -> index into edges */
	uint64_t *rule_hits;		/* flows matched, per policy rule */
	uint64_t *bits[2];		/* scratch group bitmaps for both ends */
	size_t words;
	struct sw_graph_completeness comp;
	bool kernel_log;		/* fold kernel_log records into klog */
	struct sw_gklog klog;
	bool all;			/* draw infrastructure flows too (no tally) */
	struct sw_ginfra infra;
	struct sw_query *filter;	/* borrowed; NULL: every flow */
	uint64_t left_out;		/* flows the filter did not match */
	/* a staged (candidate) policy judging every flow too (staged.c); borrowed, may be NULL */
	const struct sw_policy *staged;
	uint64_t *staged_hits;		/* flows matched, per staged rule */
	uint64_t *sbits[2];		/* scratch group bitmaps of the staged policy */
	size_t swords;
	uint64_t staged_flows;		/* flows judged by both */
	json_t *staged_changes;		/* "from\x1fto" key -> {"from","to","flows","edge_set"} */
};

/* One end of a flow record, as read from it (strings borrowed from the JSON). */
struct sw_gend {
	const char *addr;
	const char *kind;		/* "workload", "host", ... or NULL */
	json_t *wl;			/* the *_workload object or NULL */
	uint8_t addr16[16];
	const uint64_t *bits;		/* groups selecting it (NULL without policy) */
};

/* The verdict of one flow. */
struct sw_gjudge {
	enum sw_graph_verdict verdict;
	long rule;			/* index, -1 for default/intra/none */
	const char *rule_where;		/* "/rules/2", "default", "intra_group", or NULL */
};

/* graph.c */
bool sw_graph_end_read(json_t *rec, const char *end, struct sw_gend *e);
uint64_t sw_json_u64(json_t *o, const char *key);

/* node.c */
const char *sw_graph_node_key(const struct sw_graph *g, const struct sw_gend *e, char *id,
			      size_t len, char *name, size_t nlen);
int sw_graph_node_for_end(struct sw_graph *g, const struct sw_gend *e, size_t *idx,
			  struct sw_err *err);
int sw_graph_node_merge(struct sw_graph *g, json_t *node, size_t *idx, struct sw_err *err);
bool sw_json_list_add(json_t *obj, const char *key, const char *value);

/* edge.c */
struct sw_gedge *sw_graph_edge_get(struct sw_graph *g, size_t src, size_t dst, const char *proto,
				   uint8_t proto_num, bool icmp, uint16_t port);
void sw_graph_edge_key(const struct sw_graph *g, const struct sw_gedge *e, char *buf,
		       size_t len);
void sw_graph_edge_times(struct sw_gedge *e, const char *first, const char *last);
/* klog.c: a kernel-log row's action and rule as the report names them, into @o. */
void sw_graph_klog_rule_json(const struct sw_graph *g, bool monitor, long rule, json_t *o);
/* klog_peers.c: the rows folded per (action, rule, source, destination), most packets first. */
json_t *sw_graph_klog_peers(const struct sw_graph *g, size_t *n_total);
void sw_graph_times_widen(char first[SW_GRAPH_TIME_LEN], char last[SW_GRAPH_TIME_LEN],
			  const char *f, const char *l);
const struct sw_gedge *sw_graph_edge_find(const struct sw_graph *g, const char *src,
					  const char *dst, uint8_t proto_num, bool icmp,
					  uint16_t port);
bool sw_graph_edge_verdict(struct sw_gedge *e, enum sw_graph_verdict v, const char *rule,
			   const char *rule_name);
bool sw_graph_verdict_keep(enum sw_graph_verdict *cur, char **rule, char **name,
			   enum sw_graph_verdict v, const char *rule_v, const char *name_v);
enum sw_gstate sw_gstate_parse(const char *s);
const char *sw_gstate_name(enum sw_gstate s);
enum sw_graph_verdict sw_graph_verdict_parse(const char *s);

/* judge.c */
bool sw_graph_end_bits_under(const struct sw_policy *p, const struct sw_gend *e,
			     uint64_t *bits, size_t words);
void sw_graph_judge_under(const struct sw_policy *p, json_t *flow, const uint64_t *sbits,
			  const uint64_t *dbits, struct sw_gjudge *j);
bool sw_graph_end_bits(struct sw_graph *g, struct sw_gend *e, int which);
void sw_graph_judge(struct sw_graph *g, json_t *flow, const struct sw_gend *s,
		    const struct sw_gend *d, struct sw_gjudge *j);

/* klog.c */
int sw_graph_add_kernel_log(struct sw_graph *g, json_t *rec, struct sw_err *err);
void sw_graph_klog_counters(struct sw_graph *g, json_t *nflog);
void sw_graph_klog_free(struct sw_gklog *k);
json_t *sw_graph_klog_report(const struct sw_graph *g);
json_t *sw_graph_klog_completeness(const struct sw_graph *g);

/* infra.c */
bool sw_graph_infra_add(struct sw_graph *g, enum sw_infra_kind k, const struct sw_gend *s,
			const struct sw_gend *d, enum sw_graph_verdict v);
void sw_graph_infra_counters(struct sw_graph *g, json_t *counters);
json_t *sw_graph_infra_json(const struct sw_graph *g);
bool sw_graph_infra_merge(struct sw_graph *g, json_t *infra);
void sw_graph_infra_free(struct sw_ginfra *t);

/* staged.c */
bool sw_graph_staged_alloc(struct sw_graph *g);
void sw_graph_staged_free(struct sw_graph *g);
void sw_gstaged_free(struct sw_gstaged *st);
/* sw_graph_staged_add - flow @flow of edge @e judged by the staged policy; @now its enforced verdict. */
bool sw_graph_staged_add(struct sw_graph *g, json_t *flow, const struct sw_gend *s,
			 const struct sw_gend *d, struct sw_gedge *e, const struct sw_gjudge *now);
json_t *sw_graph_staged_edge_json(const struct sw_gstaged *st);
/* sw_graph_staged_report - the report's "staged" section (docs/graph.md). */
json_t *sw_graph_staged_report(const struct sw_graph *g);

/* audit.c: an edge as the report lists it (@dropped may be NULL). */
json_t *sw_graph_report_edge(const struct sw_graph *g, const struct sw_gedge *e,
			     const bool *dropped);

/* json.c */
json_t *sw_graph_vflows_json(const uint64_t vflows[SW_GV_MAX]);
json_t *sw_graph_edge_json(const struct sw_graph *g, const struct sw_gedge *e);
const char *sw_graph_node_id(const struct sw_graph *g, size_t idx);
const char *sw_graph_node_label(const struct sw_graph *g, size_t idx);
size_t *sw_graph_order(const struct sw_graph *g, bool edges);

#endif
