/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a writer that died leaves behind, put right when the next writer
 * opens the directory (it holds flows.lock, so no writer is alive):
 *   - flows-*.zst.tmp: an unfinished compression, removed;
 *   - flows-<OPENED>-<SEQ>.open.jsonl: scanned line by line (bounded memory)
 *     for its span, a truncated last line cut off (counted), then renamed to
 *     its closed name as if rotated;
 *   - a closed plain file next to its complete .zst: the plain one removed;
 *   - with compression on, closed plain files compressed.
 * The span of a recovered file comes from each record's "first_seen" and
 * "last_seen" (RFC 3339) or "first_us" and "last_us" (integers); lines
 * without them, or that do not parse, do not count towards it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include <segwatch/units.h>

#include "internal.h"

/* One time field of a record: RFC 3339 text or an integer of microseconds. */
static bool sw_hist_json_time(json_t *o, const char *text_key, const char *us_key, uint64_t *us)
{
	json_t *v = json_object_get(o, text_key);
	const char *s;

	if (json_is_string(v)) {
		s = json_string_value(v);
		/* a time of day, not "10m" (which the parser would take as "ago") */
		return strchr(s, 'T') && sw_units_time_parse(s, 0, us);
	}
	v = json_object_get(o, us_key);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*us = (uint64_t)json_integer_value(v);
		return true;
	}
	return false;
}

/**
 * sw_hist_line_span - the span of one record, as recovery reads it
 *
 * False when the line is not a JSON object with a first or last time.
 */
bool sw_hist_line_span(const char *line, size_t len, uint64_t *first_us, uint64_t *last_us)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	bool have_first, have_last;

	if (!json_is_object(o)) {
		json_decref(o);
		return false;
	}
	have_first = sw_hist_json_time(o, "first_seen", "first_us", first_us);
	have_last = sw_hist_json_time(o, "last_seen", "last_us", last_us);
	json_decref(o);
	if (!have_first && !have_last)
		return false;
	if (!have_first)
		*first_us = *last_us;
	if (!have_last || *last_us < *first_us)
		*last_us = *first_us;
	return true;
}

static void sw_hist_recover_fail(struct sw_hist_recovery *rc, const char *dir, const char *name,
				 const char *what)
{
	rc->errors++;
	sw_err_set(&rc->err, SW_EXIT_RUNTIME, "%s/%s: %s: %s", dir, name, what, strerror(errno));
}

struct sw_hist_scan {
	uint64_t first, last, lines;
	bool spanned;
};

/* Read every complete line of @fd for its span; -1 on a read error. */
static int sw_hist_recover_scan(struct sw_hist_lines *l, int fd, const char *path,
				struct sw_hist_scan *s, struct sw_err *err)
{
	const char *line;
	size_t len;
	int r;

	sw_hist_lines_start(l, fd, false, 0, 0);
	while ((r = sw_hist_lines_next(l, path, &line, &len, err)) == 1) {
		uint64_t a, b;

		s->lines++;
		if (!sw_hist_line_span(line, len, &a, &b))
			continue;
		if (!s->spanned || a < s->first)
			s->first = a;
		if (!s->spanned || b > s->last)
			s->last = b;
		s->spanned = true;
	}
	return r;
}

/* Close one dead writer's open file: cut a torn last line, rename by its span. */
static void sw_hist_recover_open(int dirfd, const char *dir, const struct sw_hist_file *f,
				 struct sw_hist_lines *l, struct sw_hist_recovery *rc)
{
	struct sw_hist_scan s = { 0 };
	struct sw_hist_name n = f->n;
	char path[4096], name[SW_HIST_NAME_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, f->name);
	if ((fd = openat(dirfd, f->name, O_RDWR | O_CLOEXEC)) < 0)
		return sw_hist_recover_fail(rc, dir, f->name, "open");
	if (sw_hist_recover_scan(l, fd, path, &s, &rc->err) != 0 || fstat(fd, &st) < 0) {
		rc->errors++;
		close(fd);
		return;
	}
	if ((uint64_t)st.st_size > l->consumed) {
		if (ftruncate(fd, (off_t)l->consumed) < 0) {
			close(fd);
			return sw_hist_recover_fail(rc, dir, f->name, "truncate");
		}
		rc->lines_truncated++;
	}
	fsync(fd);
	close(fd);
	if (l->lineno == 0) { /* nothing complete in it */
		if (unlinkat(dirfd, f->name, 0) < 0)
			sw_hist_recover_fail(rc, dir, f->name, "delete");
		return;
	}
	n.kind = SW_HIST_PLAIN;
	n.last_us = (uint64_t)st.st_mtim.tv_sec * 1000000 + (uint64_t)st.st_mtim.tv_nsec / 1000;
	if (s.spanned) {
		n.first_us = s.first;
		n.last_us = s.last;
	} else if (n.last_us < n.first_us) {
		n.last_us = n.first_us;
	}
	sw_hist_name_format(&n, name, sizeof(name));
	if (renameat(dirfd, f->name, dirfd, name) < 0)
		return sw_hist_recover_fail(rc, dir, f->name, "rename");
	rc->files_recovered++;
	rc->files_closed++;
}

/* Closed plain files: removed when their .zst is complete, else compressed if asked. */
static void sw_hist_recover_plain(int dirfd, const char *dir, struct sw_hist_file *f, size_t n,
				  struct sw_hist_recovery *rc)
{
	for (size_t i = 0; i < n; i++) {
		struct sw_hist_file twin;
		struct sw_hist_name zn = f[i].n;
		char zname[SW_HIST_NAME_MAX];

		if (f[i].n.kind != SW_HIST_PLAIN)
			continue;
		if (sw_hist_find_seq(f, n, f[i].n.seq, &twin) && twin.n.kind == SW_HIST_ZST) {
			if (unlinkat(dirfd, f[i].name, 0) < 0 && errno != ENOENT)
				sw_hist_recover_fail(rc, dir, f[i].name, "delete");
			continue;
		}
		if (!rc->compress)
			continue;
		zn.kind = SW_HIST_ZST;
		sw_hist_name_format(&zn, zname, sizeof(zname));
		if (sw_hist_compress(dirfd, dir, f[i].name, zname, &rc->err) != SW_EXIT_OK)
			rc->errors++;
	}
}

/**
 * sw_hist_recover_dir - put right what a dead writer left in @dirfd
 *
 * Every failure is counted in @rc->errors (the last one in @rc->err) and
 * the file left as it was: recovery never stops the writer from starting.
 */
void sw_hist_recover_dir(int dirfd, const char *dir, struct sw_hist_recovery *rc)
{
	struct sw_hist_lines l;
	struct sw_hist_file *f;
	size_t n;

	if (sw_hist_dir_list(dirfd, dir, &f, &n, &rc->err) != SW_EXIT_OK) {
		rc->errors++;
		return;
	}
	if (sw_hist_lines_init(&l, &rc->err) != SW_EXIT_OK) {
		rc->errors++;
		free(f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (f[i].n.kind == SW_HIST_TMP && unlinkat(dirfd, f[i].name, 0) < 0)
			sw_hist_recover_fail(rc, dir, f[i].name, "delete");
		if (f[i].n.kind == SW_HIST_OPEN)
			sw_hist_recover_open(dirfd, dir, &f[i], &l, rc);
	}
	sw_hist_lines_fini(&l);
	free(f);
	if (sw_hist_dir_list(dirfd, dir, &f, &n, &rc->err) != SW_EXIT_OK) {
		rc->errors++;
		return;
	}
	sw_hist_recover_plain(dirfd, dir, f, n, rc);
	free(f);
}
