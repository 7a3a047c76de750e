/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy check (text or --json diagnostics), and the warnings of
 * apply and compile about groups that select no running workload.
 */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>
#include <segwatch/exit.h>
#include <segwatch/netpol.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>
#include <segwatch/workload.h>

#include "cli.h"
#include "policy_cmd.h"

/* One diagnostic as JSON: file, line, col, pointer, severity, message. */
json_t *sw_check_diag_json(const char *file, const struct sw_diag *d)
{
	json_t *o = json_object();

	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "line", d->line > 0 ? json_integer(d->line) : json_null());
	json_object_set_new(o, "col", d->line > 0 ? json_integer(d->column) : json_null());
	json_object_set_new(o, "pointer", d->where ? json_string(d->where) : json_null());
	json_object_set_new(o, "severity",
			    json_string(d->severity == SW_DIAG_ERROR ? "error" : "warning"));
	json_object_set_new(o, "message", json_string(d->msg ? d->msg : ""));
	return o;
}

/* The document of `policy check --json` (docs/policy.md, "Checking"). */
static json_t *sw_check_json(const char *file, const struct sw_policy *p,
			     const struct sw_pol_diags *d, int rc)
{
	json_t *doc = json_object(), *list = json_array();

	json_object_set_new(doc, "type", json_string("policy_check"));
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "file", json_string(file));
	json_object_set_new(doc, "ok", json_boolean(rc == SW_EXIT_OK));
	json_object_set_new(doc, "errors", json_integer((json_int_t)d->n_errors));
	json_object_set_new(doc, "warnings", json_integer((json_int_t)d->n_warnings));
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(list, sw_check_diag_json(file, &d->v[i]));
	json_object_set_new(doc, "diagnostics", list);
	if (p && rc == SW_EXIT_OK)
		json_object_set_new(doc, "policy", json_pack("{s:s?, s:i, s:i, s:s, s:s}",
			"name", p->name, "groups", (json_int_t)p->n_groups,
			"rules", (json_int_t)p->n_rules,
			"default", sw_pol_action_name(p->default_action),
			"mode", sw_pol_mode_name(p->mode)));
	return doc;
}

int sw_policy_check_file(const char *file, bool as_json)
{
	struct sw_policy *p = NULL;
	struct sw_pol_diags d;
	int rc;

	if (!as_json) {
		rc = sw_cli_policy_load(file, &p);
		if (rc == SW_EXIT_OK)
			printf("%s: ok: %zu group%s, %zu rule%s, default %s, mode %s\n", SW_CELL(file),
			       p->n_groups, sw_text_s(p->n_groups), p->n_rules, sw_text_s(p->n_rules),
			       sw_pol_action_name(p->default_action),
			       sw_pol_mode_name(p->mode));
		sw_policy_free(p);
		return rc;
	}
	if (sw_netpol_is_yaml_name(file)) {
		/* the import's own --json places each problem in the YAML */
		sw_cli_usage_error("segwatch policy check", "--json reads segwatch policies; for "
				   "Kubernetes YAML use segwatch policy import --json");
		return SW_EXIT_USAGE;
	}
	sw_pol_diags_init(&d);
	rc = sw_policy_load_file(file, &p, &d);
	if (rc == SW_EXIT_OK && d.n_errors)
		rc = SW_EXIT_USAGE;
	json_t *doc = sw_check_json(file, p, &d, rc);

	if (json_dumpf(doc, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF)
		rc = SW_EXIT_RUNTIME;
	json_decref(doc);
	sw_pol_diags_clear(&d);
	sw_policy_free(p);
	return rc;
}

struct sw_group_count {
	const struct sw_policy *p;
	size_t *n;	/* running workloads each group selects */
};

static void sw_group_count_visit(const struct sw_workload *w, bool running, void *arg)
{
	struct sw_group_count *c = arg;

	if (!running)
		return;
	for (size_t g = 0; g < c->p->n_groups; g++)
		if (sw_policy_group_selects(c->p, g, w, NULL))
			c->n[g]++;
}

size_t sw_policy_warn_empty_groups(const struct sw_policy *p, const struct sw_registry *reg)
{
	struct sw_group_count c = { .p = p, .n = calloc(p->n_groups ? p->n_groups : 1, sizeof(size_t)) };
	size_t empty = 0, by_address = 0;

	if (!c.n)
		return 0;
	sw_registry_foreach(reg, sw_group_count_visit, &c);
	for (size_t g = 0; g < p->n_groups; g++) {
		const struct sw_pol_group *gr = &p->groups[g];
		bool by_addr = gr->n_cidrs != 0;

		for (size_t t = 0; t < gr->n_terms; t++)
			by_addr |= !sw_pol_term_workload(&gr->terms[t]);
		if (by_addr) { /* addresses select it, workloads or not */
			by_address++;
			continue;
		}
		if (c.n[g] == 0) {
			empty++;
			fprintf(stderr, "segwatch: warning: group %s (%s) selects no running "
				"workload\n", SW_QUOTE(gr->name), SW_CELL(gr->where));
		}
	}
	if (p->n_groups && empty == p->n_groups - by_address && by_address == 0)
		fprintf(stderr, "segwatch: warning: no group of the policy selects any running "
			"workload: no rule can match, every connection meets the default (%s)\n",
			sw_pol_action_name(p->default_action));
	free(c.n);
	if (p->unclassified == SW_POL_UNCLASSIFIED_DENY) {
		size_t n_nets = 0;

		sw_registry_bridge_nets(reg, &n_nets);
		if (n_nets == 0)
			fprintf(stderr, "segwatch: warning: \"unclassified\": \"deny\" judges addresses "
				"of the bridges' networks, and no bridge here has an address (or the "
				"kernel's view is off): nothing is judged unclassified\n");
	}
	return empty;
}
