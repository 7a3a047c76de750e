/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A policy file for any command: loaded, its diagnostics printed with their
 * places. A file ending in .yaml or .yml is Kubernetes NetworkPolicy,
 * imported in memory (policy_import.c).
 */
#include <stdio.h>

#include <segwatch/netpol.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "cli.h"
#include "policy_cmd.h"

/* Print the diagnostics; SW_EXIT_USAGE when there are errors. */
static int sw_policy_report_diags(const char *file, const struct sw_pol_diags *d, int rc)
{
	char buf[1024];

	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", SW_MSG(sw_pol_diag_format(file, &d->v[i], buf, sizeof(buf))));
	if (rc == SW_EXIT_OK && d->n_errors)
		rc = SW_EXIT_USAGE;
	return rc;
}

int sw_cli_policy_load(const char *file, struct sw_policy **p)
{
	struct sw_pol_diags d;
	int rc;

	if (sw_netpol_is_yaml_name(file)) /* Kubernetes NetworkPolicy, imported in memory */
		return sw_cli_policy_import_load(file, p);
	sw_pol_diags_init(&d);
	rc = sw_policy_load_file(file, p, &d);
	rc = sw_policy_report_diags(file, &d, rc);
	if (rc != SW_EXIT_OK) {
		sw_policy_free(*p);
		*p = NULL;
	}
	sw_pol_diags_clear(&d);
	return rc;
}

int sw_cli_policy_load_opt(const char *file, struct sw_policy **p)
{
	*p = NULL;
	return file ? sw_cli_policy_load(file, p) : SW_EXIT_OK;
}
