/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_SERVICE_INTERNAL_H
#define SEGWATCH_SERVICE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <segwatch/service.h>

/*
 * Rate limiting keeps one slot per message key (a 64-bit FNV-1a hash of the
 * level and the key or text). 64 slots are plenty for the handful of
 * messages a flapping source repeats; when all are taken, the slot least
 * recently used is written out (its summary, if it suppressed anything) and
 * reused, so the table never grows.
 */
#define SW_LOG_SLOTS 64
#define SW_LOG_KEEP 160		/* bytes of the text kept for the "suppressed" line */
#define SW_LOG_MSG_MAX 2048	/* a formatted message is cut there */
#define SW_LOG_FIELDS_MAX 16	/* structured fields per message */
#define SW_LOG_FIELD_MAX 512	/* NAME=value, cut there */

struct sw_log_slot {
	uint64_t hash;		/* 0: free */
	uint64_t start_us;	/* start of the current window */
	uint64_t last_us;	/* last time the key was seen */
	unsigned count;		/* lines with this key in the window, written or not */
	unsigned suppressed;	/* of those, not written */
	enum sw_log_level level;
	char text[SW_LOG_KEEP];	/* the latest text as given (escaped when written), cut */
};

/* How a stderr line looks: it depends on what stderr is. */
enum sw_log_style {
	SW_LOG_STYLE_TERMINAL,	/* "segwatch[PID]: level: text" */
	SW_LOG_STYLE_FILE,	/* a timestamp first: a file or pipe keeps no time */
	SW_LOG_STYLE_JOURNAL,	/* "<N>level: text": journald parses the sd-daemon prefix */
};

struct sw_log {
	pthread_mutex_t lock;		/* the slots, and one line at a time */
	enum sw_log_target target;	/* resolved: never AUTO */
	enum sw_log_style style;
	enum sw_log_level level;
	int fd;
	unsigned burst;
	uint64_t window_us;
	pid_t pid;
	/* what the world provides; the tests replace them */
	uint64_t (*mono_us)(void);
	uint64_t (*wall_us)(void);
	int (*journal_sendv)(const struct iovec *iov, int n);
	struct sw_log_slot slots[SW_LOG_SLOTS];
};

/* Hostile text (container names) is escaped with sw_text_escape_len (include/segwatch/text.h). */
#include <segwatch/text.h>

/* sw_log_fd_is_journal - whether @fd is the stream $JOURNAL_STREAM names (dev:inode). */
bool sw_log_fd_is_journal(int fd);

#endif
