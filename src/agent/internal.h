/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_AGENT_INTERNAL_H
#define SW_AGENT_INTERNAL_H

/*
 * Private to src/agent. The config reader walks the document once with a
 * JSON Pointer of where it is, as the policy reader does: every problem is
 * queued as a diagnostic and the walk goes on. Each section is a table of
 * keys (name, type, where in struct sw_agent_config, range), so a key is one
 * line and every key is checked the same way.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <segwatch/agent.h>
#include <segwatch/diag.h>
#include <segwatch/jsonptr.h>

#define SW_US 1000000ull

struct sw_acfg_ctx {
	struct sw_diags *diags;
	struct sw_jsonptr ptr;
	struct sw_agent_config *cfg;
	const char *base_dir;		/* prefix of relative paths; NULL: none */
	bool nomem;
};

enum sw_acfg_type {
	SW_ACFG_SECONDS,	/* duration -> uint32_t seconds (whole) */
	SW_ACFG_DURATION,	/* duration -> uint64_t microseconds; null: 0 (none) */
	SW_ACFG_SIZE,		/* size -> uint64_t bytes; null: 0 (none) */
	SW_ACFG_U32,		/* integer -> uint32_t */
	SW_ACFG_INT,		/* integer -> int; null: -1 */
	SW_ACFG_COUNT,		/* integer -> size_t */
	SW_ACFG_BOOL,
	SW_ACFG_ENUM,		/* one of names -> int (the index, or values[index]) */
	SW_ACFG_STRING,		/* -> const char * (owned by the config); null: NULL */
	SW_ACFG_PATH,		/* the same, relative to the config's directory */
	SW_ACFG_CUSTOM,		/* fn */
};

struct sw_acfg_key {
	const char *name;
	enum sw_acfg_type type;
	size_t off;			/* in struct sw_agent_config */
	uint64_t min, max;		/* inclusive; in the stored unit (µs for durations) */
	bool nullable;			/* null is accepted (stored as 0 / NULL / -1) */
	const char *const *names;	/* SW_ACFG_ENUM */
	const int *values;		/* SW_ACFG_ENUM: stored instead of the index; may be NULL */
	size_t n_names;
	bool (*fn)(struct sw_acfg_ctx *c, const json_t *v);	/* SW_ACFG_CUSTOM */
};

/* config_value.c: diagnostics and typed values */
bool sw_acfg_err(struct sw_acfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_acfg_warn(struct sw_acfg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* sw_acfg_keys_check - refuse members of @obj that are not in @keys (with a suggestion). */
bool sw_acfg_keys_check(struct sw_acfg_ctx *c, const json_t *obj, const struct sw_acfg_key *keys,
			size_t n);
/* sw_acfg_value - parse @v as @k says into c->cfg, at the current pointer. */
bool sw_acfg_value(struct sw_acfg_ctx *c, const struct sw_acfg_key *k, const json_t *v);
/* sw_acfg_section - @obj must be an object: its keys checked, then each parsed. */
bool sw_acfg_section(struct sw_acfg_ctx *c, const json_t *obj, const struct sw_acfg_key *keys,
		     size_t n);
/* sw_acfg_strdup - a copy owned by the config (freed by sw_agent_config_clear). */
const char *sw_acfg_strdup(struct sw_acfg_ctx *c, const char *s);
/* sw_acfg_path - @s, prefixed with the config's directory when relative; owned by the config. */
const char *sw_acfg_path(struct sw_acfg_ctx *c, const char *s);
/* sw_acfg_enum_text - "\"a\", \"b\" or \"c\"" for messages. */
const char *sw_acfg_enum_text(const char *const *names, size_t n, char *buf, size_t size);

/* config_json.c: durations and sizes as written in the file */
const char *sw_acfg_duration_text(uint64_t us, char *buf, size_t size);
const char *sw_acfg_size_text(uint64_t bytes, char *buf, size_t size);

/* config.c: names of the enumerations, for config_json.c */
extern const char *const sw_acfg_level_names[5];
extern const int sw_acfg_level_values[5];

#endif
