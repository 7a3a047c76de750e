/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_KLOG_H
#define SW_CLI_KLOG_H

/*
 * The kernel's log during a capture (--nflog): one NFLOG socket whose
 * packets feed both the alerts and the kernel_log records written with the
 * flows (docs/flows.md), aggregated in a bounded table.
 */

#include <stdio.h>

#include <jansson.h>
#include <segwatch/nflog.h>
#include <segwatch/report.h>

#include "alerting.h"

struct sw_klog {
	struct sw_nflog *nl;		/* NULL: --nflog not given */
	struct sw_nflog_agg *agg;
	struct sw_alerting *al;		/* alerts fed too; NULL without them */
	uint16_t group;
};

/* sw_klog_open - bind @group (-1: nothing to do); @al may be NULL. */
int sw_klog_open(struct sw_klog *k, int group, struct sw_alerting *al, struct sw_err *err);
/* sw_klog_read - every waiting message, into the table and the alerts; never blocks. */
void sw_klog_read(struct sw_klog *k);
/* sw_klog_finish - read what is left and order the records: call before writing them. */
void sw_klog_finish(struct sw_klog *k);
/* sw_klog_n - the number of kernel_log records (0 without --nflog). */
size_t sw_klog_n(const struct sw_klog *k);
/* sw_klog_line - record @i as a JSON line (sw_report_kernel_log_line); @r may be NULL. */
size_t sw_klog_line(const struct sw_klog *k, size_t i, const struct sw_resolver *r,
		    struct sw_report_clock *clk, char *buf, size_t len);
/* sw_klog_counters_add - counters.nflog, only with --nflog. */
void sw_klog_counters_add(const struct sw_klog *k, json_t *counters);
/* sw_klog_text - one summary line for the human counters. */
void sw_klog_text(const struct sw_klog *k, FILE *out);
void sw_klog_close(struct sw_klog *k);

#endif
