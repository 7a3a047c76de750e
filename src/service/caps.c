/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping only the capabilities the agent needs, with libcap-ng.
 *
 * What needs what (docs/service.md has the long form):
 *   CAP_NET_ADMIN   nfnetlink (the nftables batch, NFLOG, conntrack),
 *                   rtnetlink changes, promiscuous mode, net sysctls
 *   CAP_NET_RAW     AF_PACKET sockets: libpcap's live capture
 *   CAP_SYS_ADMIN   setns(CLONE_NEWNET) into a container's namespace
 *                   (src/engine/engine_netns.c)
 *   CAP_SYS_PTRACE  opening /proc/PID/ns/net of a process whose
 *                   capabilities are not a subset of ours (a container's
 *                   root has CAP_CHOWN, CAP_SETUID, ...) or whose uid is
 *                   not ours (rootless containers): the kernel checks
 *                   ptrace read access (PTRACE_MODE_READ_FSCREDS) on it,
 *                   and without it src/kernel/netns.c and engine_netns.c
 *                   cannot see those namespaces. tests/service shows both.
 * Not kept: CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (the uid stays 0,
 * which owns the state directory, the engine sockets and /proc/sys), and
 * everything else.
 *
 * Capabilities, the bounding set and no_new_privs belong to a thread, not
 * to the process: drop them before any thread starts, which is checked.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <cap-ng.h>
#include <linux/capability.h>

#include "internal.h"

void sw_service_caps_agent(struct sw_service_caps_want *w)
{
	*w = (struct sw_service_caps_want){
		.net_admin = true, .net_raw = true, .sys_admin = true, .sys_ptrace = true,
	};
}

/* The number of threads of this process, from /proc/self/status; 0 if unknown. */
static unsigned sw_caps_threads(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Threads: %u", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The wanted capabilities as numbers; returns how many. */
static size_t sw_caps_list(const struct sw_service_caps_want *w, int *caps)
{
	size_t n = 0;

	if (w->net_admin)
		caps[n++] = CAP_NET_ADMIN;
	if (w->net_raw)
		caps[n++] = CAP_NET_RAW;
	if (w->sys_admin)
		caps[n++] = CAP_SYS_ADMIN;
	if (w->sys_ptrace)
		caps[n++] = CAP_SYS_PTRACE;
	if (w->dac_read_search)
		caps[n++] = CAP_DAC_READ_SEARCH;
	if (w->dac_override)
		caps[n++] = CAP_DAC_OVERRIDE;
	return n;
}

static bool sw_caps_listed(const int *caps, size_t n, int cap)
{
	for (size_t i = 0; i < n; i++)
		if (caps[i] == cap)
			return true;
	return false;
}

/*
 * Whether the bounding set holds nothing but @caps already, as it does under
 * systemd's CapabilityBoundingSet= (tools/systemd/segwatch-agent.service),
 * which leaves no CAP_SETPCAP to shrink it with.
 */
static bool sw_caps_bounded(const int *caps, size_t n)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (capng_have_capability(CAPNG_BOUNDING_SET, (unsigned)c) && !sw_caps_listed(caps, n, c))
			return false;
	return true;
}

/* Whether we hold what is wanted; @bounded: the bounding set needs no change. */
static int sw_caps_check(const int *caps, size_t n, bool *bounded, struct sw_err *err)
{
	unsigned threads = sw_caps_threads();

	if (threads > 1)
		return sw_err_set(err, SW_EXIT_RUNTIME,
				  "dropping capabilities: %u threads already run, and only the calling "
				  "one would lose them; drop before starting threads", threads);
	if (capng_get_caps_process() < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "reading our capabilities: %s", strerror(errno));
	for (size_t i = 0; i < n; i++)
		if (!capng_have_capability(CAPNG_PERMITTED, (unsigned)caps[i]))
			return sw_err_set(err, SW_EXIT_RUNTIME,
					  "cannot keep CAP_%s: we do not have it (run as root)",
					  capng_capability_to_name((unsigned)caps[i]));
	*bounded = sw_caps_bounded(caps, n);
	if (!*bounded && !capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		return sw_err_set(err, SW_EXIT_RUNTIME,
				  "dropping capabilities: CAP_SETPCAP is needed to shrink the bounding set");
	return 0;
}

int sw_service_caps_drop(const struct sw_service_caps_want *w, struct sw_err *err)
{
	int caps[8], rc;
	size_t n = sw_caps_list(w, caps);
	bool bounded;

	if ((rc = sw_caps_check(caps, n, &bounded, err)) != 0)
		return rc;
	/* everything cleared: effective, permitted, inheritable, bounding, ambient */
	capng_clear(CAPNG_SELECT_ALL);
	for (size_t i = 0; i < n; i++)
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				 (unsigned)caps[i]) < 0)
			return sw_err_set(err, SW_EXIT_RUNTIME, "capability %d unknown to libcap-ng",
					  caps[i]);
	/* the bounding set first (it needs CAP_SETPCAP, which the capset then drops) */
	rc = capng_apply(bounded ? (capng_select_t)(CAPNG_SELECT_CAPS | CAPNG_SELECT_AMBIENT)
			         : CAPNG_SELECT_ALL);
	if (rc < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "dropping capabilities: capng_apply: %d (%s)",
				  rc, strerror(errno));
	/* no exec, setuid or file-capability binary can give any of it back */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "setting no_new_privs: %s", strerror(errno));
	return 0;
}
