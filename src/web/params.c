/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The API's query parameters (docs/web.md "API"): the filter options of
 * `segwatch flows` without their dashes, mapped one to one onto a struct
 * sw_query, so the page filters in the same language as the command line.
 * Everything here comes from the network: every value is checked by the
 * option it feeds, and errors name the parameter, not the option.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/units.h>
#include <segwatch/web.h>

enum { SW_WP_SINCE, SW_WP_UNTIL, SW_WP_GROUP_BY, SW_WP_ALL, SW_WP_LIMIT, SW_WP_AFTER };

#define SW_WP_FILTERS (1u << SW_WEB_API_GRAPH | 1u << SW_WEB_API_FLOWS)

static const struct sw_web_param {
	const char *name;
	int query_opt;		/* enum sw_query_opt, or -1 */
	int single;		/* index in seen_single, or -1: repeatable */
	unsigned apis;		/* 1 << enum sw_web_api */
} sw_web_params_tab[] = {
	{ "since", SW_QUERY_SINCE, SW_WP_SINCE, SW_WP_FILTERS },
	{ "until", SW_QUERY_UNTIL, SW_WP_UNTIL, SW_WP_FILTERS },
	{ "from", SW_QUERY_FROM, -1, SW_WP_FILTERS },
	{ "to", SW_QUERY_TO, -1, SW_WP_FILTERS },
	{ "peer", SW_QUERY_PEER, -1, SW_WP_FILTERS },
	{ "port", SW_QUERY_PORT, -1, SW_WP_FILTERS },
	{ "proto", SW_QUERY_PROTO, -1, SW_WP_FILTERS },
	{ "state", SW_QUERY_STATE, -1, SW_WP_FILTERS },
	{ "verdict", SW_QUERY_VERDICT, -1, SW_WP_FILTERS },
	{ "group_by", -1, SW_WP_GROUP_BY, 1u << SW_WEB_API_GRAPH },
	{ "all", -1, SW_WP_ALL, 1u << SW_WEB_API_GRAPH },
	{ "limit", -1, SW_WP_LIMIT, 1u << SW_WEB_API_FLOWS | 1u << SW_WEB_API_ALERTS },
	{ "after", -1, SW_WP_AFTER, 1u << SW_WEB_API_ALERTS },
};

static const char *const sw_web_api_names[] = { "/api/graph", "/api/flows", "/api/alerts" };

int sw_web_params_init(struct sw_web_params *p, enum sw_web_api api, struct sw_err *err)
{
	memset(p, 0, sizeof(*p));
	p->api = api;
	p->limit = SW_WEB_LIMIT_DEFAULT;
	if (api != SW_WEB_API_ALERTS && !(p->q = sw_query_alloc()))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	return SW_EXIT_OK;
}

void sw_web_params_clear(struct sw_web_params *p)
{
	sw_query_free(p->q);
	p->q = NULL;
}

/* "--state: unknown state ..." from the query is "state: ..." here. */
static int sw_web_params_rename(struct sw_err *err)
{
	size_t n = strlen(err->msg);

	if (n > 2 && err->msg[0] == '-' && err->msg[1] == '-')
		memmove(err->msg, err->msg + 2, n - 1);
	return err->code;
}

static bool sw_web_u64(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (!*v || *v < '0' || *v > '9')
		return false;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (*end || errno || n > max)
		return false;
	*out = n;
	return true;
}

static int sw_web_group_by(struct sw_web_params *p, const char *v, struct sw_err *err)
{
	size_t n = strlen(v);

	if (strcmp(v, "workload") == 0) {
		p->by = SW_GRAPH_BY_WORKLOAD;
		return SW_EXIT_OK;
	}
	if (strcmp(v, "group") == 0) {
		p->by = SW_GRAPH_BY_GROUP;
		return SW_EXIT_OK;
	}
	if (n == 0 || n >= sizeof(p->label))
		return sw_err_set(err, SW_EXIT_USAGE, "group_by: expected workload, group or a "
				  "label key of 1 to %zu bytes", sizeof(p->label) - 1);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x21 || *c == 0x7f)
			return sw_err_set(err, SW_EXIT_USAGE,
					  "group_by: a label key has no spaces or control characters");
	memcpy(p->label, v, n + 1);
	p->by = SW_GRAPH_BY_LABEL;
	return SW_EXIT_OK;
}

static int sw_web_own(struct sw_web_params *p, int which, const char *v, struct sw_err *err)
{
	uint64_t n;

	switch (which) {
	case SW_WP_GROUP_BY:
		return sw_web_group_by(p, v, err);
	case SW_WP_ALL:
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || !*v)
			p->all = true;
		else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
			p->all = false;
		else
			return sw_err_set(err, SW_EXIT_USAGE, "all: expected 1, 0, true or false");
		return SW_EXIT_OK;
	case SW_WP_LIMIT:
		if (!sw_web_u64(v, SW_WEB_LIMIT_MAX, &n) || n == 0)
			return sw_err_set(err, SW_EXIT_USAGE, "limit: expected a number from 1 to %d",
					  SW_WEB_LIMIT_MAX);
		p->limit = (size_t)n;
		return SW_EXIT_OK;
	case SW_WP_AFTER:
		if (!sw_web_u64(v, UINT64_MAX, &p->after))
			return sw_err_set(err, SW_EXIT_USAGE,
					  "after: expected an alert's sequence number (0 for all)");
		return SW_EXIT_OK;
	}
	return SW_EXIT_OK;
}

int sw_web_params_add(struct sw_web_params *p, const char *key, const char *value,
		      uint64_t now_us, struct sw_err *err)
{
	const struct sw_web_param *w = NULL;
	struct sw_web_param other;
	enum sw_query_opt qo;

	if (strcmp(key, "token") == 0)
		return SW_EXIT_OK; /* the server's (docs/web.md "Access") */
	for (size_t i = 0; i < sizeof(sw_web_params_tab) / sizeof(sw_web_params_tab[0]); i++)
		if (strcmp(sw_web_params_tab[i].name, key) == 0)
			w = &sw_web_params_tab[i];
	/* a filter option added to the language later is a parameter too (docs/filters.md) */
	if (!w && key[0] != '-' && sw_query_opt_parse(key, &qo) && qo != SW_QUERY_TYPE) {
		other = (struct sw_web_param){ key, (int)qo, -1, SW_WP_FILTERS };
		w = &other;
	}
	if (!w || !(w->apis & (1u << p->api))) {
		char shown[40];

		/* the name comes from the network: shown cut and only when printable */
		snprintf(shown, sizeof(shown), "%s", key);
		for (char *c = shown; *c; c++)
			if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e || *c == '"' ||
			    *c == '\\')
				*c = '?';
		return sw_err_set(err, SW_EXIT_USAGE, "%s\"%s\" is not a parameter of %s",
				  w ? "" : "unknown parameter: ", shown, sw_web_api_names[p->api]);
	}
	if (w->single >= 0) {
		if (p->seen_single[w->single])
			return sw_err_set(err, SW_EXIT_USAGE, "%s: given twice", w->name);
		p->seen_single[w->single] = true;
	}
	if (w->query_opt < 0)
		return sw_web_own(p, w->single, value, err);
	if (sw_query_add(p->q, (enum sw_query_opt)w->query_opt, value, now_us, err) != SW_EXIT_OK)
		return sw_web_params_rename(err);
	/* the store is read by the window too: the same times, parsed the same way */
	if (w->single == SW_WP_SINCE || w->single == SW_WP_UNTIL) {
		uint64_t t = 0;

		if (!sw_units_time_parse(value, now_us, &t))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: not a time", w->name);
		if (w->single == SW_WP_SINCE) {
			p->since_us = t;
			p->since_given = true;
		} else {
			p->until_us = t;
		}
	}
	return SW_EXIT_OK;
}

static int sw_web_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One percent-decoded component into @out (@size bytes); false for a bad escape, a NUL, or too long. */
static bool sw_web_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = sw_web_hex(s[i + 1])) < 0 ||
			    (lo = sw_web_hex(s[i + 2])) < 0)
				return false;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

int sw_web_params_parse(struct sw_web_params *p, const char *qs, size_t len, uint64_t now_us,
			struct sw_err *err)
{
	char key[64], value[1024];
	size_t i = 0;

	while (i < len) {
		size_t start = i, eq;
		const char *amp = memchr(qs + i, '&', len - i);
		size_t end = amp ? (size_t)(amp - qs) : len;
		const char *e = memchr(qs + start, '=', end - start);
		int rc;

		i = end + 1;
		if (end == start)
			continue; /* "a=1&&b=2" */
		eq = e ? (size_t)(e - qs) : end;
		if (!sw_web_decode(qs + start, eq - start, key, sizeof(key)))
			return sw_err_set(err, SW_EXIT_USAGE, "a parameter name that is not "
					  "percent-encoded text of at most %zu bytes", sizeof(key) - 1);
		if (!sw_web_decode(e ? qs + eq + 1 : "", e ? end - eq - 1 : 0, value, sizeof(value)))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: a value that is not "
					  "percent-encoded text of at most %zu bytes",
					  strcmp(key, "token") == 0 ? "token" : "parameter",
					  sizeof(value) - 1);
		if ((rc = sw_web_params_add(p, key, value, now_us, err)) != SW_EXIT_OK)
			return rc;
	}
	return SW_EXIT_OK;
}

int sw_web_params_finish(struct sw_web_params *p, const struct sw_policy *pol, uint64_t now_us,
			 uint64_t window_us, struct sw_err *err)
{
	uint64_t oldest = now_us > window_us ? now_us - window_us : 0;

	if (p->api == SW_WEB_API_ALERTS)
		return SW_EXIT_OK;
	/* the store holds the window only: an earlier since is the window */
	if (!p->since_given || p->since_us < oldest)
		p->since_us = oldest;
	if (p->by == SW_GRAPH_BY_GROUP && !pol)
		return sw_err_set(err, SW_EXIT_USAGE, "group_by: group needs a policy, and the "
				  "agent has none (policy.file)");
	if (sw_query_compile(p->q, pol, "the agent's policy", err) != SW_EXIT_OK)
		return sw_web_params_rename(err);
	return SW_EXIT_OK;
}
