/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_netpol - libFuzzer target for src/netpol: the input is a Kubernetes
 * YAML file. It is imported; an import without errors must give a policy
 * that segwatch's own checker loads without an error (what import writes,
 * policy apply reads). Besides "no crash, no leak, no sanitizer report":
 *   - SW_EXIT_OK returns a document and no error; SW_EXIT_USAGE no document
 *     and at least one error; SW_EXIT_RUNTIME only on out of memory;
 *   - a formatted note has no control characters after SW_MSG-style quoting
 *     is not needed: notes quote what came from the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <segwatch/netpol.h>
#include <segwatch/policy.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_netpol_input in = { "fuzz.yaml", (const char *)data, size };
	struct sw_netpol_result r;
	char buf[2048];
	int rc = sw_netpol_import(&in, 1, NULL, &r);

	if (rc == SW_EXIT_OK)
		SW_FUZZ_CHECK(r.policy && r.n_errors == 0);
	else if (rc == SW_EXIT_USAGE)
		SW_FUZZ_CHECK(!r.policy && r.n_errors > 0);
	else
		SW_FUZZ_CHECK(rc == SW_EXIT_RUNTIME && r.nomem);
	for (size_t i = 0; i < r.n_notes; i++)
		sw_netpol_note_format(&r.notes[i], buf, sizeof(buf));
	if (r.policy) {
		char *text = json_dumps(r.policy, JSON_COMPACT);
		struct sw_pol_diags d;
		struct sw_policy *p = NULL;

		SW_FUZZ_CHECK(text);
		sw_pol_diags_init(&d);
		rc = sw_policy_load_buffer(text, strlen(text), "import.json", &p, &d);
		SW_FUZZ_CHECK(rc == SW_EXIT_OK && d.n_errors == 0);
		sw_policy_free(p);
		sw_pol_diags_clear(&d);
		free(text);
	}
	sw_netpol_result_clear(&r);
	return 0;
}
