/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy_diag - print the diagnostics of loading each FILE, one per line,
 * as `segwatch policy check` will: the input for the golden files in bad/.
 * Exits with the load's code (0 clean, 2 policy errors, 3 I/O).
 */
#include <stdio.h>

#include <segwatch/policy.h>

int main(int argc, char **argv)
{
	int worst = SW_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		struct sw_pol_diags d;
		struct sw_policy *p;
		char buf[700];
		int rc;

		sw_pol_diags_init(&d);
		rc = sw_policy_load_file(argv[i], &p, &d);
		for (size_t k = 0; k < d.n; k++)
			printf("%s\n", sw_pol_diag_format(argv[i], &d.v[k], buf, sizeof(buf)));
		sw_pol_diags_clear(&d);
		sw_policy_free(p);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
