// SPDX-License-Identifier: GPL-2.0-or-later
/* l2spoof.c - spoofed_source alerts from the L2 guard's log records (origin "kernel"). */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void sw_alert_spoofed_l2(struct sw_alert_engine *e, const struct sw_alert_l2spoof *s)
{
	struct sw_alert_endpoint src = { .wl = s->wl, .kind = s->wl ? SW_EP_WORKLOAD : SW_EP_NONE };
	char mac[18];
	struct sw_alert_event ev = { .kind = SW_ALERT_SPOOFED_SOURCE,
				     .severity = SW_ALERT_SEV_HIGH, .ts_us = s->ts_us, .src = &src,
				     .origin = "kernel", .dropped = s->dropped,
				     .verdict_mode = s->dropped ? "enforce" : "monitor",
				     .iface = s->iface, .forged = s->forged,
				     .message = s->dropped ?
					"frame from a container port with a source not bound to it, dropped" :
					"frame from a container port with a source not bound to it (monitor mode)" };

	if (s->has_addr)
		memcpy(src.addr, s->addr, 16);
	if (s->has_mac) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", s->mac[0], s->mac[1],
			 s->mac[2], s->mac[3], s->mac[4], s->mac[5]);
		ev.forged_mac = mac;
	}
	sw_alert_raise(e, &ev);
}
