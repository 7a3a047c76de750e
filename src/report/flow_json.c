/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Flow records and counters as JSON (schema: docs/flows.md). */
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

const char *sw_report_proto_name(uint8_t proto, int family, char *buf, size_t len)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 132: return "sctp";
	case 136: return "udplite";
	case 1: return family == 4 ? "icmp" : "1";
	case 58: return family == 6 ? "icmpv6" : "58";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
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

static void sw_json_set_time(json_t *o, const char *key, uint64_t us)
{
	char buf[40];

	sw_report_time(buf, sizeof(buf), us);
	json_object_set_new(o, key, json_string(buf));
}

static json_t *sw_dir_json(const struct sw_flow_dir *d, bool tcp)
{
	json_t *o = json_object();
	char flags[9];

	json_object_set_new(o, "packets", json_integer((json_int_t)d->packets));
	json_object_set_new(o, "bytes", json_integer((json_int_t)d->bytes));
	if (tcp)
		json_object_set_new(o, "tcp_flags", json_string(sw_report_tcp_flags(d->tcp_flags, flags)));
	if (d->packets) {
		sw_json_set_time(o, "first_seen", d->first_us);
		sw_json_set_time(o, "last_seen", d->last_us);
	}
	return o;
}

static uint64_t sw_flow_first(const struct sw_flow *f)
{
	if (!f->rev.packets)
		return f->fwd.first_us;
	if (!f->fwd.packets)
		return f->rev.first_us;
	return f->fwd.first_us < f->rev.first_us ? f->fwd.first_us : f->rev.first_us;
}

static uint64_t sw_flow_last(const struct sw_flow *f)
{
	return f->fwd.last_us > f->rev.last_us ? f->fwd.last_us : f->rev.last_us;
}

static bool sw_flow_is_icmp(const struct sw_flow *f)
{
	return (f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58);
}

json_t *sw_report_flow_json(const struct sw_flow *f)
{
	json_t *o = json_object();
	char addr[INET6_ADDRSTRLEN], num[8];
	uint64_t first = sw_flow_first(f), last = sw_flow_last(f);

	json_object_set_new(o, "type", json_string("flow"));
	json_object_set_new(o, "family", json_integer(f->family));
	json_object_set_new(o, "proto", json_string(sw_report_proto_name(f->proto, f->family, num, sizeof(num))));
	json_object_set_new(o, "proto_num", json_integer(f->proto));
	sw_report_addr(addr, sizeof(addr), f->init_addr, f->family);
	json_object_set_new(o, "src", json_string(addr));
	json_object_set_new(o, "sport", json_integer(f->init_port));
	sw_report_addr(addr, sizeof(addr), f->resp_addr, f->family);
	json_object_set_new(o, "dst", json_string(addr));
	json_object_set_new(o, "dport", json_integer(f->resp_port));
	if (sw_flow_is_icmp(f)) {
		json_object_set_new(o, "icmp_type", json_integer(f->icmp_type));
		json_object_set_new(o, "icmp_code", json_integer(f->icmp_code));
		if (f->icmp_type == 0 || f->icmp_type == 8 || f->icmp_type == 128 ||
		    f->icmp_type == 129)
			json_object_set_new(o, "icmp_id", json_integer(f->init_port));
	}
	json_object_set_new(o, "initiator", json_string(f->flags & SW_FLOW_F_INFERRED ? "inferred" : "observed"));
	json_object_set_new(o, "state", json_string(sw_flow_state_name(f->state)));
	json_object_set_new(o, "end", json_string(sw_flow_end_name(f->end)));
	sw_json_set_time(o, "first_seen", first);
	sw_json_set_time(o, "last_seen", last);
	json_object_set_new(o, "duration_s", json_real((double)(last - first) / 1e6));
	json_object_set_new(o, "fwd", sw_dir_json(&f->fwd, f->proto == 6));
	json_object_set_new(o, "rev", sw_dir_json(&f->rev, f->proto == 6));
	json_object_set_new(o, "continued", json_boolean(f->flags & SW_FLOW_F_CONTINUED));
	json_object_set_new(o, "fragments", json_boolean(f->flags & SW_FLOW_F_FRAGMENTS));
	json_object_set_new(o, "icmp_error", json_boolean(f->flags & SW_FLOW_F_ICMP_ERROR));
	return o;
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
	json_object_set_new(o, "interfaces", sw_ifaces_json(c));
	json_object_set_new(o, "flow", sw_flow_stats_json(fs, max_flows));
	return o;
}
