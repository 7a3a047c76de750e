/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_OUTFILE_H
#define SEGWATCH_OUTFILE_H

/*
 * outfile - every file a command writes goes through here, so that no
 * command destroys its own input or a file that is not a file:
 *
 *   - "-" and "/dev/stdout" are standard output, "/dev/stderr" standard
 *     error (the descriptor the command was given, never reopened, so a
 *     `>> log` redirection is not truncated); "/dev/null" is allowed;
 *   - an output that is one of the command's inputs (the same st_dev and
 *     st_ino after following symbolic links; an existing file directly inside
 *     an input directory; standard input's file for "-") is refused, and so
 *     is one output named twice;
 *   - any other existing path that is not a regular file (a directory, FIFO,
 *     socket or device) is refused: write to - and redirect instead;
 *   - a document (SW_OUTFILE_WHOLE) is written to a temporary name in the
 *     same directory, flushed to disk and renamed over the old file at
 *     commit: a failed or interrupted run leaves the old file as it was. A
 *     symbolic link is followed (the file it names is replaced). SIGINT,
 *     SIGTERM and SIGHUP are held while the temporary file exists and
 *     delivered after commit or abort, so none is left behind;
 *   - a stream (SW_OUTFILE_STREAM, records as they come) is the file itself,
 *     truncated once the checks passed; SW_OUTFILE_APPEND appends.
 *
 * Refusals are SW_EXIT_USAGE; files that cannot be created SW_EXIT_RUNTIME.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <segwatch/exit.h>

enum sw_outfile_kind {
	SW_OUTFILE_WHOLE,	/* temporary name, renamed at commit */
	SW_OUTFILE_STREAM,	/* the file itself, truncated */
	SW_OUTFILE_APPEND,	/* the file itself, appended to */
};

/* What a command reads (and what it already writes), to keep outputs off them. */
struct sw_outfile_inputs {
	const char *const *paths;	/* "-" is standard input */
	size_t n;
};

struct sw_outfile;

/* sw_outfile_is_stdout - "-" or "/dev/stdout". */
bool sw_outfile_is_stdout(const char *path);

/*
 * sw_outfile_check - refuse @path (see above) before any work is done, so a
 * command fails at once instead of after reading its input. @what names the
 * option in the message ("-w", "-o"). NULL and stdout pass.
 */
int sw_outfile_check(const char *path, const char *what, const struct sw_outfile_inputs *in,
		     struct sw_err *err);

/*
 * sw_outfile_open - checked as sw_outfile_check, then opened as @kind.
 * Write through sw_outfile_stream(); end with sw_outfile_commit() or
 * sw_outfile_abort(), which both free @o.
 */
int sw_outfile_open(struct sw_outfile **o, const char *path, const char *what,
		    enum sw_outfile_kind kind, const struct sw_outfile_inputs *in,
		    struct sw_err *err);

FILE *sw_outfile_stream(const struct sw_outfile *o);

/*
 * sw_outfile_commit - flush; a document is synced and renamed into place.
 * Standard output is flushed, never closed. Frees @o (NULL is fine).
 */
int sw_outfile_commit(struct sw_outfile *o, struct sw_err *err);

/* sw_outfile_abort - a document's temporary file is removed, the old file stays. Frees @o. */
void sw_outfile_abort(struct sw_outfile *o);

#endif
