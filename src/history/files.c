/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * History file names, directory listings and retention (docs/history.md).
 *
 *   flows-<OPENED>-<SEQ>.open.jsonl          the file being written
 *   flows-<FIRST>-<LAST>-<SEQ>.jsonl         closed
 *   flows-<FIRST>-<LAST>-<SEQ>.jsonl.zst     closed and compressed
 *   flows-<FIRST>-<LAST>-<SEQ>.jsonl.zst.tmp being compressed (removed at open)
 *
 * Times are UTC, YYYYMMDDTHHMMSS.uuuuuuZ (fixed width, so names sort by
 * FIRST); SEQ is a decimal of at least 8 digits, unique in the directory and
 * growing with every file the writer opens. Anything else is not ours and is
 * never touched.
 */
#define _GNU_SOURCE /* timegm */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define SW_HIST_SEQ_DIGITS_MAX 19

void sw_hist_time_format(uint64_t us, char out[SW_HIST_TIME_LEN + 1])
{
	time_t s = (time_t)(us / 1000000);
	char text[64];
	struct tm tm;

	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999) {
		memcpy(out, "99991231T235959.999999Z", SW_HIST_TIME_LEN + 1);
		return;
	}
	snprintf(text, sizeof(text), "%04d%02d%02dT%02d%02d%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(us % 1000000));
	memcpy(out, text, SW_HIST_TIME_LEN);
	out[SW_HIST_TIME_LEN] = '\0';
}

/* Read @n decimal digits at @s; false unless all are digits. */
static bool sw_hist_digits(const char *s, int n, unsigned long long *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

bool sw_hist_time_parse(const char *s, uint64_t *us)
{
	static const struct { int off, len; unsigned long long min, max; } f[] = {
		{ 0, 4, 1970, 9999 }, { 4, 2, 1, 12 }, { 6, 2, 1, 31 },
		{ 9, 2, 0, 23 }, { 11, 2, 0, 59 }, { 13, 2, 0, 60 }, { 16, 6, 0, 999999 },
	};
	unsigned long long v[7];
	struct tm tm = { 0 };
	time_t t;

	if (s[8] != 'T' || s[15] != '.' || s[22] != 'Z')
		return false;
	for (int i = 0; i < 7; i++)
		if (!sw_hist_digits(s + f[i].off, f[i].len, &v[i]) || v[i] < f[i].min ||
		    v[i] > f[i].max)
			return false;
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	t = timegm(&tm);
	if (t < 0)
		return false;
	*us = (uint64_t)t * 1000000 + v[6];
	return true;
}

static const char *const sw_hist_suffix[] = {
	[SW_HIST_OPEN] = ".open.jsonl",
	[SW_HIST_PLAIN] = ".jsonl",
	[SW_HIST_ZST] = ".jsonl.zst",
	[SW_HIST_TMP] = ".jsonl.zst.tmp",
};

bool sw_hist_name_format(const struct sw_hist_name *n, char *buf, size_t size)
{
	char a[SW_HIST_TIME_LEN + 1], b[SW_HIST_TIME_LEN + 1];
	int len;

	sw_hist_time_format(n->first_us, a);
	if (n->kind == SW_HIST_OPEN) {
		len = snprintf(buf, size, "flows-%s-%08llu%s", a, (unsigned long long)n->seq,
			       sw_hist_suffix[n->kind]);
	} else {
		sw_hist_time_format(n->last_us, b);
		len = snprintf(buf, size, "flows-%s-%s-%08llu%s", a, b,
			       (unsigned long long)n->seq, sw_hist_suffix[n->kind]);
	}
	return len > 0 && (size_t)len < size;
}

/* Parse "-<SEQ><suffix>" at @p into @n (seq and kind); the suffix must end the name. */
static bool sw_hist_seq_suffix(const char *p, bool open, struct sw_hist_name *n)
{
	unsigned long long seq;
	int digits = 0;

	if (*p++ != '-')
		return false;
	while (p[digits] >= '0' && p[digits] <= '9')
		digits++;
	if (digits < 8 || digits > SW_HIST_SEQ_DIGITS_MAX || !sw_hist_digits(p, digits, &seq))
		return false;
	p += digits;
	n->seq = seq;
	if (open) {
		n->kind = SW_HIST_OPEN;
		return strcmp(p, sw_hist_suffix[SW_HIST_OPEN]) == 0;
	}
	for (int k = SW_HIST_PLAIN; k <= SW_HIST_TMP; k++) {
		if (strcmp(p, sw_hist_suffix[k]) == 0) {
			n->kind = (enum sw_hist_kind)k;
			return true;
		}
	}
	return false;
}

bool sw_hist_name_parse(const char *name, struct sw_hist_name *n)
{
	const char *p = name;
	size_t len = strlen(name);

	if (len >= SW_HIST_NAME_MAX || strncmp(p, "flows-", 6) != 0)
		return false;
	p += 6;
	if (strlen(p) < SW_HIST_TIME_LEN || !sw_hist_time_parse(p, &n->first_us))
		return false;
	p += SW_HIST_TIME_LEN;
	n->last_us = 0;
	/* open: "-<SEQ>.open.jsonl"; closed: "-<LAST>-<SEQ>..." */
	if (strlen(p) > SW_HIST_TIME_LEN + 1 && p[0] == '-' && p[9] == 'T') {
		if (!sw_hist_time_parse(p + 1, &n->last_us) || n->last_us < n->first_us)
			return false;
		return sw_hist_seq_suffix(p + 1 + SW_HIST_TIME_LEN, false, n);
	}
	return sw_hist_seq_suffix(p, true, n);
}

/* Append one listed file to the growing array. */
static int sw_hist_list_add(struct sw_hist_file **v, size_t *n, size_t *cap,
			    const struct sw_hist_file *f, struct sw_err *err)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct sw_hist_file *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory listing history");
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *f;
	return SW_EXIT_OK;
}

/**
 * sw_hist_dir_list - every history file in @dirfd (named @dir in errors)
 * @out: malloc'd array (free it), unordered; sizes from fstatat
 *
 * Files that vanish while listing are left out. Returns SW_EXIT_OK or
 * SW_EXIT_RUNTIME with @err.
 */
int sw_hist_dir_list(int dirfd, const char *dir, struct sw_hist_file **out, size_t *n,
		     struct sw_err *err)
{
	struct sw_hist_file *v = NULL, f;
	size_t cap = 0;
	struct dirent *de;
	struct stat st;
	int fd, rc = SW_EXIT_OK;
	DIR *d;

	*out = NULL;
	*n = 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	while ((de = readdir(d))) {
		if (!sw_hist_name_parse(de->d_name, &f.n))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		memcpy(f.name, de->d_name, strlen(de->d_name) + 1); /* parse checked the length */
		f.size = (uint64_t)st.st_size;
		if ((rc = sw_hist_list_add(&v, n, &cap, &f, err)) != SW_EXIT_OK)
			break;
	}
	closedir(d);
	if (rc != SW_EXIT_OK) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return SW_EXIT_OK;
}

/* Reading order: closed files by FIRST then SEQ, then open files by SEQ. */
static int sw_hist_cmp_read(const void *pa, const void *pb)
{
	const struct sw_hist_name *a = &((const struct sw_hist_file *)pa)->n;
	const struct sw_hist_name *b = &((const struct sw_hist_file *)pb)->n;
	int ao = a->kind == SW_HIST_OPEN, bo = b->kind == SW_HIST_OPEN;

	if (ao != bo)
		return ao - bo;
	if (!ao && a->first_us != b->first_us)
		return a->first_us < b->first_us ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

void sw_hist_files_sort_read(struct sw_hist_file *f, size_t n)
{
	if (n > 1)
		qsort(f, n, sizeof(*f), sw_hist_cmp_read);
}

/*
 * sw_hist_find_seq - the readable file with sequence @seq: the closed one
 * (compressed preferred: its plain twin is about to go), else the open one.
 */
bool sw_hist_find_seq(const struct sw_hist_file *f, size_t n, uint64_t seq,
		      struct sw_hist_file *out)
{
	static const int rank[] = { [SW_HIST_OPEN] = 1, [SW_HIST_PLAIN] = 2, [SW_HIST_ZST] = 3,
				    [SW_HIST_TMP] = 0 };
	int best = 0;

	for (size_t i = 0; i < n; i++) {
		if (f[i].n.seq == seq && rank[f[i].n.kind] > best) {
			best = rank[f[i].n.kind];
			*out = f[i];
		}
	}
	return best > 0;
}

uint64_t sw_hist_max_seq(const struct sw_hist_file *f, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (f[i].n.seq > m)
			m = f[i].n.seq;
	return m;
}

/* Retention order: the file whose newest record is oldest first. */
static int sw_hist_cmp_age(const void *pa, const void *pb)
{
	const struct sw_hist_name *a = &((const struct sw_hist_file *)pa)->n;
	const struct sw_hist_name *b = &((const struct sw_hist_file *)pb)->n;

	if (a->last_us != b->last_us)
		return a->last_us < b->last_us ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

static void sw_hist_retain_unlink(int dirfd, const char *dir, struct sw_hist_file *f,
				  struct sw_hist_retain *rt)
{
	if (unlinkat(dirfd, f->name, 0) == 0 || errno == ENOENT) {
		rt->deleted++;
	} else {
		rt->errors++;
		sw_err_set(&rt->err, SW_EXIT_RUNTIME, "%s/%s: cannot delete: %s", dir, f->name,
			   strerror(errno));
	}
	f->size = 0;
}

/**
 * sw_hist_retain_run - delete closed files past @rt->keep_us, then the
 * oldest closed files while every history file (open ones included, never
 * deleted) adds up to more than @rt->keep_bytes. Counts in @rt.
 */
int sw_hist_retain_run(int dirfd, const char *dir, struct sw_hist_retain *rt)
{
	struct sw_hist_file *f;
	uint64_t total = 0;
	size_t n;
	int rc;

	if (!rt->keep_us && !rt->keep_bytes)
		return SW_EXIT_OK;
	if ((rc = sw_hist_dir_list(dirfd, dir, &f, &n, &rt->err)) != SW_EXIT_OK) {
		rt->errors++;
		return rc;
	}
	if (n > 1) /* an empty directory lists f = NULL: qsort(NULL, 0) is undefined */
		qsort(f, n, sizeof(*f), sw_hist_cmp_age);
	for (size_t i = 0; i < n; i++) {
		bool closed = f[i].n.kind == SW_HIST_PLAIN || f[i].n.kind == SW_HIST_ZST;

		if (closed && rt->keep_us && f[i].n.last_us + rt->keep_us < rt->now_us)
			sw_hist_retain_unlink(dirfd, dir, &f[i], rt);
		total += f[i].size;
	}
	for (size_t i = 0; i < n && rt->keep_bytes && total > rt->keep_bytes; i++) {
		uint64_t size = f[i].size;

		if (f[i].n.kind != SW_HIST_PLAIN && f[i].n.kind != SW_HIST_ZST)
			continue;
		if (size == 0 && faccessat(dirfd, f[i].name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* deleted by age above */
		sw_hist_retain_unlink(dirfd, dir, &f[i], rt);
		total -= size;
	}
	free(f);
	return SW_EXIT_OK;
}

static int sw_hist_rank(enum sw_hist_kind k)
{
	static const int rank[] = { [SW_HIST_OPEN] = 1, [SW_HIST_PLAIN] = 2, [SW_HIST_ZST] = 3,
				    [SW_HIST_TMP] = 0 };
	return rank[k];
}

static int sw_hist_cmp_seq(const void *pa, const void *pb)
{
	const struct sw_hist_name *a = &((const struct sw_hist_file *)pa)->n;
	const struct sw_hist_name *b = &((const struct sw_hist_file *)pb)->n;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return sw_hist_rank(b->kind) - sw_hist_rank(a->kind);
}

/**
 * sw_hist_files_dedupe - one readable file per sequence number, by sequence
 * number: the compressed one over its plain twin (about to be removed), a
 * closed one over an open one (renamed while listing); no temporary files.
 * Returns the new count.
 */
size_t sw_hist_files_dedupe(struct sw_hist_file *f, size_t n)
{
	size_t out = 0;

	if (n > 1)
		qsort(f, n, sizeof(*f), sw_hist_cmp_seq);
	for (size_t i = 0; i < n; i++) {
		if (f[i].n.kind == SW_HIST_TMP || (out && f[out - 1].n.seq == f[i].n.seq))
			continue;
		f[out++] = f[i];
	}
	return out;
}
