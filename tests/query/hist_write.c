/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hist_write DIR [ROTATE_BYTES [COMPRESS]] - a test driver for flows_cli.sh:
 * JSON lines from stdin into a flow history directory through the history
 * writer, as the agent will write it (each record's span from its
 * first_seen/last_seen). A line "#sleep MS" waits, so a test can see
 * `segwatch flows --follow` pick up records written after it started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <segwatch/history.h>
#include <segwatch/units.h>

static uint64_t hw_time(const json_t *rec, const char *key)
{
	const char *t = json_string_value(json_object_get(rec, key));
	uint64_t us = 0;

	if (t)
		sw_units_time_parse(t, 0, &us);
	return us;
}

int main(int argc, char **argv)
{
	struct sw_history_opts o = { 0 };
	struct sw_history *h;
	struct sw_err err = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc < 2) {
		fprintf(stderr, "usage: hist_write DIR [ROTATE_BYTES [COMPRESS]] < LINES\n");
		return 2;
	}
	o.dir = argv[1];
	o.rotate_bytes = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
	o.compress = argc > 3 && atoi(argv[3]);
	if (sw_history_open(&h, &o, &err) != SW_EXIT_OK) {
		fprintf(stderr, "hist_write: %s\n", err.msg);
		return 3;
	}
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_t *rec;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (strncmp(line, "#sleep ", 7) == 0) {
			long ms = atol(line + 7);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			continue;
		}
		rec = json_loads(line, 0, NULL);
		if (!sw_history_push(h, hw_time(rec, "first_seen"), hw_time(rec, "last_seen"), line,
				     (size_t)n))
			fprintf(stderr, "hist_write: queue full\n");
		json_decref(rec);
	}
	free(line);
	return sw_history_close(h) ? 0 : 3;
}
