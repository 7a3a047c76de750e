/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who started a flow, and how far it got. Pure functions of a record and an
 * observation, kept apart from the table's memory management so they can be
 * read (and tested) on their own. The rules are documented in docs/flows.md.
 */
#include <string.h>

#include "internal.h"

int sw_flow_key_make(struct sw_flow_key *k, int family, uint8_t proto,
		     const uint8_t src[16], uint16_t sport,
		     const uint8_t dst[16], uint16_t dport)
{
	int c = memcmp(src, dst, 16);
	bool swap = c > 0 || (c == 0 && sport > dport);

	memcpy(k->a, swap ? dst : src, 16);
	memcpy(k->b, swap ? src : dst, 16);
	k->pa = swap ? dport : sport;
	k->pb = swap ? sport : dport;
	k->proto = proto;
	k->family = (uint8_t)family;
	k->zero = 0;
	return swap ? SW_DIR_BA : SW_DIR_AB;
}

/* The request type a reply answers, so both land in one flow. */
static uint8_t sw_icmp_request_type(int family, uint8_t type)
{
	if (family == 4) {
		switch (type) {
		case 0: return 8;	/* echo */
		case 14: return 13;	/* timestamp */
		case 16: return 15;	/* information */
		case 18: return 17;	/* address mask */
		default: return type;
		}
	}
	switch (type) {
	case 129: return 128;	/* echo */
	case 131: return 130;	/* multicast listener report -> query */
	case 134: return 133;	/* router advertisement -> solicitation */
	case 136: return 135;	/* neighbour advertisement -> solicitation */
	default: return type;
	}
}

static bool sw_icmp_is_reply(int family, uint8_t type)
{
	return sw_icmp_request_type(family, type) != type;
}

static bool sw_icmp_is_echo(int family, uint8_t type)
{
	return sw_icmp_request_type(family, type) == (family == 4 ? 8 : 128);
}

void sw_flow_icmp_ports(const struct sw_pkt *pkt, uint16_t *sport, uint16_t *dport)
{
	if (sw_icmp_is_echo(pkt->family, pkt->icmp_type))
		*sport = *dport = pkt->icmp_id;
	else
		*sport = *dport = sw_icmp_request_type(pkt->family, pkt->icmp_type);
}

bool sw_flow_icmp_is_refusal(int family, uint8_t type, uint8_t code)
{
	/* port/protocol unreachable and the administratively prohibited family */
	if (family == 4)
		return type == 3 && (code == 2 || code == 3 || code == 9 || code == 10 ||
				     code == 13);
	return type == 1 && (code == 1 || code == 4 || code == 5 || code == 6);
}

static bool sw_obs_is_icmp(const struct sw_flow_obs *o)
{
	return (o->key.family == 4 && o->key.proto == 1) ||
	       (o->key.family == 6 && o->key.proto == 58);
}

static uint16_t sw_obs_port(const struct sw_flow_obs *o, bool sender)
{
	bool sender_is_a = o->dir == SW_DIR_AB;

	return sender == sender_is_a ? o->key.pa : o->key.pb;
}

/*
 * Decide whether the packet that opens a record came from its initiator.
 * Returns true when the sender is the initiator; sets *inferred when that is
 * a deduction rather than something seen (a flow picked up mid-stream).
 */
static bool sw_sender_initiates(const struct sw_flow_obs *o, bool *inferred)
{
	uint8_t f = o->tcp_flags;

	*inferred = false;
	if (o->key.proto == 6) {
		if ((f & SW_TCP_SYN) && !(f & SW_TCP_ACK))
			return true;
		*inferred = true;
		if (f & SW_TCP_SYN) /* SYN-ACK: the receiver sent the SYN */
			return false;
		/* mid-stream: the side on the lower (service) port is the responder */
		return sw_obs_port(o, true) >= sw_obs_port(o, false);
	}
	if (sw_obs_is_icmp(o) && o->pkt) {
		*inferred = sw_icmp_is_reply(o->key.family, o->pkt->icmp_type);
		return !*inferred;
	}
	if (o->pkt && o->pkt->has_ports && o->pkt->sport < 1024 && o->pkt->dport >= 1024) {
		/* from a well-known port to an ephemeral one: an answer */
		*inferred = true;
		return false;
	}
	return true;
}

void sw_flow_live_begin(struct sw_flow_live *r, const struct sw_flow_obs *o)
{
	bool inferred;
	bool from_init = sw_sender_initiates(o, &inferred);
	int sender_side = o->dir == SW_DIR_AB ? 0 : 1;

	r->init_side = (uint8_t)(from_init ? sender_side : 1 - sender_side);
	r->state = SW_FLOW_ATTEMPTED;
	if (inferred)
		r->flags |= SW_FLOW_F_INFERRED;
	if (o->pkt && sw_obs_is_icmp(o)) {
		r->u.icmp.type = o->pkt->icmp_type;
		r->u.icmp.code = o->pkt->icmp_code;
	}
}

static void sw_tcp_advance(struct sw_flow_live *r, const struct sw_flow_obs *o, bool from_init)
{
	uint8_t f = o->tcp_flags;

	if (f & SW_TCP_RST) {
		if (r->state == SW_FLOW_ESTABLISHED)
			r->state = SW_FLOW_CLOSED;
		else if (r->state == SW_FLOW_ATTEMPTED && !from_init)
			r->state = SW_FLOW_REFUSED;
		return;
	}
	/* a SYN-ACK, or (picked up mid-stream) packets both ways */
	if (r->state == SW_FLOW_ATTEMPTED &&
	    ((!from_init && (f & SW_TCP_SYN) && (f & SW_TCP_ACK)) ||
	     (r->packets[0] && r->packets[1])))
		r->state = SW_FLOW_ESTABLISHED;
	if (r->state == SW_FLOW_ESTABLISHED && (r->u.tcp_flags[0] & SW_TCP_FIN) &&
	    (r->u.tcp_flags[1] & SW_TCP_FIN))
		r->state = SW_FLOW_CLOSED;
}

void sw_flow_live_advance(struct sw_flow_live *r, const struct sw_flow_obs *o)
{
	int sender_side = o->dir == SW_DIR_AB ? 0 : 1;
	bool from_init = sender_side == r->init_side;

	if (r->key.proto == 6) {
		sw_tcp_advance(r, o, from_init);
		return;
	}
	if (!from_init && r->state == SW_FLOW_ATTEMPTED)
		r->state = SW_FLOW_ESTABLISHED;
}

/* A fresh SYN on a tuple whose connection is over starts a new flow. */
bool sw_flow_live_is_reuse(const struct sw_flow_live *r, const struct sw_flow_obs *o)
{
	return r->key.proto == 6 && (o->tcp_flags & (SW_TCP_SYN | SW_TCP_ACK)) == SW_TCP_SYN &&
	       (r->state == SW_FLOW_CLOSED || r->state == SW_FLOW_REFUSED);
}

uint64_t sw_flow_first_us(const struct sw_flow *f)
{
	if (!f->rev.packets)
		return f->fwd.first_us;
	if (!f->fwd.packets)
		return f->rev.first_us;
	return f->fwd.first_us < f->rev.first_us ? f->fwd.first_us : f->rev.first_us;
}

uint64_t sw_flow_last_us(const struct sw_flow *f)
{
	return f->fwd.last_us > f->rev.last_us ? f->fwd.last_us : f->rev.last_us;
}
