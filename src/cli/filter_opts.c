/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The filter options shared by flows, graph, report and capture
 * (src/cli/filter.h): values go into a struct sw_query as they come, so an
 * error names the option and the value as typed; the values are also kept
 * as given, for the "filter:" line and the "filter" object of JSON output.
 */
#include <stdlib.h>
#include <string.h>

#include <segwatch/clock.h>
#include <segwatch/text.h>

#include "cli.h"
#include "filter.h"

int sw_cli_filter_init(struct sw_cli_filter *f, const char *who)
{
	memset(f, 0, sizeof(*f));
	f->who = who;
	f->now_us = sw_clock_wall_us();
	if (!(f->q = sw_query_alloc()) || !(f->given = json_object())) {
		fprintf(stderr, "%s: out of memory\n", who);
		return SW_EXIT_RUNTIME;
	}
	return SW_EXIT_OK;
}

void sw_cli_filter_free(struct sw_cli_filter *f)
{
	sw_query_free(f->q);
	json_decref(f->given);
	f->q = NULL;
	f->given = NULL;
}

bool sw_cli_filter_is_opt(int c)
{
	return c >= SW_FILTER_OPT && c < SW_FILTER_OPT + SW_QUERY_OPT_MAX;
}

/* The value as given, under the option's name without "--"; false on out of memory. */
static bool sw_cli_filter_keep(struct sw_cli_filter *f, enum sw_query_opt o, const char *arg)
{
	const char *key = sw_query_opt_name(o) + 2;
	json_t *list = json_object_get(f->given, key);

	/* --since and --until: the last one counts, as in the query */
	if (!list || o == SW_QUERY_SINCE || o == SW_QUERY_UNTIL) {
		if (!(list = json_array()) || json_object_set_new(f->given, key, list) != 0)
			return false;
	}
	return json_array_append_new(list, json_string(arg)) == 0;
}

int sw_cli_filter_opt(struct sw_cli_filter *f, int c, const char *arg)
{
	enum sw_query_opt o = (enum sw_query_opt)(c - SW_FILTER_OPT);
	struct sw_err err = { 0 };
	int rc;

	if (!sw_cli_filter_is_opt(c))
		return SW_EXIT_USAGE;
	rc = sw_query_add(f->q, o, arg, f->now_us, &err);
	if (rc == SW_EXIT_USAGE) {
		sw_cli_usage_error(f->who, "%s", err.msg);
		return rc;
	}
	if (rc != SW_EXIT_OK || !sw_cli_filter_keep(f, o, arg)) {
		fprintf(stderr, "%s: %s\n", f->who, rc != SW_EXIT_OK ? SW_MSG(err.msg) : "out of memory");
		return SW_EXIT_RUNTIME;
	}
	if (o != SW_QUERY_SINCE && o != SW_QUERY_UNTIL)
		f->selects = true;
	else
		f->window = true;
	/* "group:" is the one prefix that means a group (src/query/endpoint.c) */
	if (o == SW_QUERY_VERDICT ||
	    ((o == SW_QUERY_FROM || o == SW_QUERY_TO || o == SW_QUERY_PEER) &&
	     strncmp(arg, "group:", 6) == 0))
		f->needs_policy = true;
	return SW_EXIT_OK;
}

int sw_cli_filter_compile(struct sw_cli_filter *f, const struct sw_policy *p,
			  const char *policy_name)
{
	struct sw_err err = { 0 };
	int rc = sw_query_compile(f->q, p, policy_name, &err);

	if (rc == SW_EXIT_USAGE)
		sw_cli_usage_error(f->who, "%s", err.msg);
	else if (rc != SW_EXIT_OK)
		fprintf(stderr, "%s: %s\n", f->who, SW_MSG(err.msg));
	return rc;
}

void sw_cli_filter_window(const struct sw_cli_filter *f, uint64_t *since_us, uint64_t *until_us)
{
	sw_query_window(f->q, since_us, until_us);
}

/* Whether flows are chosen one by one (a query), not only by a reader's window. */
static bool sw_cli_filter_on(const struct sw_cli_filter *f)
{
	return f->selects || (f->window && f->window_selects);
}

struct sw_query *sw_cli_filter_query(const struct sw_cli_filter *f)
{
	return sw_cli_filter_on(f) ? f->q : NULL;
}

int sw_cli_filter_query_timeless(const struct sw_cli_filter *f, const struct sw_policy *p,
				 const char *policy_name, struct sw_query **out)
{
	struct sw_cli_filter t = { .who = f->who, .now_us = f->now_us };
	enum sw_query_opt o;
	const char *key;
	json_t *list, *v;
	size_t i;
	int rc = SW_EXIT_OK;

	*out = NULL;
	if (!f->selects)
		return SW_EXIT_OK;
	if (!(t.q = sw_query_alloc()) || !(t.given = json_object())) {
		sw_cli_filter_free(&t);
		fprintf(stderr, "%s: out of memory\n", f->who);
		return SW_EXIT_RUNTIME;
	}
	json_object_foreach(f->given, key, list) {
		if (!sw_query_opt_parse(key, &o) || o == SW_QUERY_SINCE || o == SW_QUERY_UNTIL)
			continue;
		json_array_foreach(list, i, v)
			if (rc == SW_EXIT_OK)
				rc = sw_cli_filter_opt(&t, SW_FILTER_OPT + (int)o, json_string_value(v));
	}
	if (rc == SW_EXIT_OK)
		rc = sw_cli_filter_compile(&t, p, policy_name);
	if (rc == SW_EXIT_OK) {
		*out = t.q;
		t.q = NULL;
	}
	sw_cli_filter_free(&t);
	return rc;
}

/* A value as typed, quoted when a shell would read it otherwise ("*", "!", spaces). */
static void sw_cli_filter_value(FILE *out, const char *v)
{
	if (*v && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			 "./:=,_@+-") == strlen(v))
		fputs(SW_CELL(v), out);
	else
		fprintf(out, "'%s'", SW_CELL(v));
}

void sw_cli_filter_line(const struct sw_cli_filter *f, FILE *out, uint64_t left_out,
			const char *whole)
{
	const char *key;
	json_t *list, *v;
	size_t i;

	if (!sw_cli_filter_on(f))
		return;
	fputs("filter:", out);
	json_object_foreach(f->given, key, list)
		json_array_foreach(list, i, v)
		{
			fprintf(out, " --%s ", key);
			sw_cli_filter_value(out, json_string_value(v));
		}
	if (left_out != UINT64_MAX)
		fprintf(out, " (%llu flow%s left out", (unsigned long long)left_out,
			left_out == 1 ? "" : "s");
	else
		fputs(" (", out);
	fprintf(out, "%s%s)\n", left_out != UINT64_MAX && whole ? "; " : "", whole ? whole : "");
}

json_t *sw_cli_filter_json(const struct sw_cli_filter *f)
{
	return sw_cli_filter_on(f) ? json_deep_copy(f->given) : NULL;
}
