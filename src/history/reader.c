/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history reader (include/segwatch/history.h, docs/history.md).
 *
 * Paths are listed once at open: a directory gives its history files (one
 * per sequence number), closed ones by FIRST then SEQ, skipping those whose
 * span misses the window by their names alone, then the open one; a file
 * is read as given. One file is open at a time, read through the bounded
 * line splitter (lines.c).
 *
 * Following a directory: when the file being written ends, the reader
 * remembers its sequence number and the offset just past its last complete
 * line, and polls. While the open file exists it is reopened at that offset
 * whenever it has grown. When it is gone the writer has closed it (it
 * writes everything before renaming), so the reader opens the closed file
 * with the same sequence number, plain or compressed, continues at the
 * same offset of the decoded data, and then takes the files with higher
 * sequence numbers in order. Every record is read once: the offset only
 * moves past complete lines, and the content before it never changes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <segwatch/flowfile.h>
#include <segwatch/history.h>

#include "internal.h"

#define SW_HIST_POLL_MS 200
#define SW_HIST_POLL_SLICE_MS 20

struct sw_hist_entry {
	char *path;
	int dir;		/* index in dirs, or -1 for a file given by name */
	bool named;		/* the name parses as a history file name */
	struct sw_hist_name n;
};

/* A directory being read, and with follow, watched. */
struct sw_hist_rdir {
	char *path;
	int fd;
	uint64_t seq;		/* every file up to this sequence number is read or skipped */
	bool tail;		/* following open file @seq, named @tail_name, from @off */
	char tail_name[SW_HIST_NAME_MAX];
	uint64_t off, lineno;
};

struct sw_history_reader {
	struct sw_history_read_opts o;
	struct sw_hist_entry *e;
	size_t ne, next;
	struct sw_hist_rdir *d;
	size_t nd, rr;
	struct sw_hist_lines l;
	int fd;			/* the file being read, or -1 */
	char cur[4096];		/* its path */
	bool cur_open;		/* being written: an unterminated last line is still coming */
	int cur_dir;
	uint64_t cur_seq;
	uint64_t files_read;
};

/* Does a closed file's span miss the window? */
static bool sw_hist_outside(const struct sw_history_read_opts *o, const struct sw_hist_name *n)
{
	if (n->kind == SW_HIST_OPEN)
		return false;
	return (o->since_us && n->last_us < o->since_us) ||
	       (o->until_us && n->first_us > o->until_us);
}

/*
 * Open @path at decoded @off (@lineno lines before it). Returns SW_EXIT_OK,
 * -1 when it does not exist (any more), or SW_EXIT_RUNTIME with @err.
 */
static int sw_hist_rd_open(struct sw_history_reader *r, const char *path, int dir,
			   const struct sw_hist_name *n, uint64_t off, uint64_t lineno,
			   struct sw_err *err)
{
	bool open_kind = n && n->kind == SW_HIST_OPEN;

	snprintf(r->cur, sizeof(r->cur), "%s", path);
	if (dir < 0) /* a file given by name: "-", a FIFO (bounded wait) */
		r->fd = sw_flowfile_open(path, err);
	else
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		if (dir < 0)
			return SW_EXIT_RUNTIME;
		if (errno == ENOENT)
			return -1;
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	}
	r->cur_open = open_kind;
	r->cur_dir = dir;
	r->cur_seq = n ? n->seq : 0;
	r->files_read++;
	sw_hist_lines_start(&r->l, r->fd, !open_kind, off, lineno);
	return SW_EXIT_OK;
}

static int sw_hist_rd_open_in(struct sw_history_reader *r, int dir, const char *name,
			      const struct sw_hist_name *n, uint64_t off, uint64_t lineno,
			      struct sw_err *err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", r->d[dir].path, name);
	return sw_hist_rd_open(r, path, dir, n, off, lineno, err);
}

/* The file with sequence number @seq in directory @dir now (after a rename). */
static int sw_hist_rd_resolve(struct sw_history_reader *r, int dir, uint64_t seq,
			      struct sw_hist_file *out, bool *found, struct sw_err *err)
{
	struct sw_hist_file *f;
	size_t n;
	int rc;

	*found = false;
	rc = sw_hist_dir_list(r->d[dir].fd, r->d[dir].path, &f, &n, err);
	if (rc != SW_EXIT_OK)
		return rc;
	*found = sw_hist_find_seq(f, n, seq, out);
	free(f);
	return SW_EXIT_OK;
}

/* The end of the file being read: close it; with follow, remember where an open file ended. */
static void sw_hist_rd_done(struct sw_history_reader *r)
{
	if (r->cur_dir >= 0 && r->o.follow) {
		struct sw_hist_rdir *d = &r->d[r->cur_dir];

		if (r->cur_open && r->cur_seq >= d->seq) {
			d->seq = r->cur_seq;
			d->tail = true;
			snprintf(d->tail_name, sizeof(d->tail_name), "%s",
				 strrchr(r->cur, '/') + 1);
			d->off = r->l.consumed;
			d->lineno = r->l.lineno;
		} else if (r->cur_seq == d->seq) {
			d->tail = false;
		}
	}
	close(r->fd);
	r->fd = -1;
}

/* Start on the next listed entry (or skip it). */
static int sw_hist_rd_entry(struct sw_history_reader *r, const struct sw_hist_entry *e,
			    struct sw_err *err)
{
	struct sw_hist_file f;
	bool found;
	int rc;

	if (e->named && sw_hist_outside(&r->o, &e->n))
		return SW_EXIT_OK;
	rc = sw_hist_rd_open(r, e->path, e->dir, e->named ? &e->n : NULL, 0, 0, err);
	if (rc != -1)
		return rc;
	/*
	 * Gone since the listing: renamed (closed, then compressed) or deleted
	 * by retention. A closed file can go once more (its plain self
	 * compressed), hence a few tries.
	 */
	for (int tries = 0; tries < 3; tries++) {
		rc = sw_hist_rd_resolve(r, e->dir, e->n.seq, &f, &found, err);
		if (rc != SW_EXIT_OK || !found)
			return rc;
		rc = sw_hist_rd_open_in(r, e->dir, f.name, &f.n, 0, 0, err);
		if (rc != -1)
			return rc;
	}
	return SW_EXIT_OK;
}

/* Following @d's open file: reopen it if it grew, or its closed self if it was renamed. */
static int sw_hist_follow_tail(struct sw_history_reader *r, int dir, struct sw_err *err)
{
	struct sw_hist_rdir *d = &r->d[dir];
	struct sw_hist_name n = { .kind = SW_HIST_OPEN, .seq = d->seq };
	struct sw_hist_file f;
	struct stat st;
	bool found;
	int rc;

	if (fstatat(d->fd, d->tail_name, &st, 0) == 0) {
		if ((uint64_t)st.st_size <= d->off)
			return 0;
		rc = sw_hist_rd_open_in(r, dir, d->tail_name, &n, d->off, d->lineno, err);
		return rc == SW_EXIT_OK ? 1 : rc == -1 ? 0 : rc;
	}
	if ((rc = sw_hist_rd_resolve(r, dir, d->seq, &f, &found, err)) != SW_EXIT_OK)
		return rc;
	if (!found) {
		d->tail = false; /* deleted already: go on with newer files */
		return 0;
	}
	if (f.n.kind == SW_HIST_OPEN) /* listed while being renamed: look again next time */
		return 0;
	rc = sw_hist_rd_open_in(r, dir, f.name, &f.n, d->off, d->lineno, err);
	/* gone again (the plain file compressed meanwhile): look again next time */
	return rc == SW_EXIT_OK ? 1 : rc == -1 ? 0 : rc;
}

/* The oldest file of @d newer than what was read; 1 when one was opened or skipped. */
static int sw_hist_follow_scan(struct sw_history_reader *r, int dir, struct sw_err *err)
{
	struct sw_hist_rdir *d = &r->d[dir];
	struct sw_hist_file *f, pick;
	bool have = false;
	size_t n;
	int rc;

	if ((rc = sw_hist_dir_list(d->fd, d->path, &f, &n, err)) != SW_EXIT_OK)
		return rc;
	n = sw_hist_files_dedupe(f, n);
	for (size_t i = 0; i < n && !have; i++) {
		if (f[i].n.seq > d->seq) {
			pick = f[i];
			have = true;
		}
	}
	free(f);
	if (!have)
		return 0;
	if (sw_hist_outside(&r->o, &pick.n)) {
		d->seq = pick.n.seq;
		return 1;
	}
	rc = sw_hist_rd_open_in(r, dir, pick.name, &pick.n, 0, 0, err);
	if (rc == SW_EXIT_OK)
		d->seq = pick.n.seq;
	/* gone since the listing (renamed, compressed): list again */
	return rc == SW_EXIT_OK || rc == -1 ? 1 : rc;
}

static bool sw_hist_stopped(const struct sw_history_reader *r)
{
	return r->o.stop && *r->o.stop;
}

/* One round over the followed directories; sleeps when nothing is new. 0: stopped. */
static int sw_hist_follow(struct sw_history_reader *r, struct sw_err *err)
{
	struct timespec slice = { 0, SW_HIST_POLL_SLICE_MS * 1000000L };

	if (sw_hist_stopped(r))
		return 0;
	for (size_t k = 0; k < r->nd; k++) {
		int dir = (int)((r->rr + k) % r->nd), rc = 0;

		if (r->d[dir].tail)
			rc = sw_hist_follow_tail(r, dir, err);
		if (rc == 0 && !r->d[dir].tail)
			rc = sw_hist_follow_scan(r, dir, err);
		if (rc != 0) {
			r->rr = (size_t)dir + 1;
			return rc;
		}
	}
	for (int i = 0; i < SW_HIST_POLL_MS / SW_HIST_POLL_SLICE_MS; i++) {
		if (sw_hist_stopped(r))
			return 0;
		nanosleep(&slice, NULL);
	}
	return 1;
}

int sw_history_reader_next(struct sw_history_reader *r, const char **line, size_t *len,
			   const char **path, uint64_t *lineno, struct sw_err *err)
{
	int rc;

	for (;;) {
		if (r->fd >= 0) {
			rc = sw_hist_lines_next(&r->l, r->cur, line, len, err);
			if (rc == 0 && !r->cur_open && sw_hist_lines_partial(&r->l, line, len))
				rc = 1;
			if (rc == 1) {
				*path = r->cur;
				*lineno = r->l.lineno;
				return 1;
			}
			sw_hist_rd_done(r);
			if (rc != 0)
				return rc; /* the next call goes on with the next file */
			continue;
		}
		if (r->next < r->ne) {
			rc = sw_hist_rd_entry(r, &r->e[r->next++], err);
			if (rc != SW_EXIT_OK)
				return rc;
			continue;
		}
		if (!r->o.follow || r->nd == 0)
			return 0;
		if ((rc = sw_hist_follow(r, err)) == 0)
			return 0;
		if (rc > 1)
			return rc;
	}
}

static int sw_hist_entry_add(struct sw_history_reader *r, const char *dir, const char *name,
			     int dirno, struct sw_err *err)
{
	struct sw_hist_entry *e, *ne;
	const char *base = strrchr(name, '/');
	size_t len;

	if (!(ne = realloc(r->e, (r->ne + 1) * sizeof(*ne))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	r->e = ne;
	e = &r->e[r->ne];
	len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
	if (!(e->path = malloc(len)))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	snprintf(e->path, len, "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
	e->dir = dirno;
	e->named = sw_hist_name_parse(base ? base + 1 : name, &e->n);
	r->ne++;
	return SW_EXIT_OK;
}

/* Every history file of directory @path, in reading order. */
static int sw_hist_dir_add(struct sw_history_reader *r, const char *path, struct sw_err *err)
{
	struct sw_hist_rdir *d, *nd;
	struct sw_hist_file *f;
	size_t n;
	int rc;

	if (!(nd = realloc(r->d, (r->nd + 1) * sizeof(*nd))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	r->d = nd;
	d = memset(&r->d[r->nd], 0, sizeof(*d));
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->fd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
	if (!(d->path = strdup(path))) {
		close(d->fd);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	r->nd++;
	if ((rc = sw_hist_dir_list(d->fd, path, &f, &n, err)) != SW_EXIT_OK)
		return rc;
	n = sw_hist_files_dedupe(f, n);
	d->seq = sw_hist_max_seq(f, n);
	sw_hist_files_sort_read(f, n);
	for (size_t i = 0; i < n && rc == SW_EXIT_OK; i++)
		rc = sw_hist_entry_add(r, path, f[i].name, (int)r->nd - 1, err);
	free(f);
	return rc;
}

int sw_history_reader_open(struct sw_history_reader **out, const char *const *paths, size_t n,
			   const struct sw_history_read_opts *o, struct sw_err *err)
{
	struct sw_history_reader *r = calloc(1, sizeof(*r));
	int rc = SW_EXIT_OK;

	*out = NULL;
	if (!r)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	r->o = *o;
	r->fd = -1;
	if ((rc = sw_hist_lines_init(&r->l, err)) != SW_EXIT_OK) {
		free(r);
		return rc;
	}
	r->l.strict = o->long_line_error;
	for (size_t i = 0; i < n && rc == SW_EXIT_OK; i++) {
		struct stat st;

		if (strcmp(paths[i], "-") == 0)
			rc = sw_hist_entry_add(r, NULL, paths[i], -1, err);
		else if (stat(paths[i], &st) < 0)
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", paths[i],
					strerror(errno)); /* missing or not: docs/exit-codes.md */
		else if (S_ISDIR(st.st_mode))
			rc = sw_hist_dir_add(r, paths[i], err);
		else
			rc = sw_hist_entry_add(r, NULL, paths[i], -1, err);
	}
	if (rc != SW_EXIT_OK) {
		sw_history_reader_close(r);
		return rc;
	}
	*out = r;
	return SW_EXIT_OK;
}

uint64_t sw_history_reader_skipped(const struct sw_history_reader *r)
{
	return r->l.skipped;
}

uint64_t sw_history_reader_files_read(const struct sw_history_reader *r)
{
	return r->files_read;
}

void sw_history_reader_close(struct sw_history_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	for (size_t i = 0; i < r->ne; i++)
		free(r->e[i].path);
	for (size_t i = 0; i < r->nd; i++) {
		close(r->d[i].fd);
		free(r->d[i].path);
	}
	free(r->e);
	free(r->d);
	sw_hist_lines_fini(&r->l);
	free(r);
}
