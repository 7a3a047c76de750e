/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_FLOWFILE_H
#define SEGWATCH_FLOWFILE_H

/*
 * flowfile - the one check of what segwatch reads back from flow files
 * against their documented schema (docs/flows.md, docs/graph.md): the
 * records of `capture -w` JSON lines and of the agent's history ("flow",
 * "kernel_log", "counters"), `capture --json` documents and graph
 * documents. Every reader (graph, report, learn, policy test, flows, graph
 * merge) runs it before a record is used, so no command folds, shows or
 * judges a value that is not what the file meant: a port is 0-65535, a
 * protocol 0-255 and the number its name says, a count a non-negative
 * integer, a time an RFC 3339 UTC time not after its end, an enum one of its
 * values, a document of a known type, version and shape.
 *
 * Errors name the place with a JSON Pointer, relative to what was checked:
 * "/dport: 70000 is not a port (0-65535)". The caller prefixes the file and
 * line ("flows.jsonl:12: "). Nothing here prints; nothing here allocates.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <segwatch/exit.h>

/* Limits of every flow-file reader (docs/flows.md "Limits"). */
#define SW_FLOWFILE_LINE_MAX (1024 * 1024)		/* a JSON line, without its newline */
#define SW_FLOWFILE_DOC_MAX (64u * 1024 * 1024)		/* a whole document (capture --json, graph, baseline) */
#define SW_FLOWFILE_FIFO_WAIT_S 10			/* a named FIFO's first byte */
#define SW_FLOWFILE_COUNT_MAX INT64_MAX			/* counts and their sums stop here */

/* What a checked record is. */
enum sw_flowfile_kind {
	SW_FLOWFILE_OTHER = 0,	/* a record type this segwatch does not know: readers skip it */
	SW_FLOWFILE_FLOW,
	SW_FLOWFILE_KERNEL_LOG,
	SW_FLOWFILE_COUNTERS,
	SW_FLOWFILE_CAPTURE,	/* a `capture --json` document */
	SW_FLOWFILE_GRAPH,	/* a graph document */
};

/**
 * sw_flowfile_record_check - one JSON line of a flow file
 * @rec: the parsed line
 * @kind: what it is, when valid
 *
 * A line is an object with a string "type". Known types are checked field
 * by field; unknown ones are SW_FLOWFILE_OTHER (fields are only ever added:
 * docs/flows.md). A line that is a whole document (type "capture" or
 * "graph") is checked as one. Returns SW_EXIT_OK, or SW_EXIT_USAGE with
 * @err->msg "POINTER: what is wrong".
 */
int sw_flowfile_record_check(const json_t *rec, enum sw_flowfile_kind *kind, struct sw_err *err);

/**
 * sw_flowfile_doc_check - a whole-file document: a `capture --json`
 * document or a graph, of version 1, every record inside checked
 * @kind: SW_FLOWFILE_CAPTURE or SW_FLOWFILE_GRAPH when valid
 *
 * A top-level array, another type, another version, or a member of the
 * wrong shape ({"flows": "x"}) is refused. Returns like
 * sw_flowfile_record_check.
 */
int sw_flowfile_doc_check(const json_t *doc, enum sw_flowfile_kind *kind, struct sw_err *err);

/*
 * sw_flowfile_time_parse - an RFC 3339 UTC time as flow files write it,
 * "2026-11-22T13:52:03.123456Z" (fraction optional, 'Z' required), into
 * microseconds since the epoch; false for anything else.
 */
bool sw_flowfile_time_parse(const char *text, uint64_t *us);

/* sw_flowfile_count_add - @a + @b, stopping at SW_FLOWFILE_COUNT_MAX instead of wrapping. */
static inline uint64_t sw_flowfile_count_add(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;

	return s < a || s > (uint64_t)SW_FLOWFILE_COUNT_MAX ? (uint64_t)SW_FLOWFILE_COUNT_MAX : s;
}

/**
 * sw_flowfile_doc_load - read a whole-file document (a baseline, a policy
 * test's flows) of at most SW_FLOWFILE_DOC_MAX bytes from @path ("-":
 * standard input; a FIFO waits at most SW_FLOWFILE_FIFO_WAIT_S for its
 * first byte)
 *
 * Returns SW_EXIT_OK with @out (the caller's), SW_EXIT_RUNTIME "PATH: ..."
 * when it cannot be read, SW_EXIT_USAGE "PATH:LINE:COL: error: ..." when it
 * is not JSON, "PATH: error: larger than 64 MiB" past the bound.
 */
int sw_flowfile_doc_load(const char *path, json_t **out, struct sw_err *err);

/**
 * sw_flowfile_open - open @path for reading ("-": a copy of standard input)
 * the way every flow-file reader does: a named FIFO waits at most
 * SW_FLOWFILE_FIFO_WAIT_S seconds for a writer's first byte. Returns the
 * descriptor, or -1 with @err (SW_EXIT_RUNTIME, "PATH: ...").
 */
int sw_flowfile_open(const char *path, struct sw_err *err);

#endif
