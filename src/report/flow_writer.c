/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes flow records as JSON lines on a thread of its own. Serializing and
 * writing 500k records took as long as capturing them; with two cores, the
 * capture thread only copies each record into a ring and goes on.
 *
 * Single producer, single consumer; the consumer serializes straight out of
 * the ring slots it has claimed and releases them afterwards.
 *
 * A reader following the file (tail -f, segwatch flows --follow) must never
 * see half a record: lines are gathered in a buffer of our own, not stdio's
 * (which writes out whatever fills it, cut anywhere), and every write(2) ends
 * at the end of a line. The buffer goes out whenever the ring is drained, so
 * a record reaches the file as soon as the writer has it, and at the end.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <segwatch/report.h>

#define SW_WRITER_RING 8192u
#define SW_WRITER_BUF (64u << 10)	/* large write(2)s when records come fast */

struct sw_flow_writer {
	FILE *out;
	int fd;			/* fileno(out); -1: through stdio, flushed per batch */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct sw_writer_slot {
		struct sw_flow_rec rec;
		char *line;	/* a record already written (kernel_log, counters), or NULL */
		size_t len;
	} ring[SW_WRITER_RING];
	uint64_t head, tail;	/* head: next to fill; tail: next to write */
	bool done, failed, consumer_waits, producer_waits;
	struct sw_report_clock clock;
	size_t buf_n;		/* bytes of whole lines in buf */
	char buf[SW_WRITER_BUF];
};

/* All of @iov to the file, however many write(2)s it takes. */
static bool sw_writer_writev(struct sw_flow_writer *w, struct iovec *iov, int n)
{
	for (;;) {
		ssize_t done;

		for (; n > 0 && iov->iov_len == 0; iov++, n--)
			;
		if (n == 0)
			return true;
		done = writev(w->fd, iov, n);

		if (done < 0 && errno == EAGAIN) { /* standard output may be non-blocking */
			poll(&(struct pollfd){ .fd = w->fd, .events = POLLOUT }, 1, 100);
			continue;
		}
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return false;
		for (; n > 0 && (size_t)done >= iov->iov_len; iov++, n--)
			done -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
}

/* The buffered lines, whole, to the file (with @extra, a line too long to buffer, after them). */
static bool sw_writer_flush(struct sw_flow_writer *w, const char *extra, size_t extra_len)
{
	struct iovec iov[3] = { { w->buf, w->buf_n }, { (void *)extra, extra_len },
				{ (void *)"\n", extra ? 1 : 0 } };
	bool ok;

	if (w->fd >= 0) {
		ok = sw_writer_writev(w, iov, 3);
	} else {
		ok = fwrite(w->buf, 1, w->buf_n, w->out) == w->buf_n &&
		     (!extra || (fwrite(extra, 1, extra_len, w->out) == extra_len &&
				 fputc('\n', w->out) != EOF)) &&
		     fflush(w->out) == 0;
	}
	w->buf_n = 0;
	return ok;
}

static bool sw_writer_write(struct sw_flow_writer *w, struct sw_writer_slot *s)
{
	bool ok = true;
	size_t n;

	if (s->line) {
		if (s->len + 1 > SW_WRITER_BUF - w->buf_n)
			ok = sw_writer_flush(w, NULL, 0);
		if (s->len + 1 > SW_WRITER_BUF) {
			ok = sw_writer_flush(w, s->line, s->len) && ok;
		} else {
			memcpy(w->buf + w->buf_n, s->line, s->len);
			w->buf[w->buf_n + s->len] = '\n';
			w->buf_n += s->len + 1;
		}
		free(s->line);
		s->line = NULL;
		return ok;
	}
	if (SW_WRITER_BUF - w->buf_n < SW_REPORT_FLOW_LINE_MAX + 1)
		ok = sw_writer_flush(w, NULL, 0);
	n = sw_report_flow_line(&w->clock, &s->rec.f, &s->rec.id, w->buf + w->buf_n,
				SW_REPORT_FLOW_LINE_MAX);
	if (n == 0)
		return false;
	w->buf[w->buf_n + n] = '\n';
	w->buf_n += n + 1;
	return ok;
}

static void *sw_writer_main(void *arg)
{
	struct sw_flow_writer *w = arg;
	bool ok = true;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		uint64_t from = w->tail, to = w->head;

		if (from == to) {
			if (w->done)
				break;
			w->consumer_waits = true;
			pthread_cond_wait(&w->not_empty, &w->lock);
			w->consumer_waits = false;
			continue;
		}
		pthread_mutex_unlock(&w->lock);
		for (uint64_t i = from; i < to; i++)
			ok = sw_writer_write(w, &w->ring[i % SW_WRITER_RING]) && ok;
		/* drained: what is buffered goes out now, in whole lines */
		ok = sw_writer_flush(w, NULL, 0) && ok;
		pthread_mutex_lock(&w->lock);
		w->tail = to;
		if (w->producer_waits)
			pthread_cond_signal(&w->not_full);
	}
	w->failed |= !ok;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct sw_flow_writer *sw_flow_writer_start(FILE *out)
{
	struct sw_flow_writer *w = calloc(1, sizeof(*w));
	sigset_t stop, old;
	int rc;

	if (!w)
		return NULL;
	w->out = out;
	fflush(out); /* whatever stdio holds goes first; from here on, write(2) */
	w->fd = fileno(out);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	/* stop signals are for the capture thread: its reads and polls end on them (SIGPIPE stays) */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	rc = pthread_create(&w->thread, NULL, sw_writer_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->not_empty);
		pthread_cond_destroy(&w->not_full);
		free(w);
		return NULL;
	}
	return w;
}

/* The next free slot, waiting while the ring is full; called with the lock held. */
static struct sw_writer_slot *sw_writer_slot_claim(struct sw_flow_writer *w)
{
	while (w->head - w->tail == SW_WRITER_RING) {
		w->producer_waits = true;
		pthread_cond_wait(&w->not_full, &w->lock);
		w->producer_waits = false;
	}
	return &w->ring[w->head % SW_WRITER_RING];
}

void sw_flow_writer_push(struct sw_flow_writer *w, const struct sw_flow_rec *rec)
{
	struct sw_writer_slot *slot;

	pthread_mutex_lock(&w->lock);
	slot = sw_writer_slot_claim(w);
	slot->rec = *rec;
	slot->rec.staged = NULL; /* the policy's strings may be gone when the thread writes */
	slot->line = NULL;
	w->head++;
	if (w->consumer_waits)
		pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
}

void sw_flow_writer_push_line(struct sw_flow_writer *w, const char *line, size_t len)
{
	struct sw_writer_slot *slot;
	char *copy = malloc(len + 1);

	pthread_mutex_lock(&w->lock);
	if (!copy) {
		w->failed = true;
		pthread_mutex_unlock(&w->lock);
		return;
	}
	memcpy(copy, line, len);
	slot = sw_writer_slot_claim(w);
	slot->line = copy;
	slot->len = len;
	w->head++;
	if (w->consumer_waits)
		pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
}

bool sw_flow_writer_stop(struct sw_flow_writer *w)
{
	bool ok;

	if (!w)
		return true;
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	ok = !w->failed;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->not_empty);
	pthread_cond_destroy(&w->not_full);
	free(w);
	return ok;
}
