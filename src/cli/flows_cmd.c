/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch flows: query the flow history (the agent's history directory, or
 * files written by `segwatch capture -w`), like `hubble observe`. The history
 * reader gives lines in time order with one file open at a time; each line is
 * parsed, matched against the filter (src/query) and printed as a table row
 * or as the line itself. Memory is bounded: --last N keeps N lines.
 * With --alerts the matching flows are replayed through the alert engine
 * instead (src/pipeline/replay.c), at most --limit or SW_FLOWS_REPLAY_MAX.
 * docs/flows-query.md is the interface.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/alert.h>
#include <segwatch/flowfile.h>
#include <segwatch/history.h>
#include <segwatch/outfile.h>
#include <segwatch/pipeline.h>
#include <segwatch/proto.h>
#include <segwatch/query.h>
#include <segwatch/table.h>
#include <segwatch/term.h>
#include <segwatch/text.h>
#include <segwatch/units.h>

#include "alert_opts.h"
#include "cli.h"
#include "filter.h"

#define SW_FLOWS_DEFAULT_DIR "/var/lib/segwatch/flows"
#define SW_FLOWS_LAST_MAX 1000000u	/* --last keeps this many lines at most */
#define SW_FLOWS_FOLLOW_LAST 10		/* --follow alone: the last 10, like tail -f */
#define SW_FLOWS_REPLAY_MAX 1000000u	/* --alerts sorts this many flows at most */
#define SW_FLOWS_CHECK_MAX 64		/* inputs --alerts DEST is checked against */

struct sw_flows_args {
	const char *policy_path;
	bool json, count, follow;
	bool has_limit, has_last;
	uint32_t limit, last;
	const char *const *paths;
	size_t n_paths;
	struct sw_sink_alerts_opts alerts;	/* dest set: replay through the alert engine */
	struct sw_cli_alerts alert_opts;	/* parses into @alerts */
};

/* The last N matching lines, oldest first from @head. */
struct sw_flows_ring {
	char **line;
	size_t cap, n, head;
};

struct sw_flows_run {
	const struct sw_flows_args *a;
	struct sw_query *q;
	bool verdicts;			/* a policy was given: the VERDICT column */
	struct sw_flows_ring ring;
	bool ringing;			/* lines go to the ring, not out */
	bool header_done;
	unsigned name_width;		/* SOURCE and DESTINATION: fitted to the terminal, 0: whole */
	unsigned time_width;		/* 19 date and time, 8 the time alone, 0 no TIME column */
	bool packets;			/* the PACKETS column (left out first on a narrow terminal) */
	bool colour;
	uint64_t read, matched, printed, bad;
	uint64_t damaged;		/* files whose read stopped at damage (flowfile.h) */
	char bad_first[640];
	struct sw_replay *replay;	/* --alerts: matching flows are kept for it, not printed */
	bool replay_failed;		/* a flow could not be kept (past --limit): none is fed */
};

static volatile sig_atomic_t sw_flows_stop, sw_flows_interrupted;

static void sw_flows_on_signal(int sig)
{
	(void)sig;
	sw_flows_interrupted = 1;
	sw_flows_stop = 1;
}

static void sw_flows_usage(FILE *out)
{
	fprintf(out,
		"usage: segwatch flows [OPTIONS] [DIR|FILE...]\n\n"
		"Query recorded flows: the agent's history directory (default "
		SW_FLOWS_DEFAULT_DIR ")\n"
		"or JSON-lines files from `segwatch capture -w`, in time order.\n\n"
		SW_FILTER_HELP
		"      --type T         flow (default), kernel_log, counters, all\n"
		"      --policy FILE    judge each flow: the VERDICT column, --verdict, group:\n\n"
		"output:\n"
		"  -j, --json           the matching records as JSON lines, unchanged\n"
		"      --count          only the number of matching records\n"
		"      --limit N        stop after N records\n"
		"      --last N         only the last N records\n"
		"  -f, --follow         go on printing flows as they end (Ctrl-C ends); without\n"
		"                       --since or --last, starts with the last %d\n"
		"  -h, --help           this text\n\n"
		"alerts (replay the selected flows through the alert engine, in order of\n"
		"first packet, as `segwatch capture --alerts` raises them live):\n"
		"      --alerts DEST    alerts as JSON lines to DEST: a file, - (stdout),\n"
		"                       syslog, journald, syslog+unix:// or syslog+udp://,\n"
		"                       a webhook http(s)://; instead of the flows. At most\n"
		"                       --limit or %u flows (docs/flows-query.md)\n"
		"      --baseline FILE  alert on edges not in this learned baseline\n"
		"      --alert-config F thresholds (fan-out, sensitive groups, rate limits)\n"
		"      --alert-format FMT segwatch (default) or ecs (Elastic Common Schema)\n"
		"      (--policy FILE: alert on connections the policy does not allow)\n\n"
		"examples:\n"
		"  segwatch flows --since 10m --state refused\n"
		"  segwatch flows --from 'app=web' --to 'shop/db-*' --port 5432 --last 20\n"
		"  segwatch flows --policy shop.json --verdict denied,monitored --since 1d\n"
		"  segwatch flows --peer 10.77.0.0/24 --proto udp --json flows.jsonl\n"
		"  segwatch flows -f --to group:dbs --policy shop.json\n"
		"  segwatch flows --count --since 2026-12-01 --until 2026-12-02\n"
		"  segwatch flows --since 1h --policy shop.json --alerts -\n"
		"  segwatch flows /var/lib/segwatch/flows --alerts a.jsonl --alert-config a.json\n\n"
		SW_HELP_EXIT
		"  0  done, also when nothing matched, or --follow ended by Ctrl-C\n"
		SW_HELP_EXIT_2 SW_HELP_EXIT_3, SW_FLOWS_FOLLOW_LAST, SW_FLOWS_REPLAY_MAX);
}

/* ---- the table ---- */

static const char *sw_flows_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long sw_flows_int(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/*
 * "web-1:5432", "[fd00::1]:53", or without a port, in @width columns (0:
 * whole): the name is shortened, never the port. The initiator's port is
 * left out (an ephemeral number; --json has it).
 */
static void sw_flows_endpoint(char *buf, size_t len, const json_t *rec, const char *end,
			      const char *port_key, bool ports, unsigned width)
{
	char key[32], text[160], fitted[512], suffix[16] = "";
	const char *name, *addr = sw_flows_str(rec, end);
	json_t *port = port_key ? json_object_get(rec, port_key) : NULL;
	size_t room;

	snprintf(key, sizeof(key), "%s_workload", end);
	name = sw_flows_str(json_object_get(rec, key), "name");
	sw_text_escape(text, sizeof(text), name ? name : addr ? addr : "-");
	if (ports && json_is_integer(port))
		snprintf(suffix, sizeof(suffix), ":%lld", (long long)json_integer_value(port));
	room = width > strlen(suffix) + 1 ? width - strlen(suffix) : 1;
	if (width && !(!name && addr && strchr(addr, ':') && suffix[0]))
		sw_table_fit(fitted, sizeof(fitted), text, room, true);
	else
		snprintf(fitted, sizeof(fitted), "%s", text);
	if (suffix[0] && !name && addr && strchr(addr, ':'))
		snprintf(buf, len, "[%s]%s", fitted, suffix);	/* an IPv6 address is never cut */
	else
		snprintf(buf, len, "%s%s", fitted, suffix);
}

/* "2026-11-22 14:52:03" (local time, as every table shows it) from the record's first_seen; the time alone when @date is false. */
static void sw_flows_time(char *buf, size_t len, const json_t *rec, bool date)
{
	const char *t = sw_flows_str(rec, "first_seen");
	uint64_t us;

	if (t && sw_units_time_parse(t, 0, &us))
		sw_units_clock_format(buf, len, us, date);
	else
		sw_text_escape(buf, len, t ? t : "-");
}

/*
 * Rows are printed as they are read (--follow never ends), so the widths are
 * fixed once: the names share what the terminal leaves them, fitted with an
 * ellipsis in the middle (sw_table_fit); whole names when not a terminal. On
 * a narrow terminal PACKETS goes first, then the date, then the time.
 */
enum { SW_FLOWS_PROTO_W = 10, SW_FLOWS_STATE_W = 11, SW_FLOWS_PK_W = 13, SW_FLOWS_BY_W = 15,
       SW_FLOWS_VERDICT_W = 10, SW_FLOWS_NAME_MIN = 12, SW_FLOWS_NAME_WHOLE = 32 };

static void sw_flows_layout(struct sw_flows_run *run)
{
	static const struct { unsigned time; bool packets; } levels[] = {
		{ 19, true }, { 19, false }, { 8, false }, { 0, false },
	};
	unsigned width = sw_term_width(stdout);

	run->colour = sw_term_colour(stdout);
	run->name_width = 0;
	run->time_width = 19;
	run->packets = true;
	for (size_t i = 0; width && i < sizeof(levels) / sizeof(levels[0]); i++) {
		unsigned fixed = SW_FLOWS_PROTO_W + SW_FLOWS_STATE_W + SW_FLOWS_BY_W + 4 * 2 +
				 (levels[i].time ? levels[i].time + 2 : 0) +
				 (levels[i].packets ? SW_FLOWS_PK_W + 2 : 0) +
				 (run->verdicts ? SW_FLOWS_VERDICT_W + 2 : 0);

		run->time_width = levels[i].time;
		run->packets = levels[i].packets;
		run->name_width = SW_FLOWS_NAME_MIN;
		if (width >= fixed + 2 * SW_FLOWS_NAME_MIN) {
			run->name_width = (width - fixed) / 2;
			break;
		}
	}
}

/* @text (escaped, already fitted) in a cell @width wide, padded; coloured by @sgr. */
static void sw_flows_cell(const struct sw_flows_run *run, const char *text, unsigned width,
			  bool right, const char *sgr)
{
	size_t w = sw_table_text_width(text);

	if (right)
		for (size_t i = w; i < width; i++)
			putchar(' ');
	if (sgr && run->colour)
		printf("\033[%sm%s\033[0m", sgr, text);
	else
		fputs(text, stdout);
	if (!right)
		for (size_t i = w; i < width; i++)
			putchar(' ');
}

static void sw_flows_header(const struct sw_flows_run *run)
{
	unsigned nw = run->name_width ? run->name_width : SW_FLOWS_NAME_WHOLE;

	if (run->time_width)
		printf("%-*s  ", run->time_width, "TIME");
	printf("%-*s  %-*s  %-*s  %-*s  ", nw, "SOURCE", nw, "DESTINATION", SW_FLOWS_PROTO_W, "PROTO",
	       SW_FLOWS_STATE_W, "STATE");
	if (run->packets)
		printf("%*s  ", SW_FLOWS_PK_W, "PACKETS (>/<)");
	printf("%*s%s\n", SW_FLOWS_BY_W, "BYTES (>/<)", run->verdicts ? "  VERDICT" : "");
}

static void sw_flows_row(const struct sw_flows_run *run, const json_t *rec,
			 const struct sw_query_result *res)
{
	const char *type = sw_flows_str(rec, "type"), *proto = sw_flows_str(rec, "proto");
	bool flow = type && strcmp(type, "flow") == 0;
	json_t *fwd = json_object_get(rec, "fwd"), *rev = json_object_get(rec, "rev");
	long long pnum = sw_flows_int(rec, "proto_num");
	bool ports = pnum >= 0 && pnum <= 255 && sw_proto_has_ports((uint8_t)pnum);
	unsigned nw = run->name_width ? run->name_width : SW_FLOWS_NAME_WHOLE;
	char when[40], src[600], dst[600], pr[48], state[48], pk[48], by[48], t[40], b1[24], b2[24];

	sw_flows_time(when, sizeof(when), rec, run->time_width > 8);
	sw_flows_endpoint(src, sizeof(src), rec, "src", NULL, false, run->name_width);
	sw_flows_endpoint(dst, sizeof(dst), rec, "dst", "dport", ports, run->name_width);
	sw_text_escape(t, sizeof(t), proto ? proto : "-");
	if (json_is_integer(json_object_get(rec, "icmp_type")))
		snprintf(pr, sizeof(pr), "%s/%lld", t, sw_flows_int(rec, "icmp_type"));
	else
		snprintf(pr, sizeof(pr), "%s", t);
	if (flow) {
		sw_text_escape(state, sizeof(state), sw_flows_str(rec, "state") ?: "-");
		snprintf(pk, sizeof(pk), "%lld/%lld", sw_flows_int(fwd, "packets"),
			 sw_flows_int(rev, "packets"));
		snprintf(by, sizeof(by), "%s/%s",
			 sw_units_size_format(b1, sizeof(b1), (uint64_t)sw_flows_int(fwd, "bytes")),
			 sw_units_size_format(b2, sizeof(b2), (uint64_t)sw_flows_int(rev, "bytes")));
	} else { /* kernel_log: what the ruleset did with logged packets; others: their type */
		sw_text_escape(t, sizeof(t), sw_flows_str(rec, "action") ?: type ?: "-");
		snprintf(state, sizeof(state), "log/%s", t);
		if (!json_object_get(rec, "action"))
			sw_text_escape(state, sizeof(state), type ?: "-");
		snprintf(pk, sizeof(pk), "%lld/-", sw_flows_int(rec, "packets"));
		snprintf(by, sizeof(by), "-");
	}
	if (run->time_width) {
		sw_flows_cell(run, when, run->time_width, false, NULL);
		fputs("  ", stdout);
	}
	sw_flows_cell(run, src, nw, false, NULL);
	fputs("  ", stdout);
	sw_flows_cell(run, dst, nw, false, NULL);
	fputs("  ", stdout);
	sw_flows_cell(run, pr, SW_FLOWS_PROTO_W, false, NULL);
	fputs("  ", stdout);
	sw_flows_cell(run, state, SW_FLOWS_STATE_W, false, flow ? sw_term_word_sgr(state) : NULL);
	fputs("  ", stdout);
	if (run->packets) {
		sw_flows_cell(run, pk, SW_FLOWS_PK_W, true, NULL);
		fputs("  ", stdout);
	}
	sw_flows_cell(run, by, SW_FLOWS_BY_W, true, NULL);
	if (run->verdicts) {
		const char *v = res->judged ? sw_pol_outcome_name(res->outcome) : "-";

		fputs("  ", stdout);
		sw_flows_cell(run, v, 0, false, sw_term_word_sgr(v));
	}
	putchar('\n');
}

/* ---- records ---- */

static void sw_flows_out(struct sw_flows_run *run, const char *line, size_t len, const json_t *rec,
			 const struct sw_query_result *res)
{
	if (run->a->count)
		return;
	if (run->a->json) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
	} else {
		if (!run->header_done) {
			sw_flows_layout(run);
			sw_flows_header(run);
		}
		run->header_done = true;
		sw_flows_row(run, rec, res);
	}
	if (run->a->follow)
		fflush(stdout);
}

/* Keep @line among the last N; false on out of memory. */
static bool sw_flows_ring_push(struct sw_flows_ring *r, const char *line, size_t len)
{
	char *copy;

	if (r->cap == 0)
		return true;
	if (!(copy = malloc(len + 1)))
		return false;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (r->n == r->cap) {
		free(r->line[r->head]);
		r->line[r->head] = copy;
		r->head = (r->head + 1) % r->cap;
	} else {
		r->line[(r->head + r->n++) % r->cap] = copy;
	}
	return true;
}

static void sw_flows_ring_free(struct sw_flows_ring *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->line[(r->head + i) % r->cap]);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

static bool sw_flows_limit_hit(const struct sw_flows_run *run)
{
	/* replaying, --limit bounds the flows kept: one more is an error (sw_replay_add) */
	return !run->replay && run->a->has_limit && run->printed >= run->a->limit;
}

/* Count a bad line, and remember the first: "PATH:LINE[:COL]: what". */
static void sw_flows_bad(struct sw_flows_run *run, const char *path, uint64_t lineno,
			 const char *what)
{
	char p[256];

	if (run->bad++ == 0)
		snprintf(run->bad_first, sizeof(run->bad_first), "%s:%llu%s",
			 sw_text_escape(p, sizeof(p), path), (unsigned long long)lineno, what);
}

/*
 * One line: parsed, checked (flowfile.h), matched, printed or kept. Lines
 * that are not JSON or not a valid record are skipped, counted and the
 * first one is remembered: nothing misread is shown or judged.
 */
static int sw_flows_line(struct sw_flows_run *run, const char *line, size_t len, const char *path,
			 uint64_t lineno)
{
	struct sw_query_result res;
	struct sw_json_err_text et;
	enum sw_flowfile_kind kind;
	struct sw_err err = { 0 };
	char what[560];
	json_error_t e;
	json_t *rec;

	if (len == 0)
		return SW_EXIT_OK;
	run->read++;
	if (!(rec = json_loadb(line, len, 0, &e))) {
		snprintf(what, sizeof(what), ":%d: %s", e.column, sw_text_json_error(&et, &e));
		sw_flows_bad(run, path, lineno, what);
		return SW_EXIT_OK;
	}
	if (sw_flowfile_record_check(rec, &kind, &err) != SW_EXIT_OK) {
		snprintf(what, sizeof(what), ": %s", err.msg);
		sw_flows_bad(run, path, lineno, what);
		json_decref(rec);
		return SW_EXIT_OK;
	}
	if (sw_query_match(run->q, rec, &res)) {
		run->matched++;
		if (run->replay) {
			int rc = SW_EXIT_OK;

			if (kind == SW_FLOWFILE_FLOW) { /* only flows are replayed */
				run->printed++;
				rc = sw_replay_add(run->replay, line, len, rec, &err);
			}
			json_decref(rec);
			if (rc != SW_EXIT_OK) {
				fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
				run->replay_failed = true;
			}
			return rc;
		}
		if (run->ringing) {
			if (!sw_flows_ring_push(&run->ring, line, len)) {
				json_decref(rec);
				return SW_EXIT_RUNTIME;
			}
		} else if (!sw_flows_limit_hit(run)) {
			run->printed++;
			sw_flows_out(run, line, len, rec, &res);
		}
	}
	json_decref(rec);
	return SW_EXIT_OK;
}

/* The kept lines, oldest first (parsed again: the ring holds text only). */
static void sw_flows_ring_flush(struct sw_flows_run *run)
{
	struct sw_flows_ring *r = &run->ring;

	run->ringing = false;
	for (size_t i = 0; i < r->n && !sw_flows_limit_hit(run); i++) {
		const char *line = r->line[(r->head + i) % r->cap];
		json_t *rec = json_loads(line, 0, NULL);
		struct sw_query_result res;

		if (!rec)
			continue;
		sw_query_match(run->q, rec, &res); /* for the verdict column */
		run->printed++;
		sw_flows_out(run, line, strlen(line), rec, &res);
		json_decref(rec);
	}
	sw_flows_ring_free(r);
}

/* Read until the reader ends (or, following, until stopped). */
static int sw_flows_drain(struct sw_flows_run *run, struct sw_history_reader *r)
{
	struct sw_err err = { 0 };
	const char *line, *path;
	uint64_t lineno;
	size_t len;
	int rc;

	while (!sw_flows_limit_hit(run) && !sw_flows_interrupted) {
		rc = sw_history_reader_next(r, &line, &len, &path, &lineno, &err);
		if (rc == 0)
			return SW_EXIT_OK;
		if (rc == SW_EXIT_USAGE) { /* damage: that file ends here, the next goes on */
			fprintf(stderr, "segwatch: %s\n", err.msg);
			run->damaged++;
			continue;
		}
		if (rc != 1) {
			fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
			return rc;
		}
		if ((rc = sw_flows_line(run, line, len, path, lineno)) != SW_EXIT_OK) {
			if (!run->replay) /* the replay said why */
				fprintf(stderr, "segwatch: out of memory\n");
			return rc;
		}
	}
	return SW_EXIT_OK;
}

/*
 * The warnings of a finished read. Every good record was printed; bad lines
 * and damaged files make the exit code SW_EXIT_USAGE (docs/flows.md
 * "Damaged and bad input").
 */
static int sw_flows_warn(const struct sw_flows_run *run, const struct sw_history_reader *r)
{
	uint64_t skipped = sw_history_reader_skipped(r);

	if (run->bad && run->bad == run->read) {
		fprintf(stderr, "segwatch: no line read is a JSON record (flows are JSON lines: "
			"segwatch capture -w, or the agent's history): %s\n", run->bad_first);
		return SW_EXIT_USAGE;
	}
	if (run->bad)
		fprintf(stderr, "segwatch: error: %llu lines are not JSON or not valid records and "
			"were skipped; the first: %s\n", (unsigned long long)run->bad,
			run->bad_first);
	if (skipped)
		fprintf(stderr, "segwatch: warning: %llu lines over 1 MiB were skipped\n",
			(unsigned long long)skipped);
	return run->bad || run->damaged ? SW_EXIT_USAGE : SW_EXIT_OK;
}

static int sw_flows_open(const struct sw_flows_args *a, struct sw_query *q,
			 struct sw_history_reader **r)
{
	static const char *const def[] = { SW_FLOWS_DEFAULT_DIR };
	struct sw_history_read_opts o = { .follow = a->follow, .stop = &sw_flows_stop,
					  .long_line_error = true };
	struct sw_err err = { 0 };
	int rc;

	sw_query_window(q, &o.since_us, &o.until_us);
	rc = sw_history_reader_open(r, a->n_paths ? a->paths : def, a->n_paths ? a->n_paths : 1, &o,
				    &err);
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s%s\n", SW_MSG(err.msg), a->n_paths ? "" :
			" (the agent's history directory; name the files or directories to read)");
	return rc;
}

static int sw_flows_read(struct sw_flows_run *run, const struct sw_flows_args *a)
{
	struct sw_history_reader *r;
	struct sigaction sa = { .sa_handler = sw_flows_on_signal };
	uint64_t since, until;
	int rc;

	if ((rc = sw_flows_open(a, run->q, &r)) != SW_EXIT_OK)
		return rc;
	run->ring.cap = a->has_last ? a->last : 0;
	sw_query_window(run->q, &since, &until);
	if (a->follow && !a->has_last && !since)
		run->ring.cap = SW_FLOWS_FOLLOW_LAST;
	run->ringing = a->has_last || run->ring.cap;
	if (run->ring.cap && !(run->ring.line = calloc(run->ring.cap, sizeof(char *)))) {
		sw_history_reader_close(r);
		fprintf(stderr, "segwatch: out of memory\n");
		return SW_EXIT_RUNTIME;
	}
	if (a->follow) {
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		/*
		 * What is there now, then what comes: with *stop set the reader ends
		 * at the end of what exists; cleared, the next call follows on.
		 */
		sw_flows_stop = 1;
	}
	rc = sw_flows_drain(run, r);
	sw_flows_ring_flush(run);
	fflush(stdout);
	if (a->follow && rc == SW_EXIT_OK) {
		sw_flows_stop = sw_flows_interrupted;
		rc = sw_flows_drain(run, r);
	}
	if (rc == SW_EXIT_OK)
		rc = sw_flows_warn(run, r);
	sw_history_reader_close(r);
	return rc;
}

/* ---- options ---- */

enum {
	SW_FLOWS_OPT_POLICY = 0x200,
	SW_FLOWS_OPT_COUNT,
	SW_FLOWS_OPT_LIMIT,
	SW_FLOWS_OPT_LAST,
};

static const struct option sw_flows_longopts[] = {
	SW_FILTER_LONGOPTS,
	{ "type", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_TYPE },
	{ "policy", required_argument, NULL, SW_FLOWS_OPT_POLICY },
	{ "json", no_argument, NULL, 'j' },
	{ "count", no_argument, NULL, SW_FLOWS_OPT_COUNT },
	{ "limit", required_argument, NULL, SW_FLOWS_OPT_LIMIT },
	{ "last", required_argument, NULL, SW_FLOWS_OPT_LAST },
	{ "follow", no_argument, NULL, 'f' },
	SW_ALERT_LONGOPTS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option; SW_EXIT_OK, an exit code, or -1 for --help (printed). */
static int sw_flows_opt(int c, struct sw_flows_args *a, struct sw_cli_filter *f)
{
	bool ok = true;

	if (sw_cli_filter_is_opt(c))
		return sw_cli_filter_opt(f, c, optarg);
	if (sw_cli_alerts_opt(&a->alert_opts, c, optarg, "segwatch flows", &ok))
		return ok ? SW_EXIT_OK : SW_EXIT_USAGE;
	switch (c) {
	case SW_FLOWS_OPT_POLICY: a->policy_path = optarg; return SW_EXIT_OK;
	case 'j': a->json = true; return SW_EXIT_OK;
	case SW_FLOWS_OPT_COUNT: a->count = true; return SW_EXIT_OK;
	case 'f': a->follow = true; return SW_EXIT_OK;
	case SW_FLOWS_OPT_LIMIT:
		a->has_limit = true;
		return sw_cli_parse_u32("--limit", optarg, 1, UINT32_MAX, &a->limit) ?
		       SW_EXIT_OK : SW_EXIT_USAGE;
	case SW_FLOWS_OPT_LAST:
		a->has_last = true;
		return sw_cli_parse_u32("--last", optarg, 0, SW_FLOWS_LAST_MAX, &a->last) ?
		       SW_EXIT_OK : SW_EXIT_USAGE;
	case 'h': sw_flows_usage(stdout); return -1;
	default: return SW_EXIT_USAGE; /* sw_cli_getopt said why */
	}
}

static int sw_flows_args_parse(int argc, char **argv, struct sw_flows_args *a,
			       struct sw_cli_filter *f)
{
	int c, rc;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "jfh", sw_flows_longopts, "segwatch flows")) != -1)
		if ((rc = sw_flows_opt(c, a, f)) != SW_EXIT_OK)
			return rc;
	if (a->json && a->count) {
		sw_cli_usage_error("segwatch flows", "--json and --count: choose one");
		return SW_EXIT_USAGE;
	}
	if (sw_cli_alerts_check(&a->alert_opts, "segwatch flows") != SW_EXIT_OK)
		return SW_EXIT_USAGE;
	if (a->alerts.dest && (a->json || a->count || a->follow || a->has_last)) {
		sw_cli_usage_error("segwatch flows", "--alerts replays the flows instead of printing "
				   "them: not with --json, --count, --follow or --last");
		return SW_EXIT_USAGE;
	}
	a->paths = (const char *const *)argv + optind;
	a->n_paths = (size_t)(argc - optind);
	return SW_EXIT_OK;
}

/* --alerts DEST, when a file, is none of the files read (a directory's own files are its reader's). */
static int sw_flows_check_dest(const struct sw_flows_args *a)
{
	const char *v[SW_FLOWS_CHECK_MAX];
	const char *one[] = { a->policy_path, a->alerts.baseline, a->alerts.config };
	struct sw_outfile_inputs in = { v, 0 };
	struct sw_err err = { 0 };

	if (!sw_alert_dest_is_file(a->alerts.dest))
		return SW_EXIT_OK;
	for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
		if (one[i])
			v[in.n++] = one[i];
	for (size_t i = 0; i < a->n_paths && in.n < SW_FLOWS_CHECK_MAX; i++)
		v[in.n++] = a->paths[i];
	if (sw_outfile_check(a->alerts.dest, "--alerts", &in, &err) != SW_EXIT_OK) {
		fprintf(stderr, "segwatch flows: %s\n", SW_MSG(err.msg));
		return err.code;
	}
	return SW_EXIT_OK;
}

/*
 * --alerts: the alerts sink opened (policy, baseline and config read, the
 * destination checked) before anything is read, the matching flows kept
 * while reading, then replayed.
 */
static int sw_flows_replay(struct sw_flows_run *run, const struct sw_flows_args *a,
			   struct sw_policy *p)
{
	struct sw_sink_alerts_opts o = a->alerts;
	struct sw_err err = { 0 };
	int rc = sw_flows_check_dest(a);

	o.policy = a->policy_path;
	o.policy_obj = p;
	if (rc == SW_EXIT_OK &&
	    (rc = sw_replay_open(&run->replay, &o, a->has_limit ? a->limit : SW_FLOWS_REPLAY_MAX,
				 &err)) != SW_EXIT_OK)
		fprintf(stderr, "segwatch flows: %s\n", SW_MSG(err.msg));
	if (rc == SW_EXIT_OK)
		rc = sw_flows_read(run, a);
	/* bad lines and damaged files were skipped and said (exit 2): the good flows go on */
	if ((rc == SW_EXIT_OK || (rc == SW_EXIT_USAGE && (run->bad || run->damaged))) &&
	    !run->replay_failed && run->replay && sw_replay_run(run->replay, &err) != SW_EXIT_OK) {
		fprintf(stderr, "segwatch flows: %s\n", SW_MSG(err.msg));
		rc = err.code;
	}
	if (!sw_replay_close(run->replay) && rc == SW_EXIT_OK) {
		fprintf(stderr, "segwatch flows: writing the alerts failed\n");
		rc = SW_EXIT_RUNTIME;
	}
	run->replay = NULL;
	return rc;
}

int sw_cmd_flows(int argc, char **argv)
{
	struct sw_flows_args a = { .alert_opts.o = &a.alerts };
	struct sw_flows_run run = { .a = &a };
	struct sw_cli_filter f;
	struct sw_policy *p = NULL;
	int rc = sw_cli_filter_init(&f, "segwatch flows");

	run.q = f.q;
	if (rc == SW_EXIT_OK)
		rc = sw_flows_args_parse(argc, argv, &a, &f);
	if (rc == SW_EXIT_OK)
		rc = sw_cli_policy_load_opt(a.policy_path, &p);
	if (rc == SW_EXIT_OK)
		rc = sw_cli_filter_compile(&f, p, a.policy_path);
	if (rc == SW_EXIT_OK && a.alerts.dest) {
		rc = sw_flows_replay(&run, &a, p);
	} else if (rc == SW_EXIT_OK) {
		run.verdicts = p != NULL;
		rc = sw_flows_read(&run, &a);
		/* bad lines skipped: what could be read is counted all the same */
		if ((rc == SW_EXIT_OK || (rc == SW_EXIT_USAGE && run.read > run.bad)) && a.count)
			printf("%llu\n", (unsigned long long)run.printed);
		if ((fflush(stdout) != 0 || ferror(stdout)) && rc == SW_EXIT_OK) {
			fprintf(stderr, "segwatch: writing the output failed\n");
			rc = SW_EXIT_RUNTIME;
		}
	}
	sw_cli_filter_free(&f);
	sw_policy_free(p);
	return rc < 0 ? SW_EXIT_OK : rc;
}
