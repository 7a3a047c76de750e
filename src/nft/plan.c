/* SPDX-License-Identifier: GPL-2.0-or-later */
/* plan.c - freeing and checking a plan; the normal forms render.c and batch.c share. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "l2.h"

void sw_nft_plan_free(struct sw_nft_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_sets; i++)
		free(p->sets[i].elems);
	free(p->sets);
	for (size_t c = 0; c < p->n_chains; c++) {
		struct sw_nft_chain *ch = &p->chains[c];

		for (size_t r = 0; r < ch->n_rules; r++) {
			for (size_t m = 0; m < ch->rules[r].n_matches; m++)
				free(ch->rules[r].matches[m].ranges);
			free(ch->rules[r].matches);
		}
		free(ch->rules);
		free(ch->handles);
	}
	free(p->chains);
	sw_nft_l2_free(p->l2);
	p->l2 = NULL;
	p->sets = NULL;
	p->chains = NULL;
	p->n_sets = p->n_chains = 0;
}

static bool sw_nft_match_same(const struct sw_nft_match *a, const struct sw_nft_match *b)
{
	if (a->kind != b->kind || a->family != b->family || a->set != b->set ||
	    a->proto != b->proto || a->ct_bits != b->ct_bits || a->n_ranges != b->n_ranges)
		return false;
	for (size_t i = 0; i < a->n_ranges; i++)
		if (a->ranges[i].lo != b->ranges[i].lo || a->ranges[i].hi != b->ranges[i].hi)
			return false;
	return true;
}

bool sw_nft_rule_same(const struct sw_nft_rule *a, const struct sw_nft_rule *b)
{
	if (a->n_matches != b->n_matches || a->counter != b->counter ||
	    a->log_group != b->log_group || a->verdict != b->verdict ||
	    strcmp(a->log_prefix, b->log_prefix) != 0 || strcmp(a->comment, b->comment) != 0)
		return false;
	for (size_t m = 0; m < a->n_matches; m++)
		if (!sw_nft_match_same(&a->matches[m], &b->matches[m]))
			return false;
	return true;
}

const char *sw_nft__hook_name(int hook)
{
	static const char *const names[] = { "prerouting", "input", "forward", "output", "postrouting" };

	if (hook < 0 || hook >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[hook];
}

void sw_nft__quote_safe(const char *in, char *out, size_t sz)
{
	size_t i = 0;

	if (!sz)
		return;
	for (; in[i] && i + 1 < sz; i++) {
		unsigned char c = (unsigned char)in[i];

		out[i] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '_' : (char)c;
	}
	out[i] = '\0';
}

void sw_nft__rule_desc(const struct sw_nft_plan *p, size_t ci, size_t ri, char *buf, size_t sz)
{
	const struct sw_nft_chain *ch = &p->chains[ci];
	const struct sw_nft_rule *r = &ch->rules[ri];

	if (r->comment[0])
		snprintf(buf, sz, "rule %zu of chain %s (\"%s\")", ri + 1, ch->name, r->comment);
	else
		snprintf(buf, sz, "rule %zu of chain %s", ri + 1, ch->name);
}

static bool name_ok(const char *n)
{
	size_t len = strnlen(n, SW_NFT_NAME_MAX);

	if (len == 0 || len == SW_NFT_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = n[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	if ((n[0] >= '0' && n[0] <= '9') || n[0] == '-' || n[0] == '.')
		return false;
	/*
	 * nft's keywords ("fwd", "log", "dns", "tcp", ...) cannot be names in a
	 * script, and nft 1.0.6 takes no quoted names. Keywords are lower case
	 * with digits and '-', never '_' nor upper case: require one of those.
	 */
	for (size_t i = 0; i < len; i++)
		if (n[i] == '_' || (n[i] >= 'A' && n[i] <= 'Z'))
			return true;
	return false;
}

bool sw_nft__prefix_ival(const struct sw_nft_prefix *p, uint8_t family, struct sw_nft_ival *iv)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	size_t klen = sw_nft__klen(family), off = 16 - klen;
	unsigned plen;

	if (p->plen > 128)
		return false;
	if (family == 4) {
		if (p->plen < 96 || memcmp(p->addr, mapped, 12) != 0)
			return false;
		plen = p->plen - 96u;
	} else {
		plen = p->plen;
	}
	memset(iv, 0, sizeof(*iv));
	iv->plen = (uint8_t)plen;
	for (size_t i = 0; i < klen; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);

		iv->start[i] = p->addr[off + i] & mask;
		iv->end[i] = iv->start[i] | (uint8_t)~mask;	/* last address for now */
	}
	/* end exclusive = last + 1, carrying; a carry out of the top means "to the end" */
	iv->end_wraps = true;
	for (size_t i = klen; i-- > 0;) {
		if (++iv->end[i] != 0) {
			iv->end_wraps = false;
			break;
		}
	}
	return true;
}

static size_t cmp_klen;

static int ival_cmp(const void *a, const void *b)
{
	const struct sw_nft_ival *x = a, *y = b;
	int c = memcmp(x->start, y->start, cmp_klen);

	if (c)
		return c;
	return (int)x->plen - (int)y->plen;	/* the wider first */
}

/* Whether x's end (exclusive) is at or after y's end. */
static bool ends_after(const struct sw_nft_ival *x, const struct sw_nft_ival *y, size_t klen)
{
	if (x->end_wraps)
		return true;
	if (y->end_wraps)
		return false;
	return memcmp(x->end, y->end, klen) >= 0;
}

int sw_nft__set_ivals(const struct sw_nft_set *s, struct sw_nft_ival **out, size_t *n,
		      struct sw_err *err, const char *what)
{
	size_t klen = sw_nft__klen(s->family), k = 0;
	struct sw_nft_ival *v;

	*out = NULL;
	*n = 0;
	if (!s->n_elems)
		return 0;
	v = calloc(s->n_elems, sizeof(*v));
	if (!v)
		return -2;
	for (size_t i = 0; i < s->n_elems; i++) {
		if (!sw_nft__prefix_ival(&s->elems[i], s->family, &v[i])) {
			free(v);
			sw_err_set(err, SW_EXIT_USAGE, "%s %s: element %zu is not an IPv%u address or prefix",
				   what, s->name, i + 1, s->family);
			return -1;
		}
	}
	cmp_klen = klen;
	qsort(v, s->n_elems, sizeof(*v), ival_cmp);
	for (size_t i = 0; i < s->n_elems; i++) {
		if (k && ends_after(&v[k - 1], &v[i], klen))
			continue;	/* inside the previous one (or the same) */
		v[k++] = v[i];
	}
	*out = v;
	*n = k;
	return 0;
}

static int range_cmp(const void *a, const void *b)
{
	const struct sw_nft_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

int sw_nft__ranges_norm(const struct sw_nft_range *r, size_t n, struct sw_nft_range **out,
			size_t *n_out)
{
	struct sw_nft_range *v = calloc(n ? n : 1, sizeof(*v));
	size_t k = 0;

	if (!v)
		return -2;
	memcpy(v, r, n * sizeof(*v));
	for (size_t i = 0; i < n; i++)
		if (v[i].hi < v[i].lo) {
			uint16_t t = v[i].hi;

			v[i].hi = v[i].lo;
			v[i].lo = t;
		}
	qsort(v, n, sizeof(*v), range_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && v[i].lo <= v[k - 1].hi) {	/* overlaps: merge */
			if (v[i].hi > v[k - 1].hi)
				v[k - 1].hi = v[i].hi;
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*n_out = k;
	return 0;
}

static int set_check(const struct sw_nft_set *s, size_t i, struct sw_err *err)
{
	if (!name_ok(s->name) || strncmp(s->name, "__", 2) == 0)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: set %zu: bad name \"%.64s\" (letters, digits, _ - .; with a _ or an upper-case letter so it is no nft keyword)",
				  i + 1, s->name);
	if (s->family != 4 && s->family != 6)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: set %s: family must be 4 or 6",
				  s->name);
	for (size_t e = 0; e < s->n_elems; e++) {
		struct sw_nft_ival iv;

		if (!sw_nft__prefix_ival(&s->elems[e], s->family, &iv))
			return sw_err_set(err, SW_EXIT_USAGE,
					  "nft plan: set %s: element %zu is not an IPv%u address or prefix",
					  s->name, e + 1, s->family);
		if (s->hash && s->elems[e].plen != 128)
			return sw_err_set(err, SW_EXIT_USAGE,
					  "nft plan: set %s: element %zu is a prefix in a set of addresses",
					  s->name, e + 1);
	}
	return 0;
}

static bool ranges_empty(const struct sw_nft_match *mt)
{
	return !mt->n_ranges || !mt->ranges;
}

static int match_empty(const char *desc, size_t m, struct sw_err *err)
{
	return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: match %zu: empty list", desc, m + 1);
}

/* ip[6] saddr/daddr @set: the set exists and is of the match's family. */
static int addr_match_check(const struct sw_nft_plan *p, const struct sw_nft_match *mt,
			    const char *desc, size_t m, struct sw_err *err)
{
	if (mt->set >= p->n_sets)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: match %zu: no set %zu",
				  desc, m + 1, mt->set + 1);
	if (mt->family != p->sets[mt->set].family)
		return sw_err_set(err, SW_EXIT_USAGE,
				  "nft plan: %s: match %zu: IPv%u match on IPv%u set %s",
				  desc, m + 1, mt->family,
				  p->sets[mt->set].family, p->sets[mt->set].name);
	return 0;
}

/* meta nfproto and icmp[v6] type: a family; icmp types also a non-empty list of bytes. */
static int family_match_check(const struct sw_nft_match *mt, const char *desc, size_t m,
			      struct sw_err *err)
{
	if (mt->family != 4 && mt->family != 6)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: match %zu: family must be 4 or 6",
				  desc, m + 1);
	if (mt->kind != SW_NFT_M_ICMP_TYPE)
		return 0;
	if (ranges_empty(mt))
		return match_empty(desc, m, err);
	for (size_t k = 0; k < mt->n_ranges; k++)
		if (mt->ranges[k].lo > 255 || mt->ranges[k].hi > 255)
			return sw_err_set(err, SW_EXIT_USAGE,
					  "nft plan: %s: match %zu: ICMP type over 255", desc, m + 1);
	return 0;
}

/* Match @m of the rule @desc names. */
static int match_check(const struct sw_nft_plan *p, const struct sw_nft_match *mt,
		       const char *desc, size_t m, struct sw_err *err)
{
	switch (mt->kind) {
	case SW_NFT_M_SADDR_SET:
	case SW_NFT_M_DADDR_SET:
		return addr_match_check(p, mt, desc, m, err);
	case SW_NFT_M_NFPROTO:
	case SW_NFT_M_ICMP_TYPE:
		return family_match_check(mt, desc, m, err);
	case SW_NFT_M_DPORT:
		if (ranges_empty(mt))
			return match_empty(desc, m, err);
		if (mt->n_ranges > SW_NFT_MAX_RANGES)
			return sw_err_set(err, SW_EXIT_USAGE,
					  "nft plan: %s: match %zu: more than %d ports or ranges",
					  desc, m + 1, SW_NFT_MAX_RANGES);
		return 0;
	case SW_NFT_M_L4PROTO:
		return 0;
	case SW_NFT_M_CT_STATE:
		if (!mt->ct_bits || (mt->ct_bits & ~0x0fu))
			return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: match %zu: bad ct state bits",
					  desc, m + 1);
		return 0;
	default:
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: match %zu: unknown kind",
				  desc, m + 1);
	}
}

static int rule_check(const struct sw_nft_plan *p, size_t c, size_t r, struct sw_err *err)
{
	const struct sw_nft_rule *ru = &p->chains[c].rules[r];
	char desc[256];
	int ret;

	sw_nft__rule_desc(p, c, r, desc, sizeof(desc));
	if (ru->verdict < SW_NFT_ACCEPT || ru->verdict > SW_NFT_RETURN)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: bad verdict", desc);
	if (ru->log_group > 65535)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: %s: bad log group", desc);
	for (size_t m = 0; m < ru->n_matches; m++)
		if ((ret = match_check(p, &ru->matches[m], desc, m, err)))
			return ret;
	return 0;
}

static int chain_check(const struct sw_nft_plan *p, size_t c, struct sw_err *err)
{
	const struct sw_nft_chain *ch = &p->chains[c];
	int ret;

	if (!name_ok(ch->name))
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: chain %zu: bad name \"%.64s\" (letters, digits, _ - .; with a _ or an upper-case letter so it is no nft keyword)",
				  c + 1, ch->name);
	if (ch->base && !sw_nft__hook_name(ch->hook))
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: chain %s: unknown hook %d",
				  ch->name, ch->hook);
	for (size_t r = 0; r < ch->n_rules; r++)
		if ((ret = rule_check(p, c, r, err)))
			return ret;
	return 0;
}

int sw_nft__plan_check(const struct sw_nft_plan *p, struct sw_err *err)
{
	int ret;

	if (!name_ok(p->table) && strcmp(p->table, "segwatch") != 0)
		return sw_err_set(err, SW_EXIT_USAGE, "nft plan: bad table name \"%.64s\"", p->table);
	for (size_t i = 0; i < p->n_sets; i++)
		if ((ret = set_check(&p->sets[i], i, err)))
			return ret;
	for (size_t c = 0; c < p->n_chains; c++)
		if ((ret = chain_check(p, c, err)))
			return ret;
	return 0;
}
