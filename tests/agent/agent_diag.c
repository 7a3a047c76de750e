/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agent_diag - load each FILE as the agent's config, without looking at the
 * files it names, and print its diagnostics one per line: for configs that
 * name files of another host (tools/examples/agent.json). Exits with the
 * load's code (0 clean, 2 errors, 3 I/O).
 */
#include <stdio.h>

#include <segwatch/agent.h>
#include <segwatch/diag.h>

int main(int argc, char **argv)
{
	int worst = SW_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		struct sw_agent_config cfg;
		struct sw_diags d;
		char buf[1024];
		int rc;

		sw_diags_init(&d);
		rc = sw_agent_config_load(argv[i], &cfg, &d);
		for (size_t k = 0; k < d.n; k++)
			printf("%s\n", sw_diag_format(argv[i], &d.v[k], buf, sizeof(buf)));
		sw_agent_config_clear(&cfg);
		sw_diags_clear(&d);
		if (rc > worst)
			worst = rc;
	}
	return worst;
}
