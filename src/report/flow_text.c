/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flows and counters as tables for people. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/proto.h>
#include <segwatch/report.h>
#include <segwatch/text.h>

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

/* A workload's name when the endpoint is one, else its address. */
static void sw_endpoint(char *buf, size_t len, const uint8_t addr[16], uint16_t port,
			int family, bool with_port, const struct sw_workload *wl)
{
	char a[INET6_ADDRSTRLEN];

	if (wl && wl->name) {
		if (with_port)
			snprintf(buf, len, "%s:%u", SW_CELL(wl->name), port);
		else
			snprintf(buf, len, "%s", SW_CELL(wl->name));
		return;
	}
	sw_report_addr(a, sizeof(a), addr, family);
	if (!with_port)
		snprintf(buf, len, "%s", a);
	else if (family == 6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static bool sw_has_ports(const struct sw_flow *f)
{
	return f->proto == 6 || f->proto == 17 || f->proto == 132 || f->proto == 136;
}

void sw_report_flows_text(FILE *out, const struct sw_flow_rec *flows, size_t n)
{
	fprintf(out, "%-11s %-46s %-46s %-11s %-4s %17s %21s %9s\n", "PROTO", "INITIATOR",
		"RESPONDER", "STATE", "INIT", "PACKETS (>/<)", "BYTES (>/<)", "SECONDS");
	for (size_t i = 0; i < n; i++) {
		const struct sw_flow *f = &flows[i].f;
		const struct sw_flow_ident *id = &flows[i].id;
		char src[96], dst[96], num[8], pk[40], by[48], proto[24];
		uint64_t last = f->fwd.last_us > f->rev.last_us ? f->fwd.last_us : f->rev.last_us;

		sw_endpoint(src, sizeof(src), f->init_addr, f->init_port, f->family, sw_has_ports(f),
			    id->wl[0]);
		sw_endpoint(dst, sizeof(dst), f->resp_addr, f->resp_port, f->family, sw_has_ports(f),
			    id->wl[1]);
		snprintf(pk, sizeof(pk), "%" PRIu64 "/%" PRIu64, f->fwd.packets, f->rev.packets);
		snprintf(by, sizeof(by), "%" PRIu64 "/%" PRIu64, f->fwd.bytes, f->rev.bytes);
		if ((f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58))
			snprintf(proto, sizeof(proto), "%s/%u",
				 sw_proto_name_or_num(f->proto, f->family, num, sizeof(num)), f->icmp_type);
		else
			snprintf(proto, sizeof(proto), "%s",
				 sw_proto_name_or_num(f->proto, f->family, num, sizeof(num)));
		fprintf(out, "%-11s %-46s %-46s %-11s %-4s %17s %21s %9.3f\n", proto, src, dst,
			sw_flow_state_name(f->state), f->flags & SW_FLOW_F_INFERRED ? "inf" : "obs",
			pk, by, (double)(last - sw_flow_first_us(f)) / 1e6);
	}
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
		fprintf(out, "warning: spoofed source %s from %s on %s: %" PRIu64 " packets\n", a,
			SW_CELL(sp->workload), SW_CELL(sp->iface), sp->packets);
	}
	if (c->kernel_drops)
		fprintf(out, "warning: the kernel dropped %" PRIu64 " packets: flows are missing packets\n",
			c->kernel_drops);
}

