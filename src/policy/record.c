/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Recorded flows judged against a policy: a flow (or kernel_log) record as
 * read from a JSON line (docs/flows.md) carries each end's address and, with
 * identity sources, its workload (name, labels). One place turns that into
 * group memberships and a verdict, so `segwatch policy test` and
 * `segwatch flows --verdict` give the same answer for the same record.
 * Records are input from files: any field may be missing or of the wrong type.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The workload a record names for one end (strings borrowed from the JSON). */
static bool sw_pol_record_workload(const json_t *rec, const char *end, struct sw_workload *w,
				   uint8_t addr[16])
{
	const char *text = json_string_value(json_object_get(rec, end));
	char key[32];
	json_t *wl, *labels, *v;
	const char *k;

	memset(w, 0, sizeof(*w));
	if (!sw_addr_parse(text ? text : "", addr))
		return false;
	snprintf(key, sizeof(key), "%s_workload", end);
	wl = json_object_get(rec, key);
	if (!json_is_object(wl))
		return true;
	w->name = (char *)json_string_value(json_object_get(wl, "name"));
	w->namespace = (char *)json_string_value(json_object_get(wl, "namespace"));
	labels = json_object_get(wl, "labels");
	json_object_foreach(labels, k, v)
		if (json_is_string(v) && !sw_workload_add_label(w, k, json_string_value(v)))
			return false;
	return sw_workload_add_addr(w, addr);
}

bool sw_policy_record_membership(const struct sw_policy *p, const json_t *rec, const char *end,
				 uint64_t *bits)
{
	struct sw_workload w;
	uint8_t addr[16];
	bool ok = sw_pol_record_workload(rec, end, &w, addr);

	if (ok)
		sw_policy_membership(p, w.n_addrs ? &w : NULL, addr, bits);
	w.name = NULL; /* borrowed from the JSON */
	w.namespace = NULL;
	sw_workload_clear(&w);
	return ok;
}

enum sw_pol_outcome sw_policy_record_outcome(const struct sw_policy *p, const json_t *rec,
					     const uint64_t *src_bits, const uint64_t *dst_bits,
					     struct sw_pol_verdict *v)
{
	struct sw_pol_conn c = { 0 };

	c.ipproto = (uint8_t)json_integer_value(json_object_get(rec, "proto_num"));
	c.dport = (uint16_t)json_integer_value(json_object_get(rec, "dport"));
	c.icmp_type = (uint8_t)json_integer_value(json_object_get(rec, "icmp_type"));
	return sw_policy_outcome(p, src_bits, dst_bits, &c, v);
}

const char *sw_pol_outcome_name(enum sw_pol_outcome o)
{
	switch (o) {
	case SW_POL_OUT_ALLOWED: return "allowed";
	case SW_POL_OUT_DENIED: return "denied";
	case SW_POL_OUT_MONITORED: return "monitored";
	case SW_POL_OUT_UNMANAGED: return "unmanaged";
	}
	return "?";
}
