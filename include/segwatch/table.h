/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_TABLE_H
#define SEGWATCH_TABLE_H

/*
 * table - the tables people read (capture, graph, report, policy test,
 * workloads): columns fitted to the output's width (term.h), long names
 * shortened with an ellipsis "…", colour per cell; and port runs, a scan
 * folded into one row ("tcp/20-45 (26 ports)"). docs/output.md says what
 * they look like. Full names stay in --json: a table is for reading.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum sw_table_align {
	SW_TABLE_LEFT,
	SW_TABLE_RIGHT,
};

struct sw_table_col {
	const char *title;
	enum sw_table_align align;
	unsigned min;		/* a flexible column never shrinks below this (nor below 1) */
	unsigned max;		/* 0: none; cells wider are cut */
	bool flex;		/* shrinks to fit the width, the widest flexible one first */
	bool cut_middle;	/* names: "shop/very-lo…-api-0" keeps both ends; else the end is cut */
	unsigned hide;		/* 0: always shown; else left out, highest first, while the
				 * flexible columns cannot have their minimum */
};

struct sw_table;

/* sw_table_new - a table of @n columns (@cols is copied); NULL on out of memory. */
struct sw_table *sw_table_new(const struct sw_table_col *cols, size_t n);
void sw_table_free(struct sw_table *t);

/*
 * sw_table_row - start a row; the cells follow with sw_table_cell, left to
 * right (missing ones are empty). False on out of memory.
 */
bool sw_table_row(struct sw_table *t);

/*
 * sw_table_cell - the next cell of the row: @text (NULL is "") escaped for a
 * terminal as sw_text_escape does (text.h), so names from outside are safe;
 * @sgr an SGR colour such as "31" (term.h), or NULL. False on out of memory.
 */
bool sw_table_cell(struct sw_table *t, const char *text, const char *sgr);
bool sw_table_cellf(struct sw_table *t, const char *sgr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* sw_table_rows - rows added so far. */
size_t sw_table_rows(const struct sw_table *t);

/*
 * sw_table_write - the header and rows in @width columns (0: no limit), two
 * spaces between columns, coloured when @colour; a column whose cells are all
 * empty is left out. Returns EOF on a write error.
 */
int sw_table_write(const struct sw_table *t, FILE *out, unsigned width, bool colour);

/* sw_table_shown - whether column @col is in a table written @width wide. */
bool sw_table_shown(const struct sw_table *t, size_t col, unsigned width);

/* sw_table_print - sw_table_write with the width and colour term.h decides for @out. */
int sw_table_print(const struct sw_table *t, FILE *out);

/*
 * sw_table_text_width - columns @s takes on a terminal (UTF-8: wide East
 * Asian characters 2, combining marks 0); @s is already escaped.
 */
size_t sw_table_text_width(const char *s);

/*
 * sw_table_fit - @s (escaped) shortened to @width columns with "…" at the
 * end or, with @middle, in the middle; whole characters only. Writes into
 * @buf of @len bytes; returns @buf.
 */
const char *sw_table_fit(char *buf, size_t len, const char *s, size_t width, bool middle);

/*
 * Port runs: rows that differ only by their port (same ends, protocol,
 * state or verdict) read as one row when there are at least
 * SW_TABLE_RUN_MIN distinct ports: a scan is a line, not 26.
 */
#define SW_TABLE_RUN_MIN 4

struct sw_table_runs_ops {
	/* order of the items by everything but the port (a total order) */
	int (*cmp)(size_t a, size_t b, void *ctx);
	/* the item's port, or -1 when it has none (ICMP: never folded) */
	long (*port)(size_t i, void *ctx);
};

/*
 * sw_table_runs - find the runs among @n items: @lead[i] is the first item
 * (in the items' order) of i's run, i itself when i is not folded;
 * @next[i] the next item of the run after i, or SIZE_MAX. A table prints a
 * row for each i with lead[i] == i, summing i, next[i], ... False on out of
 * memory (then nothing is folded: lead[i] == i).
 */
bool sw_table_runs(size_t n, const struct sw_table_runs_ops *ops, void *ctx, size_t *lead,
		   size_t *next);

/*
 * sw_table_ports - @ports (sorted in place) as ranges: "20-45,80,443",
 * shortened with "…" to fit @len; *@distinct the number of distinct ports.
 * Returns @buf.
 */
const char *sw_table_ports(char *buf, size_t len, uint16_t *ports, size_t n, size_t *distinct);

#endif
