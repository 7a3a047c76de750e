/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_HISTORY_INTERNAL_H
#define SW_HISTORY_INTERNAL_H

/*
 * Private declarations of the flow history (include/segwatch/history.h).
 * File names, listing and retention in files.c; zstd in compress.c; the
 * bounded line splitter shared by the reader and crash recovery in lines.c;
 * recovery of a dead writer's files in recover.c; the writer thread in
 * writer.c; the reader in reader.c. Layout: docs/history.md.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>

#define SW_HIST_LINE_MAX (1024 * 1024)	/* longer lines are skipped and counted */
#define SW_HIST_TIME_LEN 23		/* YYYYMMDDTHHMMSS.uuuuuuZ */
#define SW_HIST_NAME_MAX 96		/* longest name we write or parse, with NUL */
#define SW_HIST_LOCK_NAME "flows.lock"

enum sw_hist_kind {
	SW_HIST_OPEN,	/* flows-<OPENED>-<SEQ>.open.jsonl: being written */
	SW_HIST_PLAIN,	/* flows-<FIRST>-<LAST>-<SEQ>.jsonl: closed */
	SW_HIST_ZST,	/* flows-<FIRST>-<LAST>-<SEQ>.jsonl.zst: closed, compressed */
	SW_HIST_TMP,	/* flows-<FIRST>-<LAST>-<SEQ>.jsonl.zst.tmp: being compressed */
};

/* A parsed history file name. For SW_HIST_OPEN, first is the opening time and last is 0. */
struct sw_hist_name {
	enum sw_hist_kind kind;
	uint64_t first_us, last_us;
	uint64_t seq;
};

/* One history file found in a directory. */
struct sw_hist_file {
	char name[SW_HIST_NAME_MAX];
	struct sw_hist_name n;
	uint64_t size;
};

/* files.c */
void sw_hist_time_format(uint64_t us, char out[SW_HIST_TIME_LEN + 1]);
bool sw_hist_time_parse(const char *s, uint64_t *us);
bool sw_hist_name_format(const struct sw_hist_name *n, char *buf, size_t size);
bool sw_hist_name_parse(const char *name, struct sw_hist_name *n);
int sw_hist_dir_list(int dirfd, const char *dir, struct sw_hist_file **out, size_t *n,
		     struct sw_err *err);
void sw_hist_files_sort_read(struct sw_hist_file *f, size_t n);
bool sw_hist_find_seq(const struct sw_hist_file *f, size_t n, uint64_t seq,
		      struct sw_hist_file *out);
uint64_t sw_hist_max_seq(const struct sw_hist_file *f, size_t n);
size_t sw_hist_files_dedupe(struct sw_hist_file *f, size_t n);

struct sw_hist_retain {
	uint64_t now_us, keep_us, keep_bytes;
	uint64_t deleted, errors;
	struct sw_err err;	/* the last error, when errors > 0 */
};
int sw_hist_retain_run(int dirfd, const char *dir, struct sw_hist_retain *rt);

/* compress.c */
bool sw_hist_zst_magic_is(const void *p, size_t len);
int sw_hist_compress(int dirfd, const char *dir, const char *plain, const char *zst,
		     struct sw_err *err);

/* lines.c: one file's lines, plain or zstd, with bounded memory. */
struct sw_hist_lines {
	int fd;
	bool zst, probed, allow_zst, eof;
	void *dctx;			/* ZSTD_DCtx */
	size_t frame_left;		/* last ZSTD_decompressStream hint: 0 at a frame end */
	bool pending_out;		/* the decoder filled the output: more may be buffered */
	uint8_t *in, *out;
	size_t in_cap, out_cap;
	size_t in_len, in_pos;		/* raw bytes */
	const uint8_t *data;		/* decoded chunk: in (plain) or out (zstd) */
	size_t data_len, data_pos;
	uint64_t data_base;		/* decoded offset of data[0] */
	uint64_t skip;			/* decoded bytes still to discard (resuming) */
	char *line;
	size_t line_len, line_cap;
	bool overlong;			/* the line being read is over SW_HIST_LINE_MAX */
	bool strict;			/* an over-long line is an error, not skipped */
	uint64_t consumed;		/* decoded offset just past the last newline */
	uint64_t lineno;
	uint64_t skipped;		/* over-long lines, every file */
};

int sw_hist_lines_init(struct sw_hist_lines *l, struct sw_err *err);
void sw_hist_lines_start(struct sw_hist_lines *l, int fd, bool allow_zst, uint64_t offset,
			 uint64_t lineno);
int sw_hist_lines_next(struct sw_hist_lines *l, const char *path, const char **line,
		       size_t *len, struct sw_err *err);
bool sw_hist_lines_partial(struct sw_hist_lines *l, const char **line, size_t *len);
void sw_hist_lines_fini(struct sw_hist_lines *l);

/* recover.c: what a dead writer left behind, at sw_history_open. */
struct sw_hist_recovery {
	bool compress;
	uint64_t files_recovered, lines_truncated, files_closed, errors;
	struct sw_err err;	/* the last error, when errors > 0 */
};
void sw_hist_recover_dir(int dirfd, const char *dir, struct sw_hist_recovery *rc);
bool sw_hist_line_span(const char *line, size_t len, uint64_t *first_us, uint64_t *last_us);

#endif
