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

#endif
