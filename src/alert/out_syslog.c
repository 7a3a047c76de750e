/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Alerts as RFC 5424 syslog messages with structured data, to a local
 * datagram socket (rsyslog's and syslog-ng's /dev/log) or to a UDP
 * collector (RFC 5426), for SIEMs that index the SD parameters:
 *
 *   <25>1 2026-12-02T12:00:00.123456Z host segwatch 4242 fan_out
 *     [segwatch@32473 kind="fan_out" severity="high" src="10.0.0.2" ...] {"kind":...}
 *
 * The message is the alert's JSON line, so nothing is lost to the SD
 * selection. One datagram per alert; a send that fails (collector gone,
 * socket buffer full) is counted and never blocks the capture.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

#define SW_SYSLOG_MAX 8192		/* a datagram: the JSON line is cut beyond this */
#define SW_SYSLOG_SD_ID "segwatch@32473" /* RFC 5612's documentation PEN: see docs/alerts.md */

struct sw_alert_syslog {
	int fd;
	struct sockaddr_storage to;
	socklen_t to_len;
	char host[256];
	int pid;
	uint64_t sent, lost;
	char buf[SW_SYSLOG_MAX];
};

/* Append @text as an SD-PARAM value: '"', '\' and ']' escaped, control characters as '?'. */
static size_t sw_sd_value(char *out, size_t room, const char *text)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && n + 2 < room; p++) {
		if (*p == '"' || *p == '\\' || *p == ']')
			out[n++] = '\\';
		out[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
	}
	out[n] = '\0';
	return n;
}

/* PRINTUSASCII only, at most @max characters, "-" when empty (RFC 5424 section 6). */
static void sw_header_field(char *out, size_t size, const char *text, size_t max)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p && n < max && n + 1 < size; p++)
		out[n++] = *p > 32 && *p < 127 ? (char)*p : '_';
	if (n == 0 && size > 1)
		out[n++] = '-';
	out[n] = '\0';
}

/* The string at @a (or @a.@b, e.g. src.address) in @o, or NULL. */
static const char *sw_json_path_str(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_is_object(v) ? json_object_get(v, b) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

size_t sw_alert_syslog_format(const struct sw_alert *a, const char *json_line, const char *host,
			      int pid, char *buf, size_t size)
{
	/* facility daemon (3): high -> alert (1), medium -> warning (4), low -> notice (5) */
	static const int sev[] = { 5, 4, 1 };
	static const struct { const char *name, *a, *b; } params[] = {
		{ "kind", "kind", NULL }, { "severity", "severity", NULL },
		{ "src", "src", "address" }, { "src_name", "src", "name" },
		{ "dst", "dst", "address" }, { "dst_name", "dst", "name" },
		{ "proto", "proto", NULL }, { "rule", "rule", NULL },
		{ "community_id", "community_id", NULL },
	};
	char time[40], hostname[256], msgid[33], val[512];
	/* the record's fields, whatever the line's format (ECS lines name them otherwise) */
	json_t *o = a->record ? json_incref((json_t *)a->record) : json_loads(json_line, 0, NULL);
	size_t n;
	int w;

	if (size < 64) {
		json_decref(o);
		return 0;
	}
	sw_alert_time_text(a->ts_us, time, sizeof(time));
	sw_header_field(hostname, sizeof(hostname), host, 255);
	sw_header_field(msgid, sizeof(msgid), sw_alert_kind_name(a->kind), 32);
	w = snprintf(buf, size, "<%d>1 %s %s segwatch %d %s [" SW_SYSLOG_SD_ID,
		     3 * 8 + sev[a->severity <= SW_ALERT_SEV_HIGH ? a->severity : SW_ALERT_SEV_HIGH],
		     time, hostname, pid, msgid);
	n = w > 0 && (size_t)w < size ? (size_t)w : 0;
	for (size_t i = 0; o && n && i < sizeof(params) / sizeof(params[0]); i++) {
		const char *v = sw_json_path_str(o, params[i].a, params[i].b);

		if (!v)
			continue;
		sw_sd_value(val, sizeof(val), v);
		w = snprintf(buf + n, size - n, " %s=\"%s\"", params[i].name, val);
		n = w > 0 && (size_t)w < size - n ? n + (size_t)w : 0;
	}
	if (o && n && json_is_integer(json_object_get(o, "port"))) {
		w = snprintf(buf + n, size - n, " port=\"%lld\"",
			     (long long)json_integer_value(json_object_get(o, "port")));
		n = w > 0 && (size_t)w < size - n ? n + (size_t)w : 0;
	}
	json_decref(o);
	if (!n)
		return 0;
	w = snprintf(buf + n, size - n, "] %s", json_line);
	if (w < 0)
		return 0;
	return (size_t)w < size - n ? n + (size_t)w : size - 1; /* cut: still one datagram */
}

/* "syslog+unix:///dev/log" or "syslog+udp://HOST:PORT" into a socket address. */
static int sw_syslog_target(struct sw_alert_syslog *s, const char *url, struct sw_err *err)
{
	const char *unix_p = "syslog+unix://", *udp_p = "syslog+udp://";

	if (strncmp(url, unix_p, strlen(unix_p)) == 0) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&s->to;
		const char *path = url + strlen(unix_p);

		if (path[0] != '/' || strlen(path) >= sizeof(sun->sun_path))
			return sw_err_set(err, SW_EXIT_USAGE,
					  "%s: want syslog+unix:///ABSOLUTE/PATH (at most %zu bytes)",
					  url, sizeof(sun->sun_path) - 1);
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, path);
		s->to_len = (socklen_t)sizeof(*sun);
		return SW_EXIT_OK;
	}
	if (strncmp(url, udp_p, strlen(udp_p)) == 0) {
		char host[256];
		const char *hp = url + strlen(udp_p), *colon = strrchr(hp, ':');
		struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
		struct addrinfo *res = NULL;
		size_t hl;
		int rc;

		if (!colon || colon == hp || !colon[1])
			return sw_err_set(err, SW_EXIT_USAGE, "%s: want syslog+udp://HOST:PORT", url);
		hl = (size_t)(colon - hp);
		if (hp[0] == '[' && colon[-1] == ']') /* [v6]:port */
			hp++, hl -= 2;
		if (hl >= sizeof(host))
			return sw_err_set(err, SW_EXIT_USAGE, "%s: host name too long", url);
		memcpy(host, hp, hl);
		host[hl] = '\0';
		rc = getaddrinfo(host, colon + 1, &hints, &res);
		if (rc != 0 || !res)
			return sw_err_set(err, SW_EXIT_USAGE, "%s: %s", url, gai_strerror(rc));
		memcpy(&s->to, res->ai_addr, res->ai_addrlen);
		s->to_len = res->ai_addrlen;
		freeaddrinfo(res);
		return SW_EXIT_OK;
	}
	return sw_err_set(err, SW_EXIT_USAGE, "%s: not a syslog URL (syslog+unix:///PATH or syslog+udp://HOST:PORT)", url);
}

bool sw_alert_syslog_is_url(const char *dest)
{
	return strncmp(dest, "syslog+", 7) == 0;
}

int sw_alert_syslog_open(struct sw_alert_syslog **out, const char *url, struct sw_err *err)
{
	struct sw_alert_syslog *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	rc = sw_syslog_target(s, url, err);
	if (rc == SW_EXIT_OK) {
		s->fd = socket(s->to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s->fd < 0)
			rc = sw_err_set(err, SW_EXIT_RUNTIME, "%s: socket: %s", url, strerror(errno));
	}
	if (rc != SW_EXIT_OK) {
		free(s);
		return rc;
	}
	if (gethostname(s->host, sizeof(s->host) - 1) != 0)
		s->host[0] = '\0';
	s->pid = (int)getpid();
	*out = s;
	return SW_EXIT_OK;
}

void sw_alert_syslog_close(struct sw_alert_syslog *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

void sw_alert_syslog_counts(const struct sw_alert_syslog *s, uint64_t *sent, uint64_t *lost)
{
	*sent = s->sent;
	*lost = s->lost;
}

void sw_alert_sink_rfc5424(const struct sw_alert *a, const char *json_line, void *arg)
{
	struct sw_alert_syslog *s = arg;
	size_t n = sw_alert_syslog_format(a, json_line, s->host, s->pid, s->buf, sizeof(s->buf));

	/* a local socket that is not there yet (syslog restarting) or full: counted, not waited for */
	if (n && sendto(s->fd, s->buf, n, MSG_DONTWAIT | MSG_NOSIGNAL,
			(const struct sockaddr *)&s->to, s->to_len) == (ssize_t)n)
		s->sent++;
	else
		s->lost++;
}
