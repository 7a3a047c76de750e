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
#include <stdio.h>
#include <string.h>

#include <segwatch/infra.h>
#include <segwatch/proto.h>
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

/* A string from outside (workload names, labels): escaped per RFC 8259. */
static void sw_put_json_str(struct sw_out *o, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = v;

	sw_put(o, "\"", 1);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sw_put(o, run, (size_t)(v - run));
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			sw_put(o, esc, 2);
		} else {
			sw_put(o, esc, 6);
		}
		run = v + 1;
	}
	sw_put(o, run, (size_t)(v - run));
	sw_put(o, "\"", 1);
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

static void sw_put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
}

/*
 * Days since 1970-01-01 to a civil date (proleptic Gregorian), the
 * "civil_from_days" algorithm of H. Hinnant: integer arithmetic only, where
 * gmtime_r + strftime cost more than the rest of a flow record together.
 */
static void sw_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DDTHH:MM:SS" of the second; cached since flows cluster in time. */
static const char *sw_clock_text(struct sw_report_clock *clk, uint64_t sec)
{
	int64_t y;
	unsigned m, d, sod = (unsigned)(sec % 86400);

	if (clk->valid && clk->sec == sec)
		return clk->text;
	sw_civil_from_days((int64_t)(sec / 86400), &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	sw_put_digits(clk->text, (unsigned)y, 4);
	clk->text[4] = '-';
	sw_put_digits(clk->text + 5, m, 2);
	clk->text[7] = '-';
	sw_put_digits(clk->text + 8, d, 2);
	clk->text[10] = 'T';
	sw_put_digits(clk->text + 11, sod / 3600, 2);
	clk->text[13] = ':';
	sw_put_digits(clk->text + 14, sod / 60 % 60, 2);
	clk->text[16] = ':';
	sw_put_digits(clk->text + 17, sod % 60, 2);
	clk->text[19] = '\0';
	clk->sec = sec;
	clk->valid = true;
	return clk->text;
}

/* RFC 3339 UTC with microseconds. */
static void sw_put_kv_time(struct sw_out *o, struct sw_report_clock *clk, const char *key,
			   uint64_t us)
{
	char f[9];

	f[0] = '.';
	sw_put_digits(f + 1, (unsigned)(us % 1000000), 6);
	f[7] = 'Z';
	f[8] = '"';
	sw_put_key(o, key);
	sw_put(o, "\"", 1);
	sw_put(o, sw_clock_text(clk, us / 1000000), 19);
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

/* inet_ntop formats IPv4 through sprintf; this is the same text, faster. */
static void sw_put_kv_addr(struct sw_out *o, const char *key, const uint8_t addr[16], int family)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (family != 4) {
		sw_report_addr(buf, sizeof(buf), addr, family);
		sw_put_kv_str(o, key, buf);
		return;
	}
	for (int i = 12; i < 16; i++) {
		unsigned v = addr[i];

		if (v >= 100)
			buf[n++] = (char)('0' + v / 100);
		if (v >= 10)
			buf[n++] = (char)('0' + v / 10 % 10);
		buf[n++] = (char)('0' + v % 10);
		buf[n++] = '.';
	}
	buf[n - 1] = '\0';
	sw_put_kv_str(o, key, buf);
}

static bool sw_flow_is_icmp(const struct sw_flow *f)
{
	return (f->family == 4 && f->proto == 1) || (f->family == 6 && f->proto == 58);
}

static bool sw_flow_is_echo(const struct sw_flow *f)
{
	return f->icmp_type == 0 || f->icmp_type == 8 || f->icmp_type == 128 || f->icmp_type == 129;
}

/* Labels of a workload, as an object; they may not fit, so write them to a side buffer first. */
static bool sw_put_labels(struct sw_out *o, const struct sw_workload *wl)
{
	struct sw_out save = *o;

	sw_put_key(o, "labels");
	sw_put(o, "{", 1);
	for (size_t i = 0; i < wl->n_labels; i++) {
		if (i)
			sw_put(o, ",", 1);
		sw_put_json_str(o, wl->labels[i].key);
		sw_put(o, ":", 1);
		sw_put_json_str(o, wl->labels[i].value);
	}
	sw_put(o, "}", 1);
	/* keep room for the rest of the record (about 1 KiB) */
	if (o->overflow || (size_t)(o->end - o->p) < 1024) {
		*o = save;
		return false;
	}
	return true;
}

/*
 * "src_kind": "workload", "src_workload": {"name":..,"namespace":..,"id":..,
 * "source":..,"labels":{..}} for one endpoint.
 */
static void sw_put_ident(struct sw_out *o, const char *end, const struct sw_flow_ident *id, int i)
{
	const struct sw_workload *wl = id->wl[i];
	char key[16];

	snprintf(key, sizeof(key), "%s_kind", end);
	sw_put_kv_str(o, key, sw_endpoint_kind_name((enum sw_endpoint_kind)id->kind[i]));
	if (id->kind[i] != SW_EP_WORKLOAD || !wl)
		return;
	snprintf(key, sizeof(key), "%s_workload", end);
	sw_put_key(o, key);
	sw_puts(o, "{\"name\":");
	sw_put_json_str(o, wl->name ? wl->name : wl->uid);
	if (wl->namespace) {
		sw_put_key(o, "namespace");
		sw_put_json_str(o, wl->namespace);
	}
	sw_put_key(o, "id");
	sw_put_json_str(o, wl->uid);
	sw_put_kv_str(o, "source", sw_wl_source_name(wl->source));
	if (!sw_put_labels(o, wl))
		sw_put_kv_bool(o, "labels_truncated", true);
	sw_put(o, "}", 1);
}

/* Begin a record into @buf: the same buffer discipline as flow records. */
static bool sw_out_start(struct sw_out *o, char *buf, size_t len)
{
	if (len == 0)
		return false;
	o->p = buf;
	o->end = buf + len - 1;
	o->overflow = false;
	return true;
}

static size_t sw_out_finish(struct sw_out *o, char *buf)
{
	sw_put(o, "}", 1);
	if (o->overflow)
		return 0;
	*o->p = '\0';
	return (size_t)(o->p - buf);
}

size_t sw_report_flow_line(struct sw_report_clock *clk, const struct sw_flow *f,
			   const struct sw_flow_ident *id, char *buf, size_t len)
{
	struct sw_out o;
	char num[8], cid[SW_COMMUNITY_ID_LEN];
	uint64_t first = sw_flow_first_us(f), last = sw_flow_last_us(f);
	enum sw_infra_kind ik;

	if (!sw_out_start(&o, buf, len))
		return 0;

	sw_puts(&o, "{\"type\":\"flow\"");
	sw_put_kv_u64(&o, "family", f->family);
	sw_put_kv_str(&o, "proto", sw_proto_name_or_num(f->proto, f->family, num, sizeof(num)));
	sw_put_kv_u64(&o, "proto_num", f->proto);
	sw_put_kv_addr(&o, "src", f->init_addr, f->family);
	sw_put_kv_u64(&o, "sport", f->init_port);
	sw_put_kv_addr(&o, "dst", f->resp_addr, f->family);
	sw_put_kv_u64(&o, "dport", f->resp_port);
	if (sw_flow_is_icmp(f)) {
		sw_put_kv_u64(&o, "icmp_type", f->icmp_type);
		sw_put_kv_u64(&o, "icmp_code", f->icmp_code);
		if (sw_flow_is_echo(f))
			sw_put_kv_u64(&o, "icmp_id", f->init_port);
	}
	sw_flow_community_id(f, 0, cid);
	if (cid[0])
		sw_put_kv_str(&o, "community_id", cid);
	/* a hint for people and jq; segwatch's readers classify the record themselves */
	if ((ik = sw_flow_infra_kind(f)) != SW_INFRA_NONE)
		sw_put_kv_str(&o, "infra", sw_infra_kind_name(ik));
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
	if (id && id->kind[0] != SW_EP_NONE) {
		sw_put_ident(&o, "src", id, 0);
		sw_put_ident(&o, "dst", id, 1);
	}
	return sw_out_finish(&o, buf);
}

size_t sw_report_flow_staged(char *buf, size_t n, size_t len, const struct sw_flow_staged *s)
{
	struct sw_out o;

	/* the line's closing brace is written again after the object */
	if (!s || n == 0 || n >= len || buf[n - 1] != '}')
		return n;
	o.p = buf + n - 1;
	o.end = buf + len - 1;
	o.overflow = false;
	sw_puts(&o, ",\"staged\":{\"verdict\":");
	sw_put_json_str(&o, s->verdict ? s->verdict : "");
	if (s->rule)
		sw_put_kv_str(&o, "rule", s->rule);
	if (s->rule_name) { /* the policy file's words: escaped */
		sw_put_key(&o, "rule_name");
		sw_put_json_str(&o, s->rule_name);
	}
	if (s->change)
		sw_put_kv_str(&o, "change", s->change);
	sw_put(&o, "}", 1);
	if (sw_out_finish(&o, buf) == 0) {
		buf[n - 1] = '}'; /* as it was */
		buf[n] = '\0';
		return n;
	}
	return (size_t)(o.p - buf);
}

const char *sw_report_klog_rule_word(int rule)
{
	switch (rule) {
	case SW_KLOG_RULE_DEFAULT: return "default";
	case SW_KLOG_RULE_UNCLASSIFIED: return "unclassified";
	default: return NULL;
	}
}

bool sw_report_klog_rule_parse(const char *word, int *rule)
{
	if (word && strcmp(word, "default") == 0)
		*rule = SW_KLOG_RULE_DEFAULT;
	else if (word && strcmp(word, "unclassified") == 0)
		*rule = SW_KLOG_RULE_UNCLASSIFIED;
	else
		return false;
	return true;
}

size_t sw_report_kernel_log_line(struct sw_report_clock *clk, const struct sw_report_klog *k,
				 const struct sw_flow_ident *id, char *buf, size_t len)
{
	struct sw_out o;
	char num[8];

	if (!sw_out_start(&o, buf, len))
		return 0;
	sw_puts(&o, "{\"type\":\"kernel_log\"");
	sw_put_kv_str(&o, "action", k->action);
	if (k->rule >= 0)
		sw_put_kv_u64(&o, "rule", (uint64_t)k->rule);
	else
		sw_put_kv_str(&o, "rule", sw_report_klog_rule_word(k->rule) ?
						  sw_report_klog_rule_word(k->rule) : "default");
	sw_put_key(&o, "prefix");
	sw_put_json_str(&o, k->prefix);
	sw_put_kv_u64(&o, "family", k->family);
	sw_put_kv_str(&o, "proto", sw_proto_name_or_num(k->proto, k->family, num, sizeof(num)));
	sw_put_kv_u64(&o, "proto_num", k->proto);
	sw_put_kv_addr(&o, "src", k->src, k->family);
	sw_put_kv_addr(&o, "dst", k->dst, k->family);
	sw_put_kv_u64(&o, k->icmp ? "icmp_type" : "dport", k->port);
	sw_put_kv_u64(&o, "packets", k->packets);
	sw_put_kv_time(&o, clk, "first_seen", k->first_us);
	sw_put_kv_time(&o, clk, "last_seen", k->last_us);
	if (id && id->kind[0] != SW_EP_NONE) {
		sw_put_ident(&o, "src", id, 0);
		sw_put_ident(&o, "dst", id, 1);
	}
	return sw_out_finish(&o, buf);
}
