/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export_names.c - Kubernetes' syntax for what an export writes, as the API
 * server validates it (k8s.io/apimachinery/pkg/util/validation):
 *   object names      DNS-1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63
 *   namespaces        the same
 *   label keys        [PREFIX/]NAME, PREFIX a DNS-1123 subdomain of at most
 *                     253, NAME a "qualified name" of at most 63:
 *                     [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
 *   label values      empty or a qualified name of at most 63
 * Object names are made (sanitized: they are ours); selectors are never
 * changed to fit, since a changed selector selects other pods: the caller
 * warns and leaves them out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "export_internal.h"

static bool sw_npx_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool sw_npx_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over @s[0..n), 1 <= n <= 63 */
static bool sw_npx_dns_label_n(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !sw_npx_lower_alnum(s[0]) || !sw_npx_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!sw_npx_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

bool sw_netpol_namespace_ok(const char *ns)
{
	return ns && sw_npx_dns_label_n(ns, strlen(ns));
}

/* DNS-1123 subdomain: labels joined by '.', at most 253 */
static bool sw_npx_dns_subdomain_n(const char *s, size_t n)
{
	size_t start = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '.') {
			if (!sw_npx_dns_label_n(s + start, i - start))
				return false;
			start = i + 1;
		}
	return true;
}

/* qualified name part: [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, 1 to 63 */
static bool sw_npx_qualified_n(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !sw_npx_alnum(s[0]) || !sw_npx_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!sw_npx_alnum(s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

bool sw_npx_label_key_ok(const char *key)
{
	const char *slash = strchr(key, '/');

	if (!slash)
		return sw_npx_qualified_n(key, strlen(key));
	return sw_npx_dns_subdomain_n(key, (size_t)(slash - key)) &&
	       sw_npx_qualified_n(slash + 1, strlen(slash + 1));
}

bool sw_npx_label_value_ok(const char *value)
{
	size_t n = strlen(value);

	return n == 0 || sw_npx_qualified_n(value, n);
}

/* Room left for "-NNNN", the suffix that makes a name unique. */
#define SW_NPX_NAME_BASE (SW_NPX_NAME_MAX - 5)

char *sw_npx_name_make(char *buf, const char *a, const char *b)
{
	size_t n = 0;
	bool dash = true; /* no leading '-' */

	for (int part = 0; part < 2; part++) {
		const char *s = part ? b : a;

		if (!s)
			continue;
		if (part && n && !dash && n < SW_NPX_NAME_BASE)
			buf[n++] = '-', dash = true;
		for (; *s && n < SW_NPX_NAME_BASE; s++) {
			char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;

			if (sw_npx_lower_alnum(c)) {
				buf[n++] = c;
				dash = false;
			} else if (!dash) {
				buf[n++] = '-';
				dash = true;
			}
		}
	}
	while (n && buf[n - 1] == '-')
		n--;
	if (n == 0)
		buf[n++] = 'x';
	buf[n] = '\0';
	return buf;
}
