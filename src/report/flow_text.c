/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flows and counters as tables for people. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/proto.h>
#include <segwatch/report.h>
#include <segwatch/table.h>
#include <segwatch/term.h>
#include <segwatch/text.h>
#include <segwatch/units.h>

static int sw_flow_cmp(const void *pa, const void *pb)
{
	const struct sw_flow *a = &((const struct sw_flow_rec *)pa)->f;
	const struct sw_flow *b = &((const struct sw_flow_rec *)pb)->f;
	uint64_t ta = sw_flow_first_us(a), tb = sw_flow_first_us(b);
	int c;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	c = memcmp(a->init_addr, b->init_addr, 16);
	if (c)
		return c;
	c = memcmp(a->resp_addr, b->resp_addr, 16);
	if (c)
		return c;
	if (a->init_port != b->init_port)
		return a->init_port < b->init_port ? -1 : 1;
	return (int)a->resp_port - (int)b->resp_port;
}

void sw_report_flows_sort(struct sw_flow_rec *flows, size_t n)
{
	if (n > 1) /* qsort(NULL, 0, ...) is undefined */
		qsort(flows, n, sizeof(*flows), sw_flow_cmp);
}

/* A workload's name when the endpoint is one, else its address (raw: the table escapes). */
static void sw_endpoint(char *buf, size_t len, const uint8_t addr[16], int family,
			const struct sw_workload *wl)
{
	if (wl && wl->name)
		snprintf(buf, len, "%s", wl->name);
	else
		sw_report_addr(buf, len, addr, family);
}

static bool sw_has_ports(const struct sw_flow *f)
{
	return f->proto == 6 || f->proto == 17 || f->proto == 132 || f->proto == 136;
}

static bool sw_is_icmp(const struct sw_flow *f)
{
	return (f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58);
}

/* Port runs: flows that differ only by the responder's port (and the initiator's). */
static int sw_flow_run_cmp(size_t a, size_t b, void *ctx)
{
	const struct sw_flow_rec *r = ctx;
	const struct sw_flow *x = &r[a].f, *y = &r[b].f;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	c = memcmp(x->init_addr, y->init_addr, 16);
	return c ? c : memcmp(x->resp_addr, y->resp_addr, 16);
}

static long sw_flow_run_port(size_t i, void *ctx)
{
	const struct sw_flow *f = &((const struct sw_flow_rec *)ctx)[i].f;

	return sw_has_ports(f) ? f->resp_port : -1;
}

static const struct sw_table_runs_ops sw_flow_runs = { sw_flow_run_cmp, sw_flow_run_port };

/* One row: the flow @i, or the run it leads (sums, first start, last end). */
static void sw_flows_row(struct sw_table *t, const struct sw_flow_rec *flows, size_t i,
			 const size_t *next, bool date, bool *inferred)
{
	const struct sw_flow *f = &flows[i].f;
	const struct sw_flow_ident *id = &flows[i].id;
	uint64_t pk[2] = { 0 }, by[2] = { 0 }, first = UINT64_MAX, last = 0;
	uint16_t *ports;
	size_t n = 0, distinct = 0;
	char src[256], dst[256], num[8], svc[96], list[40], a[16], b[16], tm[32], dur[16];
	const char *proto = sw_proto_name_or_num(f->proto, f->family, num, sizeof(num));
	bool inf = false;

	for (size_t j = i; j != SIZE_MAX; j = next[j])
		n++;
	ports = malloc(n * sizeof(*ports));
	n = 0;
	for (size_t j = i; j != SIZE_MAX; j = next[j]) {
		const struct sw_flow *x = &flows[j].f;
		uint64_t l = x->fwd.last_us > x->rev.last_us ? x->fwd.last_us : x->rev.last_us;

		pk[0] += x->fwd.packets, pk[1] += x->rev.packets;
		by[0] += x->fwd.bytes, by[1] += x->rev.bytes;
		first = sw_flow_first_us(x) < first ? sw_flow_first_us(x) : first;
		last = l > last ? l : last;
		inf |= x->flags & SW_FLOW_F_INFERRED;
		if (ports)
			ports[n] = x->resp_port;
		n++;
	}
	*inferred |= inf;
	sw_endpoint(src, sizeof(src), f->init_addr, f->family, id->wl[0]);
	sw_endpoint(dst, sizeof(dst), f->resp_addr, f->family, id->wl[1]);
	if (n > 1 && ports) {
		sw_table_ports(list, sizeof(list), ports, n, &distinct);
		snprintf(svc, sizeof(svc), "%s/%s (%zu ports)", proto, list, distinct);
	} else if (n > 1) {
		snprintf(svc, sizeof(svc), "%s (%zu flows)", proto, n);
	} else if (sw_is_icmp(f)) {
		snprintf(svc, sizeof(svc), "%s type %u", proto, f->icmp_type);
	} else if (sw_has_ports(f)) {
		snprintf(svc, sizeof(svc), "%s/%u", proto, f->resp_port);
	} else {
		snprintf(svc, sizeof(svc), "%s", proto);
	}
	free(ports);
	sw_table_row(t);
	sw_table_cell(t, sw_units_clock_format(tm, sizeof(tm), first, date), NULL);
	sw_table_cell(t, src, NULL);
	sw_table_cell(t, dst, NULL);
	sw_table_cell(t, svc, NULL);
	sw_table_cellf(t, sw_term_word_sgr(sw_flow_state_name(f->state)), "%s%s",
		       sw_flow_state_name(f->state), inf ? "*" : "");
	sw_table_cellf(t, NULL, "%" PRIu64 "/%" PRIu64, pk[0], pk[1]);
	sw_table_cellf(t, NULL, "%s/%s", sw_units_size_format(a, sizeof(a), by[0]),
		       sw_units_size_format(b, sizeof(b), by[1]));
	sw_table_cell(t, sw_units_duration_format(dur, sizeof(dur), last - first), NULL);
}

/* The capture's table columns (docs/output.md). */
static const struct sw_table_col sw_flow_cols[] = {
	{ "STARTED", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "FROM", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "TO", SW_TABLE_LEFT, 12, 0, true, true, 0 },
	{ "SERVICE", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "STATE", SW_TABLE_LEFT, 0, 0, false, false, 0 },
	{ "PACKETS", SW_TABLE_RIGHT, 0, 0, false, false, 2 },	/* narrow terminal: left out first */
	{ "BYTES", SW_TABLE_RIGHT, 0, 0, false, false, 0 },
	{ "DURATION", SW_TABLE_RIGHT, 0, 0, false, false, 1 },
};

void sw_report_flows_text(FILE *out, const struct sw_flow_rec *flows, size_t n)
{
	struct sw_table *t = sw_table_new(sw_flow_cols, sizeof(sw_flow_cols) / sizeof(sw_flow_cols[0]));
	size_t *lead = n ? calloc(n, sizeof(*lead)) : NULL, *next = n ? calloc(n, sizeof(*next)) : NULL;
	bool date = false, inferred = false;

	if (!t || (n && (!lead || !next))) {
		fputs("segwatch: out of memory for the table\n", out);
		goto out;
	}
	sw_table_runs(n, &sw_flow_runs, (void *)flows, lead, next);
	/* a capture spanning days shows dates: "14:03:12" alone would mislead */
	if (n && !sw_units_same_day(sw_flow_first_us(&flows[0].f), sw_flow_first_us(&flows[n - 1].f)))
		date = true;
	for (size_t i = 0; i < n; i++)
		if (lead[i] == i)
			sw_flows_row(t, flows, i, next, date, &inferred);
	sw_table_print(t, out);
	if (n)
		fprintf(out, "%s: sent by FROM / by TO%s\n",
			sw_table_shown(t, 5, sw_term_width(out)) ? "PACKETS, BYTES" : "BYTES",
			inferred ? "; *: FROM inferred (the capture began mid-connection)" : "");
out:
	sw_table_free(t);
	free(lead);
	free(next);
}

size_t sw_report_flows_infra_split(struct sw_flow_rec *flows, size_t n,
				   uint64_t kinds[SW_INFRA_MAX])
{
	struct sw_flow_rec *infra;
	size_t keep = 0, ni = 0;
	enum sw_infra_kind k;

	if (!n || !(infra = malloc(n * sizeof(*infra))))
		return n; /* out of memory: everything listed, as with --all */
	for (size_t i = 0; i < n; i++) {
		if ((k = sw_flow_infra_kind(&flows[i].f)) == SW_INFRA_NONE) {
			flows[keep++] = flows[i];
			continue;
		}
		kinds[k]++;
		infra[ni++] = flows[i];
	}
	memcpy(flows + keep, infra, ni * sizeof(*infra));
	free(infra);
	return keep;
}

void sw_report_infra_text(FILE *out, const uint64_t kinds[SW_INFRA_MAX], size_t owners,
			  const char *verb)
{
	uint64_t flows = 0, arp = kinds[SW_INFRA_ARP];
	const char *sep = " (";

	for (int k = SW_INFRA_NONE + 1; k < SW_INFRA_ARP; k++)
		flows += kinds[k];
	if (!flows && !arp)
		return;
	fprintf(out, "infrastructure: %" PRIu64 " flow%s", flows, flows == 1 ? "" : "s");
	for (int k = SW_INFRA_NONE + 1; k < SW_INFRA_ARP; k++) {
		if (!kinds[k])
			continue;
		fprintf(out, "%s%s %" PRIu64, sep, sw_infra_kind_name(k), kinds[k]);
		sep = ", ";
	}
	if (*sep == ',')
		fputc(')', out);
	if (owners)
		fprintf(out, " of %zu node%s", owners, owners == 1 ? "" : "s");
	fprintf(out, " not %s (--all to include them)", verb);
	if (arp)
		fprintf(out, "; %" PRIu64 " ARP frame%s (never flows)", arp, arp == 1 ? "" : "s");
	fputc('\n', out);
}

static void sw_reasons_text(FILE *out, const struct sw_capture_counters *c, bool malformed)
{
	const char *sep = " (";

	for (int r = SW_R_NONE + 1; r < SW_R_MAX; r++) {
		if (sw_dissect_reason_is_malformed((enum sw_reason)r) != malformed || !c->by_reason[r])
			continue;
		fprintf(out, "%s%s %" PRIu64, sep, sw_dissect_reason_name((enum sw_reason)r),
			c->by_reason[r]);
		sep = ", ";
	}
	if (sep[0] == ',')
		fputc(')', out);
}

void sw_report_counters_text(FILE *out, const struct sw_capture_counters *c,
			     const struct sw_flow_stats *fs, uint32_t max_flows)
{
	fprintf(out, "packets seen %" PRIu64 ", decoded %" PRIu64 ", duplicates %" PRIu64
		", not tracked %" PRIu64, c->packets_seen, c->decoded, c->duplicates, c->not_tracked);
	sw_reasons_text(out, c, false);
	fprintf(out, ", malformed %" PRIu64, c->malformed);
	sw_reasons_text(out, c, true);
	fprintf(out, "\nkernel drops %" PRIu64, c->kernel_drops);
	for (unsigned i = 0; i < c->n_ifaces && c->n_ifaces > 1; i++)
		fprintf(out, "%s%s %" PRIu64, i ? ", " : " (", SW_CELL(c->ifaces[i].name),
			c->ifaces[i].kernel_drops);
	if (c->n_ifaces > 1)
		fputc(')', out);
	fprintf(out, "\nflows %" PRIu64 ", evicted %" PRIu64 ", active cuts %" PRIu64
		", fragment orphans %" PRIu64 ", peak live %" PRIu64 " of %u\n",
		fs->emitted, fs->evicted, fs->active_cuts, fs->frag_orphans, fs->peak_live, max_flows);
	for (unsigned i = 0; i < c->n_spoofers; i++) {
		const struct sw_capture_spoofer *sp = &c->spoofers[i];
		char a[INET6_ADDRSTRLEN];

		sw_report_addr(a, sizeof(a), sp->addr,
			       sp->addr[10] == 0xff && sp->addr[11] == 0xff ? 4 : 6);
		fprintf(out, "warning: spoofed source %s from %s on %s: %" PRIu64 " packet%s\n", a,
			SW_CELL(sp->workload), SW_CELL(sp->iface), sp->packets, sw_text_s(sp->packets));
	}
	if (c->kernel_drops)
		fprintf(out, "warning: the kernel dropped %" PRIu64 " packet%s: flows are missing packets\n",
			c->kernel_drops, sw_text_s(c->kernel_drops));
}

