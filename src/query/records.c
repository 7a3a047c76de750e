// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * records.c - flow records from paths (include/segwatch/query.h): history
 * directories and JSON-lines files through the history reader, whole-file
 * documents (`capture --json`, saved graphs) handed over whole. What
 * `graph`, `report`, `learn` and `policy test` read; `flows` reads lines
 * itself (it prints them as they are).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <segwatch/history.h>
#include <segwatch/text.h>

#include "internal.h"

struct sw_query_records {
	const char *const *paths;
	size_t n, next;			/* paths; the next one to open */
	size_t input;			/* the one being read */
	uint64_t since_us, until_us;
	struct sw_history_reader *hr;	/* the current path's lines */
	json_error_t whole;		/* the current file read as one document */
	bool have_whole;
	json_t *rec;			/* returned last */
	char *buf;			/* a line and its newline, as getline gave it */
	size_t cap;
	uint64_t files, skipped;
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

static bool sw_q_rec_zst(const char *path)
{
	size_t len = strlen(path);

	return len >= 4 && strcmp(path + len - 4, ".zst") == 0;
}

/* A whole-file document: a capture (flows, or type capture) or a graph. */
static bool sw_q_rec_is_doc(const json_t *doc)
{
	const char *type = json_string_value(json_object_get(doc, "type")) ?: "";

	return json_is_object(doc) && (strcmp(type, "graph") == 0 ||
				       strcmp(type, "capture") == 0 ||
				       json_is_array(json_object_get(doc, "flows")));
}

static void sw_q_rec_reader_done(struct sw_query_records *r)
{
	r->files += sw_history_reader_files_read(r->hr);
	r->skipped += sw_history_reader_skipped(r->hr);
	sw_history_reader_close(r->hr);
	r->hr = NULL;
}

/*
 * Start the next path: a document is returned at once (1), anything else
 * gets a history reader (SW_EXIT_OK). A plain file is first read as one
 * document; where that fails is kept for a document broken further down.
 */
static int sw_q_rec_start(struct sw_query_records *r, struct sw_query_rec_where *w,
			  struct sw_err *err)
{
	const char *path = r->paths[r->next];
	struct sw_history_read_opts o = { .since_us = r->since_us, .until_us = r->until_us };
	struct stat st;
	json_t *doc;

	r->input = r->next++;
	w->input = r->input;
	r->have_whole = false;
	if (stat(path, &st) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %s", path,
				  strerror(errno));
	if (S_ISREG(st.st_mode) && !sw_q_rec_zst(path)) {
		doc = json_load_file(path, 0, &r->whole);
		if (doc && sw_q_rec_is_doc(doc)) {
			r->rec = doc;
			r->files++;
			*w = (struct sw_query_rec_where){ .path = path, .document = true,
							  .input = r->input };
			return 1;
		}
		r->have_whole = !doc && r->whole.line > 1;
		json_decref(doc);
	}
	return sw_history_reader_open(&r->hr, &path, 1, &o, err);
}

/* One line parsed, as getline would have given it (with its newline). */
static int sw_q_rec_parse(struct sw_query_records *r, const char *line, size_t len,
			  const struct sw_query_rec_where *w, struct sw_err *err)
{
	struct sw_json_err_text text;
	json_error_t e;

	if (len + 2 > r->cap) {
		char *nb = realloc(r->buf, len + 2);

		if (!nb)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		r->buf = nb;
		r->cap = len + 2;
	}
	memcpy(r->buf, line, len);
	memcpy(r->buf + len, "\n", 2);
	if ((r->rec = json_loads(r->buf, 0, &e)))
		return SW_EXIT_OK;
	if (w->lineno == 1 && r->have_whole) /* a document, broken further down */
		return sw_err_set(err, SW_EXIT_USAGE, "%s:%d:%d: error: %s", w->path,
				  r->whole.line, r->whole.column, sw_text_json_error(&text, &r->whole));
	return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu:%d: error: %s", w->path,
			  (unsigned long long)w->lineno, e.column, sw_text_json_error(&text, &e));
}

/* The next line record of the current reader: 1, 0 at its end, or an error. */
static int sw_q_rec_line(struct sw_query_records *r, json_t **rec, struct sw_query_rec_where *w,
			 struct sw_err *err)
{
	const char *line, *path;
	uint64_t lineno;
	size_t len;
	int rc;

	while ((rc = sw_history_reader_next(r->hr, &line, &len, &path, &lineno, err)) == 1) {
		if (line[strspn(line, " \t\r\n")] == '\0')
			continue;
		*w = (struct sw_query_rec_where){ .path = path, .lineno = lineno,
						  .input = r->input };
		if ((rc = sw_q_rec_parse(r, line, len, w, err)) != SW_EXIT_OK)
			return rc;
		if (sw_query_span_meets(r->rec, r->since_us, r->until_us)) {
			*rec = r->rec;
			return 1;
		}
		json_decref(r->rec);
		r->rec = NULL;
	}
	return rc;
}

int sw_query_records_next(struct sw_query_records *r, json_t **rec, struct sw_query_rec_where *w,
			  struct sw_err *err)
{
	int rc;

	json_decref(r->rec);
	r->rec = NULL;
	for (;;) {
		if (r->hr) {
			if ((rc = sw_q_rec_line(r, rec, w, err)) != 0)
				return rc;
			sw_q_rec_reader_done(r);
			continue;
		}
		if (r->next >= r->n)
			return 0;
		if ((rc = sw_q_rec_start(r, w, err)) == 1)
			*rec = r->rec;
		if (rc != SW_EXIT_OK)
			return rc;
	}
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
