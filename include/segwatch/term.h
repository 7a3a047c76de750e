/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_TERM_H
#define SEGWATCH_TERM_H

/*
 * term - what the output allows: its width and whether it takes colour.
 * One place decides both for every table (docs/output.md).
 */

#include <stdbool.h>
#include <stdio.h>

/*
 * sw_term_width - the columns tables fit in: $COLUMNS when it is a number
 * (tests and scripts set it), else the terminal's width when @out is one,
 * else 0: no limit. Written to a pipe or a file a table is never cut, as
 * systemctl and kubectl do: a script reading it gets whole names.
 */
unsigned sw_term_width(FILE *out);

/*
 * sw_term_colour - whether @out gets colour: the environment's
 * SEGWATCH_COLOR (set by `segwatch --color WHEN`) "always" or "never"
 * decides first; else none when NO_COLOR is set and not empty
 * (https://no-color.org); else only when @out is a terminal and TERM is
 * not "dumb".
 */
bool sw_term_colour(FILE *out);

/* sw_term_colour_mode_ok - @when is "auto", "always" or "never". */
bool sw_term_colour_mode_ok(const char *when);

/*
 * sw_term_word_sgr - the SGR colour of a verdict or state word as tables
 * show it ("32" green: allowed, answered; "31" red: denied, violation,
 * refused, dropped; "35" magenta: monitor; "33" yellow: unmanaged,
 * attempted, no answer), NULL when the word has none.
 */
const char *sw_term_word_sgr(const char *word);

#endif
