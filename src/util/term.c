/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The output's width and colour, decided in one place for every table. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <segwatch/term.h>

#define SW_TERM_WIDTH_MAX 4096	/* a larger $COLUMNS is a mistake: treat as no limit */

unsigned sw_term_width(FILE *out)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;

	if (env && *env) {
		unsigned long v = strtoul(env, &end, 10);

		if (!*end && v > 0)
			return v > SW_TERM_WIDTH_MAX ? 0 : (unsigned)v;
	}
	if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	return 0;
}

bool sw_term_colour_mode_ok(const char *when)
{
	return when && (strcmp(when, "auto") == 0 || strcmp(when, "always") == 0 ||
			strcmp(when, "never") == 0);
}

bool sw_term_colour(FILE *out)
{
	const char *mode = getenv("SEGWATCH_COLOR"), *no = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (mode && strcmp(mode, "always") == 0)
		return true;
	if (mode && strcmp(mode, "never") == 0)
		return false;
	if (no && *no)
		return false;
	return isatty(fileno(out)) && !(term && strcmp(term, "dumb") == 0);
}

const char *sw_term_word_sgr(const char *word)
{
	static const struct {
		const char *word, *sgr;
	} map[] = {
		{ "allowed", "32" }, { "answered", "32" }, { "established", "32" },
		{ "denied", "31" }, { "violation", "31" }, { "refused", "31" },
		{ "dropped", "31" }, { "dropped by kernel", "31" },
		{ "monitor", "35" }, { "monitored", "35" },
		{ "unmanaged", "33" }, { "attempted", "33" }, { "no answer", "33" },
	};

	for (size_t i = 0; word && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(word, map[i].word) == 0)
			return map[i].sgr;
	return NULL;
}
