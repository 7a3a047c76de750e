/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_pcap - libFuzzer target for the capture file readers: the mapped
 * reader of classic pcap files (src/capture/pcap_map.c) and libpcap's reader
 * behind the signal-aware stream (src/capture/pcap_input.c) that standard
 * input and FIFOs take. The input is a whole capture file (pcap or pcapng).
 *
 * Each input is read twice through the public API (sw_capture_open with
 * .file): once as a regular file (memfd), once as a pipe fed by a thread.
 * Besides "no crash, no leak, no sanitizer report", the contract of
 * include/segwatch/capture.h and docs/flows.md ("Damaged and interrupted
 * input") is checked, trapping when broken:
 *   - every frame read is decoded, a duplicate, malformed or not tracked,
 *     exactly once, and the reasons add up;
 *   - every decoded packet ends up in exactly one flow record;
 *   - a damaged read says where and why; a clean one has no error; the
 *     offset it stopped at is inside the file;
 *   - a file the reader cannot open is an error, never a crash;
 *   - a file both readers read to its end gives both the same frames.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <segwatch/capture.h>
#include <segwatch/flow.h>

#include "fuzz_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

struct sw_fuzz_read {
	bool opened;
	struct sw_capture_counters cnt;
	uint64_t flow_packets;	/* summed over the records emitted */
};

struct sw_fuzz_writer {
	int fd;
	const uint8_t *data;
	size_t size;
};

static void sw_fuzz_emit(const struct sw_flow *f, void *arg)
{
	struct sw_fuzz_read *r = arg;

	SW_FUZZ_CHECK(f->fwd.packets + f->rev.packets >= 1);
	r->flow_packets += f->fwd.packets + f->rev.packets;
}

/* Read @path as segwatch capture -r does, into @r. */
static void sw_fuzz_read_path(const char *path, struct sw_fuzz_read *r)
{
	struct sw_flow_config fc;
	struct sw_flow_table *t;
	struct sw_capture_opts o = { .file = path };
	struct sw_capture *cap;
	struct sw_err err = { 0 };

	memset(r, 0, sizeof(*r));
	sw_flow_config_defaults(&fc);
	fc.max_flows = 64;
	t = sw_flow_table_alloc(&fc, sw_fuzz_emit, r);
	if (!t)
		return;
	if (sw_capture_open(&cap, &o, t, &err) != SW_EXIT_OK) {
		SW_FUZZ_CHECK(err.msg[0] != '\0');
		sw_flow_table_free(t);
		return;
	}
	r->opened = true;
	SW_FUZZ_CHECK(sw_capture_run(cap, &err) == SW_EXIT_OK);
	r->cnt = *sw_capture_counters(cap);
	sw_capture_close(cap);
	sw_flow_table_flush(t);
	sw_flow_table_free(t);
}

static void sw_fuzz_check_read(const struct sw_fuzz_read *r, size_t size)
{
	const struct sw_capture_counters *c = &r->cnt;
	const struct sw_capture_input *in = &c->input;
	uint64_t reasons = 0;

	if (!r->opened)
		return;
	SW_FUZZ_CHECK(c->packets_seen == c->decoded + c->duplicates + c->malformed + c->not_tracked);
	for (int i = 0; i < SW_R_MAX; i++)
		reasons += c->by_reason[i];
	SW_FUZZ_CHECK(reasons == c->malformed + c->not_tracked);
	SW_FUZZ_CHECK(r->flow_packets == c->decoded);
	SW_FUZZ_CHECK(c->n_ifaces == 1 && c->ifaces[0].received == c->packets_seen);
	SW_FUZZ_CHECK(in->end == SW_INPUT_END_EOF || in->end == SW_INPUT_END_DAMAGED ||
		      in->end == SW_INPUT_END_IO_ERROR);
	SW_FUZZ_CHECK((in->end == SW_INPUT_END_EOF) == (in->error[0] == '\0'));
	SW_FUZZ_CHECK(in->offset <= size);
	SW_FUZZ_CHECK(memchr(in->error, '\0', sizeof(in->error)) != NULL);
}

static void *sw_fuzz_write_all(void *arg)
{
	struct sw_fuzz_writer *w = arg;
	size_t off = 0;

	while (off < w->size) {
		ssize_t n = write(w->fd, w->data + off, w->size - off);

		if (n <= 0)
			break; /* the reader stopped early (EPIPE): fine */
		off += (size_t)n;
	}
	close(w->fd);
	return NULL;
}

static void sw_fuzz_read_pipe(const uint8_t *data, size_t size, struct sw_fuzz_read *r)
{
	struct sw_fuzz_writer w = { .data = data, .size = size };
	char path[64];
	pthread_t th;
	int p[2];

	memset(r, 0, sizeof(*r));
	if (pipe2(p, O_CLOEXEC) != 0)
		return;
	w.fd = p[1];
	if (pthread_create(&th, NULL, sw_fuzz_write_all, &w) != 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	sw_fuzz_read_path(path, r);
	close(p[0]); /* a writer still blocked gets EPIPE */
	pthread_join(th, NULL);
}

static void sw_fuzz_read_file(const uint8_t *data, size_t size, struct sw_fuzz_read *r)
{
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	char path[64];

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		sw_fuzz_read_path(path, r);
	}
	close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_fuzz_read file, stream;

	sw_fuzz_read_file(data, size, &file);
	sw_fuzz_check_read(&file, size);
	sw_fuzz_read_pipe(data, size, &stream);
	sw_fuzz_check_read(&stream, size);
	if (file.opened && stream.opened && file.cnt.input.end == SW_INPUT_END_EOF &&
	    stream.cnt.input.end == SW_INPUT_END_EOF)
		SW_FUZZ_CHECK(file.cnt.packets_seen == stream.cnt.packets_seen);
	SW_FUZZ_CHECK(file.opened == stream.opened);
	return 0;
}
