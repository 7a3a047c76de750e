/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_PIPELINE_INTERNAL_H
#define SW_PIPELINE_INTERNAL_H

#include <segwatch/pipeline.h>

#define SW_PIPELINE_MAX_SINKS 16

struct sw_sink {
	const struct sw_sink_ops *ops;
	void *priv;
};

struct sw_pipeline {
	struct sw_pipeline_opts opts;
	struct sw_identity *id;			/* NULL without identity sources */
	struct sw_flow_table *table;
	struct sw_capture *cap;			/* from run on */
	struct sw_nflog *nflog;			/* NULL without --nflog */
	struct sw_sink sinks[SW_PIPELINE_MAX_SINKS];
	unsigned n_sinks;
	bool any_flow_new;			/* some sink wants flows as they begin */
	bool any_flow_answered;			/* ... or at their first answer */
	bool finished;
	bool discover;				/* no interface named: bridges and ports followed */
	/* the strings of opts.capture, copied: the caller's may go (an agent's reload) */
	char *own_file, *own_filter;
	/* and of opts.identity's: inventories, then the engine socket */
	char *own_ident[SW_MAX_INVENTORIES + 1];
	/* interfaces named, or bridges and ports found when none was */
	char *found[SW_CAPTURE_MAX_IFACES];
	const char *ifaces[SW_CAPTURE_MAX_IFACES];
	uint8_t dirs[SW_CAPTURE_MAX_IFACES];	/* enum sw_capture_direction of each */
	unsigned n_found;
	struct sw_pipeline_staged *staged;	/* a candidate policy judging every flow; NULL: none */
};

/* staged.c */
void sw_pipeline_staged_free(struct sw_pipeline_staged *s);
/*
 * sw_pipeline_staged_judge - @rec judged by the staged policy into @out,
 * and rec->staged pointed at it; counted for /metrics when @count (ended
 * flows). False when there is no staged policy.
 */
bool sw_pipeline_staged_judge(struct sw_pipeline *p, struct sw_flow_rec *rec,
			      struct sw_flow_staged *out, bool count);

/*
 * sw_pipeline_ident_own - point @o's strings at copies in @own (freed with
 * sw_pipeline_ident_free), so the caller's may go.
 */
int sw_pipeline_ident_own(struct sw_identity_opts *o, char *own[SW_MAX_INVENTORIES + 1],
			  struct sw_err *err);
void sw_pipeline_ident_free(char *own[SW_MAX_INVENTORIES + 1]);

/*
 * sw_pipeline_bridges - every bridge that is up and its ports, as @k sees
 * them (NULL: a kernel view opened for this); @names has SW_CAPTURE_MAX_IFACES
 * slots, filled with malloc'd names, and @dirs the direction each is captured
 * in: bridges outbound, ports inbound (each packet once, docs/flows.md).
 */
struct sw_kernel;
int sw_pipeline_bridges(const struct sw_kernel *k, char **names, uint8_t *dirs, unsigned *n,
			struct sw_err *err);

/* A packet the kernel logged, to every sink (pipeline.c). */
void sw_pipeline_on_klog(const struct sw_nflog_rec *r, void *arg);

/* The built-in sinks (sinks.c lists them). */
extern const struct sw_sink_ops sw_sink_jsonl_ops;
extern const struct sw_sink_ops sw_sink_collect_ops;
extern const struct sw_sink_ops sw_sink_alerts_ops;
extern const struct sw_sink_ops sw_sink_klog_ops;
extern const struct sw_sink_ops sw_sink_history_ops;
extern const struct sw_sink_ops sw_sink_metrics_ops;
extern const struct sw_sink_ops sw_sink_ipfix_ops;
extern const struct sw_sink_ops sw_sink_live_ops;

#endif
