/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_QUERY_H
#define SEGWATCH_QUERY_H

/*
 * query - a filter over recorded flows (`segwatch flows`, docs/flows-query.md):
 * built from command-line options one value at a time, compiled once against
 * an optional policy, then matched against records as read from JSON lines
 * (docs/flows.md). Records come from files and are not trusted: any JSON
 * (wrong types, missing fields) is matched without harm, and a filter that
 * needs a field the record lacks does not match it.
 *
 * Different options are AND'ed; the values of one option are OR'ed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <segwatch/exit.h>
#include <segwatch/policy.h>

enum sw_query_opt {
	SW_QUERY_SINCE = 0,	/* a time (sw_units_time_parse): spans ending before it are out */
	SW_QUERY_UNTIL,		/* a time: spans starting after it are out */
	SW_QUERY_FROM,		/* an endpoint (below) for the initiator, "src" */
	SW_QUERY_TO,		/* ... for the responder, "dst" */
	SW_QUERY_PEER,		/* ... for either end */
	SW_QUERY_PORT,		/* destination port N or range N-M (protocols with ports) */
	SW_QUERY_PROTO,		/* sw_proto_parse: a name or a number */
	SW_QUERY_STATE,		/* attempted, refused, established, closed */
	SW_QUERY_VERDICT,	/* allowed, denied, monitored, unmanaged (needs a policy) */
	SW_QUERY_TYPE,		/* flow (the default), kernel_log, counters, all */
	SW_QUERY_OPT_MAX
};

/*
 * Endpoint values (--from, --to, --peer), tried in this order:
 *   group:NAME       a group of the policy given to sw_query_compile
 *   label:SELECTOR   labels, as below (needed for a lone "key")
 *   name:GLOB        workload name (explicit, for names that look like other forms)
 *   ADDR, ADDR/LEN   an IPv4 or IPv6 address or prefix; text made only of
 *                    digits and dots, or with a ':', must be one
 *   SELECTOR         text with '=' or ',', or starting with '!': comma-separated
 *                    terms, all must hold:
 *                    key=value, key==value, key!=value, key, !key
 *   GLOB             anything else: fnmatch(3) on the workload's name; with a
 *                    namespace also on the name without its "namespace/"
 *                    prefix, or with it when the name lacks it
 */

struct sw_query;

/* sw_query_alloc - an empty filter: every "flow" record matches. NULL on out of memory. */
struct sw_query *sw_query_alloc(void);
/* sw_query_free - NULL is fine. */
void sw_query_free(struct sw_query *q);

/* sw_query_opt_name - "--since", "--from", ...: how errors name an option. */
const char *sw_query_opt_name(enum sw_query_opt o);

/*
 * sw_query_opt_parse - the option called @name ("from" or "--from"), for
 * callers that take filters other than as command-line options (a URL's
 * query string); false when there is none.
 */
bool sw_query_opt_parse(const char *name, enum sw_query_opt *o);

/**
 * sw_query_add - one value of option @o
 * @value: copied. --port, --proto, --state, --verdict and --type also take
 *	a comma-separated list
 * @now_us: wall clock for relative times ("10m": ten minutes before it)
 *
 * Returns SW_EXIT_OK, or SW_EXIT_USAGE with @err naming the option and the
 * value ("--state: unknown state \"estab\"; did you mean \"established\"?").
 * Group names are checked by sw_query_compile, once the policy is known.
 */
int sw_query_add(struct sw_query *q, enum sw_query_opt o, const char *value, uint64_t now_us,
		 struct sw_err *err);

/**
 * sw_query_compile - check the filter as a whole and resolve group names
 * @p: the policy (borrowed: it must outlive @q), or NULL
 * @policy_name: its file name, for messages
 *
 * SW_EXIT_USAGE with @err for a group:NAME or --verdict without a policy, an
 * unknown group (with a did-you-mean), --since later than --until;
 * SW_EXIT_RUNTIME on out of memory. Call it once, before sw_query_match.
 */
int sw_query_compile(struct sw_query *q, const struct sw_policy *p, const char *policy_name,
		     struct sw_err *err);

/*
 * sw_query_window - the time window in microseconds since the epoch, 0 where
 * open: what a history reader can skip whole files by.
 */
void sw_query_window(const struct sw_query *q, uint64_t *since_us, uint64_t *until_us);

/* What sw_query_match found out about a record beyond yes or no. */
struct sw_query_result {
	bool judged;			/* a policy was given and the record has both addresses */
	enum sw_pol_outcome outcome;	/* when judged */
	struct sw_pol_verdict verdict;	/* when judged */
};

/*
 * sw_query_match - does @rec pass the filter? @res (may be NULL) gets the
 * policy's verdict on a matching record when the filter has a policy. Uses
 * scratch space in @q: one thread at a time.
 */
bool sw_query_match(struct sw_query *q, const json_t *rec, struct sw_query_result *res);

/*
 * sw_query_match_flow - the same for a flow as the pipeline hands it to its
 * sinks (`capture`): the record is written as its JSON line
 * (sw_report_flow_line), read back and matched by sw_query_match, so a flow
 * matches exactly when its line in a flows file would. Costs a render and a
 * parse: call it only when there is a filter. Same scratch space as
 * sw_query_match; false on out of memory.
 */
struct sw_flow_rec;
bool sw_query_match_flow(struct sw_query *q, const struct sw_flow_rec *r,
			 struct sw_query_result *res);

/*
 * Reading records: what `segwatch graph`, `report`, `learn` and `policy test`
 * read their flows from. Each path is, in the order given, a history
 * directory (every history file in it), a JSON-lines file (.zst or not), or
 * a whole-file JSON document (`capture --json`, a saved graph), read through
 * the history reader (include/segwatch/history.h) one file at a time. Line
 * records are parsed here and those outside the window dropped; a document
 * is handed over whole (its records are the caller's to window, with
 * sw_query_span_meets). Records without a time span (counters) are kept.
 */
struct sw_query_records;

/* Where the record sw_query_records_next returned comes from. */
struct sw_query_rec_where {
	const char *path;	/* the file (inside a directory: the directory's path/name) */
	uint64_t lineno;	/* its line; 0 for a document */
	bool document;		/* a whole-file document: the caller walks its records */
	size_t input;		/* which of the paths given */
};

/**
 * sw_query_records_open - read @paths (@n of them; borrowed: they must
 * outlive the reader) with the window [@since_us, @until_us] (0: open)
 *
 * Paths are checked as they are reached, by sw_query_records_next.
 * SW_EXIT_RUNTIME on out of memory.
 */
int sw_query_records_open(struct sw_query_records **out, const char *const *paths, size_t n,
			  uint64_t since_us, uint64_t until_us, struct sw_err *err);

/**
 * sw_query_records_next - the next record in the window
 * @rec: the parsed record (or document), owned by the reader: valid until
 *	the next call (json_incref to keep it)
 * @w: where it comes from
 *
 * Blank lines are skipped. Every record and document is checked against
 * its schema (include/segwatch/flowfile.h) before it is returned. "-" is
 * standard input; a named FIFO waits at most 10 s for its first byte.
 * Returns 1 with a record, 0 at the end, or an exit code with @err:
 * SW_EXIT_RUNTIME "PATH: cannot read: ..." (a path that is not there, a
 * read error, a silent FIFO), SW_EXIT_USAGE for bad contents, which ends
 * the read: "PATH:LINE:COL: error: ..." (not JSON; for a broken multi-line
 * document, where it breaks), "PATH:LINE: /POINTER: ..." (a bad record),
 * "PATH: /POINTER: ..." (a bad document), "PATH:LINE: ..." (damage: zstd
 * cut short, a line over 1 MiB), each followed by "(N records read before
 * it)". Memory: one file open, one line (or one document of at most
 * 64 MiB) held.
 */
int sw_query_records_next(struct sw_query_records *r, json_t **rec, struct sw_query_rec_where *w,
			  struct sw_err *err);

/* sw_query_records_files - files opened so far (a document is one; files outside the window are not). */
uint64_t sw_query_records_files(const struct sw_query_records *r);

/* sw_query_records_skipped - lines skipped for being over 1 MiB (0: such a line is an error). */
uint64_t sw_query_records_skipped(const struct sw_query_records *r);

/* sw_query_records_close - NULL is fine. */
void sw_query_records_close(struct sw_query_records *r);

/*
 * sw_query_span_meets - does @rec's span [first_seen, last_seen] meet
 * [@since_us, @until_us] (0: open; ends included)? A record without both
 * times (counters) is kept: true.
 */
bool sw_query_span_meets(const json_t *rec, uint64_t since_us, uint64_t until_us);

/**
 * sw_query_window_parse - --since @since and --until @until (either may be
 * NULL) as `segwatch flows` takes them (sw_units_time_parse, relative to
 * @now_us) into microseconds, 0 where open. SW_EXIT_USAGE with @err naming
 * the option for a bad time or --since later than --until.
 */
int sw_query_window_parse(const char *since, const char *until, uint64_t now_us,
			  uint64_t *since_us, uint64_t *until_us, struct sw_err *err);

#endif
