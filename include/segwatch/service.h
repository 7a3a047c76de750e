/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_SERVICE_H
#define SEGWATCH_SERVICE_H

/*
 * service - what a long-running segwatch agent needs around its loop: one
 * logger (stderr or the journal, escaped, rate-limited), the systemd
 * notification protocol (ready, status, reloading, stopping, watchdog) and
 * dropping every capability it does not need. docs/service.md tells the
 * whole story, including the unit file in tools/systemd/.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <segwatch/exit.h>

/* ---- logging (src/service/log.c) ---- */

/* syslog(3) levels, the same numbers journald's PRIORITY= and sd-daemon(3) use. */
enum sw_log_level {
	SW_LOG_ERR = 3,
	SW_LOG_WARNING = 4,
	SW_LOG_NOTICE = 5,
	SW_LOG_INFO = 6,
	SW_LOG_DEBUG = 7,
};

enum sw_log_target {
	SW_LOG_TARGET_AUTO,	/* the journal when our stderr is a journal stream, else stderr */
	SW_LOG_TARGET_STDERR,
	SW_LOG_TARGET_JOURNAL,
};

struct sw_log_opts {
	enum sw_log_target target;
	enum sw_log_level level;	/* messages above it (less severe) are dropped */
	int fd;				/* "stderr": -1 means STDERR_FILENO */
	unsigned burst;			/* at most this many lines per key per window; 0: 10 */
	uint64_t window_us;		/* rate-limit window; 0: 60 s */
};

/* One structured journal field, e.g. { "SEGWATCH_EVENT", "engine-lost" }. */
struct sw_log_field {
	const char *name;	/* upper case, digits, '_'; not starting with '_' */
	const char *value;
};

struct sw_log;

/**
 * sw_log_open - a logger, which the agent's threads may share
 * @opts: NULL for the defaults (auto target, info, stderr, 10 per minute)
 *
 * Returns the logger (free with sw_log_close()) or NULL with @err set.
 */
struct sw_log *sw_log_open(const struct sw_log_opts *opts, struct sw_err *err);
/* sw_log_close - write pending "suppressed" lines, then free; NULL is fine. */
void sw_log_close(struct sw_log *lg);

/* sw_log_target_get - where lines go: SW_LOG_TARGET_STDERR or _JOURNAL, never AUTO. */
enum sw_log_target sw_log_target_get(const struct sw_log *lg);
/* sw_log_level_set - change the threshold (e.g. on reload). */
void sw_log_level_set(struct sw_log *lg, enum sw_log_level level);

/**
 * sw_log_write - log a message at @level
 *
 * The formatted text may hold hostile bytes (container names): control
 * bytes, backslashes and invalid UTF-8 are escaped as \xNN. Identical
 * messages (same level and text) are rate-limited: see sw_log_event().
 */
void sw_log_write(struct sw_log *lg, enum sw_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * sw_log_event - log a message with structured journal fields
 * @key: rate-limit key; NULL means the level and the formatted text. Give a
 *       key such as "engine-lost" when the text varies (it names a
 *       container) but the event is one: at most opts.burst lines per key
 *       per window reach the log, then one "suppressed K" line when the
 *       window is over.
 * @fields: @n fields sent to the journal as NAME=value (and appended to a
 *           stderr line as NAME=value, escaped); SYSLOG_IDENTIFIER=segwatch,
 *          PRIORITY and MESSAGE are always sent.
 */
void sw_log_event(struct sw_log *lg, enum sw_log_level level, const char *key,
		  const struct sw_log_field *fields, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/**
 * sw_log_flush - write the "suppressed K" line of every window that is over
 *
 * Call it from the agent's tick (about once a second) so a summary is not
 * held back until the same message comes again.
 */
void sw_log_flush(struct sw_log *lg);

/* sw_log_level_parse - "debug", "info", "notice", "warning", "err"/"error"; false if none. */
bool sw_log_level_parse(const char *s, enum sw_log_level *level);
/* sw_log_level_name - "debug" ... "err". */
const char *sw_log_level_name(enum sw_log_level level);
/* sw_log_target_parse - "auto", "stderr" or "journal"; false if none. */
bool sw_log_target_parse(const char *s, enum sw_log_target *target);

/* ---- systemd notification and watchdog (src/service/notify.c) ---- */

/*
 * Everything here is a no-op (returns 0) when NOTIFY_SOCKET is not set, so
 * the agent calls the same functions in the foreground and under systemd.
 */
struct sw_service {
	bool notify;			/* NOTIFY_SOCKET was set when initialised */
	uint64_t watchdog_usec;		/* WatchdogSec= in us; 0: no watchdog for us */
	uint64_t last_ping_us;		/* monotonic time of the last WATCHDOG=1; 0: never */
};

/**
 * sw_service_init - read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID
 *
 * The watchdog is ours only when WATCHDOG_PID is unset or our pid
 * (sd_watchdog_enabled(3)). A malformed WATCHDOG_USEC means no watchdog.
 */
void sw_service_init(struct sw_service *s);

/* sw_service_notify_ready - "READY=1": started, or done reloading. */
int sw_service_notify_ready(struct sw_service *s, struct sw_err *err);
/**
 * sw_service_notify_status - "STATUS=..." free text for `systemctl status`,
 * e.g. "capturing on 5 interfaces, 120 flows live, policy shop enforced".
 * Control bytes (a newline would end the assignment) are escaped.
 */
int sw_service_notify_status(struct sw_service *s, struct sw_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/**
 * sw_service_notify_reloading - "RELOADING=1" and "MONOTONIC_USEC=@now_mono_us"
 * (CLOCK_MONOTONIC, as Type=notify-reload in systemd 253+ wants); send
 * sw_service_notify_ready() when the reload is done.
 */
int sw_service_notify_reloading(struct sw_service *s, uint64_t now_mono_us, struct sw_err *err);
/* sw_service_notify_stopping - "STOPPING=1": shutting down, do not restart us for it. */
int sw_service_notify_stopping(struct sw_service *s, struct sw_err *err);

/**
 * sw_service_watchdog_due - whether a WATCHDOG=1 ping is due at @now_mono_us:
 * at half the interval since the last one (or at once, before the first).
 * Always false without a watchdog.
 */
bool sw_service_watchdog_due(const struct sw_service *s, uint64_t now_mono_us);
/* sw_service_watchdog_ping - "WATCHDOG=1" and remember @now_mono_us. */
int sw_service_watchdog_ping(struct sw_service *s, uint64_t now_mono_us, struct sw_err *err);

/* ---- capabilities (src/service/caps.c) ---- */

/* The capabilities to keep; every other one goes. */
struct sw_service_caps_want {
	bool net_admin;		/* nftables, NFLOG, conntrack, rtnetlink changes */
	bool net_raw;		/* AF_PACKET sockets: libpcap capture */
	bool sys_admin;		/* setns(CLONE_NEWNET) into container namespaces */
	bool sys_ptrace;	/* open /proc/PID/ns/net of processes with other caps or uids */
	bool dac_read_search;	/* not needed by the agent; for completeness */
	bool dac_override;	/* not needed: the state directory is ours */
};

/* sw_service_caps_agent - what `segwatch agent` keeps: net_admin, net_raw, sys_admin, sys_ptrace. */
void sw_service_caps_agent(struct sw_service_caps_want *w);

/**
 * sw_service_caps_drop - keep only @w's capabilities, for good
 *
 * Clears every other capability from the effective, permitted, inheritable
 * and ambient sets and from the bounding set (so no exec can get them back),
 * and sets no_new_privs. The uid does not change: a root agent stays root
 * (the engine's socket is root's) with only these capabilities. Needs
 * CAP_SETPCAP when called (to shrink the bounding set): call it once, after
 * start. Returns 0 or SW_EXIT_RUNTIME with @err set.
 */
int sw_service_caps_drop(const struct sw_service_caps_want *w, struct sw_err *err);

#endif
