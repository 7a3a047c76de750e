/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * zstd for closed history files: streamed with ZSTD_compressStream2 through
 * fixed buffers (a file of any size in constant memory), written to
 * <name>.zst.tmp, fsync'd, renamed over <name>.zst, the directory fsync'd,
 * and only then the plain file removed. A crash at any point leaves either
 * the plain file alone, or the plain file and a complete .zst (recovery
 * removes the plain one), or a .tmp (recovery removes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "internal.h"

#define SW_HIST_ZST_LEVEL 3

bool sw_hist_zst_magic_is(const void *p, size_t len)
{
	static const uint8_t magic[4] = { 0x28, 0xb5, 0x2f, 0xfd }; /* ZSTD_MAGICNUMBER, LE */

	return len >= 4 && memcmp(p, magic, 4) == 0;
}

/* write(2) all of @len bytes; false with errno set. */
static bool sw_hist_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

struct sw_hist_zjob {
	ZSTD_CCtx *cctx;
	uint8_t *in, *out;
	size_t in_cap, out_cap;
	int src, dst;
};

/* Stream @j->src through the compressor into @j->dst. */
static int sw_hist_zstream(struct sw_hist_zjob *j, const char *what, struct sw_err *err)
{
	ZSTD_EndDirective mode = ZSTD_e_continue;

	while (mode != ZSTD_e_end) {
		ssize_t got = read(j->src, j->in, j->in_cap);
		ZSTD_inBuffer ib = { j->in, 0, 0 };
		size_t left;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return sw_err_set(err, SW_EXIT_RUNTIME, "%s: read: %s", what, strerror(errno));
		ib.size = (size_t)got;
		mode = got == 0 ? ZSTD_e_end : ZSTD_e_continue;
		do {
			ZSTD_outBuffer ob = { j->out, j->out_cap, 0 };

			left = ZSTD_compressStream2(j->cctx, &ob, &ib, mode);
			if (ZSTD_isError(left))
				return sw_err_set(err, SW_EXIT_RUNTIME, "%s: zstd: %s", what,
						  ZSTD_getErrorName(left));
			if (!sw_hist_write_all(j->dst, j->out, ob.pos))
				return sw_err_set(err, SW_EXIT_RUNTIME, "%s.zst.tmp: write: %s", what,
						  strerror(errno));
		} while (mode == ZSTD_e_end ? left != 0 : ib.pos < ib.size);
	}
	return SW_EXIT_OK;
}

static int sw_hist_zjob_run(struct sw_hist_zjob *j, const char *what, struct sw_err *err)
{
	j->cctx = ZSTD_createCCtx();
	j->in_cap = ZSTD_CStreamInSize();
	j->out_cap = ZSTD_CStreamOutSize();
	j->in = malloc(j->in_cap);
	j->out = malloc(j->out_cap);
	if (!j->cctx || !j->in || !j->out)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: out of memory compressing", what);
	ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_compressionLevel, SW_HIST_ZST_LEVEL);
	ZSTD_CCtx_setParameter(j->cctx, ZSTD_c_checksumFlag, 1);
	return sw_hist_zstream(j, what, err);
}

/**
 * sw_hist_compress - @plain (in @dirfd, named @dir in errors) to @zst
 *
 * The plain file is removed only after the .zst is complete and durable.
 * On failure the temporary file is removed and @plain is left as it was.
 * Returns SW_EXIT_OK or SW_EXIT_RUNTIME with @err.
 */
int sw_hist_compress(int dirfd, const char *dir, const char *plain, const char *zst,
		     struct sw_err *err)
{
	struct sw_hist_zjob j = { .src = -1, .dst = -1 };
	char tmp[SW_HIST_NAME_MAX + 8], what[4096];
	int rc;

	snprintf(what, sizeof(what), "%s/%s", dir, plain);
	snprintf(tmp, sizeof(tmp), "%s.tmp", zst);
	j.src = openat(dirfd, plain, O_RDONLY | O_CLOEXEC);
	if (j.src < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", what, strerror(errno));
	j.dst = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (j.dst < 0) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s/%s: %s", dir, tmp, strerror(errno));
		goto out_src;
	}
	if ((rc = sw_hist_zjob_run(&j, what, err)) != SW_EXIT_OK)
		goto out_tmp;
	if (fsync(j.dst) < 0 || close(j.dst) < 0) {
		j.dst = -1;
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s/%s: %s", dir, tmp, strerror(errno));
		goto out_tmp;
	}
	j.dst = -1;
	if (renameat(dirfd, tmp, dirfd, zst) < 0) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s/%s: rename: %s", dir, tmp, strerror(errno));
		goto out_tmp;
	}
	fsync(dirfd);
	unlinkat(dirfd, plain, 0);
	rc = SW_EXIT_OK;
	goto out_src;
out_tmp:
	if (j.dst >= 0)
		close(j.dst);
	unlinkat(dirfd, tmp, 0);
out_src:
	close(j.src);
	ZSTD_freeCCtx(j.cctx);
	free(j.in);
	free(j.out);
	return rc;
}
