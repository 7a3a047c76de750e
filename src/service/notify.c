/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The systemd notification protocol (sd_notify(3)), through libsystemd: one
 * datagram of newline-separated assignments to the socket $NOTIFY_SOCKET
 * names. The agent says READY=1 once it captures, STATUS=... whenever what
 * it does changes, RELOADING=1 then READY=1 around a reload (SIGHUP),
 * STOPPING=1 on the way out, and WATCHDOG=1 at half of WatchdogSec= so a
 * stuck loop gets the agent restarted.
 *
 * Type=notify-reload (systemd 253+) wants MONOTONIC_USEC= with RELOADING=1
 * to tell a fresh reload from an old message; systemd 252 ignores the
 * extra assignment, so it is always sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "internal.h"

void sw_service_init(struct sw_service *s)
{
	uint64_t usec = 0;

	memset(s, 0, sizeof(*s));
	s->notify = getenv("NOTIFY_SOCKET") != NULL;
	/* > 0 only when WATCHDOG_USEC is valid and WATCHDOG_PID is unset or ours */
	if (sd_watchdog_enabled(0, &usec) > 0)
		s->watchdog_usec = usec;
}

static int sw_notify_send(struct sw_service *s, const char *msg, struct sw_err *err)
{
	int rc;

	if (!s->notify)
		return 0;
	rc = sd_notify(0, msg);
	if (rc < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "systemd notification \"%.40s\": %s",
				  msg, strerror(-rc));
	return 0;
}

int sw_service_notify_ready(struct sw_service *s, struct sw_err *err)
{
	return sw_notify_send(s, "READY=1", err);
}

int sw_service_notify_status(struct sw_service *s, struct sw_err *err, const char *fmt, ...)
{
	char raw[512], msg[7 + 4 * sizeof(raw)];
	va_list ap;

	if (!s->notify)
		return 0;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* a newline would end the assignment and start one of the text's choosing */
	memcpy(msg, "STATUS=", 7);
	sw_text_escape_len(msg + 7, sizeof(msg) - 7, raw);
	return sw_notify_send(s, msg, err);
}

int sw_service_notify_reloading(struct sw_service *s, uint64_t now_mono_us, struct sw_err *err)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, now_mono_us);
	return sw_notify_send(s, msg, err);
}

int sw_service_notify_stopping(struct sw_service *s, struct sw_err *err)
{
	return sw_notify_send(s, "STOPPING=1", err);
}

bool sw_service_watchdog_due(const struct sw_service *s, uint64_t now_mono_us)
{
	if (!s->watchdog_usec)
		return false;
	if (!s->last_ping_us)
		return true;
	return now_mono_us - s->last_ping_us >= s->watchdog_usec / 2;
}

int sw_service_watchdog_ping(struct sw_service *s, uint64_t now_mono_us, struct sw_err *err)
{
	if (!s->watchdog_usec)
		return 0;
	s->last_ping_us = now_mono_us ? now_mono_us : 1;
	return sw_notify_send(s, "WATCHDOG=1", err);
}
