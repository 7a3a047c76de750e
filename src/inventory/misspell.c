/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "did you mean": the known key closest to an unknown one, by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours each count
 * one; case is ignored), accepted when at most a third of the word changed.
 * The idea is nftables src/misspell.c; a few names people reach for from
 * other tools are mapped directly, since no distance would find them.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* Words longer than this get no suggestion (and bound the work). */
#define SW_SPELL_MAX 48

static const struct {
	const char *alias;
	const char *key;
} sw_spell_alias[] = {
	{ "ip", "ips" },	  { "addresses", "ips" }, { "addrs", "ips" },
	{ "mac", "macs" },	  { "iface", "interface" }, { "veth", "interface" },
	{ "ns", "namespace" }, { "hosts", "workloads" },  { "items", "workloads" },
};

static size_t sw_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/* sw_spell_distance - optimal string alignment distance; both at most SW_SPELL_MAX long. */
static size_t sw_spell_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[SW_SPELL_MAX + 1][SW_SPELL_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
			size_t cost = ca != cb;

			d[i][j] = sw_min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[la][lb];
}

static const char *sw_spell_known(const char *key, const char *const *known, size_t n_known)
{
	for (size_t i = 0; i < n_known; i++)
		if (strcmp(known[i], key) == 0)
			return known[i];
	return NULL;
}

static const char *sw_spell_alias_of(const char *word, const char *const *known, size_t n_known)
{
	for (size_t i = 0; i < sizeof(sw_spell_alias) / sizeof(sw_spell_alias[0]); i++)
		if (strcasecmp(word, sw_spell_alias[i].alias) == 0)
			return sw_spell_known(sw_spell_alias[i].key, known, n_known);
	return NULL;
}

const char *sw_inv_suggest(const char *word, const char *const *known, size_t n_known)
{
	size_t lw = strnlen(word, SW_SPELL_MAX + 1), best_d = (size_t)-1;
	size_t max_d = lw / 3 > 1 ? lw / 3 : 1;
	const char *best = sw_spell_alias_of(word, known, n_known);

	if (best || lw > SW_SPELL_MAX)
		return best;
	for (size_t i = 0; i < n_known; i++) {
		size_t lk = strlen(known[i]), d;

		if (lk > SW_SPELL_MAX)
			continue;
		d = sw_spell_distance(word, lw, known[i], lk);
		if (d <= max_d && d < best_d) {
			best_d = d;
			best = known[i];
		}
	}
	return best;
}
