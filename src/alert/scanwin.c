// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scanwin.c - long windows over a source's recent failed first contacts (a
 * ring of SW_ALERT_SCAN_RING): vertical (many ports on one peer),
 * horizontal (many peers on one port), block (a spread over both: several
 * peers, several ports, many failures in all),
 * icmp_sweep (unanswered echo requests to many peers). Failures only: a
 * scraper's hundreds of successful contacts never count.
 */
#include <string.h>

#include "internal.h"

#define SW_SCANWIN_SET 256	/* open addressing: at most SW_ALERT_SCAN_RING keys, half full */

/* A small set of 64-bit keys on the stack: distinct counts in one pass. */
struct sw_scanwin_set {
	uint64_t k[SW_SCANWIN_SET];
	uint8_t used[SW_SCANWIN_SET];
	uint32_t n;
};

/*
 * Empty: the marks only (256 bytes). The keys are read only where marked;
 * clearing them too made each failed first contact zero 23 KiB (five sets,
 * two windows), a third of what the detectors cost a capture.
 */
static void sw_scanwin_set_clear(struct sw_scanwin_set *set)
{
	memset(set->used, 0, sizeof(set->used));
	set->n = 0;
}

static void sw_scanwin_set_add(struct sw_scanwin_set *set, uint64_t k)
{
	uint64_t h = k * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 56);

	while (set->used[i]) {
		if (set->k[i] == k)
			return;
		i = (i + 1) % SW_SCANWIN_SET;
	}
	set->used[i] = 1;
	set->k[i] = k;
	set->n++;
}

void sw_scanwin_push(struct sw_scan_fail *ring, struct sw_scan_source *s,
		     const struct sw_scan_pending *p)
{
	struct sw_scan_fail *f = &ring[s->ring_next];

	f->ts_s = (uint32_t)(p->ts_us / 1000000u);
	f->peer = (uint32_t)sw_alert_hash(p->t.addr, 16);
	f->port = p->t.port;
	f->proto = p->t.proto;
	f->echo = (p->t.proto == 1 && p->t.port == 8) || (p->t.proto == 58 && p->t.port == 128);
	s->ring_next = (s->ring_next + 1) % SW_ALERT_SCAN_RING;
	if (s->ring_n < SW_ALERT_SCAN_RING)
		s->ring_n++;
}

static uint64_t sw_scanwin_port_key(const struct sw_scan_fail *f)
{
	return ((uint64_t)f->proto << 16) | f->port;
}

/* The counts of one window, around the newest failure @last. */
struct sw_scanwin_counts {
	struct sw_scanwin_set peer_ports;	/* ports on last's peer */
	struct sw_scanwin_set port_peers;	/* peers on last's (proto, port) */
	struct sw_scanwin_set peers, ports;	/* all (not ICMP) */
	struct sw_scanwin_set echo_peers;	/* peers sent an unanswered echo request */
	uint32_t failed;			/* failed first contacts (not ICMP) */
};

static void sw_scanwin_count(struct sw_scanwin_counts *n, const struct sw_scan_fail *ring,
			     const struct sw_scan_source *s, const struct sw_scan_fail *last,
			     uint32_t since_s)
{
	sw_scanwin_set_clear(&n->peer_ports);
	sw_scanwin_set_clear(&n->port_peers);
	sw_scanwin_set_clear(&n->peers);
	sw_scanwin_set_clear(&n->ports);
	sw_scanwin_set_clear(&n->echo_peers);
	n->failed = 0;
	for (uint32_t i = 0; i < s->ring_n; i++) {
		const struct sw_scan_fail *f = &ring[i];
		bool icmp = f->proto == 1 || f->proto == 58;

		if (f->ts_s < since_s)
			continue;
		if (f->echo)
			sw_scanwin_set_add(&n->echo_peers, f->peer);
		if (icmp)
			continue; /* ICMP types are not ports */
		if (f->peer == last->peer)
			sw_scanwin_set_add(&n->peer_ports, sw_scanwin_port_key(f));
		if (sw_scanwin_port_key(f) == sw_scanwin_port_key(last))
			sw_scanwin_set_add(&n->port_peers, f->peer);
		sw_scanwin_set_add(&n->peers, f->peer);
		sw_scanwin_set_add(&n->ports, sw_scanwin_port_key(f));
		n->failed++;
	}
}

void sw_scanwin_distinct(const struct sw_scan_fail *ring, const struct sw_scan_source *s,
			 uint32_t since_s, uint32_t *peers, uint32_t *ports)
{
	struct sw_scanwin_set a[2]; /* 4.6 KiB on the stack, as the windows' counts: no heap per alert */

	sw_scanwin_set_clear(&a[0]);
	sw_scanwin_set_clear(&a[1]);
	for (uint32_t i = 0; i < s->ring_n; i++) {
		if (ring[i].ts_s < since_s)
			continue;
		sw_scanwin_set_add(&a[0], ring[i].peer);
		if (ring[i].proto != 1 && ring[i].proto != 58)
			sw_scanwin_set_add(&a[1], sw_scanwin_port_key(&ring[i]));
	}
	*peers = a[0].n;
	*ports = a[1].n;
}

/* sw_scanwin_part - @n / @d rounded up, at least 2. */
static uint32_t sw_scanwin_part(uint32_t n, uint32_t d)
{
	uint32_t q = (n + d - 1) / d;

	return q < 2 ? 2 : q;
}

void sw_scanwin_check(const struct sw_alert_scan_config *cfg, const struct sw_scan_fail *ring,
		      const struct sw_scan_source *s, uint32_t now_s, void (*fire)(void *arg, struct sw_scan_evidence *ev),
		      void *arg)
{
	const struct sw_scan_fail *last = &ring[(s->ring_next + SW_ALERT_SCAN_RING - 1) %
						SW_ALERT_SCAN_RING];
	struct sw_scanwin_counts n;

	if (!s->ring_n)
		return;
	for (size_t w = 0; w < cfg->n_windows; w++) {
		const struct sw_alert_scan_window *win = &cfg->windows[w];
		uint32_t since = now_s > win->seconds ? now_s - win->seconds : 0;
		struct sw_scan_evidence ev = { .src = s, .window_s = win->seconds };

		if (last->ts_s < since)
			continue;
		sw_scanwin_count(&n, ring, s, last, since);
		if (last->echo && n.echo_peers.n >= win->peers) {
			ev.method = SW_SCAN_ICMP_SWEEP;
			ev.distinct_peers = n.echo_peers.n;
			ev.distinct_ports = 0;
			fire(arg, &ev);
		}
		if (last->proto == 1 || last->proto == 58)
			continue;
		ev.distinct_peers = n.peers.n;
		ev.distinct_ports = n.ports.n;
		if (n.peer_ports.n >= win->ports) {
			ev.method = SW_SCAN_VERTICAL;
			ev.distinct_peers = 1;
			ev.distinct_ports = n.peer_ports.n;
			fire(arg, &ev);
		}
		if (n.port_peers.n >= win->peers) {
			ev.method = SW_SCAN_HORIZONTAL;
			ev.distinct_peers = n.port_peers.n;
			ev.distinct_ports = 1;
			fire(arg, &ev);
		}
		/*
		 * block: a spread over both that neither count reaches alone (8 ports
		 * of 8 peers): a fifth of "peers" distinct peers, a third of "ports"
		 * distinct ports (at least 2 each), and as many failed first contacts
		 * in all as "peers" asks of a horizontal scan.
		 */
		if (n.peers.n >= sw_scanwin_part(win->peers, 5) &&
		    n.ports.n >= sw_scanwin_part(win->ports, 3) && n.failed >= win->peers) {
			ev.method = SW_SCAN_BLOCK;
			ev.distinct_peers = n.peers.n;
			ev.distinct_ports = n.ports.n;
			fire(arg, &ev);
		}
	}
}
