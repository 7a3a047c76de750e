/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * List the interfaces and addresses inside another network namespace.
 *
 * A netlink socket belongs to the namespace it was created in, so the dump
 * must come from a socket opened inside. setns(2) with CLONE_NEWNET changes
 * the namespace of the calling thread only, so a short-lived thread enters
 * the namespace, opens its socket, dumps links and addresses with libnl-3
 * route caches, and ends; the thread that called us never changes namespace
 * (the packet sockets and the event socket stay where they are). A forked
 * child would work too but would have to pass everything back through a pipe,
 * and fork() in a process that runs other threads may only use
 * async-signal-safe calls before exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sw_nsscan_job {
	int fd;
	int rc;			/* 0 or a negative libnl error */
	bool oom;
	struct sw_nsscan *out;
	size_t cap_ifaces, cap_addrs;
};

void sw_nsscan_clear(struct sw_nsscan *s)
{
	free(s->ifaces);
	free(s->addrs);
	memset(s, 0, sizeof(*s));
}

static void *sw_grow(void *p, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *np;

	if (n < *cap)
		return p;
	c = *cap ? *cap * 2 : 8;
	np = realloc(p, c * size);
	if (np)
		*cap = c;
	return np;
}

static void sw_nsscan_link(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	struct sw_nsscan_job *j = arg;
	struct sw_nsscan *s = j->out;
	struct nl_addr *mac = rtnl_link_get_addr(link);
	struct sw_kernel_nsif *f;
	struct sw_kernel_nsif *a = sw_grow(s->ifaces, &j->cap_ifaces, s->n_ifaces, sizeof(*a));

	if (!a) {
		j->oom = true;
		return;
	}
	s->ifaces = a;
	f = &a[s->n_ifaces++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "");
	f->ifindex = rtnl_link_get_ifindex(link);
	f->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	f->loopback = (rtnl_link_get_flags(link) & IFF_LOOPBACK) != 0;
	if (mac && rtnl_link_get_arptype(link) == ARPHRD_ETHER && nl_addr_get_len(mac) == 6) {
		memcpy(f->mac, nl_addr_get_binary_addr(mac), 6);
		f->has_mac = true;
	}
}

static void sw_nsscan_addr(struct nl_object *obj, void *arg)
{
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	struct sw_nsscan_job *j = arg;
	struct sw_nsscan *s = j->out;
	struct sw_kernel_nsaddr na = { .ifindex = rtnl_addr_get_ifindex(ra) };
	struct sw_kernel_nsaddr *a;

	if (!sw_addr_from_nl(rtnl_addr_get_local(ra), na.addr))
		return;
	na.prefixlen = (uint8_t)rtnl_addr_get_prefixlen(ra);
	a = sw_grow(s->addrs, &j->cap_addrs, s->n_addrs, sizeof(*a));
	if (!a) {
		j->oom = true;
		return;
	}
	s->addrs = a;
	a[s->n_addrs++] = na;
}

/* sw_nsscan_dump - runs inside the namespace: a socket of its own, two dumps. */
static int sw_nsscan_dump(struct sw_nsscan_job *j)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *links = NULL, *addrs = NULL;
	int rc;

	if (!sk)
		return -NLE_NOMEM;
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc == 0)
		rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &links);
	if (rc == 0)
		rc = rtnl_addr_alloc_cache(sk, &addrs);
	if (rc == 0) {
		nl_cache_foreach(links, sw_nsscan_link, j);
		nl_cache_foreach(addrs, sw_nsscan_addr, j);
		if (j->oom)
			rc = -NLE_NOMEM;
	}
	nl_cache_free(addrs);
	nl_cache_free(links);
	nl_socket_free(sk);
	return rc;
}

static void *sw_nsscan_thread(void *arg)
{
	struct sw_nsscan_job *j = arg;

	if (setns(j->fd, CLONE_NEWNET) < 0)
		j->rc = -nl_syserr2nlerr(errno);
	else
		j->rc = sw_nsscan_dump(j);
	return NULL;
}

/**
 * sw_nsscan_run - list the namespace open on @nsfd from a thread of its own
 * @out: filled on success (free with sw_nsscan_clear), left empty on failure
 *
 * Waits for the thread: a namespace is listed in about a millisecond. The
 * thread blocks every signal, so handlers keep running on the caller's threads.
 * Returns 0 or a negative libnl error (-NLE_PERM without CAP_SYS_ADMIN).
 */
int sw_nsscan_run(int nsfd, struct sw_nsscan *out)
{
	struct sw_nsscan_job j = { .fd = nsfd, .out = out };
	sigset_t all, old;
	pthread_t t;
	int rc;

	memset(out, 0, sizeof(*out));
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, sw_nsscan_thread, &j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -nl_syserr2nlerr(rc);
	pthread_join(t, NULL);
	if (j.rc < 0)
		sw_nsscan_clear(out);
	return j.rc;
}
