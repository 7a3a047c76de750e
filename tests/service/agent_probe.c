/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for `segwatch agent`, run by tests/service/unit_boot.sh under a
 * real systemd (252, booted in a container) with the unit from
 * tools/systemd/: it does what the agent's loop does with segwatch_service
 * (log, drop capabilities, notify, ping the watchdog, reload, stop) and
 * writes down, in $STATE_DIRECTORY/report, what the sandbox let it do.
 *
 * SIGHUP: reload (RELOADING=1, READY=1). SIGUSR1: stop pinging the watchdog
 * (systemd must then kill and restart us). SIGTERM: STOPPING=1 and exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <segwatch/clock.h>
#include <segwatch/service.h>

#include "probe_checks.h"

/* set by the signal handlers: all a handler may touch */
static volatile sig_atomic_t got_hup, got_term, got_usr1;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGTERM)
		got_term = 1;
	else
		got_usr1 = 1;
}

/* A process in a network namespace of its own, as a container's would be. */
static pid_t start_other(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	usleep(100000);
	return pid;
}

/* Write @path, then remove it: 0 or errno. */
static int try_write(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0640);

	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

static void sandbox_checks(FILE *r, const char *state, pid_t other)
{
	char path[256];
	FILE *f;
	int fd;

	fprintf(r, "packet %d\nnft %d\n", try_packet(), nft_list_tables());
	snprintf(path, sizeof(path), "%s/flows", state);
	mkdir(path, 0750);
	snprintf(path, sizeof(path), "%s/flows/probe", state);
	fprintf(r, "write_state %d\n", try_write(path));
	fprintf(r, "write_etc %d\n", try_write("/etc/segwatch/probe"));
	fprintf(r, "write_usr %d\n", try_write("/usr/probe"));
	fprintf(r, "unshare_mnt %d\n", rc_of(unshare(CLONE_NEWNS)));
	if ((f = fopen("/proc/self/status", "re"))) {
		copy_status(f, "", r);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)other);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	fprintf(r, "nsopen %d\n", fd < 0 ? errno : 0);
	/* RestrictNamespaces=net: a setns without the type is refused, with it allowed */
	fprintf(r, "setns0 %d\n", fd < 0 ? -1 : rc_of(setns(fd, 0)));
	fprintf(r, "setns %d\n", fd < 0 ? -1 : rc_of(setns(fd, CLONE_NEWNET)));
	if (fd >= 0)
		close(fd);
}

/* The loop: watchdog, reload, stop. Returns the number of pings sent. */
static unsigned run_loop(struct sw_service *svc, struct sw_log *lg, FILE *r)
{
	struct sw_err err = { 0 };
	unsigned pings = 0;

	while (!got_term) {
		uint64_t now = sw_clock_mono_us();

		if (!got_usr1 && sw_service_watchdog_due(svc, now)) {
			sw_service_watchdog_ping(svc, now, &err);
			pings++;
		}
		if (got_hup) {
			got_hup = 0;
			sw_service_notify_reloading(svc, now, &err);
			fprintf(r, "reload\n");
			sw_log_write(lg, SW_LOG_NOTICE, "reloaded");
			sw_service_notify_ready(svc, &err);
		}
		sw_log_flush(lg);
		usleep(50000);
	}
	return pings;
}

int main(void)
{
	const struct sw_log_field start = { "SEGWATCH_EVENT", "probe-start" };
	const char *state = getenv("STATE_DIRECTORY");
	struct sw_service_caps_want want;
	struct sw_service svc;
	struct sw_err err = { 0 };
	struct sw_log *lg;
	char path[256];
	pid_t other;
	FILE *r;

	snprintf(path, sizeof(path), "%s/report", state ? state : "/tmp");
	r = fopen(path, "ae");
	lg = sw_log_open(NULL, &err);
	if (!r || !lg)
		return 3;
	setvbuf(r, NULL, _IOLBF, 0);
	signal(SIGHUP, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	fprintf(r, "start\ntarget %s\n",
		sw_log_target_get(lg) == SW_LOG_TARGET_JOURNAL ? "journal" : "stderr");
	sw_log_event(lg, SW_LOG_NOTICE, NULL, &start, 1, "probe starting \x1b[31m red");
	sw_service_init(&svc);
	fprintf(r, "notify %d\nwatchdog_usec %llu\n", svc.notify, (unsigned long long)svc.watchdog_usec);
	other = start_other();
	sw_service_caps_agent(&want);
	fprintf(r, "drop %s\n", sw_service_caps_drop(&want, &err) ? err.msg : "ok");
	sandbox_checks(r, state ? state : "/tmp", other);
	sw_service_notify_status(&svc, &err, "probe: checks done");
	sw_service_notify_ready(&svc, &err);
	fprintf(r, "pings %u\n", run_loop(&svc, lg, r));
	sw_service_notify_stopping(&svc, &err);
	kill(other, SIGKILL);
	fprintf(r, "stopped\n");
	fclose(r);
	sw_log_close(lg);
	return 0;
}
