/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_POLICY_INTERNAL_H
#define SW_POLICY_INTERNAL_H

/*
 * Private to src/policy. The parser walks the document once, keeping a
 * JSON Pointer of where it is; every problem is queued as a diagnostic and
 * the walk goes on, so one run reports every error. After the walk the
 * checker (check.c) looks at the IR as a whole: never-matching and
 * shadowed rules.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <segwatch/jsonptr.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#define SW_POL_MAX_TEXT 256	/* longest group or rule name, label, pattern */

struct sw_pol_ctx {
	struct sw_pol_diags *diags;
	struct sw_jsonptr ptr;
	struct sw_policy *pol;
	json_t *rule_names;	/* the rule names seen: name -> index (duplicates, in O(1)) */
	bool nomem;
};

/* diag.c: diagnostics, quoting, suggestions */

/* sw_pol_err/_warn - queue a diagnostic at the current pointer; err returns false. */
bool sw_pol_err(struct sw_pol_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_pol_warn(struct sw_pol_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* sw_pol_warn_at - a warning at pointer @where (for the checker). */
void sw_pol_warn_at(struct sw_pol_ctx *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));




/*
 * sw_pol_keys_check - report members of @obj not in @known (with a
 * suggestion); returns false when there was one.
 */
bool sw_pol_keys_check(struct sw_pol_ctx *c, const json_t *obj, const char *const *known,
		       size_t n);

/* sw_pol_enum - @v must be a string among @names; *@out gets its index. */
bool sw_pol_enum(struct sw_pol_ctx *c, const json_t *v, const char *const *names, size_t n,
		 int *out);

/* sw_pol_name_ok - a group or rule name: 1..SW_POL_MAX_TEXT of [A-Za-z0-9_.:-]. */
bool sw_pol_name_ok(const char *s);

/* parse.c / parse_group.c / parse_rule.c */
bool sw_pol_parse_groups(struct sw_pol_ctx *c, const json_t *groups);
bool sw_pol_parse_rules(struct sw_pol_ctx *c, const json_t *rules);
#define sw_pol_parse_cidr sw_pol_cidr_parse	/* cidr.c */
#define sw_pol_cidr_format sw_pol_cidr_text
/* parse_match.c: a group's "match" terms */
bool sw_pol_parse_match(struct sw_pol_ctx *c, struct sw_pol_group *g, const json_t *v);
/* sw_pol_group_cidr_one - one prefix of @e into @out, errors at the current pointer. */
bool sw_pol_group_cidr_one(struct sw_pol_ctx *c, const json_t *e, struct sw_pol_cidr *out);
/* policy.c: sw_pol_term_clear - free what @t holds. */
void sw_pol_term_clear(struct sw_pol_term *t);

/* names.c: ICMP type names */
bool sw_pol_icmp_type_lookup(enum sw_pol_proto proto, const char *name, uint8_t *type);
const char *sw_pol_icmp_type_suggest(enum sw_pol_proto proto, const char *name);

/*
 * locate.c: sw_pol_locate - line and column of the value at pointer @ptr in
 * @buf (a document jansson has accepted); false when it cannot be placed.
 */
bool sw_pol_locate(const char *buf, size_t len, const char *ptr, int *line, int *col);

/* check.c: whole-policy warnings */
void sw_pol_check(struct sw_pol_ctx *c);

/* helpers shared by the parsers */
bool sw_pol_strdup(struct sw_pol_ctx *c, char **dst, const char *src);
/* parse_group.c: an object of labels, each bad one reported at its key (a group's, a match term's). */
bool sw_pol_labels_parse(struct sw_pol_ctx *c, const json_t *v, struct sw_label **labels,
			 size_t *n);
/* sw_pol_calloc - zeroed array of @n (at least one) elements; marks out of memory. */
void *sw_pol_calloc(struct sw_pol_ctx *c, size_t n, size_t size);

#endif
