/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lines of one history file, plain or zstd (told apart by the zstd
 * magic, not by the name), in constant memory: a raw input buffer, a
 * decoded buffer (zstd only), and a line buffer that grows to at most
 * SW_HIST_LINE_MAX + 1 bytes. A longer line is skipped up to its newline
 * and counted. The decoded offset just past the last newline (consumed) is
 * where a follower resumes after the file grows or is renamed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "internal.h"

#define SW_HIST_ZST_WINDOW_LOG_MAX 24	/* 16 MiB: what we write is far below */

int sw_hist_lines_init(struct sw_hist_lines *l, struct sw_err *err)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->in_cap = ZSTD_DStreamInSize();
	l->out_cap = ZSTD_DStreamOutSize();
	l->in = malloc(l->in_cap);
	l->out = malloc(l->out_cap);
	l->dctx = ZSTD_createDCtx();
	if (!l->in || !l->out || !l->dctx) {
		sw_hist_lines_fini(l);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory reading history");
	}
	ZSTD_DCtx_setParameter(l->dctx, ZSTD_d_windowLogMax, SW_HIST_ZST_WINDOW_LOG_MAX);
	return SW_EXIT_OK;
}

void sw_hist_lines_fini(struct sw_hist_lines *l)
{
	free(l->in);
	free(l->out);
	free(l->line);
	ZSTD_freeDCtx(l->dctx);
	l->in = l->out = NULL;
	l->line = NULL;
	l->dctx = NULL;
}

/**
 * sw_hist_lines_start - read @fd (not owned) from decoded offset @offset,
 * which must be the start of a line; @lineno lines precede it. With
 * @allow_zst false the file is taken as plain without looking (a file being
 * written). A plain file is positioned with lseek, a zstd one decoded and
 * the first @offset bytes discarded.
 */
void sw_hist_lines_start(struct sw_hist_lines *l, int fd, bool allow_zst, uint64_t offset,
			 uint64_t lineno)
{
	l->fd = fd;
	l->zst = false;
	l->probed = !allow_zst;
	l->allow_zst = allow_zst;
	l->eof = false;
	l->frame_left = 0;
	l->pending_out = false;
	l->in_len = l->in_pos = 0;
	l->data = l->in;
	l->data_len = l->data_pos = 0;
	l->data_base = 0;
	l->skip = 0;
	l->line_len = 0;
	l->overlong = false;
	l->consumed = offset;
	l->lineno = lineno;
	ZSTD_DCtx_reset(l->dctx, ZSTD_reset_session_only);
	if (offset == 0)
		return;
	if (!allow_zst && lseek(fd, (off_t)offset, SEEK_SET) >= 0)
		l->data_base = offset;
	else
		l->skip = offset;
}

/* read(2) into the raw buffer; -1 with errno. */
static ssize_t sw_hist_lines_read(struct sw_hist_lines *l)
{
	ssize_t got;

	do
		got = read(l->fd, l->in, l->in_cap);
	while (got < 0 && errno == EINTR);
	l->in_pos = 0;
	l->in_len = got > 0 ? (size_t)got : 0;
	return got;
}

/* The first read of a file: plain, or zstd by its magic (and, if plain, lseek past @skip). */
static int sw_hist_lines_probe(struct sw_hist_lines *l, const char *path, struct sw_err *err)
{
	l->probed = true;
	if (sw_hist_lines_read(l) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: read: %s", path, strerror(errno));
	l->zst = sw_hist_zst_magic_is(l->in, l->in_len);
	if (l->zst || l->skip == 0)
		return SW_EXIT_OK;
	if (lseek(l->fd, (off_t)l->skip, SEEK_SET) < 0)
		return SW_EXIT_OK; /* not seekable: discard as we go */
	l->data_base = l->skip;
	l->skip = 0;
	l->in_len = 0;
	return SW_EXIT_OK;
}

/* Decode into the output buffer until some bytes come out or the input ends. */
static int sw_hist_lines_unzst(struct sw_hist_lines *l, const char *path, struct sw_err *err)
{
	for (;;) {
		ZSTD_inBuffer ib = { l->in, l->in_len, l->in_pos };
		ZSTD_outBuffer ob = { l->out, l->out_cap, 0 };
		size_t r;

		if (l->in_pos == l->in_len && !l->pending_out) {
			ssize_t got = sw_hist_lines_read(l);

			if (got < 0)
				return sw_err_set(err, SW_EXIT_RUNTIME, "%s: read: %s", path,
						  strerror(errno));
			if (got == 0) {
				l->eof = true;
				if (l->frame_left != 0)
					return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu: zstd data "
							  "cut short: stopped here", path,
							  (unsigned long long)l->lineno + 1);
				return SW_EXIT_OK;
			}
			ib.size = l->in_len;
			ib.pos = 0;
		}
		r = ZSTD_decompressStream(l->dctx, &ob, &ib);
		l->in_pos = ib.pos;
		if (ZSTD_isError(r))
			return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu: damaged zstd data (%s): "
					  "stopped here", path, (unsigned long long)l->lineno + 1,
					  ZSTD_getErrorName(r));
		l->frame_left = r;
		l->pending_out = ob.pos == ob.size;
		if (ob.pos > 0) {
			l->data = l->out;
			l->data_len = ob.pos;
			return SW_EXIT_OK;
		}
	}
}

/* The next chunk of decoded bytes into data/data_len; at the end, l->eof. */
static int sw_hist_lines_fill(struct sw_hist_lines *l, const char *path, struct sw_err *err)
{
	int rc;

	l->data_base += l->data_len;
	l->data_len = l->data_pos = 0;
	if (!l->probed && (rc = sw_hist_lines_probe(l, path, err)) != SW_EXIT_OK)
		return rc;
	if (l->zst)
		return sw_hist_lines_unzst(l, path, err);
	if (l->in_pos == l->in_len && sw_hist_lines_read(l) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: read: %s", path, strerror(errno));
	if (l->in_len == 0)
		l->eof = true;
	l->data = l->in;
	l->data_len = l->in_len;
	l->in_pos = l->in_len;
	return SW_EXIT_OK;
}

/* Add @n bytes to the line being read, or mark it over-long. */
static bool sw_hist_lines_append(struct sw_hist_lines *l, const uint8_t *p, size_t n)
{
	if (l->overlong)
		return true;
	if (l->line_len + n > SW_HIST_LINE_MAX) {
		l->overlong = true;
		return true;
	}
	if (l->line_len + n + 1 > l->line_cap) {
		size_t cap = l->line_cap ? l->line_cap : 4096;
		char *nl;

		while (cap < l->line_len + n + 1)
			cap *= 2;
		if (cap > SW_HIST_LINE_MAX + 1)
			cap = SW_HIST_LINE_MAX + 1;
		if (!(nl = realloc(l->line, cap)))
			return false;
		l->line = nl;
		l->line_cap = cap;
	}
	memcpy(l->line + l->line_len, p, n);
	l->line_len += n;
	return true;
}

/**
 * sw_hist_lines_next - the next complete line (newline stripped,
 * NUL-terminated, valid until the next call)
 *
 * Returns 1 with a line, 0 at the end of the file (an unterminated last
 * line is kept: see sw_hist_lines_partial), or an exit code with @err.
 */
int sw_hist_lines_next(struct sw_hist_lines *l, const char *path, const char **line,
		       size_t *len, struct sw_err *err)
{
	int rc;

	if (l->line_len && l->consumed == l->data_base + l->data_pos)
		l->line_len = 0; /* the line returned last time */
	for (;;) {
		const uint8_t *p, *nl;
		size_t avail, take;

		if (l->data_pos == l->data_len) {
			if (l->eof)
				return 0;
			if ((rc = sw_hist_lines_fill(l, path, err)) != SW_EXIT_OK)
				return rc;
			continue;
		}
		p = l->data + l->data_pos;
		avail = l->data_len - l->data_pos;
		if (l->skip) {
			take = avail < l->skip ? avail : (size_t)l->skip;
			l->data_pos += take;
			l->skip -= take;
			continue;
		}
		nl = memchr(p, '\n', avail);
		take = nl ? (size_t)(nl - p) : avail;
		if (!sw_hist_lines_append(l, p, take))
			return sw_err_set(err, SW_EXIT_RUNTIME, "%s: out of memory", path);
		if (l->overlong && l->strict)
			return sw_err_set(err, SW_EXIT_USAGE, "%s:%llu: a line longer than %d "
					  "bytes (1 MiB, the bound on a record): stopped here",
					  path, (unsigned long long)l->lineno + 1, SW_HIST_LINE_MAX);
		l->data_pos += take;
		if (!nl)
			continue;
		l->data_pos++;
		l->consumed = l->data_base + l->data_pos;
		l->lineno++;
		if (l->overlong) {
			l->skipped++;
			l->overlong = false;
			l->line_len = 0;
			continue;
		}
		l->line[l->line_len] = '\0';
		*line = l->line;
		*len = l->line_len;
		return 1;
	}
}

/**
 * sw_hist_lines_partial - at the end of a file, the unterminated last line
 * if there is one (an over-long one is counted as skipped instead). Only
 * for files that are complete: in a file being written it is still coming.
 */
bool sw_hist_lines_partial(struct sw_hist_lines *l, const char **line, size_t *len)
{
	bool have = l->line_len > 0 || l->overlong;

	if (!have || l->consumed == l->data_base + l->data_pos)
		return false;
	l->consumed = l->data_base + l->data_pos;
	l->lineno++;
	if (l->overlong) {
		l->skipped++;
		l->overlong = false;
		l->line_len = 0;
		return false;
	}
	if (!l->line) {
		l->line_len = 0;
		return false;
	}
	l->line[l->line_len] = '\0';
	*line = l->line;
	*len = l->line_len;
	return true;
}
