/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_agent_config - libFuzzer target for the agent's config reader.
 *
 * The input is a config file as an operator would write it. It is loaded,
 * every diagnostic formatted and, when it loads, the effective config is
 * dumped as JSON and loaded again. Besides "no crash, no leak, no sanitizer
 * report", the contract of include/segwatch/agent.h is checked, trapping
 * when broken:
 *   - SW_EXIT_OK comes with no error, SW_EXIT_USAGE with at least one,
 *     SW_EXIT_RUNTIME only with out of memory;
 *   - a formatted diagnostic has no control characters (input is quoted);
 *   - a loaded config is within its documented ranges;
 *   - its JSON loads back without a diagnostic into the same JSON.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/agent.h>
#include <segwatch/diag.h>
#include <segwatch/web.h>

#include "fuzz_check.h"

static void sw_fuzz_check_ranges(const struct sw_agent_config *c)
{
	const struct sw_flow_config *f = &c->capture.flow;

	SW_FUZZ_CHECK(c->capture.opts.snaplen >= 64 && c->capture.opts.snaplen <= 262144);
	SW_FUZZ_CHECK(c->capture.opts.n_ifaces <= SW_CAPTURE_MAX_IFACES);
	for (unsigned i = 0; i < c->capture.opts.n_ifaces; i++)
		SW_FUZZ_CHECK(c->capture.opts.ifaces[i] && strlen(c->capture.opts.ifaces[i]) < 16);
	SW_FUZZ_CHECK(f->max_flows >= 1 && f->idle_tcp_s >= 1 && f->idle_tcp_closed_s >= 1 &&
		      f->idle_udp_s >= 1 && f->idle_icmp_s >= 1 && f->idle_other_s >= 1 &&
		      f->active_s >= 1);
	SW_FUZZ_CHECK(c->identity.n_inventories <= SW_AGENT_MAX_INVENTORIES);
	SW_FUZZ_CHECK(c->identity.engine != SW_AGENT_ENGINE_SOCKET ||
		      (c->identity.engine_socket && c->identity.engine_socket[0] == '/'));
	SW_FUZZ_CHECK(c->policy.nflog_group >= -1 && c->policy.nflog_group <= 65535);
	SW_FUZZ_CHECK(c->history.opts.dir && c->history.opts.rotate_us >= 1000000);
	SW_FUZZ_CHECK(!c->history.opts.keep_bytes ||
		      c->history.opts.keep_bytes >= c->history.opts.rotate_bytes);
	SW_FUZZ_CHECK(c->history.opts.queue_max >= 1);
	SW_FUZZ_CHECK(c->limits.identity_versions >= 1 && c->limits.kernel_log_records >= 1);
	/* the live graph: bounded, and open to other hosts only with a token */
	SW_FUZZ_CHECK(!c->web.listen || c->web.token || sw_web_listen_is_loopback(c->web.listen));
	SW_FUZZ_CHECK(!c->web.listen || (c->web.window_us >= 60000000ull &&
					 c->web.window_us <= SW_WEB_WINDOW_MAX_US &&
					 c->web.max_flows >= 1 && c->web.max_alerts >= 1));
}

/* The effective config's JSON loads back into the same JSON. */
static void sw_fuzz_roundtrip(const struct sw_agent_config *c)
{
	struct sw_agent_config again;
	struct sw_diags d;
	char *text, *text2;

	text = sw_agent_config_json(c, JSON_COMPACT);
	if (!text)
		return;
	sw_diags_init(&d);
	SW_FUZZ_CHECK(sw_agent_config_load_buffer(text, strlen(text), NULL, &again, &d) ==
			      SW_EXIT_OK ||
		      d.nomem);
	SW_FUZZ_CHECK(d.n_errors == 0 || d.nomem);
	text2 = sw_agent_config_json(&again, JSON_COMPACT);
	SW_FUZZ_CHECK(!text2 || d.nomem || strcmp(text, text2) == 0);
	free(text);
	free(text2);
	sw_agent_config_clear(&again);
	sw_diags_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_agent_config cfg;
	struct sw_diags d;
	char buf[1024];
	int rc;

	sw_diags_init(&d);
	rc = sw_agent_config_load_buffer((const char *)data, size, "/etc/segwatch", &cfg, &d);
	if (rc == SW_EXIT_OK)
		SW_FUZZ_CHECK(d.n_errors == 0);
	else if (rc == SW_EXIT_USAGE)
		SW_FUZZ_CHECK(d.n_errors > 0);
	else
		SW_FUZZ_CHECK(rc == SW_EXIT_RUNTIME && d.nomem);
	for (size_t i = 0; i < d.n; i++) {
		sw_diag_format("fuzz.json", &d.v[i], buf, sizeof(buf));
		for (const unsigned char *s = (const unsigned char *)buf; *s; s++)
			SW_FUZZ_CHECK(*s >= 0x20 && *s != 0x7f);
	}
	if (rc == SW_EXIT_OK) {
		sw_fuzz_check_ranges(&cfg);
		sw_fuzz_roundtrip(&cfg);
	}
	sw_agent_config_clear(&cfg);
	sw_diags_clear(&d);
	return 0;
}
