/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_history - libFuzzer target for the history reader (src/history):
 * arbitrary bytes as a history file, read back with sw_history_reader_*.
 * The first input byte picks how the rest is stored:
 *   0  a plain file given by name (it may still start with the zstd magic)
 *   1  the same bytes, compressed with zstd first (a valid frame)
 *   2  as is, under a closed history name in a directory, next to an open
 *      file holding the same bytes, read with a window from the next bytes
 * Besides "no crash, no leak, no sanitizer report", the contract of
 * include/segwatch/history.h is checked, trapping when broken:
 *   - sw_history_reader_next returns 0, 1 or an exit code above 1;
 *   - a line holds no newline, is NUL-terminated and at most 1 MiB;
 *   - for modes 0 and 1 (valid data), lines + skipped lines = newlines, plus
 *     one for an unterminated last line, and no error;
 *   - read again with long_line_error (as the flow-file readers read): no
 *     line is skipped, and either the same lines come back or the read
 *     stops at an over-long line with SW_EXIT_USAGE "PATH:LINE: ...";
 *   - every line that is JSON goes through the flow-file check
 *     (include/segwatch/flowfile.h): accepted, or refused with
 *     SW_EXIT_USAGE and a message starting with a JSON Pointer.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <zstd.h>

#include <segwatch/flowfile.h>
#include <segwatch/history.h>

#include "fuzz_check.h"

static char sw_fuzz_dir[64];

static void sw_fuzz_put(const char *name, const void *p, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", sw_fuzz_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	SW_FUZZ_CHECK(fd >= 0);
	SW_FUZZ_CHECK(write(fd, p, n) == (ssize_t)n);
	close(fd);
}

/* A line that is JSON, through the flow-file check. */
static void sw_fuzz_check_line(const char *line, size_t len)
{
	enum sw_flowfile_kind kind;
	struct sw_err err = { 0 };
	json_t *v = json_loadb(line, len, JSON_DECODE_ANY, NULL);
	int rc;

	if (!v)
		return;
	rc = sw_flowfile_record_check(v, &kind, &err);
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || (rc == SW_EXIT_USAGE && err.msg[0] == '/'));
	json_decref(v);
}

/* Read @path; the number of lines returned, skipped added to @skipped; -rc on an error. */
static long sw_fuzz_read_opts(const char *path, uint64_t since, uint64_t until, uint64_t *skipped,
			      bool strict)
{
	struct sw_history_read_opts o = { .since_us = since, .until_us = until,
					  .long_line_error = strict };
	const char *paths[] = { path }, *line, *from;
	struct sw_history_reader *r;
	struct sw_err err;
	uint64_t lineno;
	size_t len;
	long lines = 0;
	int rc;

	rc = sw_history_reader_open(&r, paths, 1, &o, &err);
	SW_FUZZ_CHECK(rc == 0);
	while ((rc = sw_history_reader_next(r, &line, &len, &from, &lineno, &err)) == 1) {
		SW_FUZZ_CHECK(len <= 1024 * 1024 && line[len] == '\0');
		SW_FUZZ_CHECK(!memchr(line, '\n', len));
		SW_FUZZ_CHECK(from && lineno > 0);
		if (strict)
			sw_fuzz_check_line(line, len);
		lines++;
	}
	SW_FUZZ_CHECK(rc == 0 || rc > 1);
	*skipped = sw_history_reader_skipped(r);
	SW_FUZZ_CHECK(!strict || *skipped == 0);
	sw_history_reader_close(r);
	return rc ? -rc : lines;
}

static long sw_fuzz_read(const char *path, uint64_t since, uint64_t until, uint64_t *skipped)
{
	return sw_fuzz_read_opts(path, since, until, skipped, false);
}

static long sw_fuzz_expect(const uint8_t *p, size_t n)
{
	long nl = 0;

	for (size_t i = 0; i < n; i++)
		nl += p[i] == '\n';
	return nl + (n > 0 && p[n - 1] != '\n');
}

static void sw_fuzz_plain(const uint8_t *p, size_t n, bool compress)
{
	char path[256];
	uint64_t skipped, sk2;
	long got, strict;

	if (compress) {
		size_t cap = ZSTD_compressBound(n);
		void *z = malloc(cap);
		size_t zn = ZSTD_compress(z, cap, p, n, 1);

		SW_FUZZ_CHECK(!ZSTD_isError(zn));
		sw_fuzz_put("in.dat", z, zn);
		free(z);
	} else {
		sw_fuzz_put("in.dat", p, n);
	}
	snprintf(path, sizeof(path), "%s/in.dat", sw_fuzz_dir);
	got = sw_fuzz_read(path, 0, 0, &skipped);
	/* plain bytes that happen to start with the zstd magic are read as zstd */
	if (compress || n < 4 || memcmp(p, "\x28\xb5\x2f\xfd", 4) != 0)
		SW_FUZZ_CHECK(got >= 0 && got + (long)skipped == sw_fuzz_expect(p, n));
	strict = sw_fuzz_read_opts(path, 0, 0, &sk2, true);
	if (got >= 0 && !skipped)
		SW_FUZZ_CHECK(strict == got);
	else if (got >= 0)
		SW_FUZZ_CHECK(strict == -SW_EXIT_USAGE);
	unlink(path);
}

static void sw_fuzz_dir_read(const uint8_t *p, size_t n)
{
	static const char *closed = "flows-20261118T110640.000000Z-20261118T110650.000000Z-00000001.jsonl.zst";
	static const char *open = "flows-20261118T110651.000000Z-00000002.open.jsonl";
	uint64_t since = 0, until = 0, skipped, t0 = 1795000000000000ull;
	char path[256];

	if (n >= 2) {
		since = p[0] ? t0 + (uint64_t)p[0] * 100000 : 0;
		until = p[1] ? t0 + (uint64_t)p[1] * 100000 : 0;
		p += 2;
		n -= 2;
	}
	sw_fuzz_put(closed, p, n);
	sw_fuzz_put(open, p, n);
	sw_fuzz_read(sw_fuzz_dir, since, until, &skipped);
	snprintf(path, sizeof(path), "%s/%s", sw_fuzz_dir, closed);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", sw_fuzz_dir, open);
	unlink(path);
}

static void sw_fuzz_cleanup(void)
{
	rmdir(sw_fuzz_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!sw_fuzz_dir[0]) {
		snprintf(sw_fuzz_dir, sizeof(sw_fuzz_dir), "/tmp/fuzz_history-XXXXXX");
		SW_FUZZ_CHECK(mkdtemp(sw_fuzz_dir));
		atexit(sw_fuzz_cleanup);
	}
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		sw_fuzz_plain(data + 1, size - 1, false);
		break;
	case 1:
		sw_fuzz_plain(data + 1, size - 1, true);
		break;
	default:
		sw_fuzz_dir_read(data + 1, size - 1);
		break;
	}
	return 0;
}
