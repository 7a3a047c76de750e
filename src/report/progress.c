/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The progress line long reads show on a terminal. */
#include <inttypes.h>

#include <segwatch/report.h>

void sw_report_progress_line(FILE *out, const struct sw_capture_progress *p)
{
	double rate = p->elapsed_s > 0 ? (double)p->packets_seen / p->elapsed_s : 0;

	fprintf(out, "\r\033[K%" PRIu64 " packets, %.2f M/s, %" PRIu64 " live flows",
		p->packets_seen, rate / 1e6, p->live_flows);
	if (p->fraction >= 0)
		fprintf(out, ", %.0f%%", p->fraction > 1 ? 100.0 : p->fraction * 100);
	fflush(out);
}

void sw_report_progress_clear(FILE *out)
{
	fputs("\r\033[K", out);
	fflush(out);
}
