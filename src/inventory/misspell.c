/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * "did you mean" for inventory keys: names people reach for from other tools
 * are mapped directly (no edit distance would find them), the rest goes to
 * sw_text_suggest().
 */
#include <string.h>
#include <strings.h>

#include "internal.h"

static const struct {
	const char *alias;
	const char *key;
} sw_spell_alias[] = {
	{ "ip", "ips" },	  { "addresses", "ips" }, { "addrs", "ips" },
	{ "mac", "macs" },	  { "iface", "interface" }, { "veth", "interface" },
	{ "ns", "namespace" }, { "hosts", "workloads" },  { "items", "workloads" },
};

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
	const char *alias = sw_spell_alias_of(word, known, n_known);

	return alias ? alias : sw_text_suggest(word, known, n_known);
}
