// SPDX-License-Identifier: GPL-2.0-or-later
/* prefix.c - the log prefixes of src/nft (docs/policy.md) back to (action, rule). */
#include <stdlib.h>
#include <string.h>

#include <segwatch/nflog.h>

static size_t sw_nflog_trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* sw_nflog_parse_rule - decimal rule index in [s, s + n), no sign, no leading junk. */
static bool sw_nflog_parse_rule(const char *s, size_t n, int *rule)
{
	long v = 0;

	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*rule = (int)v;
	return true;
}

bool sw_nflog_prefix_parse(const char *prefix, enum sw_nflog_action *action, int *rule)
{
	static const struct {
		const char *word;
		enum sw_nflog_action action;
	} acts[] = { { "sw deny ", SW_NFLOG_DENY }, { "sw monitor ", SW_NFLOG_MONITOR } };
	size_t n = sw_nflog_trimmed_len(prefix);

	*action = SW_NFLOG_UNKNOWN;
	*rule = SW_NFLOG_RULE_NONE;
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		size_t wl = strlen(acts[i].word);
		const char *rest = prefix + wl;
		size_t rn;

		if (n <= wl || strncmp(prefix, acts[i].word, wl) != 0)
			continue;
		rn = n - wl;
		if (rn == 7 && strncmp(rest, "default", 7) == 0) {
			*rule = SW_NFLOG_RULE_DEFAULT;
		} else if (rn == 12 && strncmp(rest, "unclassified", 12) == 0) {
			*rule = SW_NFLOG_RULE_UNCLASSIFIED;
		} else if (rn > 6 && strncmp(rest, "rules/", 6) == 0 &&
			   sw_nflog_parse_rule(rest + 6, rn - 6, rule)) {
			/* rule set */
		} else {
			*rule = SW_NFLOG_RULE_NONE;
			return false;
		}
		*action = acts[i].action;
		return true;
	}
	return false;
}
