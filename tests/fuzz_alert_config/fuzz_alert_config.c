/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_alert_config - libFuzzer target for alert config files
 * (sw_alert_config_load_buffer, include/segwatch/alert.h).
 *
 * The input is a file as an operator would write it: {"alerts": {...}} or the
 * section alone. Besides "no crash, no leak, no sanitizer report", the
 * contract is checked, trapping when broken:
 *   - SW_EXIT_OK leaves no message and a config within its documented ranges
 *     (docs/alerts.md);
 *   - SW_EXIT_USAGE names the file first and says "error:";
 *   - SW_EXIT_RUNTIME only when memory ran out;
 *   - a message holds no control character (keys and JSON text from the file
 *     are escaped, as the message may reach a terminal).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <segwatch/alert.h>

#include "fuzz_check.h"

static void sw_fuzz_check_ranges(const struct sw_alert_config *c)
{
	SW_FUZZ_CHECK(c->fanout_distinct >= 1 && c->fanout_distinct <= SW_ALERT_FANOUT_CAP);
	SW_FUZZ_CHECK(c->fanout_window_ms >= 1 && c->fanout_window_ms <= 3600000);
	SW_FUZZ_CHECK(c->summary_interval_s >= 1 && c->summary_interval_s <= 86400);
	SW_FUZZ_CHECK(c->max_keys >= 1 && c->max_keys <= (1u << 18));
	SW_FUZZ_CHECK(c->max_sources >= 1 && c->max_sources <= (1u << 18));
	SW_FUZZ_CHECK(c->max_alerts_per_min <= (1u << 30));
	SW_FUZZ_CHECK(c->group_by != NULL);
	for (size_t i = 0; i < c->n_sensitive; i++)
		SW_FUZZ_CHECK(c->sensitive[i] != NULL);
	for (size_t i = 0; i < c->n_fanout_exempt; i++)
		SW_FUZZ_CHECK(c->fanout_exempt[i] != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char name[] = "fuzz.json";
	struct sw_alert_config cfg;
	struct sw_err err = { 0 };
	int rc;

	if (!sw_alert_config_defaults(&cfg))
		return 0;
	rc = sw_alert_config_load_buffer(&cfg, (const char *)data, size, name, &err);
	if (rc == SW_EXIT_OK) {
		SW_FUZZ_CHECK(err.msg[0] == '\0');
		sw_fuzz_check_ranges(&cfg);
	} else if (rc == SW_EXIT_USAGE) {
		SW_FUZZ_CHECK(strncmp(err.msg, name, sizeof(name) - 1) == 0);
		SW_FUZZ_CHECK(strstr(err.msg, "error:") != NULL);
	} else {
		SW_FUZZ_CHECK(rc == SW_EXIT_RUNTIME && strstr(err.msg, "out of memory"));
	}
	for (const unsigned char *s = (const unsigned char *)err.msg; *s; s++)
		SW_FUZZ_CHECK(*s >= 0x20 && *s != 0x7f);
	sw_alert_config_clear(&cfg);
	return 0;
}
