/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The workload record: ownership helpers and address parsing. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/workload.h>

void sw_workload_clear(struct sw_workload *w)
{
	if (!w)
		return;
	free(w->uid);
	free(w->name);
	free(w->namespace);
	for (size_t i = 0; i < w->n_labels; i++) {
		free(w->labels[i].key);
		free(w->labels[i].value);
	}
	free(w->labels);
	free(w->addrs);
	free(w->macs);
	free(w->iface);
	memset(w, 0, sizeof(*w));
}

static bool sw_strdup_opt(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return !src || *dst;
}

bool sw_workload_copy(struct sw_workload *dst, const struct sw_workload *src)
{
	bool ok;

	memset(dst, 0, sizeof(*dst));
	dst->source = src->source;
	dst->ifindex = src->ifindex;
	dst->netns = src->netns;
	ok = sw_strdup_opt(&dst->uid, src->uid) && sw_strdup_opt(&dst->name, src->name) &&
	     sw_strdup_opt(&dst->namespace, src->namespace) &&
	     sw_strdup_opt(&dst->iface, src->iface);
	for (size_t i = 0; ok && i < src->n_labels; i++)
		ok = sw_workload_add_label(dst, src->labels[i].key, src->labels[i].value);
	for (size_t i = 0; ok && i < src->n_addrs; i++)
		ok = sw_workload_add_addr(dst, src->addrs[i]);
	for (size_t i = 0; ok && i < src->n_macs; i++)
		ok = sw_workload_add_mac(dst, src->macs[i]);
	if (!ok)
		sw_workload_clear(dst);
	return ok;
}

bool sw_workload_add_label(struct sw_workload *w, const char *key, const char *value)
{
	struct sw_label *l = realloc(w->labels, (w->n_labels + 1) * sizeof(*l));
	char *k, *v;

	if (!l)
		return false;
	w->labels = l;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return false;
	}
	l[w->n_labels].key = k;
	l[w->n_labels].value = v;
	w->n_labels++;
	return true;
}

bool sw_workload_add_addr(struct sw_workload *w, const uint8_t addr[16])
{
	uint8_t (*a)[16];

	for (size_t i = 0; i < w->n_addrs; i++)
		if (memcmp(w->addrs[i], addr, 16) == 0)
			return true;
	a = realloc(w->addrs, (w->n_addrs + 1) * sizeof(*a));
	if (!a)
		return false;
	w->addrs = a;
	memcpy(a[w->n_addrs++], addr, 16);
	return true;
}

bool sw_workload_add_mac(struct sw_workload *w, const uint8_t mac[6])
{
	uint8_t (*m)[6];

	for (size_t i = 0; i < w->n_macs; i++)
		if (memcmp(w->macs[i], mac, 6) == 0)
			return true;
	m = realloc(w->macs, (w->n_macs + 1) * sizeof(*m));
	if (!m)
		return false;
	w->macs = m;
	memcpy(m[w->n_macs++], mac, 6);
	return true;
}

const char *sw_workload_label(const struct sw_workload *w, const char *key)
{
	for (size_t i = 0; i < w->n_labels; i++)
		if (strcmp(w->labels[i].key, key) == 0)
			return w->labels[i].value;
	return NULL;
}

const char *sw_wl_source_name(enum sw_wl_source s)
{
	static const char *const names[SW_WL_SRC_MAX] = {
		[SW_WL_SRC_ENGINE] = "engine",
		[SW_WL_SRC_INVENTORY] = "inventory",
		[SW_WL_SRC_KUBERNETES] = "kubernetes",
		[SW_WL_SRC_KERNEL] = "kernel",
	};

	return (unsigned)s < SW_WL_SRC_MAX ? names[s] : "unknown";
}

bool sw_addr_is_linklocal(const uint8_t a[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (memcmp(a, mapped, 12) == 0)
		return a[12] == 169 && a[13] == 254;
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

bool sw_addr_parse(const char *text, uint8_t out[16])
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, text, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, text, out) == 1;
}

bool sw_mac_parse(const char *text, uint8_t out[6])
{
	unsigned b[6];
	char tail;

	if (strlen(text) != 17 ||
	    sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		out[i] = (uint8_t)b[i];
	return true;
}
