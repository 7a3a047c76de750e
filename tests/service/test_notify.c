/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd notification (src/service/notify.c) against a real datagram
 * socket bound here and named in $NOTIFY_SOCKET, as systemd would: the
 * exact messages, the watchdog interval from WATCHDOG_USEC/WATCHDOG_PID,
 * and nothing at all without NOTIFY_SOCKET.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/internal.h"

struct nsock {
	char dir[48];
	char path[96];
	int fd;
};

static int setup(void **state)
{
	struct nsock *n = calloc(1, sizeof(*n));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(n->dir, sizeof(n->dir), "/tmp/sw-notify-XXXXXX");
	if (!n || !mkdtemp(n->dir))
		return -1;
	snprintf(n->path, sizeof(n->path), "%s/notify", n->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", n->path);
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0 || bind(n->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	setenv("NOTIFY_SOCKET", n->path, 1);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct nsock *n = *state;

	close(n->fd);
	unlink(n->path);
	rmdir(n->dir);
	free(n);
	unsetenv("NOTIFY_SOCKET");
	return 0;
}

/* The next datagram, or "" when none comes within 200 ms. */
static const char *next_msg(struct nsock *n)
{
	static char buf[4096];
	struct pollfd p = { .fd = n->fd, .events = POLLIN };
	ssize_t len;

	buf[0] = '\0';
	if (poll(&p, 1, 200) != 1)
		return buf;
	len = recv(n->fd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	return buf;
}

static void test_messages(void **state)
{
	struct nsock *n = *state;
	struct sw_service s;
	struct sw_err err = { 0 };

	sw_service_init(&s);
	assert_true(s.notify);
	assert_int_equal(s.watchdog_usec, 0);
	assert_int_equal(sw_service_notify_ready(&s, &err), 0);
	assert_string_equal(next_msg(n), "READY=1");
	assert_int_equal(sw_service_notify_status(&s, &err, "capturing on %d interfaces, %d flows live, "
						  "policy %s enforced", 5, 120, "shop"), 0);
	assert_string_equal(next_msg(n), "STATUS=capturing on 5 interfaces, 120 flows live, policy shop enforced");
	/* a container name cannot add an assignment of its own */
	sw_service_notify_status(&s, &err, "watching %s", "x\nREADY=1");
	assert_string_equal(next_msg(n), "STATUS=watching x\\x0aREADY=1");
	assert_int_equal(sw_service_notify_reloading(&s, 123456789, &err), 0);
	assert_string_equal(next_msg(n), "RELOADING=1\nMONOTONIC_USEC=123456789");
	sw_service_notify_ready(&s, &err);
	assert_string_equal(next_msg(n), "READY=1");
	assert_int_equal(sw_service_notify_stopping(&s, &err), 0);
	assert_string_equal(next_msg(n), "STOPPING=1");
	/* no watchdog asked for: no ping, never due */
	assert_false(sw_service_watchdog_due(&s, 100000000));
	assert_int_equal(sw_service_watchdog_ping(&s, 100000000, &err), 0);
	assert_string_equal(next_msg(n), "");
}

static void test_watchdog(void **state)
{
	struct nsock *n = *state;
	struct sw_service s;
	struct sw_err err = { 0 };
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	sw_service_init(&s);
	assert_int_equal(s.watchdog_usec, 30000000);
	/* due at once, then at half the interval after each ping */
	assert_true(sw_service_watchdog_due(&s, 5000000));
	assert_int_equal(sw_service_watchdog_ping(&s, 5000000, &err), 0);
	assert_string_equal(next_msg(n), "WATCHDOG=1");
	assert_false(sw_service_watchdog_due(&s, 5000000));
	assert_false(sw_service_watchdog_due(&s, 19999999));
	assert_true(sw_service_watchdog_due(&s, 20000000));
	sw_service_watchdog_ping(&s, 20000001, &err);
	assert_string_equal(next_msg(n), "WATCHDOG=1");
	assert_false(sw_service_watchdog_due(&s, 34000000));
	/* the environment is left for whoever reads it next */
	assert_non_null(getenv("WATCHDOG_USEC"));

	/* meant for another process (we were forked from the main one): not ours */
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	sw_service_init(&s);
	assert_int_equal(s.watchdog_usec, 0);
	assert_false(sw_service_watchdog_due(&s, 1));

	/* no WATCHDOG_PID: ours */
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "2000000", 1);
	sw_service_init(&s);
	assert_int_equal(s.watchdog_usec, 2000000);

	/* nonsense: no watchdog */
	setenv("WATCHDOG_USEC", "30s", 1);
	sw_service_init(&s);
	assert_int_equal(s.watchdog_usec, 0);
	unsetenv("WATCHDOG_USEC");
	assert_string_equal(next_msg(n), "");
}

static void test_no_socket(void **state)
{
	struct nsock *n = *state;
	struct sw_service s;
	struct sw_err err = { 0 };

	unsetenv("NOTIFY_SOCKET");
	sw_service_init(&s);
	assert_false(s.notify);
	assert_int_equal(sw_service_notify_ready(&s, &err), 0);
	assert_int_equal(sw_service_notify_status(&s, &err, "x"), 0);
	assert_int_equal(sw_service_notify_reloading(&s, 1, &err), 0);
	assert_int_equal(sw_service_notify_stopping(&s, &err), 0);
	assert_string_equal(next_msg(n), "");
	setenv("NOTIFY_SOCKET", n->path, 1);
}

/* A socket that is gone: an error record, for the caller to log. */
static void test_socket_gone(void **state)
{
	struct nsock *n = *state;
	struct sw_service s;
	struct sw_err err = { 0 };
	char gone[160];

	snprintf(gone, sizeof(gone), "%s/nobody-here", n->dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	sw_service_init(&s);
	assert_int_equal(sw_service_notify_ready(&s, &err), SW_EXIT_RUNTIME);
	assert_int_equal(err.code, SW_EXIT_RUNTIME);
	assert_non_null(strstr(err.msg, "READY=1"));
	setenv("NOTIFY_SOCKET", n->path, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_gone, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
