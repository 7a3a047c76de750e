/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_web - libFuzzer target for the live graph's query strings.
 *
 * The first byte picks the API (graph, flows, alerts), the rest is a query
 * string as anyone who reaches the agent's port may send it. It is parsed
 * (percent-decoding, every parameter into the filter of `segwatch flows`),
 * finished without a policy, and the filter matched against a flow record.
 * Besides "no crash, no leak, no sanitizer report", the contract of
 * include/segwatch/web.h is checked, trapping when broken: SW_EXIT_OK or
 * SW_EXIT_USAGE with a message (SW_EXIT_RUNTIME only from out of memory),
 * and accepted values within their documented bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/web.h>

#include "fuzz_check.h"

#define SW_FUZZ_NOW 1764669600000000ull

static const char *sw_fuzz_rec =
	"{\"type\":\"flow\",\"family\":4,\"proto\":\"tcp\",\"proto_num\":6,"
	"\"src\":\"10.1.0.1\",\"sport\":40000,\"dst\":\"10.1.0.2\",\"dport\":7001,"
	"\"state\":\"established\",\"first_seen\":\"2025-12-02T09:59:00.000000Z\","
	"\"last_seen\":\"2025-12-02T09:59:30.000000Z\",\"src_kind\":\"workload\","
	"\"src_workload\":{\"name\":\"shop/web-1\",\"labels\":{\"app\":\"web\"}}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static json_t *rec;
	struct sw_web_params p;
	struct sw_err err = { 0 };
	int rc;

	if (!rec && !(rec = json_loads(sw_fuzz_rec, 0, NULL)))
		return 0;
	if (size < 1)
		return 0;
	if (sw_web_params_init(&p, (enum sw_web_api)(data[0] % 3), &err) != SW_EXIT_OK)
		return 0;
	rc = sw_web_params_parse(&p, (const char *)data + 1, size - 1, SW_FUZZ_NOW, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_web_params_finish(&p, NULL, SW_FUZZ_NOW, SW_WEB_WINDOW_DEFAULT_US, &err);
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || rc == SW_EXIT_USAGE || rc == SW_EXIT_RUNTIME);
	if (rc != SW_EXIT_OK) {
		SW_FUZZ_CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof(err.msg)));
	} else {
		SW_FUZZ_CHECK(p.limit >= 1 && p.limit <= SW_WEB_LIMIT_MAX);
		SW_FUZZ_CHECK(p.by != SW_GRAPH_BY_LABEL || (p.label[0] && strlen(p.label) < SW_WEB_LABEL_MAX));
		SW_FUZZ_CHECK(p.api == SW_WEB_API_ALERTS ||
			      p.since_us >= SW_FUZZ_NOW - SW_WEB_WINDOW_DEFAULT_US);
		if (p.q)
			(void)sw_query_match(p.q, rec, NULL);
	}
	sw_web_params_clear(&p);
	return 0;
}
