// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * records.c - flow records from paths (include/segwatch/query.h): history
 * directories, JSON-lines files, standard input and FIFOs, all through the
 * history reader (bounded lines, zstd); whole-file documents (`capture
 * --json`, saved graphs) handed over whole. What `graph`, `report`, `learn`
 * and `policy test` read; `flows` reads lines itself (it prints them as
 * they are).
 *
 * A file is JSON lines unless its first non-blank line is the start of a
 * JSON value that goes on over more lines: then the file is one document,
 * collected (at most SW_FLOWFILE_DOC_MAX bytes) and parsed whole. Every
 * record and document is checked against its schema (flowfile.h) before it
 * is handed over: no caller sees a record it could misread. The first bad
 * line ends the read with "PATH:LINE: ..." and SW_EXIT_USAGE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <segwatch/flowfile.h>
#include <segwatch/history.h>
#include <segwatch/text.h>

#include "internal.h"

struct sw_query_records {
	const char *const *paths;
	size_t n, next;			/* paths; the next one to open */
	size_t input;			/* the one being read */
	uint64_t since_us, until_us;
	struct sw_history_reader *hr;	/* the current path's lines */
	json_t *rec;			/* returned last */
	char last_path[4096];		/* the file the last line came from */
	uint64_t last_lineno;
	bool fresh;			/* no record read yet from the current file */
	bool in_doc;			/* collecting a multi-line document into buf */
	char doc_path[4096];
	uint64_t doc_lineno;		/* its first line */
	char *buf;			/* the document's lines so far */
	size_t len, cap;
	bool pending;			/* a line read past the end of a document, to go on with */
	const char *p_line, *p_path;
	size_t p_len;
	uint64_t p_lineno;
	uint64_t files, skipped, records;
};

int sw_query_records_open(struct sw_query_records **out, const char *const *paths, size_t n,
			  uint64_t since_us, uint64_t until_us, struct sw_err *err)
{
	struct sw_query_records *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	r->paths = paths;
	r->n = n;
	r->since_us = since_us;
	r->until_us = until_us;
	return SW_EXIT_OK;
}

static void sw_q_rec_reader_done(struct sw_query_records *r)
{
	r->files += sw_history_reader_files_read(r->hr);
	r->skipped += sw_history_reader_skipped(r->hr);
	sw_history_reader_close(r->hr);
	r->hr = NULL;
}

/* Start the next path: its lines (or its document) through a history reader. */
static int sw_q_rec_start(struct sw_query_records *r, struct sw_err *err)
{
	const char *path = r->paths[r->next];
	struct sw_history_read_opts o = { .since_us = r->since_us, .until_us = r->until_us,
					  .long_line_error = true };
	struct stat st;

	r->input = r->next++;
	r->last_path[0] = '\0';
	r->last_lineno = 0;
	if (strcmp(path, "-") != 0 && stat(path, &st) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path,
				  strerror(errno));
	return sw_history_reader_open(&r->hr, &path, 1, &o, err);
}

/* Put the place before a check's "POINTER: what": "PATH:LINE: " (a line) or "PATH: " (a document). */
static int sw_q_rec_where_err(struct sw_err *err, const char *path, uint64_t lineno)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	if (lineno)
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu: %.400s", path,
				  (unsigned long long)lineno, msg);
	return sw_err_set(err, SW_EXIT_USAGE, "%s: %.400s", path, msg);
}

/* Append a line and its newline to the document being collected. */
static int sw_q_rec_doc_add(struct sw_query_records *r, const char *line, size_t len,
			    struct sw_err *err)
{
	size_t cap = r->cap ? r->cap : 65536;
	char *nb;

	if (r->len + len + 2 > SW_FLOWFILE_DOC_MAX)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: error: a document larger than %u MiB "
				  "(the bound on documents; write flows as JSON lines, capture -w)",
				  r->doc_path, SW_FLOWFILE_DOC_MAX >> 20);
	while (cap < r->len + len + 2)
		cap *= 2;
	if (cap != r->cap) {
		if (!(nb = realloc(r->buf, cap)))
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		r->buf = nb;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, line, len);
	r->len += len;
	r->buf[r->len++] = '\n';
	return SW_EXIT_OK;
}

/* The collected document, parsed and checked: 1 with it in @w's place. */
static int sw_q_rec_doc_end(struct sw_query_records *r, json_t **rec,
			    struct sw_query_rec_where *w, struct sw_err *err)
{
	struct sw_json_err_text text;
	enum sw_flowfile_kind kind;
	json_error_t e;

	r->in_doc = false;
	if (!(r->rec = json_loadb(r->buf, r->len, 0, &e)))
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu:%d: error: %s", r->doc_path,
				  (unsigned long long)(r->doc_lineno + (uint64_t)e.line - 1), e.column,
				  sw_text_json_error(&text, &e));
	if (sw_flowfile_doc_check(r->rec, &kind, err) != SW_EXIT_OK)
		return sw_q_rec_where_err(err, r->doc_path, 0);
	*w = (struct sw_query_rec_where){ .path = r->doc_path, .document = true,
					  .input = r->input };
	*rec = r->rec;
	r->records++;
	return 1;
}

/*
 * A line's record: parsed, checked, windowed. A file's first line that is
 * the start of a JSON value (a document written over several lines) starts
 * a document instead. Returns 1 with a record, 0 to go on, or an error.
 */
static int sw_q_rec_parse(struct sw_query_records *r, const char *line, size_t len,
			  struct sw_query_rec_where *w, json_t **rec, struct sw_err *err)
{
	struct sw_json_err_text text;
	enum sw_flowfile_kind kind;
	json_error_t e;

	if (!(r->rec = json_loadb(line, len, 0, &e))) {
		if (r->fresh && (size_t)e.position >= len) { /* the start of a document */
			r->in_doc = true;
			r->len = 0;
			snprintf(r->doc_path, sizeof(r->doc_path), "%s", w->path);
			r->doc_lineno = w->lineno;
			return sw_q_rec_doc_add(r, line, len, err);
		}
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu:%d: error: %s: stopped here",
				  w->path, (unsigned long long)w->lineno, e.column,
				  sw_text_json_error(&text, &e));
	}
	r->fresh = false;
	if (sw_flowfile_record_check(r->rec, &kind, err) != SW_EXIT_OK)
		return sw_q_rec_where_err(err, w->path, w->lineno);
	w->document = kind == SW_FLOWFILE_CAPTURE || kind == SW_FLOWFILE_GRAPH;
	if (!w->document && !sw_query_span_meets(r->rec, r->since_us, r->until_us)) {
		json_decref(r->rec);
		r->rec = NULL;
		return 0;
	}
	*rec = r->rec;
	r->records++;
	return 1;
}

/* The next line of the current reader (or the one kept after a document). */
static int sw_q_rec_getline(struct sw_query_records *r, const char **line, size_t *len,
			    const char **path, uint64_t *lineno, struct sw_err *err)
{
	if (!r->pending)
		return sw_history_reader_next(r->hr, line, len, path, lineno, err);
	r->pending = false;
	*line = r->p_line, *len = r->p_len, *path = r->p_path, *lineno = r->p_lineno;
	return 1;
}

/* The next record of the current reader: 1, 0 at its end, or an error. */
static int sw_q_rec_line(struct sw_query_records *r, json_t **rec, struct sw_query_rec_where *w,
			 struct sw_err *err)
{
	const char *line, *path;
	uint64_t lineno;
	size_t len;
	bool first;
	int rc;

	while ((rc = sw_q_rec_getline(r, &line, &len, &path, &lineno, err)) == 1) {
		first = strcmp(path, r->last_path) != 0 || lineno <= r->last_lineno;
		if (first && r->in_doc) { /* the next file: the document ended with its own */
			r->pending = true;
			r->p_line = line, r->p_len = len, r->p_path = path, r->p_lineno = lineno;
			return sw_q_rec_doc_end(r, rec, w, err);
		}
		if (first) {
			snprintf(r->last_path, sizeof(r->last_path), "%s", path);
			r->fresh = true;
		}
		r->last_lineno = lineno;
		if (r->in_doc) {
			if ((rc = sw_q_rec_doc_add(r, line, len, err)) != SW_EXIT_OK)
				return rc;
			continue;
		}
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		*w = (struct sw_query_rec_where){ .path = path, .lineno = lineno,
						  .input = r->input };
		if ((rc = sw_q_rec_parse(r, line, len, w, rec, err)) != 0)
			return rc;
	}
	if (rc == 0 && r->in_doc)
		return sw_q_rec_doc_end(r, rec, w, err);
	return rc;
}

int sw_query_records_next(struct sw_query_records *r, json_t **rec, struct sw_query_rec_where *w,
			  struct sw_err *err)
{
	char msg[sizeof(err->msg)];
	int rc;

	json_decref(r->rec);
	r->rec = NULL;
	for (;;) {
		if (r->hr) {
			if ((rc = sw_q_rec_line(r, rec, w, err)) == 1)
				return 1;
			if (rc != 0)
				break;
			sw_q_rec_reader_done(r);
			continue;
		}
		if (r->next >= r->n)
			return 0;
		if ((rc = sw_q_rec_start(r, err)) != SW_EXIT_OK)
			return rc;
	}
	if (rc == SW_EXIT_USAGE) { /* damage: say how much came before it */
		memcpy(msg, err->msg, sizeof(msg));
		sw_err_set(err, rc, "%.440s (%llu records read before it)", msg,
			   (unsigned long long)r->records);
	}
	return rc;
}

uint64_t sw_query_records_files(const struct sw_query_records *r)
{
	return r->files + (r->hr ? sw_history_reader_files_read(r->hr) : 0);
}

uint64_t sw_query_records_skipped(const struct sw_query_records *r)
{
	return r->skipped + (r->hr ? sw_history_reader_skipped(r->hr) : 0);
}

void sw_query_records_close(struct sw_query_records *r)
{
	if (!r)
		return;
	if (r->hr)
		sw_q_rec_reader_done(r);
	json_decref(r->rec);
	free(r->buf);
	free(r);
}

bool sw_query_span_meets(const json_t *rec, uint64_t since_us, uint64_t until_us)
{
	uint64_t first, last;

	if (!since_us && !until_us)
		return true;
	if (!sw_q_record_time(rec, "first_seen", &first) ||
	    !sw_q_record_time(rec, "last_seen", &last))
		return true;
	if (last < first) { /* a broken record: take the span it covers */
		uint64_t t = first;

		first = last;
		last = t;
	}
	return (!since_us || last >= since_us) && (!until_us || first <= until_us);
}

int sw_query_window_parse(const char *since, const char *until, uint64_t now_us,
			  uint64_t *since_us, uint64_t *until_us, struct sw_err *err)
{
	struct sw_query *q = sw_query_alloc();
	int rc = q ? SW_EXIT_OK : sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");

	*since_us = *until_us = 0;
	if (rc == SW_EXIT_OK && since)
		rc = sw_query_add(q, SW_QUERY_SINCE, since, now_us, err);
	if (rc == SW_EXIT_OK && until)
		rc = sw_query_add(q, SW_QUERY_UNTIL, until, now_us, err);
	if (rc == SW_EXIT_OK)
		rc = sw_query_compile(q, NULL, NULL, err);
	if (rc == SW_EXIT_OK)
		sw_query_window(q, since_us, until_us);
	sw_query_free(q);
	return rc;
}
