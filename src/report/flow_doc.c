/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flow_doc.c - whole-file documents of flow files (include/segwatch/
 * flowfile.h): `capture --json` documents and graph documents checked with
 * every record inside, and reading a document within a bound (a FIFO that
 * never writes, /dev/zero, a 10 GB file end with an error, not a wait or a
 * growing buffer).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <segwatch/text.h>

#include "flow_read.h"

/* Each element of array @key (optional) is a record of @want. */
static bool sw_ffc_records(struct sw_ffc *c, const json_t *o, const char *key,
			   enum sw_flowfile_kind want, const char *type)
{
	const json_t *a = json_object_get(o, key), *v;
	enum sw_flowfile_kind kind;
	size_t i, mark, m2;

	if (!a)
		return true;
	mark = sw_jsonptr_key(&c->ptr, key);
	if (!json_is_array(a))
		return sw_ffc_fail(c, "expected an array of \"%s\" records, got %s", type,
				   sw_text_json_type(a));
	json_array_foreach(a, i, v) {
		m2 = sw_jsonptr_index(&c->ptr, i);
		if (!sw_ffc_record(c, v, &kind))
			return false;
		if (kind != want) {
			sw_jsonptr_key(&c->ptr, "type");
			return sw_ffc_fail(c, "expected a \"%s\" record here", type);
		}
		sw_jsonptr_pop(&c->ptr, m2);
	}
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

static bool sw_ffc_capture(struct sw_ffc *c, const json_t *o)
{
	bool ok;
	const json_t *counters = sw_ffc_object(c, o, "counters", false, &ok);
	size_t mark;

	if (!ok || !sw_ffc_records(c, o, "flows", SW_FLOWFILE_FLOW, "flow") ||
	    !sw_ffc_records(c, o, "kernel_log", SW_FLOWFILE_KERNEL_LOG, "kernel_log"))
		return false;
	if (!counters)
		return true;
	mark = sw_jsonptr_key(&c->ptr, "counters");
	if (!sw_ffc_counters(c, counters))
		return false;
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

/* An object member @key whose every value is a count. */
static bool sw_ffc_count_map(struct sw_ffc *c, const json_t *o, const char *key)
{
	bool ok;
	const json_t *m = sw_ffc_object(c, o, key, false, &ok);
	const char *k;
	json_t *v;
	size_t mark;

	if (!m)
		return ok;
	mark = sw_jsonptr_key(&c->ptr, key);
	json_object_foreach((json_t *)m, k, v)
		if (!sw_ffc_count(c, m, k, true))
			return false;
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

static bool sw_ffc_graph_edge(struct sw_ffc *c, const json_t *e)
{
	static const char *const verdicts[] = { "allowed", "unmanaged", "monitor", "violation",
						"none", NULL };
	bool ok, icmp = json_object_get(e, "icmp_type") != NULL;
	uint8_t p;

	if (!json_is_object(e))
		return sw_ffc_fail(c, "an edge is an object, not %s", sw_text_json_type(e));
	sw_ffc_string(c, e, "src", true, &ok);
	if (ok)
		sw_ffc_string(c, e, "dst", true, &ok);
	if (ok)
		sw_ffc_string(c, e, "proto", true, &ok);
	if (ok)
		sw_ffc_string(c, e, "rule", false, &ok);
	if (ok)
		sw_ffc_string(c, e, "rule_name", false, &ok);
	return ok && sw_ffc_int(c, e, "proto_num", true, 0, 255, "an IP protocol number", NULL) &&
	       sw_ffc_proto(c, e, "proto", &p) &&
	       sw_ffc_int(c, e, icmp ? "icmp_type" : "port", true, 0, icmp ? 255 : 65535,
			  icmp ? "an ICMP type" : "a port", NULL) &&
	       sw_ffc_count(c, e, "flows", false) && sw_ffc_count_map(c, e, "states") &&
	       sw_ffc_count_map(c, e, "fwd") && sw_ffc_count_map(c, e, "rev") &&
	       sw_ffc_count_map(c, e, "verdicts") && sw_ffc_enum(c, e, "verdict", false, verdicts) &&
	       sw_ffc_span(c, e, "first_seen", "last_seen");
}

static bool sw_ffc_graph_node(struct sw_ffc *c, const json_t *n)
{
	bool ok;

	if (!json_is_object(n))
		return sw_ffc_fail(c, "a node is an object, not %s", sw_text_json_type(n));
	sw_ffc_string(c, n, "id", true, &ok);
	if (ok)
		sw_ffc_string(c, n, "kind", true, &ok);
	if (ok)
		sw_ffc_string(c, n, "name", false, &ok);
	return ok;
}

/* Array @key (required) of @o, each element checked by @one. */
static bool sw_ffc_each(struct sw_ffc *c, const json_t *o, const char *key,
			bool (*one)(struct sw_ffc *, const json_t *))
{
	bool ok;
	const json_t *a = sw_ffc_member(c, o, key, true, &ok), *v;
	size_t i, mark, m2;

	if (!ok)
		return false;
	mark = sw_jsonptr_key(&c->ptr, key);
	if (!json_is_array(a))
		return sw_ffc_fail(c, "expected an array, got %s", sw_text_json_type(a));
	json_array_foreach(a, i, v) {
		m2 = sw_jsonptr_index(&c->ptr, i);
		if (!one(c, v))
			return false;
		sw_jsonptr_pop(&c->ptr, m2);
	}
	sw_jsonptr_pop(&c->ptr, mark);
	return true;
}

static bool sw_ffc_graph(struct sw_ffc *c, const json_t *o)
{
	static const char *const by[] = { "workload", "group", "label", NULL };
	bool ok;

	if (!sw_ffc_enum(c, o, "group_by", false, by))
		return false;
	sw_ffc_string(c, o, "label", false, &ok);
	if (ok)
		sw_ffc_string(c, o, "policy", false, &ok);
	return ok && sw_ffc_each(c, o, "nodes", sw_ffc_graph_node) &&
	       sw_ffc_each(c, o, "edges", sw_ffc_graph_edge) &&
	       sw_ffc_count_map(c, o, "completeness");
}

bool sw_ffc_doc(struct sw_ffc *c, const json_t *o, enum sw_flowfile_kind *kind)
{
	const json_t *v;
	const char *type;
	bool ok;

	*kind = SW_FLOWFILE_OTHER;
	if (!json_is_object(o))
		return sw_ffc_fail(c, "a flow file holds JSON objects: records, one a line, or a "
				   "{\"type\":\"capture\"} or {\"type\":\"graph\"} document; not %s",
				   sw_text_json_type(o));
	if (!(type = sw_ffc_string(c, o, "type", true, &ok)))
		return false;
	if (strcmp(type, "capture") && strcmp(type, "graph")) {
		sw_jsonptr_key(&c->ptr, "type");
		return sw_ffc_fail(c, "not a document type (\"capture\" or \"graph\")");
	}
	if (!(v = sw_ffc_member(c, o, "version", true, &ok)))
		return false;
	if (!json_is_integer(v) || json_integer_value(v) != 1) {
		sw_jsonptr_key(&c->ptr, "version");
		if (!json_is_integer(v))
			return sw_ffc_fail(c, "expected an integer, got %s", sw_text_json_type(v));
		return sw_ffc_fail(c, "version %lld is not one this segwatch reads (1)",
				   (long long)json_integer_value(v));
	}
	if (strcmp(type, "graph") == 0) {
		*kind = SW_FLOWFILE_GRAPH;
		return sw_ffc_graph(c, o);
	}
	*kind = SW_FLOWFILE_CAPTURE;
	return sw_ffc_capture(c, o);
}

int sw_flowfile_doc_check(const json_t *doc, enum sw_flowfile_kind *kind, struct sw_err *err)
{
	struct sw_ffc c = { .err = err };

	sw_jsonptr_init(&c.ptr);
	return sw_ffc_doc(&c, doc, kind) ? SW_EXIT_OK : SW_EXIT_USAGE;
}

/* A named FIFO: opened without waiting for a writer, then its first byte awaited (bounded). */
static int sw_flowfile_open_fifo(const char *path, struct sw_err *err)
{
	struct pollfd pfd = { .events = POLLIN };
	int rc;

	if ((pfd.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
		return -1;
	}
	do
		rc = poll(&pfd, 1, SW_FLOWFILE_FIFO_WAIT_S * 1000);
	while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: nothing written to this FIFO within %d s",
			   path, SW_FLOWFILE_FIFO_WAIT_S);
		close(pfd.fd);
		return -1;
	}
	fcntl(pfd.fd, F_SETFL, fcntl(pfd.fd, F_GETFL) & ~O_NONBLOCK);
	return pfd.fd;
}

int sw_flowfile_open(const char *path, struct sw_err *err)
{
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	else if (stat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		return sw_flowfile_open_fifo(path, err);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
	return fd;
}

/* All of @fd, at most SW_FLOWFILE_DOC_MAX bytes, into @buf (the caller's); -1: too large. */
static ssize_t sw_flowfile_slurp(int fd, char **buf)
{
	size_t len = 0, cap = 0;
	ssize_t got;
	char *nb;

	*buf = NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			if (cap > SW_FLOWFILE_DOC_MAX + 65536)
				cap = SW_FLOWFILE_DOC_MAX + 65536;
			if (!(nb = realloc(*buf, cap)))
				return -2;
			*buf = nb;
		}
		got = read(fd, *buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -3 : (ssize_t)len;
		len += (size_t)got;
		if (len > SW_FLOWFILE_DOC_MAX)
			return -1;
	}
}

int sw_flowfile_doc_load(const char *path, json_t **out, struct sw_err *err)
{
	struct sw_json_err_text why;
	json_error_t je;
	char *buf;
	ssize_t len;
	int fd = sw_flowfile_open(path, err), e;

	*out = NULL;
	if (fd < 0)
		return err->code;
	len = sw_flowfile_slurp(fd, &buf);
	e = errno;
	close(fd);
	if (len < 0) {
		free(buf);
		if (len == -1)
			return sw_err_set(err, SW_EXIT_USAGE, "%s: error: larger than %u MiB, the "
					  "bound on a document", path, SW_FLOWFILE_DOC_MAX >> 20);
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", path,
				  len == -2 ? "out of memory" : strerror(e));
	}
	*out = json_loadb(buf ? buf : "", (size_t)len, 0, &je);
	free(buf);
	if (!*out)
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", path, je.line,
				  je.column, sw_text_json_error(&why, &je));
	return SW_EXIT_OK;
}
