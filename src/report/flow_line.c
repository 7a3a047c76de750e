/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flow records as compact JSON text (schema: docs/flows.md).
 *
 * Why not jansson here: building and dumping a jansson object costs about
 * 10 µs per flow (a malloc per value, a hash insert per key, formatted time
 * strings), which made writing 500k flows take five times longer than
 * capturing them. Flow records have a fixed shape and no free-form strings,
 * so they are written straight into a caller's buffer; a unit test parses the
 * result back with jansson to keep the two honest. Counters and documents
 * that are not per-flow still go through jansson.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <segwatch/report.h>

struct sw_out {
	char *p;
	char *end;	/* one byte is kept for the terminating NUL */
	bool overflow;
};

static void sw_put(struct sw_out *o, const char *s, size_t n)
{
	if (o->overflow || (size_t)(o->end - o->p) < n) {
		o->overflow = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

static void sw_puts(struct sw_out *o, const char *s)
{
	sw_put(o, s, strlen(s));
}

static void sw_put_u64(struct sw_out *o, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sw_put(o, tmp + sizeof(tmp) - n, (size_t)n);
}

/* "key": */
static void sw_put_key(struct sw_out *o, const char *key)
{
	sw_put(o, ",\"", 2);
	sw_puts(o, key);
	sw_put(o, "\":", 2);
}

static void sw_put_kv_u64(struct sw_out *o, const char *key, uint64_t v)
{
	sw_put_key(o, key);
	sw_put_u64(o, v);
}

/* Values here are fixed identifiers and addresses: nothing needs escaping. */
static void sw_put_kv_str(struct sw_out *o, const char *key, const char *v)
{
	sw_put_key(o, key);
	sw_put(o, "\"", 1);
	sw_puts(o, v);
	sw_put(o, "\"", 1);
}

static void sw_put_kv_bool(struct sw_out *o, const char *key, bool v)
{
	sw_put_key(o, key);
	sw_puts(o, v ? "true" : "false");
}

/* RFC 3339 time; the date part is cached per second (gmtime is the slow part). */
static void sw_put_kv_time(struct sw_out *o, struct sw_report_clock *clk, const char *key,
			   uint64_t us)
{
	uint64_t sec = us / 1000000, frac = us % 1000000;
	char f[9];

	if (!clk->valid || clk->sec != sec) {
		time_t t = (time_t)sec;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(clk->text, sizeof(clk->text), "%Y-%m-%dT%H:%M:%S", &tm);
		clk->sec = sec;
		clk->valid = true;
	}
	f[0] = '.';
	for (int i = 6; i >= 1; i--, frac /= 10)
		f[i] = (char)('0' + frac % 10);
	f[7] = 'Z';
	f[8] = '"';
	sw_put_key(o, key);
	sw_put(o, "\"", 1);
	sw_puts(o, clk->text);
	sw_put(o, f, sizeof(f));
}

/* Seconds with six decimals, from integer microseconds: exact, no float printing. */
static void sw_put_kv_seconds(struct sw_out *o, const char *key, uint64_t us)
{
	uint64_t frac = us % 1000000;
	char f[7];

	sw_put_key(o, key);
	sw_put_u64(o, us / 1000000);
	f[0] = '.';
	for (int i = 6; i >= 1; i--, frac /= 10)
		f[i] = (char)('0' + frac % 10);
	sw_put(o, f, sizeof(f));
}

static void sw_put_dir(struct sw_out *o, struct sw_report_clock *clk, const char *key,
		       const struct sw_flow_dir *d, bool tcp)
{
	char flags[9];

	sw_put_key(o, key);
	sw_puts(o, "{\"packets\":");
	sw_put_u64(o, d->packets);
	sw_put_kv_u64(o, "bytes", d->bytes);
	if (tcp)
		sw_put_kv_str(o, "tcp_flags", sw_report_tcp_flags(d->tcp_flags, flags));
	if (d->packets) {
		sw_put_kv_time(o, clk, "first_seen", d->first_us);
		sw_put_kv_time(o, clk, "last_seen", d->last_us);
	}
	sw_put(o, "}", 1);
}

static bool sw_flow_is_icmp(const struct sw_flow *f)
{
	return (f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58);
}

static bool sw_flow_is_echo(const struct sw_flow *f)
{
	return f->icmp_type == 0 || f->icmp_type == 8 || f->icmp_type == 128 || f->icmp_type == 129;
}

size_t sw_report_flow_line(struct sw_report_clock *clk, const struct sw_flow *f, char *buf,
			   size_t len)
{
	struct sw_out o;
	char addr[INET6_ADDRSTRLEN], num[8];
	uint64_t first = sw_report_flow_first(f), last = sw_report_flow_last(f);

	if (len == 0)
		return 0;
	o.p = buf;
	o.end = buf + len - 1;
	o.overflow = false;

	sw_puts(&o, "{\"type\":\"flow\"");
	sw_put_kv_u64(&o, "family", f->family);
	sw_put_kv_str(&o, "proto", sw_report_proto_name(f->proto, f->family, num, sizeof(num)));
	sw_put_kv_u64(&o, "proto_num", f->proto);
	sw_report_addr(addr, sizeof(addr), f->init_addr, f->family);
	sw_put_kv_str(&o, "src", addr);
	sw_put_kv_u64(&o, "sport", f->init_port);
	sw_report_addr(addr, sizeof(addr), f->resp_addr, f->family);
	sw_put_kv_str(&o, "dst", addr);
	sw_put_kv_u64(&o, "dport", f->resp_port);
	if (sw_flow_is_icmp(f)) {
		sw_put_kv_u64(&o, "icmp_type", f->icmp_type);
		sw_put_kv_u64(&o, "icmp_code", f->icmp_code);
		if (sw_flow_is_echo(f))
			sw_put_kv_u64(&o, "icmp_id", f->init_port);
	}
	sw_put_kv_str(&o, "initiator", f->flags & SW_FLOW_F_INFERRED ? "inferred" : "observed");
	sw_put_kv_str(&o, "state", sw_flow_state_name(f->state));
	sw_put_kv_str(&o, "end", sw_flow_end_name(f->end));
	sw_put_kv_time(&o, clk, "first_seen", first);
	sw_put_kv_time(&o, clk, "last_seen", last);
	sw_put_kv_seconds(&o, "duration_s", last - first);
	sw_put_dir(&o, clk, "fwd", &f->fwd, f->proto == 6);
	sw_put_dir(&o, clk, "rev", &f->rev, f->proto == 6);
	sw_put_kv_bool(&o, "continued", f->flags & SW_FLOW_F_CONTINUED);
	sw_put_kv_bool(&o, "fragments", f->flags & SW_FLOW_F_FRAGMENTS);
	sw_put_kv_bool(&o, "icmp_error", f->flags & SW_FLOW_F_ICMP_ERROR);
	sw_put(&o, "}", 1);
	if (o.overflow)
		return 0;
	*o.p = '\0';
	return (size_t)(o.p - buf);
}
