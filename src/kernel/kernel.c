/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel view's handle: two NETLINK_ROUTE sockets (one joined to the
 * link and address groups, read without blocking; one for dumps and
 * RTM_GETNSID requests), the link table, the namespace table and the host's
 * addresses. See include/segwatch/kernel.h and docs/kernel-view.md.
 */
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/msg.h>

#include <segwatch/clock.h>

#include "internal.h"

/* Cap on datagrams thrown away after an overrun (the receive buffer holds fewer). */
#define SW_KERNEL_DRAIN_MAX 65536

static void sw_kernel_event_obj(struct nl_object *obj, void *arg)
{
	struct sw_kernel *k = arg;
	int type = nl_object_get_msgtype(obj);
	bool ok = true;

	switch (type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		k->st.link_events++;
		ok = sw_klink_apply(k, (struct rtnl_link *)obj, type == RTM_DELLINK);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		k->st.addr_events++;
		ok = sw_haddr_apply(k, (struct rtnl_addr *)obj, type == RTM_DELADDR);
		break;
	default:
		break;
	}
	if (!ok)
		k->ctx.oom = true;
}

/*
 * sw_kernel_bridge_msg - a link message of family AF_BRIDGE. The bridge module
 * sends those about port state (an RTM_DELLINK of that family means "left the
 * bridge", not "gone"); the AF_UNSPEC message that accompanies each carries
 * IFLA_MASTER. libnl cannot tell them apart afterwards: it gives every link of
 * kind "bridge" the family AF_BRIDGE, so the header is read here.
 */
static bool sw_kernel_bridge_msg(struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi;

	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return false;
	if (!nlmsg_valid_hdr(h, sizeof(*ifi)))
		return true;	/* truncated: skip it too */
	ifi = nlmsg_data(h);
	return ifi->ifi_family == AF_BRIDGE;
}

/* sw_kernel_event - NL_CB_VALID of the event socket: libnl parses, we apply. */
static int sw_kernel_event(struct nl_msg *msg, void *arg)
{
	struct sw_kernel *k = arg;

	if (k->draining || sw_kernel_bridge_msg(msg))
		return NL_SKIP;
	/* A message libnl cannot parse (an unknown type) is skipped, not an error. */
	nl_msg_parse(msg, sw_kernel_event_obj, k);
	return NL_OK;
}

static int sw_kernel_ev_open(struct sw_kernel *k)
{
	int rc;

	k->ev = nl_socket_alloc();
	if (!k->ev)
		return -NLE_NOMEM;
	/* Notifications carry no sequence number of ours. */
	nl_socket_disable_seq_check(k->ev);
	rc = nl_socket_modify_cb(k->ev, NL_CB_VALID, NL_CB_CUSTOM, sw_kernel_event, k);
	if (rc == 0)
		rc = nl_connect(k->ev, NETLINK_ROUTE);
	if (rc == 0)
		rc = nl_socket_add_memberships(k->ev, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
					       RTNLGRP_IPV6_IFADDR, 0);
	if (rc == 0)
		rc = nl_socket_set_nonblocking(k->ev);
	if (rc == 0) {
		/* Best effort: capped by net.core.rmem_max; an overrun costs a resync. */
		nl_socket_set_buffer_size(k->ev, SW_KERNEL_RCVBUF, 0);
		k->evcb = nl_socket_get_cb(k->ev);
		if (!k->evcb)
			rc = -NLE_NOMEM;
	}
	return rc;
}

static int sw_kernel_rq_open(struct sw_kernel *k)
{
	k->rq = nl_socket_alloc();
	if (!k->rq)
		return -NLE_NOMEM;
	return nl_connect(k->rq, NETLINK_ROUTE);
}

int sw_kernel_open(struct sw_kernel **out, struct sw_err *err)
{
	struct sw_kernel *k = calloc(1, sizeof(*k));
	int rc;

	*out = NULL;
	if (!k || !sw_klinks_init(&k->links)) {
		free(k);
		return sw_err_set(err, SW_EXIT_RUNTIME, "kernel view: out of memory");
	}
	k->self_inode = sw_netns_self_inode();
	rc = sw_kernel_ev_open(k);
	if (rc == 0)
		rc = sw_kernel_rq_open(k);
	if (rc < 0) {
		sw_kernel_close(k);
		return sw_err_set(err, SW_EXIT_RUNTIME, "kernel view: netlink route socket: %s",
				  nl_geterror(rc));
	}
	*out = k;
	return SW_EXIT_OK;
}

void sw_kernel_close(struct sw_kernel *k)
{
	if (!k)
		return;
	if (k->evcb)
		nl_cb_put(k->evcb);
	nl_socket_free(k->ev);
	nl_socket_free(k->rq);
	sw_klinks_free(&k->links);
	sw_kns_free_all(k);
	free(k->haddrs);
	free(k);
}

int sw_kernel_fd(const struct sw_kernel *k)
{
	return nl_socket_get_fd(k->ev);
}

const struct sw_kernel_stats *sw_kernel_stats(const struct sw_kernel *k)
{
	return &k->st;
}

/*
 * sw_kernel_ctx_set - what this scan or poll works with. The rescan schedule
 * runs on CLOCK_MONOTONIC, not on @now_us: callers may pass packet time, or 0
 * to bind what a first scan finds from the start of time.
 */
static void sw_kernel_ctx_set(struct sw_kernel *k, struct sw_registry *reg, uint64_t now_us,
			      const struct sw_kernel_hooks *hooks, void *arg)
{
	k->ctx = (struct sw_kctx){ .reg = reg, .now_us = now_us, .hooks = hooks, .arg = arg };
	k->ctx.mono_us = sw_clock_mono_us();
}

/*
 * sw_kernel_recv - read one datagram from the event socket. Returns the
 * number of messages handled, 0 when nothing is queued (libnl 3.7 says
 * -NLE_AGAIN or 0 for EAGAIN), or a negative libnl error.
 */
static int sw_kernel_recv(struct sw_kernel *k)
{
	int rc = nl_recvmsgs_report(k->ev, k->evcb);

	return rc == -NLE_AGAIN ? 0 : rc;
}

/* sw_kernel_drain - throw away the queued events: a dump is about to replace them. */
static void sw_kernel_drain(struct sw_kernel *k)
{
	k->draining = true;
	for (int i = 0; i < SW_KERNEL_DRAIN_MAX; i++)
		if (sw_kernel_recv(k) == 0)
			break;	/* empty; a negative value is another overrun: go on */
	k->draining = false;
}

/* sw_kernel_sync - drain, then dump links and addresses; 0 or a negative libnl error. */
static int sw_kernel_sync(struct sw_kernel *k)
{
	int rc;

	sw_kernel_drain(k);
	rc = sw_klinks_sync(k);
	if (rc == 0)
		rc = sw_haddrs_sync(k);
	return rc;
}

static int sw_kernel_oom(struct sw_kernel *k, struct sw_err *err)
{
	k->ctx.hooks = NULL;
	return sw_err_set(err, SW_EXIT_RUNTIME, "kernel view: out of memory");
}

int sw_kernel_scan(struct sw_kernel *k, struct sw_registry *reg, uint64_t now_us,
		   struct sw_err *err)
{
	int rc;

	sw_kernel_ctx_set(k, reg, now_us, NULL, NULL);
	rc = sw_kernel_sync(k);
	if (rc == -NLE_NOMEM)
		return sw_kernel_oom(k, err);
	if (rc < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "kernel view: cannot list links: %s",
				  nl_geterror(rc));
	k->need_resync = false;
	sw_kns_due_all(k);
	if (!sw_kns_run_due(k, SIZE_MAX) || !sw_haddrs_publish_bridge_nets(k))
		return sw_kernel_oom(k, err);
	sw_kns_settled(k);
	return SW_EXIT_OK;
}

/*
 * sw_kernel_read_events - at most SW_KERNEL_READS_PER_POLL datagrams. A
 * receive error (ENOBUFS: the kernel dropped events for us) asks for a resync.
 */
static void sw_kernel_read_events(struct sw_kernel *k)
{
	for (int i = 0; i < SW_KERNEL_READS_PER_POLL && !k->ctx.oom; i++) {
		int rc = sw_kernel_recv(k);

		if (rc == 0)
			return;
		if (rc < 0) {
			k->st.recv_errors++;
			k->need_resync = true;
			return;
		}
	}
}

int sw_kernel_poll(struct sw_kernel *k, struct sw_registry *reg, uint64_t now_us,
		   const struct sw_kernel_hooks *hooks, void *arg, struct sw_err *err)
{
	int rc;

	sw_kernel_ctx_set(k, reg, now_us, hooks, arg);
	if (!k->need_resync)
		sw_kernel_read_events(k);
	if (k->ctx.oom)
		return sw_kernel_oom(k, err);
	if (k->need_resync) {
		/* A failed dump (interrupted by changes) is tried again next time. */
		rc = sw_kernel_sync(k);
		if (rc == -NLE_NOMEM)
			return sw_kernel_oom(k, err);
		if (rc == 0) {
			k->need_resync = false;
			k->st.resyncs++;
		}
	}
	if (!sw_kns_run_due(k, SW_KERNEL_NS_PER_POLL) || !sw_haddrs_publish_bridge_nets(k))
		return sw_kernel_oom(k, err);
	k->ctx.hooks = NULL;
	return SW_EXIT_OK;
}
