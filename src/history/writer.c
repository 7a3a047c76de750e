/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The history writer (include/segwatch/history.h, docs/history.md).
 *
 * sw_history_push copies the record into a bounded queue (a list under a
 * mutex) and signals the thread; it never blocks and never does I/O. The
 * thread takes the whole queue at once, appends the records to a buffer of
 * its own and writes the buffer with pwrite(2) when it is full, when it is
 * SW_HIST_FLUSH_US old (so followers see records promptly), before a
 * rotation and at close. Not stdio: after a short or failed write we must
 * know exactly which records reached the file, cut it back to the last
 * complete line (ftruncate needs no space) and count the rest as lost, so
 * a file never holds a torn line and the next write starts a fresh line.
 *
 * A failed write (ENOSPC, EIO, EFBIG) sets failing and backs off for
 * SW_HIST_RETRY_US: records keep being taken off the queue and buffered
 * (up to SW_HIST_BUF_MAX, then counted as lost) and the write is retried
 * after the pause, so a full disk costs one write attempt a second, and
 * writing resumes by itself when space returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <segwatch/clock.h>
#include <segwatch/history.h>

#include "internal.h"

#define SW_HIST_FLUSH_US 250000ull	/* a buffered record waits at most this long */
#define SW_HIST_RETRY_US 1000000ull	/* pause after a failed write */
#define SW_HIST_BUF 262144		/* write when this much is buffered */
#define SW_HIST_BUF_MAX (4u << 20)	/* buffered while the disk fails; more is lost */
#define SW_HIST_RETAIN_MAX_US 600000000ull /* retention runs at least this often */

struct sw_hist_rec {
	struct sw_hist_rec *next;
	uint64_t first_us, last_us;
	size_t len;
	char line[];
};

/* The span of some records. */
struct sw_hist_span {
	uint64_t first, last;
	bool any;
};

struct sw_history {
	struct sw_history_opts o;
	char *dir;
	int dirfd, lockfd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	/* under mu */
	struct sw_hist_rec *head, *tail;
	size_t queued;
	bool stopping;
	bool idle;			/* the thread waits for a first record: wake it */
	struct sw_history_stats st;
	/* the thread's own */
	int fd;				/* the open file, or -1 */
	struct sw_hist_name cur;	/* its name */
	uint64_t opened_mono, file_bytes, file_records;
	struct sw_hist_span file_span;
	char *buf;
	size_t blen, bcap;
	uint64_t brecs;
	struct sw_hist_span buf_span;
	uint64_t flush_due, retry_after, retain_due;	/* monotonic; 0: none */
	uint64_t next_seq;
};

static void sw_hist_span_add(struct sw_hist_span *s, uint64_t first, uint64_t last)
{
	if (!s->any || first < s->first)
		s->first = first;
	if (!s->any || last > s->last)
		s->last = last;
	s->any = true;
}

/* last_error = @msg, cut to fit (under the lock, or before the thread starts). */
static void sw_hist_error_copy(struct sw_history *h, const char *msg)
{
	size_t n = strnlen(msg, sizeof(h->st.last_error) - 1);

	memcpy(h->st.last_error, msg, n);
	h->st.last_error[n] = '\0';
}

/* Count a failure (errno text in last_error) under the lock. */
static void sw_hist_fail(struct sw_history *h, uint64_t lost, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void sw_hist_fail(struct sw_history *h, uint64_t lost, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&h->mu);
	h->st.write_errors++;
	h->st.dropped_write_error += lost;
	va_start(ap, fmt);
	vsnprintf(h->st.last_error, sizeof(h->st.last_error), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&h->mu);
}

/* Remember the newest sequence number in flows.lock (best effort: the names carry it too). */
static void sw_hist_seq_save(struct sw_history *h, uint64_t seq)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "seq %llu\n", (unsigned long long)seq);

	if (pwrite(h->lockfd, text, (size_t)len, 0) == len)
		(void)!ftruncate(h->lockfd, len);
}

static uint64_t sw_hist_seq_load(int lockfd)
{
	char text[32] = { 0 };
	unsigned long long seq = 0;

	if (pread(lockfd, text, sizeof(text) - 1, 0) > 0 && sscanf(text, "seq %llu", &seq) == 1)
		return seq;
	return 0;
}

/* Start a new open file. False (counted) when it cannot be created. */
static bool sw_hist_file_create(struct sw_history *h)
{
	char name[SW_HIST_NAME_MAX];

	h->cur = (struct sw_hist_name){ .kind = SW_HIST_OPEN, .first_us = sw_clock_wall_us(),
					.seq = h->next_seq++ };
	sw_hist_name_format(&h->cur, name, sizeof(name));
	sw_hist_seq_save(h, h->cur.seq);
	h->fd = openat(h->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (h->fd < 0) {
		sw_hist_fail(h, 0, "%s/%s: %s", h->dir, name, strerror(errno));
		return false;
	}
	h->opened_mono = sw_clock_mono_us();
	h->file_bytes = h->file_records = 0;
	h->file_span = (struct sw_hist_span){ 0 };
	return true;
}

/* pwrite all of the buffer; the number of bytes that made it, errno set when short. */
static size_t sw_hist_pwrite(struct sw_history *h)
{
	size_t off = 0;

	while (off < h->blen) {
		ssize_t w = pwrite(h->fd, h->buf + off, h->blen - off, (off_t)(h->file_bytes + off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			break;
		}
		off += (size_t)w;
	}
	return off;
}

/* After a short write of @done bytes: keep the complete lines, cut the rest off. */
static uint64_t sw_hist_short_write(struct sw_history *h, size_t done, size_t *kept_bytes)
{
	const char *end = done ? memrchr(h->buf, '\n', done) : NULL;
	size_t keep = end ? (size_t)(end - h->buf) + 1 : 0;
	uint64_t kept = 0;

	for (const char *p = h->buf; (p = memchr(p, '\n', (size_t)(h->buf + keep - p))); p++)
		kept++;
	if (ftruncate(h->fd, (off_t)(h->file_bytes + keep)) < 0) { /* should not fail */
		keep = 0;
		kept = 0;
	}
	*kept_bytes = keep;
	return kept;
}

/* Account for @bytes and @recs written from the buffer. */
static void sw_hist_written(struct sw_history *h, size_t bytes, uint64_t recs)
{
	h->file_bytes += bytes;
	h->file_records += recs;
	if (recs && h->buf_span.any) /* after a short write: a span that covers them */
		sw_hist_span_add(&h->file_span, h->buf_span.first, h->buf_span.last);
	pthread_mutex_lock(&h->mu);
	h->st.records += recs;
	h->st.bytes += bytes;
	pthread_mutex_unlock(&h->mu);
}

/*
 * sw_hist_flush - write the buffer to the open file (created if needed).
 * @force: even while backing off after a failure (closing).
 */
static void sw_hist_flush(struct sw_history *h, bool force)
{
	uint64_t now = sw_clock_mono_us(), lost = h->brecs;
	size_t done, keep;
	int e;

	if (h->blen == 0)
		return;
	if (!force && h->retry_after && now < h->retry_after) {
		h->flush_due = h->retry_after; /* not before: no spinning on a failing disk */
		return;
	}
	if (h->fd < 0 && !sw_hist_file_create(h)) {
		pthread_mutex_lock(&h->mu);
		h->st.dropped_write_error += lost;
		h->st.failing = true;
		pthread_mutex_unlock(&h->mu);
		h->retry_after = now + SW_HIST_RETRY_US;
		goto out;
	}
	done = sw_hist_pwrite(h);
	if (done == h->blen) {
		sw_hist_written(h, h->blen, h->brecs);
		h->retry_after = 0;
		pthread_mutex_lock(&h->mu);
		h->st.failing = false;
		pthread_mutex_unlock(&h->mu);
		goto out;
	}
	e = errno;
	lost -= sw_hist_short_write(h, done, &keep);
	sw_hist_written(h, keep, h->brecs - lost);
	sw_hist_fail(h, lost, "%s/flows-...-%08llu.open.jsonl: write: %s", h->dir,
		     (unsigned long long)h->cur.seq, strerror(e));
	pthread_mutex_lock(&h->mu);
	h->st.failing = true;
	pthread_mutex_unlock(&h->mu);
	h->retry_after = now + SW_HIST_RETRY_US;
out:
	h->blen = 0;
	h->brecs = 0;
	h->buf_span = (struct sw_hist_span){ 0 };
	h->flush_due = 0;
}

static void sw_hist_retain(struct sw_history *h)
{
	struct sw_hist_retain rt = { .now_us = sw_clock_wall_us(), .keep_us = h->o.keep_us,
				     .keep_bytes = h->o.keep_bytes };
	uint64_t every = h->o.rotate_us < SW_HIST_RETAIN_MAX_US ? h->o.rotate_us
							       : SW_HIST_RETAIN_MAX_US;

	sw_hist_retain_run(h->dirfd, h->dir, &rt);
	h->retain_due = sw_clock_mono_us() + every;
	pthread_mutex_lock(&h->mu);
	h->st.files_deleted += rt.deleted;
	h->st.write_errors += rt.errors;
	if (rt.errors)
		sw_hist_error_copy(h, rt.err.msg);
	pthread_mutex_unlock(&h->mu);
}

/* Give the closed file its final name (and compress it). */
static void sw_hist_file_finish(struct sw_history *h, const char *open_name)
{
	struct sw_hist_name n = { .kind = SW_HIST_PLAIN, .first_us = h->file_span.first,
				  .last_us = h->file_span.last, .seq = h->cur.seq };
	char name[SW_HIST_NAME_MAX], zname[SW_HIST_NAME_MAX];
	struct sw_err err;

	sw_hist_name_format(&n, name, sizeof(name));
	if (renameat(h->dirfd, open_name, h->dirfd, name) < 0) {
		/* left as it is: the next writer's recovery closes it */
		sw_hist_fail(h, 0, "%s/%s: rename: %s", h->dir, open_name, strerror(errno));
		return;
	}
	fsync(h->dirfd);
	pthread_mutex_lock(&h->mu);
	h->st.files_closed++;
	pthread_mutex_unlock(&h->mu);
	if (!h->o.compress)
		return;
	n.kind = SW_HIST_ZST;
	sw_hist_name_format(&n, zname, sizeof(zname));
	if (sw_hist_compress(h->dirfd, h->dir, name, zname, &err) != SW_EXIT_OK)
		sw_hist_fail(h, 0, "%s", err.msg);
}

/* Close the open file (rotation or close): flush, fsync, rename, compress, retention. */
static void sw_hist_file_close(struct sw_history *h, bool force)
{
	char open_name[SW_HIST_NAME_MAX];

	sw_hist_flush(h, force);
	if (h->fd < 0)
		return;
	sw_hist_name_format(&h->cur, open_name, sizeof(open_name));
	if (fsync(h->fd) < 0 && errno != EINVAL)
		sw_hist_fail(h, 0, "%s/%s: fsync: %s", h->dir, open_name, strerror(errno));
	close(h->fd);
	h->fd = -1;
	if (h->file_records == 0) {
		unlinkat(h->dirfd, open_name, 0);
		return;
	}
	sw_hist_file_finish(h, open_name);
	h->file_bytes = h->file_records = 0;
	h->file_span = (struct sw_hist_span){ 0 };
	sw_hist_retain(h);
}

/* Room for @need more bytes in the buffer; false when it cannot grow. */
static bool sw_hist_buf_room(struct sw_history *h, size_t need)
{
	size_t cap = h->bcap;
	char *nb;

	if (h->blen + need <= h->bcap)
		return true;
	while (cap < h->blen + need)
		cap *= 2;
	if (!(nb = realloc(h->buf, cap)))
		return false;
	h->buf = nb;
	h->bcap = cap;
	return true;
}

/* Buffer one record: rotate by size first, write when the buffer is full. */
static void sw_hist_append(struct sw_history *h, const struct sw_hist_rec *r)
{
	size_t need = r->len + 1;

	if (h->file_records + h->brecs > 0 &&
	    h->file_bytes + h->blen + need > h->o.rotate_bytes)
		sw_hist_file_close(h, false);
	if (h->blen > 0 && h->blen + need > SW_HIST_BUF)
		sw_hist_flush(h, false);
	if (h->blen + need > SW_HIST_BUF_MAX && h->blen > 0) {
		pthread_mutex_lock(&h->mu); /* still backing off, and the buffer is full */
		h->st.dropped_write_error++;
		pthread_mutex_unlock(&h->mu);
		return;
	}
	if (!sw_hist_buf_room(h, need)) {
		sw_hist_fail(h, 1, "%s: out of memory buffering a record", h->dir);
		return;
	}
	memcpy(h->buf + h->blen, r->line, r->len);
	h->buf[h->blen + r->len] = '\n';
	h->blen += need;
	h->brecs++;
	sw_hist_span_add(&h->buf_span, r->first_us, r->last_us);
	if (!h->flush_due)
		h->flush_due = sw_clock_mono_us() + SW_HIST_FLUSH_US;
}

/* Timers: the flush deadline, rotation by age, retention. */
static void sw_hist_tick(struct sw_history *h)
{
	uint64_t now = sw_clock_mono_us();

	if (h->flush_due && now >= h->flush_due)
		sw_hist_flush(h, false);
	if (h->fd >= 0 && now >= h->opened_mono + h->o.rotate_us)
		sw_hist_file_close(h, false);
	if ((h->o.keep_us || h->o.keep_bytes) && now >= h->retain_due)
		sw_hist_retain(h);
}

static size_t sw_hist_half(const struct sw_history *h)
{
	return h->o.queue_max > 1 ? h->o.queue_max / 2 : 1;
}

/* The next time the thread must wake up with nothing queued (monotonic). */
static uint64_t sw_hist_next_due(const struct sw_history *h)
{
	uint64_t due = sw_clock_mono_us() + 1000000;

	if (h->flush_due && h->flush_due < due)
		due = h->flush_due;
	if (h->blen && h->retry_after && h->retry_after < due)
		due = h->retry_after;
	if (h->fd >= 0 && h->opened_mono + h->o.rotate_us < due)
		due = h->opened_mono + h->o.rotate_us;
	if ((h->o.keep_us || h->o.keep_bytes) && h->retain_due < due)
		due = h->retain_due;
	return due;
}

/*
 * Under h->mu: wait for work. With nothing buffered, the first record wakes
 * the thread; with records buffered (a flush is due within SW_HIST_FLUSH_US)
 * only a half-full queue or a timer does, so a busy writer wakes a few
 * times a second instead of once per record.
 */
static void sw_hist_wait(struct sw_history *h)
{
	uint64_t due = sw_hist_next_due(h);
	struct timespec ts = { .tv_sec = (time_t)(due / 1000000),
			       .tv_nsec = (long)(due % 1000000) * 1000 };

	h->idle = h->blen == 0;
	while (!h->stopping && !(h->head && (h->idle || h->queued >= sw_hist_half(h))))
		if (pthread_cond_timedwait(&h->cond, &h->mu, &ts) == ETIMEDOUT)
			break;
	h->idle = false;
}

static void *sw_hist_thread(void *arg)
{
	struct sw_history *h = arg;
	bool done = false;

	while (!done) {
		struct sw_hist_rec *r, *next;

		pthread_mutex_lock(&h->mu);
		if (!h->stopping)
			sw_hist_wait(h);
		r = h->head;
		h->head = h->tail = NULL;
		h->queued = 0;
		done = h->stopping && !r;
		pthread_mutex_unlock(&h->mu);
		for (; r; r = next) {
			next = r->next;
			sw_hist_append(h, r);
			free(r);
		}
		sw_hist_tick(h);
	}
	sw_hist_file_close(h, true);
	if (h->blen) { /* could not even create a file */
		pthread_mutex_lock(&h->mu);
		h->st.dropped_write_error += h->brecs;
		pthread_mutex_unlock(&h->mu);
	}
	return NULL;
}

bool sw_history_push(struct sw_history *h, uint64_t first_us, uint64_t last_us, const char *line,
		     size_t len)
{
	struct sw_hist_rec *r;

	pthread_mutex_lock(&h->mu);
	if (h->queued >= h->o.queue_max || h->stopping) {
		h->st.dropped_queue_full++;
		pthread_mutex_unlock(&h->mu);
		return false;
	}
	pthread_mutex_unlock(&h->mu);
	/* allocate outside the lock; the bound is checked again below */
	if (!(r = malloc(sizeof(*r) + len))) {
		pthread_mutex_lock(&h->mu);
		h->st.dropped_queue_full++;
		pthread_mutex_unlock(&h->mu);
		return false;
	}
	*r = (struct sw_hist_rec){ .first_us = first_us, .last_us = last_us, .len = len };
	memcpy(r->line, line, len);
	/* one record, one line: a raw newline is not valid inside a JSON string anyway */
	for (char *p = r->line; (p = memchr(p, '\n', (size_t)(r->line + len - p))); p++)
		*p = ' ';
	pthread_mutex_lock(&h->mu);
	if (h->queued >= h->o.queue_max || h->stopping) {
		h->st.dropped_queue_full++;
		pthread_mutex_unlock(&h->mu);
		free(r);
		return false;
	}
	if (h->tail)
		h->tail->next = r;
	else
		h->head = r;
	h->tail = r;
	if ((++h->queued == 1 && h->idle) || h->queued == sw_hist_half(h))
		pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mu);
	return true;
}

void sw_history_stats(struct sw_history *h, struct sw_history_stats *out)
{
	pthread_mutex_lock(&h->mu);
	*out = h->st;
	out->queued = h->queued;
	pthread_mutex_unlock(&h->mu);
}

/* mkdir -p with @mode for the directories it creates. */
static int sw_hist_mkdirs(const char *dir, struct sw_err *err)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: bad history directory", dir);
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, 0750) < 0 && errno != EEXIST)
			return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", path, strerror(errno));
		if (!(*p = c))
			break;
	}
	return SW_EXIT_OK;
}

/* Open the directory and take flows.lock: one writer per directory. */
static int sw_hist_dir_take(struct sw_history *h, struct sw_err *err)
{
	int rc;

	if ((rc = sw_hist_mkdirs(h->dir, err)) != SW_EXIT_OK)
		return rc;
	h->dirfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (h->dirfd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: %s", h->dir, strerror(errno));
	h->lockfd = openat(h->dirfd, SW_HIST_LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (h->lockfd < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s/%s: %s", h->dir, SW_HIST_LOCK_NAME,
				  strerror(errno));
	if (flock(h->lockfd, LOCK_EX | LOCK_NB) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s/%s: %s%s", h->dir, SW_HIST_LOCK_NAME,
				  strerror(errno),
				  errno == EWOULDBLOCK ? " (another history writer uses it)" : "");
	return SW_EXIT_OK;
}

/* Recover what a dead writer left, pick the next sequence number, apply retention. */
static int sw_hist_dir_prepare(struct sw_history *h, struct sw_err *err)
{
	struct sw_hist_recovery rc = { .compress = h->o.compress };
	struct sw_hist_file *f;
	uint64_t seq;
	size_t n;
	int r;

	sw_hist_recover_dir(h->dirfd, h->dir, &rc);
	h->st.files_recovered = rc.files_recovered;
	h->st.lines_truncated = rc.lines_truncated;
	h->st.files_closed = rc.files_closed;
	h->st.write_errors = rc.errors;
	if (rc.errors)
		sw_hist_error_copy(h, rc.err.msg);
	if ((r = sw_hist_dir_list(h->dirfd, h->dir, &f, &n, err)) != SW_EXIT_OK)
		return r;
	seq = sw_hist_max_seq(f, n);
	free(f);
	if (sw_hist_seq_load(h->lockfd) > seq)
		seq = sw_hist_seq_load(h->lockfd);
	h->next_seq = seq + 1;
	sw_hist_retain(h);
	return SW_EXIT_OK;
}

static void sw_hist_free(struct sw_history *h)
{
	if (h->dirfd >= 0)
		close(h->dirfd);
	if (h->lockfd >= 0)
		close(h->lockfd); /* releases the lock */
	free(h->dir);
	free(h->buf);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

static void sw_hist_sync_init(struct sw_history *h)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* sw_clock_mono_us */
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&h->mu, NULL);
}

static int sw_hist_start(struct sw_history *h, struct sw_err *err)
{
	int e;

	if ((e = pthread_create(&h->thread, NULL, sw_hist_thread, h)) != 0) {
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: history thread: %s", h->dir,
				  strerror(e));
	}
	return SW_EXIT_OK;
}

int sw_history_open(struct sw_history **out, const struct sw_history_opts *o, struct sw_err *err)
{
	struct sw_history *h;
	int rc;

	*out = NULL;
	if (!o->dir || !*o->dir)
		return sw_err_set(err, SW_EXIT_USAGE, "history: no directory given");
	if (!(h = calloc(1, sizeof(*h))))
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	sw_hist_sync_init(h);
	h->o = *o;
	h->o.rotate_us = o->rotate_us ? o->rotate_us : 3600ull * 1000000;
	h->o.rotate_bytes = o->rotate_bytes ? o->rotate_bytes : 64ull << 20;
	h->o.queue_max = o->queue_max ? o->queue_max : 65536;
	h->dirfd = h->lockfd = h->fd = -1;
	h->bcap = SW_HIST_BUF;
	h->dir = strdup(o->dir);
	h->buf = malloc(h->bcap);
	h->o.dir = h->dir;
	if (!h->dir || !h->buf) {
		rc = sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		goto fail;
	}
	if ((rc = sw_hist_dir_take(h, err)) != SW_EXIT_OK ||
	    (rc = sw_hist_dir_prepare(h, err)) != SW_EXIT_OK ||
	    (rc = sw_hist_start(h, err)) != SW_EXIT_OK)
		goto fail;
	*out = h;
	return SW_EXIT_OK;
fail:
	sw_hist_free(h);
	return rc;
}

bool sw_history_close(struct sw_history *h)
{
	bool ok;

	if (!h)
		return true;
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	ok = h->st.dropped_queue_full == 0 && h->st.dropped_write_error == 0;
	sw_hist_free(h);
	return ok;
}
