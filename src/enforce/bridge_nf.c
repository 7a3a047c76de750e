/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bridged traffic and the inet forward hook. Frames bridged between two
 * containers only reach the inet family's hooks (and conntrack) when
 * br_netfilter is loaded and its bridge-nf-call-ip(6)tables sysctls are 1, in
 * the network namespace that holds the bridge: what Docker relies on too.
 * Without it, bridged traffic is not judged (routed traffic still is), and
 * the status says so. The kernel here has no bridge-family conntrack, so a
 * stateful bridge table is not an option.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define SW_BRNF_V4 "/proc/sys/net/bridge/bridge-nf-call-iptables"
#define SW_BRNF_V6 "/proc/sys/net/bridge/bridge-nf-call-ip6tables"

extern char **environ;

static int sw_read_flag(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1)
		c = 0;
	close(fd);
	return c == '1';
}

static bool sw_write_one(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, "1\n", 2) == 2;

	if (fd >= 0)
		close(fd);
	return ok;
}

static void sw_modprobe_br_netfilter(void)
{
	char *argv[] = { "modprobe", "-q", "br_netfilter", NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "modprobe", NULL, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
}

bool sw_bridge_nf_state(char *desc, size_t len)
{
	int v4 = sw_read_flag(SW_BRNF_V4), v6 = sw_read_flag(SW_BRNF_V6);

	if (v4 < 0) {
		snprintf(desc, len, "bridged traffic is NOT judged: br_netfilter is not loaded "
				    "(routed traffic is)");
		return false;
	}
	if (v4 == 1 && v6 == 1) {
		snprintf(desc, len, "bridged traffic is judged in the inet forward hook "
				    "(br_netfilter: bridge-nf-call-iptables=1, -ip6tables=1)");
		return true;
	}
	snprintf(desc, len, "bridged traffic is NOT fully judged: bridge-nf-call-iptables=%d, "
			    "-ip6tables=%d in this network namespace", v4, v6);
	return false;
}

bool sw_bridge_nf_enable(char *desc, size_t len)
{
	if (sw_read_flag(SW_BRNF_V4) < 0)
		sw_modprobe_br_netfilter();
	if (sw_read_flag(SW_BRNF_V4) >= 0) {
		sw_write_one(SW_BRNF_V4);
		sw_write_one(SW_BRNF_V6);
	}
	return sw_bridge_nf_state(desc, len);
}
