/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_CLI_FILTER_H
#define SW_CLI_FILTER_H

/*
 * The filter options (docs/filters.md), one language for every command that
 * shows flows: flows, graph, report and capture. One set of getopt entries,
 * one parser into a struct sw_query (src/query holds the semantics), one
 * help block, one "filter:" line for human output.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <segwatch/query.h>

/* The getopt value of filter option o is SW_FILTER_OPT + o (enum sw_query_opt). */
#define SW_FILTER_OPT 0x1000

/* The shared options; `flows` adds { "type", ..., SW_FILTER_OPT + SW_QUERY_TYPE } itself. */
#define SW_FILTER_LONGOPTS                                                            \
	{ "since", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_SINCE },         \
	{ "until", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_UNTIL },         \
	{ "from", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_FROM },           \
	{ "to", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_TO },               \
	{ "peer", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_PEER },           \
	{ "port", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_PORT },           \
	{ "proto", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_PROTO },         \
	{ "state", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_STATE },         \
	{ "verdict", required_argument, NULL, SW_FILTER_OPT + SW_QUERY_VERDICT }

/* The help block every such command prints, the same text everywhere. */
#define SW_FILTER_HELP                                                                \
	"filters (docs/filters.md): options of different kinds must all hold;\n"       \
	"several values of one option are alternatives.\n"                            \
	"      --since T        flows still going at or after T: 10m, 2h, 7d (ago),\n"  \
	"                       2026-12-01T14:00:00Z, 2026-12-01, @1764597600, now\n"  \
	"      --until T        flows that began at or before T\n"                     \
	"      --from X         the initiator is X (repeatable)\n"                     \
	"      --to X           the responder is X (repeatable)\n"                     \
	"      --peer X         either end is X (repeatable)\n"                        \
	"                       X: web-*  shop/db-?  (workload name glob)\n"           \
	"                          app=web,tier!=db  (labels: k=v, k!=v, k, !k)\n"    \
	"                          group:NAME  (a group of --policy)\n"                \
	"                          10.0.0.0/24  fd00::5  (address or prefix)\n"       \
	"                          label:KEY, name:TEXT  (when the forms collide)\n"  \
	"      --port N[-M]     destination port or range (repeatable, or N,M,...)\n"  \
	"      --proto P        tcp, udp, sctp, icmp, icmpv6 or a number\n"            \
	"      --state S        attempted, refused, established, closed\n"             \
	"      --verdict V      allowed, denied, monitored, unmanaged (needs --policy)\n"

struct sw_policy;

struct sw_cli_filter {
	const char *who;	/* "segwatch graph": how messages start */
	struct sw_query *q;	/* every value added as it comes */
	uint64_t now_us;	/* relative times: one "now" for the whole command line */
	json_t *given;		/* {"from":["app=web"],...}: the values as given */
	bool selects;		/* an option other than --since/--until was given */
	/*
	 * Set by the caller: no reader windows its input (capture), so
	 * --since/--until choose flows one by one like the other options.
	 */
	bool window_selects;
	bool window;		/* --since or --until was given */
	bool needs_policy;	/* --verdict, or a group: endpoint */
};

/* sw_cli_filter_init - an empty filter; SW_EXIT_RUNTIME (said) on out of memory. */
int sw_cli_filter_init(struct sw_cli_filter *f, const char *who);
/* sw_cli_filter_free - what init allocated; fine after a failed init. */
void sw_cli_filter_free(struct sw_cli_filter *f);

/* sw_cli_filter_is_opt - @c (from getopt) is one of the filter options. */
bool sw_cli_filter_is_opt(int c);

/*
 * sw_cli_filter_opt - add the value @arg of filter option @c. SW_EXIT_OK, or
 * an exit code with one line on stderr naming the option and the value
 * ("segwatch graph: --state: unknown state ...; see segwatch graph --help").
 */
int sw_cli_filter_opt(struct sw_cli_filter *f, int c, const char *arg);

/*
 * sw_cli_filter_compile - the filter as a whole, against @p (may be NULL;
 * borrowed: it must outlive @f) named @policy_name: groups resolved, --verdict
 * and group: without a policy, --since after --until. Exit code, said.
 */
int sw_cli_filter_compile(struct sw_cli_filter *f, const struct sw_policy *p,
			  const char *policy_name);

/* sw_cli_filter_window - the --since/--until window in microseconds, 0 where open. */
void sw_cli_filter_window(const struct sw_cli_filter *f, uint64_t *since_us, uint64_t *until_us);

/*
 * sw_cli_filter_query - the compiled query when options other than the
 * window were given (those that choose flows one by one), else NULL: the
 * window alone is cheaper as the readers' window.
 */
struct sw_query *sw_cli_filter_query(const struct sw_cli_filter *f);

/*
 * sw_cli_filter_query_timeless - *@out: a new query with the same options but
 * --since/--until, compiled against @p (an earlier input compared with this
 * one, `report --diff`, is filtered alike but not windowed); NULL when
 * nothing but the window was given. Exit code, said.
 */
int sw_cli_filter_query_timeless(const struct sw_cli_filter *f, const struct sw_policy *p,
				 const char *policy_name, struct sw_query **out);

/*
 * sw_cli_filter_line - for human output when a filter is on: "filter: --from
 * app=web --port 80 (12 flows left out; @whole)" on @out; nothing otherwise.
 * @left_out: flows the filter did not match, or UINT64_MAX when not known.
 */
void sw_cli_filter_line(const struct sw_cli_filter *f, FILE *out, uint64_t left_out,
			const char *whole);

/*
 * sw_cli_filter_json - {"from":["app=web"],"port":["80"],...}: the options
 * as given (a new reference; NULL without a filter or on out of memory).
 */
json_t *sw_cli_filter_json(const struct sw_cli_filter *f);

#endif
