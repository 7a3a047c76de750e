/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "plans.h"

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p)
		abort();
	return p;
}

struct sw_nft_prefix pfx(const char *s)
{
	struct sw_nft_prefix p = { .plen = 0 };
	char buf[64], *slash;
	unsigned plen;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p.addr + 12) == 1) {
		p.addr[10] = p.addr[11] = 0xff;
		plen = slash ? (unsigned)atoi(slash + 1) : 32;
		p.plen = (uint8_t)(96 + plen);
	} else if (inet_pton(AF_INET6, buf, p.addr) == 1) {
		p.plen = (uint8_t)(slash ? atoi(slash + 1) : 128);
	} else {
		abort();
	}
	return p;
}

static void set_init(struct sw_nft_set *s, const char *name, uint8_t family, const char *const *el, size_t n)
{
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->family = family;
	s->elems = xcalloc(n, sizeof(*s->elems));
	s->n_elems = n;
	for (size_t i = 0; i < n; i++)
		s->elems[i] = pfx(el[i]);
}

static struct sw_nft_rule *rule(struct sw_nft_chain *c, size_t n_matches, enum sw_nft_verdict v,
				const char *comment)
{
	struct sw_nft_rule *r = &c->rules[c->n_rules++];

	memset(r, 0, sizeof(*r));
	r->matches = xcalloc(n_matches, sizeof(*r->matches));
	r->n_matches = n_matches;
	r->verdict = v;
	r->log_group = -1;
	r->origin = -1;
	snprintf(r->comment, sizeof(r->comment), "%s", comment);
	return r;
}

static void m_set(struct sw_nft_match *m, bool src, uint8_t family, size_t set)
{
	m->kind = src ? SW_NFT_M_SADDR_SET : SW_NFT_M_DADDR_SET;
	m->family = family;
	m->set = set;
}

static void m_ranges(struct sw_nft_match *m, enum sw_nft_match_kind kind, uint8_t family,
		     const uint16_t (*r)[2], size_t n)
{
	m->kind = kind;
	m->family = family;
	m->ranges = xcalloc(n, sizeof(*m->ranges));
	m->n_ranges = n;
	for (size_t i = 0; i < n; i++) {
		m->ranges[i].lo = r[i][0];
		m->ranges[i].hi = r[i][1];
	}
}

static void m_proto(struct sw_nft_match *m, uint8_t proto)
{
	m->kind = SW_NFT_M_L4PROTO;
	m->proto = proto;
}

static void m_ct(struct sw_nft_match *m, uint32_t bits)
{
	m->kind = SW_NFT_M_CT_STATE;
	m->ct_bits = bits;
}

static struct sw_nft_chain *chain(struct sw_nft_plan *p, const char *name, size_t max_rules)
{
	struct sw_nft_chain *c = &p->chains[p->n_chains++];

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->base = true;
	c->hook = 2;	/* NF_INET_FORWARD */
	c->priority = 0;
	c->rules = xcalloc(max_rules, sizeof(*c->rules));
	return c;
}

void plan_demo(struct sw_nft_plan *p)
{
	static const char *const a[] = { "10.0.1.2", "10.0.1.3" };
	static const char *const b[] = { "10.0.2.0/24", "10.0.3.9" };
	static const uint16_t port[][2] = { { 8080, 8080 } };
	struct sw_nft_chain *c;
	struct sw_nft_rule *r;

	memset(p, 0, sizeof(*p));
	snprintf(p->table, sizeof(p->table), "segwatch");
	p->sets = xcalloc(2, sizeof(*p->sets));
	p->n_sets = 2;
	set_init(&p->sets[0], "g_a", 4, a, 2);
	set_init(&p->sets[1], "g_b", 4, b, 2);
	p->chains = xcalloc(1, sizeof(*p->chains));
	c = chain(p, "sw_fwd", 3);
	r = rule(c, 1, SW_NFT_ACCEPT, "return traffic");
	m_ct(&r->matches[0], SW_NFT_CT_ESTABLISHED | SW_NFT_CT_RELATED);
	r = rule(c, 4, SW_NFT_ACCEPT, "a may reach b on 8080");
	r->counter = true;
	r->origin = 0;
	m_set(&r->matches[0], true, 4, 0);
	m_set(&r->matches[1], false, 4, 1);
	m_proto(&r->matches[2], 6);
	m_ranges(&r->matches[3], SW_NFT_M_DPORT, 0, port, 1);
	r = rule(c, 0, SW_NFT_DROP, "default deny");
	r->counter = true;
	r->log_group = 5;
	snprintf(r->log_prefix, sizeof(r->log_prefix), "segwatch deny ");
}

void plan_mixed(struct sw_nft_plan *p)
{
	static const char *const v6[] = { "fd00:1::/64", "fd00:2::5", "fd00:1::7" };
	static const char *const v4[] = { "0.0.0.0/0", "10.0.0.1" };
	static const char *const top[] = { "255.255.255.255", "255.255.255.0/25", "192.168.0.0/16" };
	static const char *const top6[] = { "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0" };
	static const uint16_t ports[][2] = { { 443, 443 }, { 80, 80 }, { 8000, 8080 }, { 8070, 8090 } };
	static const uint16_t prange[][2] = { { 1024, 65535 } };
	static const uint16_t icmp[][2] = { { 8, 8 }, { 0, 0 } };
	static const uint16_t icmp6[][2] = { { 128, 129 } };
	struct sw_nft_chain *c;
	struct sw_nft_rule *r;

	memset(p, 0, sizeof(*p));
	snprintf(p->table, sizeof(p->table), "segwatch");
	p->sets = xcalloc(5, sizeof(*p->sets));
	set_init(&p->sets[p->n_sets++], "g_web6", 6, v6, 3);
	set_init(&p->sets[p->n_sets++], "g_any4", 4, v4, 2);
	set_init(&p->sets[p->n_sets++], "g_top", 4, top, 3);
	set_init(&p->sets[p->n_sets++], "g_top6", 6, top6, 2);
	set_init(&p->sets[p->n_sets++], "g_empty", 4, NULL, 0);
	p->chains = xcalloc(2, sizeof(*p->chains));
	c = chain(p, "sw_fwd", 6);
	c->priority = -5;
	r = rule(c, 2, SW_NFT_ACCEPT, "");
	m_ct(&r->matches[0], SW_NFT_CT_ESTABLISHED);
	r->matches[1].kind = SW_NFT_M_NFPROTO;
	r->matches[1].family = 6;
	r = rule(c, 3, SW_NFT_CONTINUE, "monitor: web6 \"quoted\"");
	r->counter = true;
	r->log_group = 7;
	m_set(&r->matches[0], false, 6, 0);
	m_proto(&r->matches[1], 6);
	m_ranges(&r->matches[2], SW_NFT_M_DPORT, 0, ports, 4);
	r = rule(c, 2, SW_NFT_ACCEPT, "ping");
	m_set(&r->matches[0], true, 4, 1);
	m_ranges(&r->matches[1], SW_NFT_M_ICMP_TYPE, 4, icmp, 2);
	r = rule(c, 3, SW_NFT_DROP, "ping6");
	r->counter = true;
	m_set(&r->matches[0], true, 6, 3);
	m_proto(&r->matches[1], 58);
	m_ranges(&r->matches[2], SW_NFT_M_ICMP_TYPE, 6, icmp6, 1);
	r = rule(c, 3, SW_NFT_RETURN, "high udp");
	m_set(&r->matches[0], false, 4, 2);
	m_proto(&r->matches[1], 17);
	m_ranges(&r->matches[2], SW_NFT_M_DPORT, 0, prange, 1);
	r = rule(c, 1, SW_NFT_DROP, "empty set");
	m_set(&r->matches[0], true, 4, 4);
	c = chain(p, "sw_in", 1);
	c->hook = 1;
	c->priority = 10;
	r = rule(c, 1, SW_NFT_ACCEPT, "new");
	m_ct(&r->matches[0], SW_NFT_CT_NEW | SW_NFT_CT_INVALID);
}

void plan_big(struct sw_nft_plan *p, size_t nsets, size_t naddrs, size_t nrules)
{
	static const uint16_t port[][2] = { { 8080, 8080 } };
	struct sw_nft_chain *c;

	memset(p, 0, sizeof(*p));
	snprintf(p->table, sizeof(p->table), "segwatch");
	p->sets = xcalloc(nsets, sizeof(*p->sets));
	p->n_sets = nsets;
	for (size_t s = 0; s < nsets; s++) {
		struct sw_nft_set *st = &p->sets[s];

		snprintf(st->name, sizeof(st->name), "g_%zu", s);
		st->family = 4;
		st->elems = xcalloc(naddrs, sizeof(*st->elems));
		st->n_elems = naddrs;
		for (size_t a = 0; a < naddrs; a++) {
			struct sw_nft_prefix *e = &st->elems[a];
			uint32_t ip = 0x0a000000u | (uint32_t)(s << 12) | (uint32_t)(a * 2 + 2);

			e->addr[10] = e->addr[11] = 0xff;
			e->addr[12] = (uint8_t)(ip >> 24);
			e->addr[13] = (uint8_t)(ip >> 16);
			e->addr[14] = (uint8_t)(ip >> 8);
			e->addr[15] = (uint8_t)ip;
			e->plen = 128;
		}
	}
	p->chains = xcalloc(1, sizeof(*p->chains));
	c = chain(p, "sw_fwd", nrules + 1);
	for (size_t r = 0; r < nrules; r++) {
		struct sw_nft_rule *ru = rule(c, 4, SW_NFT_ACCEPT, "");

		snprintf(ru->comment, sizeof(ru->comment), "rule %zu", r);
		ru->counter = true;
		m_set(&ru->matches[0], true, 4, r % nsets);
		m_set(&ru->matches[1], false, 4, (r / nsets + r + 1) % nsets);
		m_proto(&ru->matches[2], 6);
		m_ranges(&ru->matches[3], SW_NFT_M_DPORT, 0, port, 1);
	}
	rule(c, 0, SW_NFT_DROP, "default")->counter = true;
}

void plan_broken(struct sw_nft_plan *p, int which)
{
	plan_demo(p);
	if (which == 1) {
		snprintf(p->sets[1].name, sizeof(p->sets[1].name), "g_a");	/* duplicate set */
	} else {
		struct sw_nft_chain *c = realloc(p->chains, 2 * sizeof(*c));

		if (!c)
			abort();
		p->chains = c;
		c = chain(p, "sw_fwd", 0);	/* duplicate chain */
		c->hook = 1;
	}
}
