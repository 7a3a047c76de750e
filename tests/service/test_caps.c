/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropping capabilities (src/service/caps.c), for real: a forked child
 * drops, then reports what it can still do and what it cannot, and the
 * exact sets from /proc/self/status (its own and an exec'd program's).
 * Needs root (exit 77 otherwise). Nothing is changed outside the test's
 * own temporary directory; the netfilter request is a read-only dump of
 * the tables in a network namespace the child made for itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <cap-ng.h>

#include <segwatch/service.h>

#include "probe_checks.h"

/* CAP_NET_ADMIN 12, CAP_NET_RAW 13, CAP_SYS_PTRACE 19, CAP_SYS_ADMIN 21 */
#define AGENT_MASK "0000000000283000"
#define NO_PTRACE_MASK "0000000000203000"

struct world {
	char dir[64];
	char theirs[96];	/* a file owned by nobody, mode 0600 */
	pid_t other;		/* a process in a network namespace of its own, full caps */
};

static struct world W;

/* ---- what the child does ---- */

/* Open the other process's namespace and enter it: two results. */
static void try_netns(FILE *out)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)W.other);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	fprintf(out, "nsopen %d\n", fd < 0 ? errno : 0);
	fprintf(out, "setns %d\n", fd < 0 ? -1 : rc_of(setns(fd, CLONE_NEWNET)));
	if (fd >= 0)
		close(fd);
}

static void child_checks(FILE *out)
{
	char node[96];
	FILE *f;

	fprintf(out, "packet %d\n", try_packet());
	fprintf(out, "nft %d\n", nft_list_tables());
	fprintf(out, "chown %d\n", rc_of(chown(W.theirs, 0, 0)));
	fprintf(out, "read_theirs %d\n", rc_of(open(W.theirs, O_RDONLY | O_CLOEXEC)));
	snprintf(node, sizeof(node), "%s/null", W.dir);
	fprintf(out, "mknod %d\n", rc_of(mknod(node, S_IFCHR | 0600, makedev(1, 3))));
	/* CAP_SYS_NICE: a higher priority (harmless for a child about to exit) */
	fprintf(out, "nice %d\n", rc_of(setpriority(PRIO_PROCESS, 0, -5)));
	fprintf(out, "setuid %d\n", rc_of(setuid(65534)));
	try_netns(out);	/* last: it may move us into the other namespace */
	if ((f = fopen("/proc/self/status", "re"))) {
		copy_status(f, "", out);
		fclose(f);
	}
	/* an exec'd program gets nothing back: bounding set and no_new_privs */
	if ((f = popen("exec cat /proc/self/status", "re"))) {
		copy_status(f, "exec_", out);
		pclose(f);
	}
}

enum mode {
	PLAIN,		/* root with every capability: `segwatch agent` by hand */
	TWICE,		/* then drop again, asking for more */
	UNIT,		/* as systemd starts it: bounding set already the agent's, no CAP_SETPCAP */
	UNIT_WIDE,	/* the same with CAP_CHOWN left in the bounding set */
};

/* What CapabilityBoundingSet= in the unit leaves us, roughly. */
static int systemd_like(bool wide)
{
	capng_get_caps_process();
	capng_clear(CAPNG_SELECT_BOUNDS);
	capng_updatev(CAPNG_ADD, CAPNG_BOUNDING_SET, CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN,
		      CAP_SYS_PTRACE, -1);
	if (wide)
		capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, CAP_CHOWN);
	if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return -1;
	capng_update(CAPNG_DROP, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_SETPCAP);
	return capng_apply(CAPNG_SELECT_CAPS);
}

static void child(const struct sw_service_caps_want *w, enum mode mode, int fd)
{
	FILE *out = fdopen(fd, "w");
	struct sw_err err = { 0 };
	struct sw_service_caps_want all;

	/* a namespace of our own, so the netfilter dump lists nothing of the host's */
	if (!out || unshare(CLONE_NEWNET) < 0)
		_exit(2);
	if ((mode == UNIT || mode == UNIT_WIDE) && systemd_like(mode == UNIT_WIDE) < 0)
		_exit(3);
	if (sw_service_caps_drop(w, &err) != 0) {
		fprintf(out, "drop %s\n", err.msg);
		fclose(out);
		_exit(0);
	}
	fprintf(out, "drop ok\n");
	if (mode == TWICE) {
		sw_service_caps_agent(&all);
		fprintf(out, "again %s\n", sw_service_caps_drop(&all, &err) ? err.msg : "ok");
	}
	child_checks(out);
	fclose(out);
	_exit(0);
}

/* ---- the parent ---- */

struct report {
	char text[8192];
};

static void run(const struct sw_service_caps_want *w, enum mode mode, struct report *r)
{
	int p[2], status;
	size_t o = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child(w, mode, p[1]);
	}
	close(p[1]);
	while ((n = read(p[0], r->text + o, sizeof(r->text) - 1 - o)) > 0)
		o += (size_t)n;
	r->text[o] = '\0';
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The value of @key in the report ("" if absent). */
static const char *get(const struct report *r, const char *key)
{
	static char val[512];
	size_t klen = strlen(key);

	for (const char *l = r->text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ') {
			snprintf(val, sizeof(val), "%.*s", (int)strcspn(l + klen + 1, "\n"), l + klen + 1);
			return val;
		}
	return "";
}

static void want_errno(const struct report *r, const char *key, int e)
{
	char want[16];

	snprintf(want, sizeof(want), "%d", e);
	if (strcmp(get(r, key), want) != 0)
		fail_msg("%s: got \"%s\", want %s (%s)\n%s", key, get(r, key), want, strerror(e), r->text);
}

static void test_agent_set(void **state)
{
	struct sw_service_caps_want w;
	struct report r;

	(void)state;
	sw_service_caps_agent(&w);
	run(&w, PLAIN, &r);
	assert_string_equal(get(&r, "drop"), "ok");
	/* exactly these, everywhere */
	assert_string_equal(get(&r, "CapEff"), AGENT_MASK);
	assert_string_equal(get(&r, "CapPrm"), AGENT_MASK);
	assert_string_equal(get(&r, "CapBnd"), AGENT_MASK);
	assert_string_equal(get(&r, "CapInh"), "0000000000000000");
	assert_string_equal(get(&r, "CapAmb"), "0000000000000000");
	assert_string_equal(get(&r, "NoNewPrivs"), "1");
	/* an exec'd program (root, so it gets its bounding set) has no more */
	assert_string_equal(get(&r, "exec_CapEff"), AGENT_MASK);
	assert_string_equal(get(&r, "exec_CapBnd"), AGENT_MASK);
	assert_string_equal(get(&r, "exec_NoNewPrivs"), "1");
	/* what the agent needs still works */
	want_errno(&r, "packet", 0);
	want_errno(&r, "nft", 0);
	want_errno(&r, "nsopen", 0);
	want_errno(&r, "setns", 0);
	/* what it does not need is gone */
	want_errno(&r, "chown", EPERM);
	want_errno(&r, "read_theirs", EACCES);
	want_errno(&r, "mknod", EPERM);
	want_errno(&r, "nice", EACCES);
	want_errno(&r, "setuid", EPERM);
}

/* Why CAP_SYS_PTRACE is kept: without it, another process's namespace cannot be opened. */
static void test_without_ptrace(void **state)
{
	struct sw_service_caps_want w;
	struct report r;

	(void)state;
	sw_service_caps_agent(&w);
	w.sys_ptrace = false;
	run(&w, PLAIN, &r);
	assert_string_equal(get(&r, "CapEff"), NO_PTRACE_MASK);
	want_errno(&r, "nsopen", EACCES);
	want_errno(&r, "packet", 0);
}

/* Without CAP_NET_ADMIN netfilter refuses; without CAP_NET_RAW no packet socket. */
static void test_without_net(void **state)
{
	struct sw_service_caps_want w = { .sys_admin = true };
	struct report r;

	(void)state;
	run(&w, PLAIN, &r);
	assert_string_equal(get(&r, "CapEff"), "0000000000200000");
	want_errno(&r, "nft", EPERM);
	want_errno(&r, "packet", EPERM);
}

/* Dropped is dropped: asking again for more fails with a message naming what is missing. */
static void test_twice(void **state)
{
	struct sw_service_caps_want w = { .net_raw = true };
	struct report r;

	(void)state;
	run(&w, TWICE, &r);
	assert_string_equal(get(&r, "drop"), "ok");
	assert_non_null(strstr(get(&r, "again"), "CAP_"));
	assert_string_equal(get(&r, "CapEff"), "0000000000002000");
}

/* Under the unit there is no CAP_SETPCAP, and the bounding set needs none. */
static void test_under_unit(void **state)
{
	struct sw_service_caps_want w;
	struct report r;

	(void)state;
	sw_service_caps_agent(&w);
	run(&w, UNIT, &r);
	assert_string_equal(get(&r, "drop"), "ok");
	assert_string_equal(get(&r, "CapEff"), AGENT_MASK);
	assert_string_equal(get(&r, "CapPrm"), AGENT_MASK);
	assert_string_equal(get(&r, "CapBnd"), AGENT_MASK);
	assert_string_equal(get(&r, "NoNewPrivs"), "1");
	want_errno(&r, "nft", 0);
	want_errno(&r, "chown", EPERM);

	/* a wider bounding set without CAP_SETPCAP: refused, and said why */
	run(&w, UNIT_WIDE, &r);
	assert_non_null(strstr(get(&r, "drop"), "CAP_SETPCAP"));
}

static int world_setup(void **state)
{
	int fd;

	(void)state;
	snprintf(W.dir, sizeof(W.dir), "/tmp/sw-caps-XXXXXX");
	if (!mkdtemp(W.dir))
		return -1;
	snprintf(W.theirs, sizeof(W.theirs), "%s/theirs", W.dir);
	fd = open(W.theirs, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || fchown(fd, 65534, 65534) < 0)
		return -1;
	close(fd);
	W.other = fork();
	if (W.other == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	usleep(100000);	/* let it unshare */
	return W.other > 0 ? 0 : -1;
}

static int world_teardown(void **state)
{
	char node[96];

	(void)state;
	kill(W.other, SIGKILL);
	waitpid(W.other, NULL, 0);
	snprintf(node, sizeof(node), "%s/null", W.dir);
	unlink(node);
	unlink(W.theirs);
	rmdir(W.dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_set),
		cmocka_unit_test(test_without_ptrace),
		cmocka_unit_test(test_without_net),
		cmocka_unit_test(test_twice),
		cmocka_unit_test(test_under_unit),
	};

	if (geteuid() != 0) {
		printf("skipped: dropping capabilities needs root\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}
