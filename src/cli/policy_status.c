/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy status: what the kernel holds of segwatch's ruleset, read
 * back from the kernel (nothing is remembered elsewhere): which policy was
 * applied, when and from where (the table's comment), every rule with its
 * counters and what it does, every set with its element count, and whether
 * bridged traffic is judged.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/compile.h>
#include <segwatch/nft.h>

#include <segwatch/enforce.h>
#include <segwatch/text.h>

#include "policy_cmd.h"

/* The table comment's words (compile.c and apply): all "" when absent. */
struct sw_applied {
	char name[72], mode[16], rules[16], groups[16], applied[32], file[SW_NFT_COMMENT_MAX];
};

static void sw_applied_word(struct sw_applied *ap, const char *key, size_t klen, const char *val,
			    size_t vlen)
{
	static const struct { const char *key; size_t off, size; } words[] = {
		{ "policy", offsetof(struct sw_applied, name), sizeof(((struct sw_applied *)0)->name) },
		{ "mode", offsetof(struct sw_applied, mode), sizeof(((struct sw_applied *)0)->mode) },
		{ "rules", offsetof(struct sw_applied, rules), sizeof(((struct sw_applied *)0)->rules) },
		{ "groups", offsetof(struct sw_applied, groups), sizeof(((struct sw_applied *)0)->groups) },
		{ "applied", offsetof(struct sw_applied, applied), sizeof(((struct sw_applied *)0)->applied) },
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i].key) == klen && memcmp(words[i].key, key, klen) == 0)
			snprintf((char *)ap + words[i].off, words[i].size, "%.*s", (int)vlen, val);
}

/* "segwatch policy=N mode=M rules=R groups=G [applied=T file=PATH]"; file= takes the rest. */
static bool sw_applied_parse(const char *comment, struct sw_applied *ap)
{
	const char *s = comment;

	memset(ap, 0, sizeof(*ap));
	if (strncmp(s, "segwatch ", 9) != 0)
		return false;
	for (s += 9; *s;) {
		const char *eq = strchr(s, '='), *end;

		if (!eq)
			break;
		if ((size_t)(eq - s) == 4 && strncmp(s, "file", 4) == 0) {
			snprintf(ap->file, sizeof(ap->file), "%s", eq + 1);
			break;
		}
		end = strchr(eq, ' ');
		end = end ? end : eq + strlen(eq);
		sw_applied_word(ap, s, (size_t)(eq - s), eq + 1, (size_t)(end - eq - 1));
		s = *end ? end + 1 : end;
	}
	return ap->name[0] != '\0';
}

static const char *sw_family_name(uint8_t f)
{
	return f == 4 ? "ip" : f == 6 ? "ip6" : "any";
}

static void sw_status_json(const struct sw_applied *ap, bool known, bool judged, const char *brnf,
			   const struct sw_nft_rule_counters *rc, size_t n,
			   const struct sw_nft_set_info *sets, size_t n_sets)
{
	json_t *doc = json_pack("{s:s, s:i, s:b, s:s, s:b, s:s}", "type", "policy_status", "version", 1,
				"applied", 1, "table", "inet " SW_COMPILE_TABLE,
				"bridged_traffic_judged", judged, "bridged_traffic", brnf);
	json_t *rules = json_array(), *jsets = json_array();

	if (known)
		json_object_set_new(doc, "policy", json_pack("{s:s, s:s, s:i, s:i, s:s?, s:s?}",
			"name", ap->name, "mode", ap->mode, "rules", atoi(ap->rules),
			"groups", atoi(ap->groups), "applied_at", ap->applied[0] ? ap->applied : NULL,
			"file", ap->file[0] ? ap->file : NULL));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rules, json_pack("{s:s, s:I, s:I, s:I, s:s, s:s}", "comment",
			rc[i].comment, "packets", (json_int_t)rc[i].packets, "bytes",
			(json_int_t)rc[i].bytes, "handle", (json_int_t)rc[i].handle,
			"action", rc[i].action, "family", sw_family_name(rc[i].family)));
	json_object_set_new(doc, "rules", rules);
	for (size_t i = 0; i < n_sets; i++)
		json_array_append_new(jsets, json_pack("{s:s, s:i, s:I}", "name", sets[i].name,
			"family", sets[i].family, "elements", (json_int_t)sets[i].elements));
	json_object_set_new(doc, "sets", jsets);
	sw_policy_status_l2_json(doc);
	json_dumpf(doc, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	json_decref(doc);
}

static void sw_status_text(const struct sw_applied *ap, bool known, const char *brnf,
			   const struct sw_nft_rule_counters *rc, size_t n,
			   const struct sw_nft_set_info *sets, size_t n_sets)
{
	if (known)
		printf("policy %s (mode %s, %s rules, %s groups)%s%s%s%s\n",
		       SW_QUOTE(ap->name), SW_CELL(ap->mode),
		       SW_CELL(ap->rules), SW_CELL(ap->groups), ap->applied[0] ? ", applied " : "",
		       SW_CELL(ap->applied), ap->file[0] ? " from " : "", SW_CELL(ap->file));
	else
		printf("policy: unknown (the table has no segwatch comment)\n");
	printf("table inet %s, chain %s: %zu rules\n%s\n\n%12s %14s  %-6s %-8s %s\n", SW_COMPILE_TABLE,
	       SW_COMPILE_CHAIN, n, brnf, "PACKETS", "BYTES", "FAMILY", "ACTION", "RULE");
	for (size_t i = 0; i < n; i++)
		printf("%12llu %14llu  %-6s %-8s %s\n", (unsigned long long)rc[i].packets,
		       (unsigned long long)rc[i].bytes, sw_family_name(rc[i].family),
		       rc[i].action[0] ? SW_CELL(rc[i].action) : "-", SW_CELL(rc[i].comment));
	printf("\n%-32s %8s\n", "SET", "ELEMENTS");
	for (size_t i = 0; i < n_sets; i++)
		printf("%-32s %8llu\n", SW_CELL(sets[i].name), (unsigned long long)sets[i].elements);
	sw_policy_status_l2_text();
}

int sw_policy_status_show(bool as_json)
{
	struct sw_nft_rule_counters *rc_list = NULL;
	struct sw_nft_set_info *sets = NULL;
	struct sw_err err = { 0 };
	struct sw_applied ap;
	char brnf[256], comment[SW_NFT_COMMENT_MAX];
	bool judged = sw_bridge_nf_state(brnf, sizeof(brnf)), known;
	size_t n = 0, n_sets = 0;
	int rc;

	if (!sw_nft_table_exists(SW_COMPILE_TABLE)) {
		if (as_json)
			printf("{\"type\":\"policy_status\",\"version\":1,\"applied\":false}\n");
		else
			printf("no segwatch policy is applied\n");
		return SW_EXIT_OK;
	}
	rc = sw_nft_read_table_comment(SW_COMPILE_TABLE, comment, sizeof(comment), &err);
	if (rc == SW_EXIT_OK)
		rc = sw_nft_read_counters(SW_COMPILE_TABLE, SW_COMPILE_CHAIN, &rc_list, &n, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_nft_read_sets(SW_COMPILE_TABLE, &sets, &n_sets, &err);
	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
		free(rc_list);
		return rc;
	}
	known = sw_applied_parse(comment, &ap);
	if (as_json)
		sw_status_json(&ap, known, judged, brnf, rc_list, n, sets, n_sets);
	else
		sw_status_text(&ap, known, brnf, rc_list, n, sets, n_sets);
	free(rc_list);
	free(sets);
	return SW_EXIT_OK;
}
