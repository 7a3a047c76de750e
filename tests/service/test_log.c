/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The logger (src/service/log.c): level names, escaping of hostile text,
 * what a line looks like for each kind of stderr, journal fields, picking
 * the target from $JOURNAL_STREAM, and rate limiting on a clock we move.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/internal.h"

/* ---- the world the tests control ---- */

static uint64_t fake_mono;
static uint64_t fake_mono_us(void) { return fake_mono; }
/* 2026-12-01T23:10:05.123456Z */
static uint64_t fake_wall_us(void) { return 1796166605123456ull; }

#define JMAX 16
static char jfields[JMAX][2048];
static int jcount, jcalls, jfail;

static int fake_sendv(const struct iovec *iov, int n)
{
	jcalls++;
	if (jfail)
		return -1;
	jcount = n < JMAX ? n : JMAX;
	for (int i = 0; i < jcount; i++)
		snprintf(jfields[i], sizeof(jfields[i]), "%.*s", (int)iov[i].iov_len,
			 (const char *)iov[i].iov_base);
	return 0;
}

/* A logger writing to a pipe, on the fake clocks. */
struct rig {
	struct sw_log *lg;
	int rd, wr;
};

static void rig_open(struct rig *r, enum sw_log_target target, unsigned burst)
{
	struct sw_log_opts o = { .target = target, .level = SW_LOG_INFO, .burst = burst };
	struct sw_err err = { 0 };
	int p[2];

	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	r->rd = p[0];
	r->wr = p[1];
	o.fd = r->wr;
	r->lg = sw_log_open(&o, &err);
	assert_non_null(r->lg);
	r->lg->mono_us = fake_mono_us;
	r->lg->wall_us = fake_wall_us;
	r->lg->journal_sendv = fake_sendv;
	fake_mono = 1000000;
	jcount = jcalls = jfail = 0;
}

/* Everything written so far. */
static const char *rig_read(struct rig *r)
{
	static char buf[65536];
	ssize_t n = read(r->rd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void rig_close(struct rig *r)
{
	sw_log_close(r->lg);
	close(r->rd);
	close(r->wr);
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- tests ---- */

static void test_levels(void **state)
{
	enum sw_log_level l;
	enum sw_log_target t;

	(void)state;
	assert_true(sw_log_level_parse("warning", &l));
	assert_int_equal(l, SW_LOG_WARNING);
	assert_true(sw_log_level_parse("error", &l));
	assert_int_equal(l, SW_LOG_ERR);
	assert_false(sw_log_level_parse("warn", &l));
	assert_string_equal(sw_log_level_name(SW_LOG_DEBUG), "debug");
	assert_string_equal(sw_log_level_name(SW_LOG_NOTICE), "notice");
	assert_true(sw_log_target_parse("journal", &t));
	assert_int_equal(t, SW_LOG_TARGET_JOURNAL);
	assert_false(sw_log_target_parse("syslog", &t));
}

static void check_escape(const char *in, const char *want)
{
	char out[256];

	sw_text_escape_len(out, sizeof(out), in);
	assert_string_equal(out, want);
}

static void test_escape(void **state)
{
	(void)state;
	check_escape("web-1", "web-1");
	check_escape("a\x1b[2Jb", "a\\x1b[2Jb");		/* clear screen */
	check_escape("x\nsegwatch[1]: err: forged", "x\\x0asegwatch[1]: err: forged");
	check_escape("back\\slash", "back\\x5cslash");
	check_escape("caf\xc3\xa9 \xe6\x97\xa5", "caf\xc3\xa9 \xe6\x97\xa5");	/* UTF-8 stays */
	check_escape("\xff" "a", "\\xffa");				/* invalid byte */
	check_escape("\xc2\x9b" "31m", "\\xc2\\x9b31m");		/* C1 CSI */
	check_escape("\xe2\x80\xae" "gpj.exe", "\\xe2\\x80\\xaegpj.exe");	/* RLO */
	check_escape("\xc0\xaf", "\\xc0\\xaf");			/* overlong '/' */
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");		/* surrogate */
	check_escape("\xe6\x97", "\\xe6\\x97");			/* cut sequence */
	check_escape("\x7f", "\\x7f");
}

static void test_escape_cut(void **state)
{
	char out[8];

	(void)state;
	/* "ab" fits, the escape of \x01 (4 bytes) does not: cut before it, never in it */
	assert_int_equal(sw_text_escape_len(out, 6, "ab\x01" "cd"), 2);
	assert_string_equal(out, "ab");
	/* a two-byte character is not split */
	assert_int_equal(sw_text_escape_len(out, 4, "ab\xc3\xa9"), 2);
	assert_string_equal(out, "ab");
}

static void test_line_styles(void **state)
{
	struct rig r;
	char want[128];

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 0);
	assert_int_equal(r.lg->style, SW_LOG_STYLE_FILE);	/* a pipe */
	sw_log_write(r.lg, SW_LOG_WARNING, "engine %s lost", "podman");
	snprintf(want, sizeof(want), "2026-12-01T23:10:05.123Z segwatch[%d]: warning: engine podman lost\n",
		 (int)getpid());
	assert_string_equal(rig_read(&r), want);

	r.lg->style = SW_LOG_STYLE_TERMINAL;
	sw_log_write(r.lg, SW_LOG_ERR, "container \x1b]0;pwned\x07 gone");
	snprintf(want, sizeof(want), "segwatch[%d]: err: container \\x1b]0;pwned\\x07 gone\n", (int)getpid());
	assert_string_equal(rig_read(&r), want);

	r.lg->style = SW_LOG_STYLE_JOURNAL;
	sw_log_write(r.lg, SW_LOG_NOTICE, "policy shop enforced");
	assert_string_equal(rig_read(&r), "<5>notice: policy shop enforced\n");
	assert_int_equal(jcalls, 0);
	rig_close(&r);
}

static void test_level_filter(void **state)
{
	struct rig r;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 0);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	sw_log_write(r.lg, SW_LOG_DEBUG, "hidden");
	sw_log_write(r.lg, SW_LOG_INFO, "shown");
	sw_log_level_set(r.lg, SW_LOG_DEBUG);
	sw_log_write(r.lg, SW_LOG_DEBUG, "now shown");
	assert_string_equal(rig_read(&r), "<6>info: shown\n<7>debug: now shown\n");
	rig_close(&r);
}

static void test_stderr_fields(void **state)
{
	const struct sw_log_field f[] = {
		{ "SEGWATCH_EVENT", "engine-lost" },
		{ "SEGWATCH_CONTAINER", "evil\nname" },
		{ "bad name", "dropped" },
	};
	struct rig r;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 0);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	sw_log_event(r.lg, SW_LOG_WARNING, NULL, f, 3, "lost %d", 3);
	assert_string_equal(rig_read(&r),
			    "<4>warning: lost 3 SEGWATCH_EVENT=engine-lost SEGWATCH_CONTAINER=evil\\x0aname\n");
	rig_close(&r);
}

static void test_journal_fields(void **state)
{
	const struct sw_log_field f[] = {
		{ "SEGWATCH_EVENT", "engine-lost" },
		{ "_PID", "1" },	/* trusted fields are journald's: refused */
		{ "SEGWATCH_ENGINE", "/run/podman/podman.sock" },
	};
	struct rig r;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_JOURNAL, 0);
	assert_int_equal(sw_log_target_get(r.lg), SW_LOG_TARGET_JOURNAL);
	sw_log_event(r.lg, SW_LOG_ERR, "engine-lost", f, 3, "engine \x1b[31m lost");
	assert_int_equal(jcalls, 1);
	assert_int_equal(jcount, 5);
	assert_string_equal(jfields[0], "MESSAGE=engine \\x1b[31m lost");
	assert_string_equal(jfields[1], "PRIORITY=3");
	assert_string_equal(jfields[2], "SYSLOG_IDENTIFIER=segwatch");
	assert_string_equal(jfields[3], "SEGWATCH_EVENT=engine-lost");
	assert_string_equal(jfields[4], "SEGWATCH_ENGINE=/run/podman/podman.sock");
	assert_string_equal(rig_read(&r), "");

	/* no journald after all: the line goes to stderr rather than nowhere */
	jfail = 1;
	r.lg->style = SW_LOG_STYLE_TERMINAL;
	sw_log_write(r.lg, SW_LOG_ERR, "still here");
	assert_non_null(strstr(rig_read(&r), "err: still here\n"));
	rig_close(&r);
}

/* A file on @fd, and JOURNAL_STREAM naming it (or not). */
static void test_target_auto(void **state)
{
	char path[] = "/tmp/sw-log-XXXXXX", env[64];
	struct sw_log_opts o = { .target = SW_LOG_TARGET_AUTO, .level = SW_LOG_INFO };
	struct sw_err err = { 0 };
	struct sw_log *lg;
	struct stat st;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	o.fd = fd;

	unsetenv("JOURNAL_STREAM");
	lg = sw_log_open(&o, &err);
	assert_int_equal(sw_log_target_get(lg), SW_LOG_TARGET_STDERR);
	assert_int_equal(lg->style, SW_LOG_STYLE_FILE);
	sw_log_close(lg);

	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	assert_true(sw_log_fd_is_journal(fd));
	lg = sw_log_open(&o, &err);
	assert_int_equal(sw_log_target_get(lg), SW_LOG_TARGET_JOURNAL);
	sw_log_close(lg);

	/* told stderr under journald: stderr, with sd-daemon prefixes journald parses */
	o.target = SW_LOG_TARGET_STDERR;
	lg = sw_log_open(&o, &err);
	assert_int_equal(sw_log_target_get(lg), SW_LOG_TARGET_STDERR);
	assert_int_equal(lg->style, SW_LOG_STYLE_JOURNAL);
	sw_log_close(lg);

	/* another inode, or nonsense: not the journal */
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino + 1);
	setenv("JOURNAL_STREAM", env, 1);
	assert_false(sw_log_fd_is_journal(fd));
	setenv("JOURNAL_STREAM", "12:34x", 1);
	assert_false(sw_log_fd_is_journal(fd));
	unsetenv("JOURNAL_STREAM");
	close(fd);
}

static void test_bad_opts(void **state)
{
	struct sw_log_opts o = { .level = 9 };
	struct sw_err err = { 0 };

	(void)state;
	assert_null(sw_log_open(&o, &err));
	assert_int_equal(err.code, SW_EXIT_USAGE);
	sw_log_close(NULL);
	sw_log_write(NULL, SW_LOG_ERR, "nothing");
}

static void test_ratelimit(void **state)
{
	struct rig r;
	const char *out;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 3);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	for (int i = 0; i < 10; i++)
		sw_log_write(r.lg, SW_LOG_WARNING, "engine connection lost");
	sw_log_write(r.lg, SW_LOG_WARNING, "another message");
	out = rig_read(&r);
	assert_int_equal(count_lines(out), 4);
	assert_string_equal(out, "<4>warning: engine connection lost\n<4>warning: engine connection lost\n"
				 "<4>warning: engine connection lost\n<4>warning: another message\n");
	/* the window is not over: nothing yet */
	fake_mono += 59 * 1000000ull;
	sw_log_flush(r.lg);
	assert_string_equal(rig_read(&r), "");
	/* it is: one summary, and the key starts afresh */
	fake_mono += 1000000ull;
	sw_log_flush(r.lg);
	assert_string_equal(rig_read(&r), "<4>warning: suppressed 7 more like: engine connection lost "
					  "SEGWATCH_SUPPRESSED=7\n");
	sw_log_write(r.lg, SW_LOG_WARNING, "engine connection lost");
	assert_string_equal(rig_read(&r), "<4>warning: engine connection lost\n");
	rig_close(&r);
}

/* A key shared by messages whose text differs; the summary comes with the next one after the window. */
static void test_ratelimit_key(void **state)
{
	struct rig r;
	const char *out;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 2);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	for (int i = 0; i < 5; i++)
		sw_log_event(r.lg, SW_LOG_NOTICE, "flap", NULL, 0, "container c%d restarted", i);
	assert_int_equal(count_lines(rig_read(&r)), 2);
	fake_mono += 61 * 1000000ull;
	sw_log_event(r.lg, SW_LOG_NOTICE, "flap", NULL, 0, "container c9 restarted");
	out = rig_read(&r);
	assert_string_equal(out, "<5>notice: suppressed 3 more like: container c4 restarted "
				 "SEGWATCH_SUPPRESSED=3\n<5>notice: container c9 restarted\n");
	/* closing writes what is pending */
	for (int i = 0; i < 4; i++)
		sw_log_event(r.lg, SW_LOG_NOTICE, "flap", NULL, 0, "x");
	rig_read(&r);
	sw_log_close(r.lg);
	assert_string_equal(rig_read(&r), "<5>notice: suppressed 3 more like: x SEGWATCH_SUPPRESSED=3\n");
	close(r.rd);
	close(r.wr);
}

/* More keys than slots: every distinct message is written, the table does not grow. */
static void test_ratelimit_many_keys(void **state)
{
	struct rig r;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 1);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	for (int i = 0; i < 3 * SW_LOG_SLOTS; i++) {
		fake_mono++;
		sw_log_write(r.lg, SW_LOG_INFO, "message %d", i);
	}
	assert_int_equal(count_lines(rig_read(&r)), 3 * SW_LOG_SLOTS);
	rig_close(&r);
}

static void *log_many(void *arg)
{
	struct sw_log *lg = arg;

	for (int i = 0; i < 100; i++)
		sw_log_write(lg, SW_LOG_INFO, "thread %lu line %d", (unsigned long)pthread_self() % 1000, i);
	return NULL;
}

/* Threads sharing one logger: every line whole, none lost. */
static void test_threads(void **state)
{
	pthread_t t[4];
	struct rig r;
	const char *out;

	(void)state;
	rig_open(&r, SW_LOG_TARGET_STDERR, 0);
	r.lg->style = SW_LOG_STYLE_JOURNAL;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, log_many, r.lg), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	out = rig_read(&r);
	assert_int_equal(count_lines(out), 400);
	for (const char *l = out; *l; l = strchr(l, '\n') + 1)
		assert_int_equal(strncmp(l, "<6>info: thread ", 16), 0);
	rig_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_line_styles),
		cmocka_unit_test(test_level_filter),
		cmocka_unit_test(test_stderr_fields),
		cmocka_unit_test(test_journal_fields),
		cmocka_unit_test(test_target_auto),
		cmocka_unit_test(test_bad_opts),
		cmocka_unit_test(test_ratelimit),
		cmocka_unit_test(test_ratelimit_key),
		cmocka_unit_test(test_ratelimit_many_keys),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
