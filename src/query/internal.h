/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_QUERY_INTERNAL_H
#define SW_QUERY_INTERNAL_H

/*
 * Private to src/query. query.c parses option values into the compiled
 * form below; endpoint.c parses and matches endpoint values (--from, --to,
 * --peer); match.c matches a record. Nothing here prints.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <segwatch/exit.h>
#include <segwatch/policy.h>
#include <segwatch/query.h>
#include <segwatch/report.h>

#define SW_Q_MAX_VALUES 4096	/* values of one option: a command line, not a data set */

enum sw_q_ep_kind {
	SW_Q_EP_NAME = 0,	/* fnmatch glob on the workload name */
	SW_Q_EP_LABELS,		/* label selector */
	SW_Q_EP_GROUP,		/* policy group, resolved by sw_query_compile */
	SW_Q_EP_CIDR,		/* address or prefix */
};

enum sw_q_label_op {
	SW_Q_LABEL_EQ = 0,	/* key=value, key==value */
	SW_Q_LABEL_NE,		/* key!=value: absent or different */
	SW_Q_LABEL_EXISTS,	/* key */
	SW_Q_LABEL_ABSENT,	/* !key */
};

struct sw_q_term {
	char *key;
	char *value;		/* NULL for EXISTS and ABSENT */
	enum sw_q_label_op op;
};

struct sw_q_ep {
	enum sw_q_ep_kind kind;
	char *text;		/* glob or group name; the value as given for CIDRs and selectors */
	struct sw_q_term *terms;
	size_t n_terms;
	uint8_t addr[16];	/* CIDR: 16-byte form, host bits cleared */
	uint8_t plen;		/* in the 16-byte form (IPv4: 96 + length) */
	bool v4;
	size_t group;		/* GROUP: index into the policy's groups */
};

struct sw_q_eps {
	struct sw_q_ep *v;
	size_t n;
};

struct sw_q_ports {
	uint16_t lo, hi;
};

struct sw_query {
	uint64_t since_us, until_us;
	bool has_since, has_until;
	char since_text[64], until_text[64];	/* as given, for messages */
	struct sw_q_eps from, to, peer;
	struct sw_q_ports *ports;
	size_t n_ports;
	uint64_t protos[4];	/* bitmap of IP protocol numbers */
	bool has_proto;
	unsigned states;	/* bit per enum sw_flow_state */
	unsigned verdicts;	/* bit per enum sw_pol_outcome */
	unsigned types;		/* bit per SW_Q_TYPE_* */
	const struct sw_policy *policy;
	bool uses_groups;
	uint64_t *bits[2];	/* scratch: group memberships of src and dst */
	size_t words;
	bool compiled;
	char *line;			/* scratch: sw_query_match_flow's JSON line */
	struct sw_report_clock clock;	/* ... and its cached date */
};

enum {
	SW_Q_TYPE_FLOW = 1u << 0,
	SW_Q_TYPE_KLOG = 1u << 1,
	SW_Q_TYPE_COUNTERS = 1u << 2,
	SW_Q_TYPE_ALL = 1u << 3,
};

/* endpoint.c */

/* sw_q_ep_parse - @text as an endpoint value into @ep (owned strings); SW_EXIT_USAGE with @err. */
int sw_q_ep_parse(struct sw_q_ep *ep, const char *opt, const char *text, struct sw_err *err);
void sw_q_ep_clear(struct sw_q_ep *ep);

/* What a record says about one end, read once per record (strings borrowed). */
struct sw_q_end {
	const char *name;	/* workload name, or NULL */
	const char *namespace;	/* or NULL */
	const json_t *labels;	/* object, or NULL */
	uint8_t addr[16];
	bool has_addr;
	const uint64_t *bits;	/* groups selecting it; NULL when unknown */
};

/* sw_q_end_read - rec["src"|"dst"] and rec[end + "_workload"]. */
void sw_q_end_read(struct sw_q_end *e, const json_t *rec, const char *end);
/* sw_q_ep_match - does @ep select end @e? */
bool sw_q_ep_match(const struct sw_q_ep *ep, const struct sw_q_end *e);

/* match.c */

/*
 * sw_q_record_time - a record's RFC 3339 time field @key in microseconds;
 * false when missing or not a time.
 */
bool sw_q_record_time(const json_t *rec, const char *key, uint64_t *us);

#endif
