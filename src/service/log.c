/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent's one logger (STYLE.md 6, after softflowd's log.c): syslog
 * levels, and two places a line can go.
 *
 *  - The journal, through sd_journal_sendv(): MESSAGE, PRIORITY,
 *    SYSLOG_IDENTIFIER=segwatch and the caller's structured fields
 *    (SEGWATCH_EVENT=... and the like), so `journalctl -p warning` and
 *    `journalctl SEGWATCH_EVENT=engine-lost` work.
 *  - stderr, one line per message written with a single write(2). What a
 *    line looks like depends on what stderr is (enum sw_log_style).
 *
 * "auto" picks the journal when stderr is the stream systemd connected to
 * journald: systemd.exec(5) says a service should compare $JOURNAL_STREAM
 * ("device:inode") with fstat() of its stderr and, if they match, prefer
 * the native protocol (the fields survive).
 *
 * Every message is escaped (log_escape.c) and rate-limited by key: at most
 * `burst` lines per key per window, then one "suppressed K" line when the
 * window is over, so a flapping engine or link cannot flood the log.
 *
 * One logger may be shared by the agent's threads: a mutex guards the
 * rate-limit slots and keeps lines whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include <segwatch/clock.h>

#include "internal.h"

static const char *const sw_level_names[] = {
	[SW_LOG_ERR] = "err", [SW_LOG_WARNING] = "warning", [SW_LOG_NOTICE] = "notice",
	[SW_LOG_INFO] = "info", [SW_LOG_DEBUG] = "debug",
};

const char *sw_log_level_name(enum sw_log_level level)
{
	if (level < SW_LOG_ERR || level > SW_LOG_DEBUG)
		return "err";
	return sw_level_names[level];
}

bool sw_log_level_parse(const char *s, enum sw_log_level *level)
{
	for (int l = SW_LOG_ERR; l <= SW_LOG_DEBUG; l++)
		if (strcmp(s, sw_level_names[l]) == 0) {
			*level = (enum sw_log_level)l;
			return true;
		}
	if (strcmp(s, "error") == 0) {
		*level = SW_LOG_ERR;
		return true;
	}
	return false;
}

bool sw_log_target_parse(const char *s, enum sw_log_target *target)
{
	static const char *const names[] = { "auto", "stderr", "journal" };

	for (int t = 0; t < 3; t++)
		if (strcmp(s, names[t]) == 0) {
			*target = (enum sw_log_target)t;
			return true;
		}
	return false;
}

bool sw_log_fd_is_journal(int fd)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	if (!e || sscanf(e, "%llu:%llu%n", &dev, &ino, &end) != 2 || e[end] != '\0')
		return false;
	if (fstat(fd, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int sw_journal_sendv(const struct iovec *iov, int n)
{
	return sd_journal_sendv(iov, n);
}

struct sw_log *sw_log_open(const struct sw_log_opts *opts, struct sw_err *err)
{
	const struct sw_log_opts def = { .target = SW_LOG_TARGET_AUTO, .level = SW_LOG_INFO, .fd = -1 };
	struct sw_log *lg;
	bool journal;

	if (!opts)
		opts = &def;
	if (opts->level < SW_LOG_ERR || opts->level > SW_LOG_DEBUG) {
		sw_err_set(err, SW_EXIT_USAGE, "log level %d is not one of 3 (err) to 7 (debug)", (int)opts->level);
		return NULL;
	}
	lg = calloc(1, sizeof(*lg));
	if (!lg) {
		sw_err_set(err, SW_EXIT_RUNTIME, "logger: out of memory");
		return NULL;
	}
	lg->fd = opts->fd >= 0 ? opts->fd : STDERR_FILENO;
	lg->level = opts->level;
	lg->burst = opts->burst ? opts->burst : 10;
	lg->window_us = opts->window_us ? opts->window_us : 60 * 1000000ull;
	lg->pid = getpid();
	lg->mono_us = sw_clock_mono_us;
	lg->wall_us = sw_clock_wall_us;
	lg->journal_sendv = sw_journal_sendv;
	pthread_mutex_init(&lg->lock, NULL);
	journal = sw_log_fd_is_journal(lg->fd);
	lg->target = opts->target;
	if (lg->target == SW_LOG_TARGET_AUTO)
		lg->target = journal ? SW_LOG_TARGET_JOURNAL : SW_LOG_TARGET_STDERR;
	lg->style = journal ? SW_LOG_STYLE_JOURNAL
		    : isatty(lg->fd) ? SW_LOG_STYLE_TERMINAL : SW_LOG_STYLE_FILE;
	return lg;
}

enum sw_log_target sw_log_target_get(const struct sw_log *lg)
{
	return lg->target;
}

void sw_log_level_set(struct sw_log *lg, enum sw_log_level level)
{
	if (level >= SW_LOG_ERR && level <= SW_LOG_DEBUG)
		__atomic_store_n(&lg->level, level, __ATOMIC_RELAXED);	/* read without the lock */
}

/* Field names journald accepts: A-Z, 0-9 and '_', not starting with '_' (trusted) or a digit. */
static bool sw_field_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '_' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* One line on stderr: what goes before the text. */
static size_t sw_line_prefix(const struct sw_log *lg, enum sw_log_level level, char *b, size_t size)
{
	const char *name = sw_log_level_name(level);
	char ts[80] = "";

	if (lg->style == SW_LOG_STYLE_JOURNAL)
		return (size_t)snprintf(b, size, "<%d>%s: ", (int)level, name);
	if (lg->style == SW_LOG_STYLE_FILE) {
		uint64_t us = lg->wall_us();
		time_t sec = (time_t)(us / 1000000);
		struct tm tm;

		if (gmtime_r(&sec, &tm))
			snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, (unsigned)(us % 1000000 / 1000));
	}
	return (size_t)snprintf(b, size, "%ssegwatch[%d]: %s: ", ts, (int)lg->pid, name);
}

static void sw_emit_stderr(struct sw_log *lg, enum sw_log_level level, const char *text,
			   const struct sw_log_field *f, size_t n)
{
	char line[SW_LOG_MSG_MAX * 2];
	size_t o = sw_line_prefix(lg, level, line, sizeof(line));
	const size_t room = sizeof(line) - 1;	/* for the newline */

	o += sw_text_escape_len(line + o, room - o, text);
	for (size_t i = 0; i < n && o + 2 < room; i++) {
		if (!sw_field_name_ok(f[i].name) || !f[i].value)
			continue;
		o += (size_t)snprintf(line + o, room - o, " %s=", f[i].name);
		if (o >= room) {
			o = room - 1;
			break;
		}
		o += sw_text_escape_len(line + o, room - o, f[i].value);
	}
	line[o++] = '\n';
	/* one write: lines from threads or processes sharing the fd stay whole */
	while (write(lg->fd, line, o) < 0 && errno == EINTR)
		;
}

static void sw_emit_journal(struct sw_log *lg, enum sw_log_level level, const char *text,
			    const struct sw_log_field *f, size_t n)
{
	char msg[SW_LOG_MSG_MAX * 4 + 16], prio[16];
	char fields[SW_LOG_FIELDS_MAX][SW_LOG_FIELD_MAX];
	struct iovec iov[3 + SW_LOG_FIELDS_MAX];
	int k = 0;

	strcpy(msg, "MESSAGE=");
	sw_text_escape_len(msg + 8, sizeof(msg) - 8, text);
	snprintf(prio, sizeof(prio), "PRIORITY=%d", (int)level);
	iov[k++] = (struct iovec){ msg, strlen(msg) };
	iov[k++] = (struct iovec){ prio, strlen(prio) };
	iov[k++] = (struct iovec){ (char *)"SYSLOG_IDENTIFIER=segwatch", 26 };
	for (size_t i = 0; i < n && i < SW_LOG_FIELDS_MAX; i++) {
		int len;

		if (!sw_field_name_ok(f[i].name) || !f[i].value)
			continue;
		/* values go as they are: the journal keeps binary data, and readers escape */
		len = snprintf(fields[i], sizeof(fields[i]), "%s=%s", f[i].name, f[i].value);
		if (len < 0)
			continue;
		iov[k++] = (struct iovec){ fields[i], len < (int)sizeof(fields[i]) ? (size_t)len
										  : sizeof(fields[i]) - 1 };
	}
	if (lg->journal_sendv(iov, k) < 0)
		sw_emit_stderr(lg, level, text, f, n);	/* no journald after all: do not lose it */
}

static void sw_emit(struct sw_log *lg, enum sw_log_level level, const char *text,
		    const struct sw_log_field *f, size_t n)
{
	if (lg->target == SW_LOG_TARGET_JOURNAL)
		sw_emit_journal(lg, level, text, f, n);
	else
		sw_emit_stderr(lg, level, text, f, n);
}

/* The line standing for what a slot's window held back. */
static void sw_slot_summarise(struct sw_log *lg, struct sw_log_slot *s)
{
	char text[SW_LOG_KEEP + 96], count[16];
	struct sw_log_field f = { "SEGWATCH_SUPPRESSED", count };

	if (s->suppressed == 0)
		return;
	snprintf(count, sizeof(count), "%u", s->suppressed);
	snprintf(text, sizeof(text), "suppressed %u more like: %s", s->suppressed, s->text);
	s->suppressed = 0;
	sw_emit(lg, s->level, text, &f, 1);
}

static uint64_t sw_key_hash(enum sw_log_level level, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	h = (h ^ (uint8_t)level) * 0x100000001b3ull;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return h ? h : 1;	/* 0 marks a free slot */
}

/* The slot for @hash: found, free, or the least recently used one, written out first. */
static struct sw_log_slot *sw_slot_get(struct sw_log *lg, uint64_t hash)
{
	struct sw_log_slot *free_slot = NULL, *lru = &lg->slots[0];

	for (size_t i = 0; i < SW_LOG_SLOTS; i++) {
		struct sw_log_slot *s = &lg->slots[i];

		if (s->hash == hash)
			return s;
		if (!s->hash && !free_slot)
			free_slot = s;
		if (s->last_us < lru->last_us)
			lru = s;
	}
	if (free_slot)
		return free_slot;
	sw_slot_summarise(lg, lru);
	memset(lru, 0, sizeof(*lru));
	return lru;
}

/* Whether this message may be written now; counts it either way. */
static bool sw_ratelimit_pass(struct sw_log *lg, enum sw_log_level level, const char *key,
			      const char *text)
{
	uint64_t now = lg->mono_us(), hash = sw_key_hash(level, key);
	struct sw_log_slot *s = sw_slot_get(lg, hash);
	size_t len;

	if (s->hash != hash || now - s->start_us >= lg->window_us) {
		if (s->hash == hash)
			sw_slot_summarise(lg, s);
		s->hash = hash;
		s->start_us = now;
		s->count = 0;
		s->level = level;
	}
	s->last_us = now;
	/* the latest text (raw, cut), for the summary */
	len = strnlen(text, sizeof(s->text) - 1);
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	if (++s->count <= lg->burst)
		return true;
	s->suppressed++;
	return false;
}

__attribute__((format(printf, 6, 0)))
static void sw_log_v(struct sw_log *lg, enum sw_log_level level, const char *key,
		     const struct sw_log_field *f, size_t n, const char *fmt, va_list ap)
{
	char raw[SW_LOG_MSG_MAX];

	if (!lg || level > __atomic_load_n(&lg->level, __ATOMIC_RELAXED))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	pthread_mutex_lock(&lg->lock);
	if (sw_ratelimit_pass(lg, level, key ? key : raw, raw))
		sw_emit(lg, level, raw, f, n);
	pthread_mutex_unlock(&lg->lock);
}

void sw_log_write(struct sw_log *lg, enum sw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_log_v(lg, level, NULL, NULL, 0, fmt, ap);
	va_end(ap);
}

void sw_log_event(struct sw_log *lg, enum sw_log_level level, const char *key,
		  const struct sw_log_field *fields, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sw_log_v(lg, level, key, fields, n, fmt, ap);
	va_end(ap);
}

void sw_log_flush(struct sw_log *lg)
{
	uint64_t now;

	if (!lg)
		return;
	pthread_mutex_lock(&lg->lock);
	now = lg->mono_us();
	for (size_t i = 0; i < SW_LOG_SLOTS; i++) {
		struct sw_log_slot *s = &lg->slots[i];

		if (s->hash && now - s->start_us >= lg->window_us) {
			sw_slot_summarise(lg, s);
			memset(s, 0, sizeof(*s));
		}
	}
	pthread_mutex_unlock(&lg->lock);
}

void sw_log_close(struct sw_log *lg)
{
	if (!lg)
		return;
	for (size_t i = 0; i < SW_LOG_SLOTS; i++)
		sw_slot_summarise(lg, &lg->slots[i]);
	pthread_mutex_destroy(&lg->lock);
	free(lg);
}
