/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics of user input (include/segwatch/diag.h): a list, and its printed form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/diag.h>

void sw_diags_init(struct sw_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void sw_diags_clear(struct sw_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].where);
		free(d->v[i].msg);
	}
	free(d->v);
	sw_diags_init(d);
}

bool sw_diags_add(struct sw_diags *d, enum sw_diag_severity sev, int line, int col,
		  const char *where, const char *msg)
{
	struct sw_diag *nd;

	if (sev == SW_DIAG_ERROR)
		d->n_errors++; /* counted even if the record is lost */
	else
		d->n_warnings++;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct sw_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			goto nomem;
		d->v = v;
		d->cap = cap;
	}
	nd = &d->v[d->n];
	memset(nd, 0, sizeof(*nd));
	nd->severity = sev;
	nd->line = line;
	nd->column = col;
	nd->msg = strdup(msg);
	if (!nd->msg)
		goto nomem;
	if (where && *where) {
		nd->where = strdup(where);
		if (!nd->where) {
			free(nd->msg);
			goto nomem;
		}
	}
	d->n++;
	return true;
nomem:
	d->nomem = true;
	return false;
}

const char *sw_diag_format(const char *file, const struct sw_diag *d, char *buf, size_t size)
{
	const char *sev = d->severity == SW_DIAG_ERROR ? "error" : "warning";

	if (size == 0)
		return buf;
	if (d->where)
		snprintf(buf, size, "%s: %s: %s: %s", file, d->where, sev, d->msg);
	else if (d->line > 0)
		snprintf(buf, size, "%s:%d:%d: %s: %s", file, d->line, d->column, sev, d->msg);
	else
		snprintf(buf, size, "%s: %s: %s", file, sev, d->msg);
	return buf;
}
