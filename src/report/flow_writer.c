/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes flow records as JSON lines on a thread of its own. Serializing and
 * writing 500k records took as long as capturing them; with two cores, the
 * capture thread only copies each record into a ring and goes on.
 *
 * Single producer, single consumer; the consumer serializes straight out of
 * the ring slots it has claimed and releases them afterwards.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/report.h>

#define SW_WRITER_RING 8192u

struct sw_flow_writer {
	FILE *out;
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
	char line[SW_REPORT_FLOW_LINE_MAX + 1];
};

static bool sw_writer_write(struct sw_flow_writer *w, struct sw_writer_slot *s)
{
	size_t n;

	if (s->line) {
		bool ok = fwrite_unlocked(s->line, 1, s->len, w->out) == s->len &&
			  fputc_unlocked('\n', w->out) != EOF;

		free(s->line);
		s->line = NULL;
		return ok;
	}
	n = sw_report_flow_line(&w->clock, &s->rec.f, &s->rec.id, w->line, sizeof(w->line) - 1);
	if (n == 0)
		return false;
	w->line[n] = '\n';
	/* only this thread writes to @out while it runs: no stdio locking per line */
	return fwrite_unlocked(w->line, 1, n + 1, w->out) == n + 1;
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

	if (!w)
		return NULL;
	w->out = out;
	setvbuf(out, NULL, _IOFBF, 1 << 20); /* fewer, larger write(2)s */
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	if (pthread_create(&w->thread, NULL, sw_writer_main, w) != 0) {
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
