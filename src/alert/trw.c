// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trw.c - Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan, "Fast
 * Portscan Detection Using Sequential Hypothesis Testing", IEEE S&P 2004).
 *
 * Per source, the log of the likelihood ratio of "scanner" (a first contact
 * succeeds with probability theta1) to "benign" (theta0), one first contact
 * at a time. Above eta1 = ln(PD/PF) the source is a scanner; below
 * eta0 = ln((1-PD)/(1-PF)) it is judged benign and the walk starts again
 * from 0: a source cannot bank a long run of successes (a scraper turned
 * scanner, a compromised client) as credit against its later failures, so a
 * scan after any past is decided in the same few failures.
 */
#include <math.h>

#include "internal.h"

void sw_trw_init(struct sw_scan_state *st, const struct sw_alert_scan_config *cfg)
{
	double t0 = cfg->benign_success, t1 = cfg->scanner_success;
	double pd = cfg->detection, pf = cfg->false_positive;

	st->step_fail = log((1.0 - t1) / (1.0 - t0));
	st->step_ok = log(t1 / t0);
	st->eta1 = log(pd / pf);
	st->eta0 = log((1.0 - pd) / (1.0 - pf));
}

bool sw_trw_step(const struct sw_scan_state *st, struct sw_scan_source *s, bool failed)
{
	/* a hair of slack: rates chosen to land exactly on a threshold still reach it */
	s->llr += failed ? st->step_fail : st->step_ok;
	if (s->llr >= st->eta1 - 1e-9) {
		s->llr = 0;
		return true;
	}
	if (s->llr <= st->eta0 + 1e-9)
		s->llr = 0;
	return false;
}
