// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_history.c - the flow history (src/history): names, rotation by size
 * and age, retention by age and size, zstd round trip, crash recovery,
 * window skipping, queue-full drops, follow across rotations and crash
 * recovery, and a disk that fails and comes back (RLIMIT_FSIZE: EFBIG; a
 * full tmpfs in a private mount namespace: ENOSPC, skipped without root).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <segwatch/clock.h>
#include <segwatch/history.h>

#include "history/internal.h"

#define T0 1795000000000000ull /* µs, 2026-11-18T11:06:40Z */
#define SEC 1000000ull

/* ---- helpers ---- */

static char *tmpdir_make(void)
{
	char *d = strdup("/tmp/sw-history-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void tmpdir_remove(char *d)
{
	DIR *dir = opendir(d);
	struct dirent *de;
	char p[4096];

	assert_non_null(dir);
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", d, de->d_name);
		unlink(p);
	}
	closedir(dir);
	assert_int_equal(rmdir(d), 0);
	free(d);
}

static void file_write(const char *dir, const char *name, const void *data, size_t len)
{
	char p[4096];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static bool file_exists(const char *dir, const char *name)
{
	char p[4096];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* Count files of @kind (or every history file with -1) in @dir; the largest size in @max. */
static int count_kind(const char *dir, int kind, uint64_t *max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct sw_hist_name n;
	int count = 0;

	if (max)
		*max = 0;
	while ((de = readdir(d))) {
		struct stat st;
		char p[4096];

		if (!sw_hist_name_parse(de->d_name, &n) || (kind >= 0 && (int)n.kind != kind))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		stat(p, &st);
		if (max && (uint64_t)st.st_size > *max)
			*max = (uint64_t)st.st_size;
		count++;
	}
	closedir(d);
	return count;
}

static const char *closed_name(uint64_t first, uint64_t last, uint64_t seq, int kind)
{
	static char buf[SW_HIST_NAME_MAX];
	struct sw_hist_name n = { .kind = (enum sw_hist_kind)kind, .first_us = first,
				  .last_us = last, .seq = seq };

	assert_true(sw_hist_name_format(&n, buf, sizeof(buf)));
	return buf;
}

struct lines {
	char **v;
	size_t n;
	uint64_t files;
};

static int read_all(const char *const *paths, size_t np, uint64_t since, uint64_t until,
		    struct lines *out)
{
	struct sw_history_read_opts o = { .since_us = since, .until_us = until };
	struct sw_history_reader *r;
	struct sw_err err;
	const char *line, *path;
	size_t len;
	uint64_t lineno;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = sw_history_reader_open(&r, paths, np, &o, &err);
	if (rc != SW_EXIT_OK)
		return rc;
	while ((rc = sw_history_reader_next(r, &line, &len, &path, &lineno, &err)) == 1) {
		assert_non_null(line);
		out->v = realloc(out->v, (out->n + 1) * sizeof(char *));
		out->v[out->n++] = strndup(line, len);
	}
	out->files = sw_history_reader_files_read(r);
	if (rc > 1)
		print_message("reader: %s\n", err.msg);
	sw_history_reader_close(r);
	return rc;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int rec_line(char *buf, size_t size, unsigned i, size_t pad)
{
	return snprintf(buf, size, "{\"n\":%u,\"pad\":\"%.*s\"}", i, (int)pad,
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

static bool push_n(struct sw_history *h, unsigned from, unsigned to, size_t pad)
{
	char buf[512];
	bool all = true;

	for (unsigned i = from; i < to; i++) {
		int len = rec_line(buf, sizeof(buf), i, pad);

		all &= sw_history_push(h, T0 + i * SEC, T0 + i * SEC + 10, buf, (size_t)len);
	}
	return all;
}

/* Every record n in [0, count) exactly once and in order. */
static void check_sequence(const struct lines *l, unsigned count)
{
	assert_int_equal(l->n, count);
	for (unsigned i = 0; i < count; i++) {
		unsigned n;

		assert_int_equal(sscanf(l->v[i], "{\"n\":%u,", &n), 1);
		assert_int_equal(n, i);
	}
}

static struct sw_history *writer_open(const char *dir, uint64_t rotate_us, uint64_t rotate_bytes,
				      bool compress)
{
	struct sw_history_opts o = { .dir = dir, .rotate_us = rotate_us,
				     .rotate_bytes = rotate_bytes, .compress = compress };
	struct sw_history *h;
	struct sw_err err;

	if (sw_history_open(&h, &o, &err) != SW_EXIT_OK)
		fail_msg("sw_history_open: %s", err.msg);
	return h;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* ---- names ---- */

static void test_names(void **state)
{
	static const int kinds[] = { SW_HIST_OPEN, SW_HIST_PLAIN, SW_HIST_ZST, SW_HIST_TMP };
	struct sw_hist_name n, back;
	char buf[SW_HIST_NAME_MAX], t[SW_HIST_TIME_LEN + 1];
	uint64_t us;

	(void)state;
	sw_hist_time_format(T0 + 123456, t);
	assert_string_equal(t, "20261118T110640.123456Z");
	assert_true(sw_hist_time_parse(t, &us));
	assert_int_equal(us, T0 + 123456);
	for (size_t i = 0; i < 4; i++) {
		n = (struct sw_hist_name){ .kind = (enum sw_hist_kind)kinds[i], .first_us = T0 + 1,
					   .last_us = kinds[i] == SW_HIST_OPEN ? 0 : T0 + 7 * SEC,
					   .seq = 42 };
		assert_true(sw_hist_name_format(&n, buf, sizeof(buf)));
		assert_true(sw_hist_name_parse(buf, &back));
		assert_int_equal(back.kind, n.kind);
		assert_int_equal(back.first_us, n.first_us);
		assert_int_equal(back.last_us, n.last_us);
		assert_int_equal(back.seq, 42);
	}
	assert_string_equal(closed_name(T0, T0 + SEC, 7, SW_HIST_ZST),
			    "flows-20261118T110640.000000Z-20261118T110641.000000Z-00000007.jsonl.zst");
	/* big sequence numbers still parse */
	n.seq = 123456789012ull;
	assert_true(sw_hist_name_format(&n, buf, sizeof(buf)));
	assert_true(sw_hist_name_parse(buf, &back));
	assert_int_equal(back.seq, 123456789012ull);
	/* not ours */
	assert_false(sw_hist_name_parse("flows.lock", &back));
	assert_false(sw_hist_name_parse("notes.jsonl", &back));
	assert_false(sw_hist_name_parse("flows-20261118T083320.000000Z-00000007.jsonl", &back));
	assert_false(sw_hist_name_parse("flows-20261318T083320.000000Z-00000007.open.jsonl", &back));
	assert_false(sw_hist_name_parse("flows-20261118T083320.000000Z-0000007.open.jsonl", &back));
	assert_false(sw_hist_name_parse(
		"flows-20261118T083321.000000Z-20261118T083320.000000Z-00000007.jsonl", &back));
	assert_false(sw_hist_name_parse(
		"flows-20261118T083320.000000Z-20261118T083321.000000Z-00000007.jsonl.gz", &back));
	assert_true(sw_hist_name_parse("flows-20261118T083320.000000Z-00000007.open.jsonl", &back));
}

/* Names sort by FIRST; reading order is FIRST then SEQ, open files last. */
static void test_names_order(void **state)
{
	struct sw_hist_file f[4];
	const struct { uint64_t first, seq; int kind; } in[] = {
		{ T0 + 5, 9, SW_HIST_OPEN }, { T0 + 3, 4, SW_HIST_PLAIN },
		{ T0 + 1, 8, SW_HIST_ZST }, { T0 + 3, 2, SW_HIST_ZST },
	};

	(void)state;
	for (int i = 0; i < 4; i++) {
		f[i].n = (struct sw_hist_name){ .kind = (enum sw_hist_kind)in[i].kind,
						.first_us = in[i].first, .last_us = in[i].first + 1,
						.seq = in[i].seq };
		sw_hist_name_format(&f[i].n, f[i].name, sizeof(f[i].name));
	}
	sw_hist_files_sort_read(f, 4);
	assert_int_equal(f[0].n.seq, 8);
	assert_int_equal(f[1].n.seq, 2);
	assert_int_equal(f[2].n.seq, 4);
	assert_int_equal(f[3].n.seq, 9);
	assert_true(strcmp(f[0].name, f[1].name) < 0 && strcmp(f[1].name, f[2].name) < 0);
}

/* ---- rotation ---- */

static void test_rotate_size(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	struct sw_history_stats st;
	struct sw_history *h;
	struct lines l;
	uint64_t max;

	(void)state;
	h = writer_open(dir, 0, 2000, false);
	assert_true(push_n(h, 0, 300, 60)); /* ~80 bytes each: ~12 files */
	sw_history_stats(h, &st);
	assert_true(sw_history_close(h));
	assert_int_equal(count_kind(dir, SW_HIST_OPEN, NULL), 0);
	assert_true(count_kind(dir, SW_HIST_PLAIN, &max) >= 10);
	assert_true(max <= 2000);
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	check_sequence(&l, 300);
	lines_free(&l);
	tmpdir_remove(dir);
}

/* Wait (5 s at most) for @count closed files and no open one. */
static void wait_closed(const char *dir, int count)
{
	uint64_t end = sw_clock_mono_us() + 5 * SEC;

	while ((count_kind(dir, SW_HIST_OPEN, NULL) != 0 ||
		count_kind(dir, SW_HIST_PLAIN, NULL) != count) && sw_clock_mono_us() < end)
		sleep_ms(20);
	assert_int_equal(count_kind(dir, SW_HIST_OPEN, NULL), 0);
	assert_int_equal(count_kind(dir, SW_HIST_PLAIN, NULL), count);
}

static void test_rotate_age(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	struct sw_history_stats st;
	struct sw_history *h;
	struct lines l;

	(void)state;
	h = writer_open(dir, 300000, 0, false); /* 300 ms */
	push_n(h, 0, 5, 10);
	/* the file is closed while idle, not only at the next record */
	wait_closed(dir, 1);
	push_n(h, 5, 10, 10);
	wait_closed(dir, 2);
	push_n(h, 10, 15, 10);
	assert_true(sw_history_close(h));
	assert_int_equal(count_kind(dir, SW_HIST_PLAIN, NULL), 3);
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	check_sequence(&l, 15);
	lines_free(&l);
	(void)st;
	tmpdir_remove(dir);
}

/* The span in the name: min first, max last of the records. */
static void test_span_name(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	struct sw_history *h;
	struct lines l;

	(void)state;
	h = writer_open(dir, 0, 0, false);
	sw_history_push(h, T0 + 50, T0 + 60, "{}", 2);
	sw_history_push(h, T0 + 10, T0 + 20, "{}", 2);
	sw_history_push(h, T0 + 30, T0 + 90, "{\n}", 3);
	assert_true(sw_history_close(h));
	assert_true(file_exists(dir, closed_name(T0 + 10, T0 + 90, 1, SW_HIST_PLAIN)));
	/* a newline inside a record does not split it */
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[2], "{ }");
	lines_free(&l);
	tmpdir_remove(dir);
}

/* ---- retention ---- */

static void test_retention_age(void **state)
{
	char *dir = tmpdir_make();
	uint64_t now = sw_clock_wall_us();
	struct sw_history_opts o = { .dir = dir, .keep_us = 3600 * SEC };
	struct sw_history_stats st;
	struct sw_history *h;
	struct sw_err err;
	char old1[SW_HIST_NAME_MAX], old2[SW_HIST_NAME_MAX], young[SW_HIST_NAME_MAX];

	(void)state;
	snprintf(old1, sizeof(old1), "%s", closed_name(now - 9000 * SEC, now - 8000 * SEC, 1, SW_HIST_PLAIN));
	snprintf(old2, sizeof(old2), "%s", closed_name(now - 7000 * SEC, now - 3700 * SEC, 2, SW_HIST_ZST));
	/* started long ago, but its newest record is recent: kept */
	snprintf(young, sizeof(young), "%s", closed_name(now - 9000 * SEC, now - 60 * SEC, 3, SW_HIST_PLAIN));
	file_write(dir, old1, "{}\n", 3);
	file_write(dir, old2, "x", 1);
	file_write(dir, young, "{}\n", 3);
	file_write(dir, "notes.txt", "mine\n", 5);
	file_write(dir, "flows-old.jsonl", "mine\n", 5);
	assert_int_equal(sw_history_open(&h, &o, &err), SW_EXIT_OK);
	sw_history_stats(h, &st);
	assert_int_equal(st.files_deleted, 2);
	assert_false(file_exists(dir, old1));
	assert_false(file_exists(dir, old2));
	assert_true(file_exists(dir, young));
	assert_true(file_exists(dir, "notes.txt"));
	assert_true(file_exists(dir, "flows-old.jsonl"));
	assert_true(sw_history_close(h));
	tmpdir_remove(dir);
}

static void test_retention_size(void **state)
{
	char *dir = tmpdir_make();
	uint64_t now = sw_clock_wall_us();
	struct sw_history_opts o = { .dir = dir, .keep_bytes = 2500, .rotate_bytes = 1000 };
	char names[5][SW_HIST_NAME_MAX], big[1000];
	struct sw_history_stats st;
	struct sw_history *h;
	struct sw_err err;

	(void)state;
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 5; i++) {
		/* newest record oldest first: seq 5 is the oldest */
		snprintf(names[i], sizeof(names[i]), "%s",
			 closed_name(now - 100 * SEC, now - (uint64_t)(10 - i) * SEC,
				     (uint64_t)(5 - i), SW_HIST_PLAIN));
		file_write(dir, names[i], big, sizeof(big));
	}
	file_write(dir, "big-unrelated.bin", big, sizeof(big));
	assert_int_equal(sw_history_open(&h, &o, &err), SW_EXIT_OK);
	sw_history_stats(h, &st);
	assert_int_equal(st.files_deleted, 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(file_exists(dir, names[i]), i >= 3);
	assert_true(file_exists(dir, "big-unrelated.bin"));
	/* and after each rotation: 2500 bytes at most, whatever is written */
	push_n(h, 0, 200, 60);
	assert_true(sw_history_close(h));
	{
		uint64_t total = 0;
		DIR *d = opendir(dir);
		struct dirent *de;
		struct sw_hist_name n;

		while ((de = readdir(d))) {
			struct stat sb;
			char p[4096];

			if (!sw_hist_name_parse(de->d_name, &n))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			stat(p, &sb);
			total += (uint64_t)sb.st_size;
		}
		closedir(d);
		assert_true(total <= 2500);
	}
	tmpdir_remove(dir);
}

/* ---- compression ---- */

static void test_compress(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	struct sw_history *h;
	struct lines l;
	DIR *d;
	struct dirent *de;
	char src[4096], dst[4096];
	uint8_t magic[4];
	int zst = 0;

	(void)state;
	h = writer_open(dir, 0, 20000, true);
	push_n(h, 0, 2000, 100);
	assert_true(sw_history_close(h));
	assert_int_equal(count_kind(dir, SW_HIST_PLAIN, NULL), 0);
	assert_int_equal(count_kind(dir, SW_HIST_TMP, NULL), 0);
	assert_int_equal(count_kind(dir, SW_HIST_OPEN, NULL), 0);
	assert_true(count_kind(dir, SW_HIST_ZST, NULL) >= 10);
	assert_true(count_kind(dir, SW_HIST_ZST, NULL) <= 15); /* ~19 KiB of text each */
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	check_sequence(&l, 2000);
	lines_free(&l);
	/* a compressed file under any name is recognised by its magic */
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) && !zst) {
		if (!strstr(de->d_name, ".zst"))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "%s/renamed.dat", dir);
		assert_int_equal(rename(src, dst), 0);
		zst = 1;
	}
	closedir(d);
	{
		FILE *f = fopen(dst, "r");
		const char *one[] = { dst };

		assert_int_equal(fread(magic, 1, 4, f), 4);
		fclose(f);
		assert_true(sw_hist_zst_magic_is(magic, 4));
		assert_int_equal(read_all(one, 1, 0, 0, &l), 0);
		assert_true(l.n > 0);
		assert_int_equal(strncmp(l.v[0], "{\"n\":", 5), 0);
		lines_free(&l);
	}
	tmpdir_remove(dir);
}

/* ---- crash recovery ---- */

static void test_recovery(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	const char *text =
		"{\"first_seen\":\"2026-11-18T11:06:45.000000Z\",\"last_seen\":\"2026-11-18T11:06:50.500000Z\"}\n"
		"not json at all\n"
		"{\"first_seen\":\"2026-11-18T11:06:41.000000Z\",\"last_seen\":\"2026-11-18T11:06:42.000000Z\"}\n"
		"{\"first_seen\":\"2026-11-18T08:3";
	struct sw_history_stats st;
	struct sw_history *h;
	struct lines l;
	char open[SW_HIST_NAME_MAX], tmp[SW_HIST_NAME_MAX];
	struct sw_hist_name n = { .kind = SW_HIST_OPEN, .first_us = T0, .seq = 3 };

	(void)state;
	sw_hist_name_format(&n, open, sizeof(open));
	file_write(dir, open, text, strlen(text));
	snprintf(tmp, sizeof(tmp), "%s", closed_name(T0, T0 + 1, 2, SW_HIST_TMP));
	file_write(dir, tmp, "junk", 4);
	h = writer_open(dir, 0, 0, false);
	sw_history_stats(h, &st);
	assert_int_equal(st.files_recovered, 1);
	assert_int_equal(st.lines_truncated, 1);
	assert_int_equal(st.write_errors, 0);
	assert_false(file_exists(dir, open));
	assert_false(file_exists(dir, tmp));
	assert_true(file_exists(dir, closed_name(T0 + SEC, T0 + 10 * SEC + 500000, 3, SW_HIST_PLAIN)));
	/* the next file gets a higher sequence number */
	push_n(h, 0, 1, 0);
	assert_true(sw_history_close(h));
	assert_int_equal(count_kind(dir, SW_HIST_PLAIN, NULL), 2);
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	assert_int_equal(l.n, 4);
	/* the new file's record (T0) comes before the recovered file's (T0 + 1 s) */
	assert_int_equal(strncmp(l.v[0], "{\"n\":0,", 7), 0);
	assert_string_equal(l.v[2], "not json at all");
	lines_free(&l);
	tmpdir_remove(dir);
}

/* A second writer on the same directory is refused (flows.lock). */
static void test_lock(void **state)
{
	char *dir = tmpdir_make();
	struct sw_history_opts o = { .dir = dir };
	struct sw_history *h, *h2;
	struct sw_err err;

	(void)state;
	h = writer_open(dir, 0, 0, false);
	assert_int_equal(sw_history_open(&h2, &o, &err), SW_EXIT_RUNTIME);
	assert_non_null(strstr(err.msg, "flows.lock"));
	assert_true(sw_history_close(h));
	tmpdir_remove(dir);
}

/* ---- reader ---- */

static void test_window(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	static const uint8_t corrupt[] = { 0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0x00, 0x13, 0x37 };
	struct lines l;

	(void)state;
	file_write(dir, closed_name(T0, T0 + 10 * SEC, 1, SW_HIST_ZST), corrupt, sizeof(corrupt));
	file_write(dir, closed_name(T0 + 20 * SEC, T0 + 30 * SEC, 2, SW_HIST_PLAIN), "a\nb\n", 4);
	file_write(dir, closed_name(T0 + 25 * SEC, T0 + 40 * SEC, 3, SW_HIST_PLAIN), "c\n", 2);
	file_write(dir, closed_name(T0 + 50 * SEC, T0 + 60 * SEC, 4, SW_HIST_ZST), corrupt, sizeof(corrupt));
	file_write(dir, "notes.txt", "not history\n", 12);
	assert_int_equal(read_all(paths, 1, T0 + 15 * SEC, T0 + 45 * SEC, &l), 0);
	assert_int_equal(l.files, 2);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[2], "c");
	lines_free(&l);
	/* a window that meets the corrupt file reads it, and says so */
	assert_int_equal(read_all(paths, 1, T0 + 5 * SEC, T0 + 45 * SEC, &l), SW_EXIT_USAGE);
	lines_free(&l);
	tmpdir_remove(dir);
}

static void test_reader_files(void **state)
{
	char *dir = tmpdir_make();
	char a[4096], b[4096], *big;
	const char *paths[] = { a, b };
	struct sw_history_reader *r;
	struct sw_history_read_opts o = { 0 };
	const char *missing[] = { "/nonexistent/sw-history" };
	struct sw_err err;
	struct lines l;
	size_t bigl = SW_HIST_LINE_MAX + 10;

	(void)state;
	big = malloc(bigl + 32);
	memset(big, 'y', bigl);
	memcpy(big + bigl, "\nafter\nlast", 11);
	snprintf(a, sizeof(a), "%s/b-first.txt", dir);
	snprintf(b, sizeof(b), "%s/a-second.txt", dir);
	file_write(dir, "b-first.txt", "one\r\n\ntwo", 9);
	file_write(dir, "a-second.txt", big, bigl + 11);
	free(big);
	/* in the order given, an unterminated last line included, the long one skipped */
	assert_int_equal(sw_history_reader_open(&r, paths, 2, &o, &err), SW_EXIT_OK);
	{
		const char *line, *path;
		size_t len;
		uint64_t lineno;
		const char *want[] = { "one\r", "", "two", "after", "last" };
		const uint64_t want_no[] = { 1, 2, 3, 2, 3 };

		for (int i = 0; i < 5; i++) {
			assert_int_equal(sw_history_reader_next(r, &line, &len, &path, &lineno, &err), 1);
			assert_string_equal(line, want[i]);
			assert_int_equal(len, strlen(want[i]));
			assert_int_equal(lineno, want_no[i]);
			assert_string_equal(path, i < 3 ? a : b);
		}
		assert_int_equal(sw_history_reader_next(r, &line, &len, &path, &lineno, &err), 0);
		assert_int_equal(sw_history_reader_skipped(r), 1);
	}
	sw_history_reader_close(r);
	assert_int_equal(read_all(missing, 1, 0, 0, &l), SW_EXIT_RUNTIME);
	tmpdir_remove(dir);
}

/* An open file's unterminated last line is still being written: not returned. */
static void test_reader_open_partial(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	char name[SW_HIST_NAME_MAX];
	struct sw_hist_name n = { .kind = SW_HIST_OPEN, .first_us = T0, .seq = 1 };
	struct lines l;

	(void)state;
	sw_hist_name_format(&n, name, sizeof(name));
	file_write(dir, name, "done\nhalf", 9);
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "done");
	lines_free(&l);
	tmpdir_remove(dir);
}

/* ---- the queue ---- */

static void test_queue_full(void **state)
{
	char *dir = tmpdir_make();
	struct sw_history_opts o = { .dir = dir, .queue_max = 1 };
	struct sw_history_stats st;
	struct sw_history *h;
	struct sw_err err;
	const char *paths[] = { dir };
	unsigned refused = 0, pushed = 200000;
	struct lines l;

	(void)state;
	assert_int_equal(sw_history_open(&h, &o, &err), SW_EXIT_OK);
	for (unsigned i = 0; i < pushed; i++)
		refused += !sw_history_push(h, T0, T0, "{\"x\":1}", 7);
	sw_history_stats(h, &st);
	assert_int_equal(st.dropped_queue_full, refused);
	assert_true(refused > 0);
	assert_false(sw_history_close(h)); /* something was lost */
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	assert_int_equal(l.n, pushed - refused);
	lines_free(&l);
	tmpdir_remove(dir);
}

/* ---- follow ---- */

struct follower {
	const char *dir;
	volatile sig_atomic_t stop;
	unsigned *seen;
	unsigned count, expect;
	int rc;
	bool order_ok;
};

static void *follow_thread(void *arg)
{
	struct follower *f = arg;
	struct sw_history_read_opts o = { .follow = true, .stop = &f->stop };
	const char *paths[] = { f->dir };
	struct sw_history_reader *r;
	struct sw_err err;
	const char *line, *path;
	size_t len;
	uint64_t lineno;
	int rc;

	f->order_ok = true;
	if ((f->rc = sw_history_reader_open(&r, paths, 1, &o, &err)) != SW_EXIT_OK)
		return NULL;
	while ((rc = sw_history_reader_next(r, &line, &len, &path, &lineno, &err)) == 1) {
		unsigned n;

		if (sscanf(line, "{\"n\":%u,", &n) != 1 || n >= f->expect) {
			f->rc = 99;
			continue;
		}
		f->order_ok &= n == f->count;
		f->seen[n]++;
		f->count++;
	}
	if (rc != 0)
		f->rc = rc;
	sw_history_reader_close(r);
	return NULL;
}

static void follow_run(bool compress, uint64_t rotate_us)
{
	char *dir = tmpdir_make();
	struct follower f = { .dir = dir, .expect = 3000 };
	struct sw_history_stats st;
	struct sw_history *h;
	pthread_t t;
	uint64_t t_end;

	f.seen = calloc(f.expect, sizeof(unsigned));
	h = writer_open(dir, rotate_us, 4000, compress);
	/* records already there when the reader starts */
	push_n(h, 0, 100, 40);
	sleep_ms(400);
	assert_int_equal(pthread_create(&t, NULL, follow_thread, &f), 0);
	for (unsigned i = 100; i < f.expect; i += 50) {
		assert_true(push_n(h, i, i + 50, 40));
		sleep_ms(i % 500 == 0 ? 300 : 5);
	}
	sw_history_stats(h, &st);
	assert_true(sw_history_close(h));
	t_end = sw_clock_mono_us() + 20 * SEC;
	while (f.count < f.expect && sw_clock_mono_us() < t_end)
		sleep_ms(50);
	sleep_ms(500); /* anything duplicated would arrive now */
	f.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(f.rc, 0);
	assert_true(st.files_closed >= 20);
	for (unsigned i = 0; i < f.expect; i++)
		if (f.seen[i] != 1)
			fail_msg("record %u seen %u times", i, f.seen[i]);
	assert_int_equal(f.count, f.expect);
	assert_true(f.order_ok);
	free(f.seen);
	tmpdir_remove(dir);
}

static void test_follow_rotation(void **state)
{
	(void)state;
	follow_run(false, 0);
}

static void test_follow_rotation_zst(void **state)
{
	(void)state;
	follow_run(true, 0);
}

static void test_follow_rotation_age(void **state)
{
	(void)state;
	follow_run(true, 150000);
}

/*
 * A writer died with a torn last line; a reader follows the directory; a new
 * writer recovers the file (cuts the torn line, renames it) and goes on. The
 * reader continues in the renamed file and then the new one: no record
 * twice, the torn one never.
 */
static void test_follow_recovery(void **state)
{
	char *dir = tmpdir_make();
	struct follower f = { .dir = dir, .expect = 6 };
	struct sw_hist_name n = { .kind = SW_HIST_OPEN, .first_us = T0, .seq = 1 };
	char name[SW_HIST_NAME_MAX], text[1024];
	struct sw_history_stats st;
	struct sw_history *h;
	uint64_t end;
	pthread_t t;
	int len = 0;

	(void)state;
	f.seen = calloc(f.expect, sizeof(unsigned));
	for (unsigned i = 0; i < 3; i++) {
		len += rec_line(text + len, sizeof(text) - (size_t)len, i, 5);
		text[len++] = '\n';
	}
	len += rec_line(text + len, sizeof(text) - (size_t)len, 3, 5) - 4; /* torn */
	sw_hist_name_format(&n, name, sizeof(name));
	file_write(dir, name, text, (size_t)len);
	assert_int_equal(pthread_create(&t, NULL, follow_thread, &f), 0);
	end = sw_clock_mono_us() + 5 * SEC;
	while (f.count < 3 && sw_clock_mono_us() < end)
		sleep_ms(20);
	assert_int_equal(f.count, 3);
	h = writer_open(dir, 0, 0, true);
	sw_history_stats(h, &st);
	assert_int_equal(st.files_recovered, 1);
	assert_int_equal(st.lines_truncated, 1);
	push_n(h, 3, 6, 5);
	assert_true(sw_history_close(h));
	end = sw_clock_mono_us() + 5 * SEC;
	while (f.count < f.expect && sw_clock_mono_us() < end)
		sleep_ms(20);
	sleep_ms(500);
	f.stop = 1;
	pthread_join(t, NULL);
	assert_int_equal(f.rc, 0);
	for (unsigned i = 0; i < f.expect; i++)
		if (f.seen[i] != 1)
			fail_msg("record %u seen %u times", i, f.seen[i]);
	assert_true(f.order_ok);
	free(f.seen);
	tmpdir_remove(dir);
}

/* ---- a failing disk ---- */

static void set_fsize(rlim_t soft)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = soft == RLIM_INFINITY ? rl.rlim_max : soft;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void wait_stats(struct sw_history *h, struct sw_history_stats *st, bool failing)
{
	uint64_t end = sw_clock_mono_us() + 10 * SEC;

	do {
		sleep_ms(50);
		sw_history_stats(h, st);
	} while (st->failing != failing && sw_clock_mono_us() < end);
	assert_int_equal(st->failing, failing);
}

static void test_write_error(void **state)
{
	char *dir = tmpdir_make();
	const char *paths[] = { dir };
	struct sw_history_stats st, st2;
	struct sw_history *h;
	struct lines l;
	struct rlimit rl;
	unsigned i = 0;
	uint64_t cpu0;
	struct timespec ts;

	(void)state;
	getrlimit(RLIMIT_FSIZE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (1 << 20))
		skip();
	signal(SIGXFSZ, SIG_IGN);
	h = writer_open(dir, 0, 0, false);
	set_fsize(20000); /* this process may write no file past 20000 bytes */
	for (; i < 400; i += 20) {
		push_n(h, i, i + 20, 100);
		sleep_ms(20);
	}
	wait_stats(h, &st, true);
	assert_true(st.write_errors > 0);
	assert_true(st.dropped_write_error > 0);
	assert_non_null(strstr(st.last_error, "File too large"));
	/* a failing disk is retried about once a second, not in a loop */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	cpu0 = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec / 1000;
	push_n(h, i, i + 20, 100);
	i += 20;
	sleep_ms(1500);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	assert_true((uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec / 1000 - cpu0 < 500000);
	sw_history_stats(h, &st);
	assert_true(st.write_errors <= 5);
	/* space comes back: writing resumes by itself */
	set_fsize(RLIM_INFINITY);
	push_n(h, i, i + 50, 100);
	wait_stats(h, &st2, false);
	assert_true(st2.records > st.records);
	assert_false(sw_history_close(h));
	/* every record on disk is whole; none was torn by the short writes */
	assert_int_equal(read_all(paths, 1, 0, 0, &l), 0);
	assert_true(l.n >= st2.records);
	for (size_t k = 0; k < l.n; k++) {
		unsigned n;
		char tail[8];

		assert_int_equal(sscanf(l.v[k], "{\"n\":%u,\"pad\":\"%*[x]%7s", &n, tail), 2);
		assert_string_equal(tail, "\"}");
	}
	assert_true(l.n > 0 && l.n < i + 50);
	lines_free(&l);
	tmpdir_remove(dir);
}

/*
 * The disk fills up for real: a 512 KiB tmpfs in a private mount namespace
 * (in a child process; skipped without the privilege), a filler file, a
 * writer with compression and small files. Then the filler goes and the
 * writer must go on by itself. The child's exit code says which check failed.
 */
#define ENOSPC_CHECK(n, cond)                                                  \
	do {                                                                   \
		if (!(cond))                                                   \
			_exit(n);                                              \
	} while (0)

static void enospc_child(const char *mnt)
{
	char dir[4096], filler[4096], big[400 * 1024];
	struct sw_history_stats st, st2;
	struct sw_history *h;
	struct lines l;
	unsigned i = 0;
	uint64_t end;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("sw-history-test", mnt, "tmpfs", 0, "size=512k") < 0)
		_exit(77);
	snprintf(dir, sizeof(dir), "%s/h", mnt);
	snprintf(filler, sizeof(filler), "%s/filler.bin", mnt);
	memset(big, 'f', sizeof(big));
	file_write(mnt, "filler.bin", big, sizeof(big));
	h = writer_open(dir, 0, 32768, true);
	end = sw_clock_mono_us() + 10 * SEC;
	do {
		push_n(h, i, i + 50, 150);
		i += 50;
		sleep_ms(20);
		sw_history_stats(h, &st);
	} while (!st.failing && sw_clock_mono_us() < end);
	ENOSPC_CHECK(10, st.failing);
	ENOSPC_CHECK(11, st.write_errors > 0 && st.dropped_write_error > 0);
	ENOSPC_CHECK(12, strstr(st.last_error, "No space left on device") != NULL);
	ENOSPC_CHECK(13, unlink(filler) == 0); /* space comes back */
	end = sw_clock_mono_us() + 10 * SEC;
	do {
		push_n(h, i, i + 10, 150);
		i += 10;
		sleep_ms(100);
		sw_history_stats(h, &st2);
	} while (st2.failing && sw_clock_mono_us() < end);
	ENOSPC_CHECK(14, !st2.failing && st2.records > st.records);
	sw_history_close(h);
	{
		const char *paths[] = { dir };

		ENOSPC_CHECK(15, read_all(paths, 1, 0, 0, &l) == 0);
	}
	ENOSPC_CHECK(16, l.n >= st2.records && l.n < i);
	for (size_t k = 0; k < l.n; k++) {
		unsigned n;
		char tail[8];

		ENOSPC_CHECK(17, sscanf(l.v[k], "{\"n\":%u,\"pad\":\"%*[x]%7s", &n, tail) == 2 &&
					 strcmp(tail, "\"}") == 0);
	}
	_exit(0);
}

static void test_enospc(void **state)
{
	char *mnt = tmpdir_make();
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	if ((pid = fork()) == 0)
		enospc_child(mnt);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	rmdir(mnt); /* the tmpfs went with the child's namespace */
	free(mnt);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_order),
		cmocka_unit_test(test_rotate_size),
		cmocka_unit_test(test_rotate_age),
		cmocka_unit_test(test_span_name),
		cmocka_unit_test(test_retention_age),
		cmocka_unit_test(test_retention_size),
		cmocka_unit_test(test_compress),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_lock),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_reader_files),
		cmocka_unit_test(test_reader_open_partial),
		cmocka_unit_test(test_queue_full),
		cmocka_unit_test(test_follow_rotation),
		cmocka_unit_test(test_follow_rotation_zst),
		cmocka_unit_test(test_follow_rotation_age),
		cmocka_unit_test(test_follow_recovery),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
