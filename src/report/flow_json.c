/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counters as JSON, and the helpers flow output shares (schema: docs/flows.md). */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <segwatch/report.h>

void sw_report_addr(char *buf, size_t len, const uint8_t addr[16], int family)
{
	if (family == 4)
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
}

void sw_report_time(char *buf, size_t len, uint64_t us)
{
	time_t sec = (time_t)(us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06uZ", (unsigned)(us % 1000000));
}

const char *sw_report_tcp_flags(uint8_t flags, char *buf)
{
	static const char letters[] = "FSRPAUEC";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			buf[n++] = letters[i];
	buf[n] = '\0';
	return buf;
}

static json_t *sw_reasons_json(const struct sw_capture_counters *c, bool malformed)
{
	json_t *o = json_object();

	for (int r = SW_R_NONE + 1; r < SW_R_MAX; r++) {
		if (sw_dissect_reason_is_malformed((enum sw_reason)r) != malformed)
			continue;
		if (malformed && !c->by_reason[r])
			continue; /* keep the object short: absent means zero */
		json_object_set_new(o, sw_dissect_reason_name((enum sw_reason)r),
				    json_integer((json_int_t)c->by_reason[r]));
	}
	return o;
}

static json_t *sw_ifaces_json(const struct sw_capture_counters *c)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < c->n_ifaces; i++) {
		const struct sw_capture_iface *ifc = &c->ifaces[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(ifc->name));
		json_object_set_new(o, "received", json_integer((json_int_t)ifc->received));
		json_object_set_new(o, "kernel_drops", json_integer((json_int_t)ifc->kernel_drops));
		json_object_set_new(o, "interface_drops", json_integer((json_int_t)ifc->if_drops));
		json_object_set_new(o, "active", json_boolean(ifc->active));
		if (ifc->ifindex > 0) /* a live interface, not a file */
			json_object_set_new(o, "direction", json_string(sw_capture_direction_name(
								   (enum sw_capture_direction)ifc->direction)));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *sw_spoofers_json(const struct sw_capture_counters *c)
{
	json_t *a = json_array();
	char addr[INET6_ADDRSTRLEN], t[40];

	for (unsigned i = 0; i < c->n_spoofers; i++) {
		const struct sw_capture_spoofer *sp = &c->spoofers[i];
		bool v4 = sp->addr[10] == 0xff && sp->addr[11] == 0xff;
		json_t *o = json_object();

		sw_report_addr(addr, sizeof(addr), sp->addr, v4 ? 4 : 6);
		json_object_set_new(o, "interface", json_string(sp->iface));
		json_object_set_new(o, "workload", json_string(sp->workload));
		json_object_set_new(o, "src", json_string(addr));
		json_object_set_new(o, "packets", json_integer((json_int_t)sp->packets));
		sw_report_time(t, sizeof(t), sp->first_us);
		json_object_set_new(o, "first_seen", json_string(t));
		sw_report_time(t, sizeof(t), sp->last_us);
		json_object_set_new(o, "last_seen", json_string(t));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *sw_flow_stats_json(const struct sw_flow_stats *fs, uint32_t max_flows)
{
	json_t *o = json_object();

	json_object_set_new(o, "flows", json_integer((json_int_t)fs->emitted));
	json_object_set_new(o, "created", json_integer((json_int_t)fs->created));
	json_object_set_new(o, "evicted", json_integer((json_int_t)fs->evicted));
	json_object_set_new(o, "active_cuts", json_integer((json_int_t)fs->active_cuts));
	json_object_set_new(o, "frag_orphans", json_integer((json_int_t)fs->frag_orphans));
	json_object_set_new(o, "frag_evicted", json_integer((json_int_t)fs->frag_evicted));
	json_object_set_new(o, "peak_live", json_integer((json_int_t)fs->peak_live));
	json_object_set_new(o, "max_flows", json_integer(max_flows));
	return o;
}

/* "input": only for a file read that stopped before its end (docs/flows.md). */
static void sw_input_json(json_t *o, const struct sw_capture_input *in)
{
	static const char *const end[] = { "eof", "damaged", "interrupted", "io_error" };
	json_t *i;

	if (in->end == SW_INPUT_END_EOF || !(i = json_object()))
		return;
	json_object_set_new(i, "end", json_string(end[in->end]));
	json_object_set_new(i, "offset", json_integer((json_int_t)in->offset));
	json_object_set_new(i, "records", json_integer((json_int_t)in->records));
	if (in->error[0])
		json_object_set_new(i, "error", json_string(in->error));
	json_object_set_new(o, "input", i);
}

json_t *sw_report_counters_json(const struct sw_capture_counters *c,
				const struct sw_flow_stats *fs, uint32_t max_flows)
{
	json_t *o = json_object();

	json_object_set_new(o, "type", json_string("counters"));
	json_object_set_new(o, "packets_seen", json_integer((json_int_t)c->packets_seen));
	json_object_set_new(o, "bytes_seen", json_integer((json_int_t)c->bytes_seen));
	json_object_set_new(o, "decoded", json_integer((json_int_t)c->decoded));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)c->duplicates));
	json_object_set_new(o, "not_tracked", sw_reasons_json(c, false));
	json_object_set_new(o, "malformed", json_integer((json_int_t)c->malformed));
	json_object_set_new(o, "malformed_by_reason", sw_reasons_json(c, true));
	json_object_set_new(o, "kernel_drops", json_integer((json_int_t)c->kernel_drops));
	json_object_set_new(o, "spoofed", json_integer((json_int_t)c->spoofed));
	json_object_set_new(o, "spoofed_sources", sw_spoofers_json(c));
	json_object_set_new(o, "interfaces", sw_ifaces_json(c));
	json_object_set_new(o, "flow", sw_flow_stats_json(fs, max_flows));
	sw_input_json(o, &c->input);
	return o;
}
