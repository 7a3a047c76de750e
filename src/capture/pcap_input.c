/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a pcap input so that a signal always ends the wait (internal.h,
 * struct sw_pcap_in). libpcap reads its file with fread(); on a FIFO whose
 * writer never writes that read blocks, and with SA_RESTART handlers it is
 * never interrupted. Here the file is opened with O_NONBLOCK (a FIFO with no
 * writer does not block the open), and a non-regular input is handed to
 * libpcap as a stream (fopencookie) whose reads poll the descriptor 100 ms at
 * a time and look at the stop flag in between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define SW_PCAP_IN_POLL_MS 100

static ssize_t sw_pcap_in_read(void *cookie, char *buf, size_t len)
{
	struct sw_pcap_in *in = cookie;
	struct pollfd pfd = { .fd = in->fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if (in->stop && *in->stop) {
			in->interrupted = true;
			errno = EINTR;
			return -1;
		}
		n = poll(&pfd, 1, SW_PCAP_IN_POLL_MS);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		n = read(in->fd, buf, len);
		if (n >= 0) {
			in->offset += (uint64_t)n;
			return n;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static int sw_pcap_in_close(void *cookie)
{
	struct sw_pcap_in *in = cookie;
	int rc = in->own_fd ? close(in->fd) : 0;

	in->fd = -1;
	return rc;
}

int sw_pcap_in_open(struct sw_pcap_in *in, const char *path, volatile sig_atomic_t *stop,
		    FILE **f, struct sw_err *err)
{
	static const cookie_io_functions_t io = { .read = sw_pcap_in_read,
						  .close = sw_pcap_in_close };
	bool is_stdin = strcmp(path, "-") == 0;
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->stop = stop;
	in->fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	in->own_fd = !is_stdin;
	if (in->fd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %m", path);
	if (fstat(in->fd, &st) != 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %m", path);
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: Is a directory", path);
		goto fail;
	}
	in->regular = S_ISREG(st.st_mode);
	if (in->regular && !is_stdin) {
		/* a regular file never blocks: plain stdio, which can tell its position */
		fcntl(in->fd, F_SETFL, fcntl(in->fd, F_GETFL) & ~O_NONBLOCK);
		*f = fdopen(in->fd, "rb");
	} else {
		*f = fopencookie(in, "rb", io);
	}
	if (!*f) {
		sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot read: %m", path);
		goto fail;
	}
	return SW_EXIT_OK;
fail:
	if (in->own_fd)
		close(in->fd);
	in->fd = -1;
	return err->code;
}
