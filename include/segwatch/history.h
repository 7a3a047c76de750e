/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_HISTORY_H
#define SEGWATCH_HISTORY_H

/*
 * history - the agent's flow history: JSON-lines records in a directory of
 * rotated files (by age and by size), old files deleted by age and by the
 * directory's total size, closed files compressed with zstd. File names carry
 * the time span of the records inside, so a reader finds a window without
 * opening every file. Layout and guarantees: docs/history.md.
 *
 * The writer runs on a thread of its own: sw_history_push never blocks and
 * never fails the caller; what cannot be queued or written is counted.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>

struct sw_history_opts {
	const char *dir;		/* created if missing (mode 0750) */
	uint64_t rotate_us;		/* start a new file after this long; 0: 1 hour */
	uint64_t rotate_bytes;		/* ... or this many bytes written; 0: 64 MiB */
	uint64_t keep_us;		/* delete files whose newest record is older; 0: keep */
	uint64_t keep_bytes;		/* delete the oldest files past this total; 0: no bound */
	bool compress;			/* zstd each file as it is closed */
	size_t queue_max;		/* records waiting for the writer; 0: 65536 */
};

struct sw_history_stats {
	uint64_t records;		/* written */
	uint64_t bytes;			/* written, before compression */
	uint64_t files_closed;
	uint64_t files_deleted;		/* by retention */
	uint64_t dropped_queue_full;	/* pushed while the queue was full */
	uint64_t dropped_write_error;	/* lost to a failed write (disk full, ...) */
	uint64_t write_errors;		/* failed writes, opens, renames, compressions */
	bool failing;			/* the last write failed (the disk is full now) */
	char last_error[256];
	uint64_t files_recovered;	/* left open by a writer that died, closed at open */
	uint64_t lines_truncated;	/* torn last lines cut from those files */
	uint64_t queued;		/* records waiting for the writer now (gauge) */
};

struct sw_history;

/**
 * sw_history_open - start a writer on @o->dir
 * @out: the writer on success
 * @o: copied
 *
 * A file left open by a writer that died (see docs/history.md) is closed
 * and named as if rotated. Returns SW_EXIT_OK, or SW_EXIT_RUNTIME with @err
 * (directory not writable).
 */
int sw_history_open(struct sw_history **out, const struct sw_history_opts *o, struct sw_err *err);

/*
 * sw_history_push - queue one record (@line, @len bytes, no newline: one
 * inside is written as a space) spanning [@first_us, @last_us]; copied.
 * Never blocks: false when the queue is full (counted in dropped_queue_full).
 * Safe to call from any thread.
 */
bool sw_history_push(struct sw_history *h, uint64_t first_us, uint64_t last_us, const char *line,
		     size_t len);

/* sw_history_stats - a consistent copy of the counters. */
void sw_history_stats(struct sw_history *h, struct sw_history_stats *out);

/*
 * sw_history_close - write what is queued, close (and compress) the current
 * file, end the thread, free @h. True when nothing was lost. NULL is fine.
 */
bool sw_history_close(struct sw_history *h);

/*
 * Reading: directories (every history file in them) and plain files (JSON
 * lines, .zst or not) in time order, records whose span meets [since, until].
 */
struct sw_history_read_opts {
	uint64_t since_us;		/* 0: from the start */
	uint64_t until_us;		/* 0: to the end */
	bool follow;			/* at the end, wait for new records (files growing, new files) */
	volatile sig_atomic_t *stop;	/* with follow: set to end the wait; may be NULL */
	bool long_line_error;		/* a line over 1 MiB ends the file with an error
					 * ("PATH:LINE: ..."), instead of being skipped */
};

struct sw_history_reader;

/*
 * sw_history_reader_open - @paths (@n of them) to read; "-" is standard
 * input, a named FIFO waits at most SW_FLOWFILE_FIFO_WAIT_S (flowfile.h)
 * for its first byte. Returns SW_EXIT_OK, SW_EXIT_USAGE (a path that does
 * not exist) or SW_EXIT_RUNTIME with @err.
 */
int sw_history_reader_open(struct sw_history_reader **out, const char *const *paths, size_t n,
			   const struct sw_history_read_opts *o, struct sw_err *err);

/*
 * sw_history_reader_next - the next line (no newline, NUL-terminated, valid
 * until the next call) and where it came from. Lines are not parsed, except
 * as far as needed to skip a file outside the window. Returns 1 with a line,
 * 0 at the end (never with follow, until *stop), or an exit code (> 1) with @err:
 * SW_EXIT_RUNTIME for a read error, SW_EXIT_USAGE "PATH:LINE: ..." for damage
 * (zstd data cut short or broken; with long_line_error, a line over 1 MiB).
 * After an error the next call goes on with the next file. Memory is
 * bounded: one file is open at a time and lines over 1 MiB are skipped and
 * counted (or, with long_line_error, end the file).
 */
int sw_history_reader_next(struct sw_history_reader *r, const char **line, size_t *len,
			   const char **path, uint64_t *lineno, struct sw_err *err);

/* sw_history_reader_skipped - lines skipped for being too long. */
uint64_t sw_history_reader_skipped(const struct sw_history_reader *r);

/* sw_history_reader_files_read - files opened so far (those outside the window are not). */
uint64_t sw_history_reader_files_read(const struct sw_history_reader *r);

void sw_history_reader_close(struct sw_history_reader *r);

#endif
