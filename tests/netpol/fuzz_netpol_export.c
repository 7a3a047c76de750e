/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_netpol_export - libFuzzer target for the Kubernetes export
 * (src/netpol/export*.c).
 *
 * The input is a policy file; one that loads is exported in both formats.
 * Besides "no crash, no leak, no sanitizer report", the contract of
 * include/segwatch/netpol_export.h is checked, trapping when broken:
 *   - the export of a loaded policy succeeds (SW_EXIT_OK), or says why
 *     with SW_EXIT_USAGE (too many AdminNetworkPolicies), and then writes nothing;
 *   - what it writes is one well-formed YAML stream (libyaml's parser reads
 *     it to the end) whose documents are as many as it counted;
 *   - every diagnostic is a warning with a JSON Pointer.
 * Names and labels in the policy are as hostile as the fuzzer makes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include <segwatch/netpol_export.h>
#include <segwatch/policy.h>

#include "fuzz_check.h"

/* Parse @buf to the end; the number of documents, or -1 when it is not YAML. */
static long sw_fuzz_yaml_documents(const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	long docs = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			docs = -1;
			break;
		}
		docs += ev.type == YAML_DOCUMENT_START_EVENT;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return docs;
}

static void sw_fuzz_export(const struct sw_policy *p, enum sw_netpol_format format)
{
	struct sw_netpol_export_opts o = { .format = format, .namespace = "shop" };
	struct sw_netpol_export_stats st = { 0 };
	struct sw_err err = { 0 };
	struct sw_diags d;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int rc;

	if (!out)
		return;
	sw_diags_init(&d);
	rc = sw_netpol_export(p, &o, out, &d, &st, &err);
	fclose(out);
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || rc == SW_EXIT_USAGE);
	if (rc == SW_EXIT_OK)
		SW_FUZZ_CHECK(sw_fuzz_yaml_documents(buf, len) == (long)st.documents);
	else
		SW_FUZZ_CHECK(len == 0 && err.msg[0]);
	for (size_t i = 0; i < d.n; i++)
		SW_FUZZ_CHECK(d.v[i].severity == SW_DIAG_WARNING && d.v[i].where &&
			      d.v[i].where[0] == '/');
	sw_diags_clear(&d);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_policy *p = NULL;
	struct sw_diags d;

	sw_diags_init(&d);
	if (sw_policy_load_buffer((const char *)data, size, "fuzz.json", &p, &d) == SW_EXIT_OK) {
		sw_fuzz_export(p, SW_NETPOL_NETWORKPOLICY);
		sw_fuzz_export(p, SW_NETPOL_ADMIN);
	}
	sw_policy_free(p);
	sw_diags_clear(&d);
	return 0;
}
