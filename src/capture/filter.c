/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The filters of a live source (internal.h, struct sw_src_filter).
 *
 * A source captured in one direction (a bridge port inbound, a bridge
 * outbound: docs/flows.md, "Capture points") gets two things:
 *   - pcap_setdirection(), applied by libpcap to every packet it hands over;
 *   - a kernel filter "(inbound) and (USER)", attached here with
 *     SO_ATTACH_FILTER, so the packets not wanted are never copied to the ring.
 * The direction is not given to libpcap as filter text: "inbound" compiles to
 * a load of the packet type from the kernel's ancillary data, which libpcap's
 * userland interpreter cannot do; and libpcap runs a new filter in userland on
 * the ring blocks already filled when it is set (they may hold packets from
 * before it), so those packets would all be lost. libpcap gets the user's
 * filter alone, which it can run anywhere.
 */
#define _GNU_SOURCE /* asprintf */
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "internal.h"

int sw_src_filter_compile(pcap_t *p, enum sw_capture_direction dir, const char *user,
			  const char *what, struct sw_src_filter *f, struct sw_err *err)
{
	const char *way = dir == SW_CAPTURE_IN ? "inbound" : dir == SW_CAPTURE_OUT ? "outbound" : NULL;
	char *text = NULL;

	memset(f, 0, sizeof(*f));
	if (pcap_compile(p, &f->user, user ? user : "", 1, PCAP_NETMASK_UNKNOWN) < 0)
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s", what, pcap_geterr(p));
	f->has_user = true;
	if (!way)
		return SW_EXIT_OK;
	if (user && *user && asprintf(&text, "(%s) and (%s)", way, user) < 0) {
		sw_src_filter_free(f);
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	}
	if (pcap_compile(p, &f->kernel, text ? text : way, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		free(text);
		sw_src_filter_free(f);
		return sw_err_set(err, SW_EXIT_USAGE, "%s: %s", what, pcap_geterr(p));
	}
	free(text);
	f->has_kernel = true;
	return SW_EXIT_OK;
}

int sw_src_filter_apply(pcap_t *p, enum sw_capture_direction dir, struct sw_src_filter *f,
			const char *name, struct sw_err *err)
{
	if (dir != SW_CAPTURE_BOTH &&
	    pcap_setdirection(p, dir == SW_CAPTURE_IN ? PCAP_D_IN : PCAP_D_OUT) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot capture one direction: %s",
				  name, pcap_geterr(p));
	if (f->has_user && pcap_setfilter(p, &f->user) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "%s: cannot set filter: %s", name,
				  pcap_geterr(p));
	if (f->has_kernel) {
		struct sock_fprog prog = { .len = (unsigned short)f->kernel.bf_len,
					   .filter = (struct sock_filter *)f->kernel.bf_insns };

		/* refused (an old kernel): libpcap's direction check still holds, only slower */
		(void)setsockopt(pcap_fileno(p), SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				 sizeof(prog));
	}
	return SW_EXIT_OK;
}

void sw_src_filter_free(struct sw_src_filter *f)
{
	if (f->has_user)
		pcap_freecode(&f->user);
	if (f->has_kernel)
		pcap_freecode(&f->kernel);
	memset(f, 0, sizeof(*f));
}
