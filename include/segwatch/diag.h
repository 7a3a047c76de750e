/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_DIAG_H
#define SEGWATCH_DIAG_H

/*
 * diag - the errors and warnings found in a user's JSON input (a policy, the
 * agent's config), queued while the reader goes on so that one run reports
 * every problem, and printed by the caller (STYLE.md 5):
 *   "policy.json:12:5: error: ..."                       (syntax)
 *   "policy.json: /rules/3/to: error: unknown group ..." (semantic, a JSON Pointer)
 *   "policy.json: error: ..."                            (whole file)
 */

#include <stdbool.h>
#include <stddef.h>

enum sw_diag_severity {
	SW_DIAG_ERROR = 0,
	SW_DIAG_WARNING,
};

struct sw_diag {
	enum sw_diag_severity severity;
	int line, column;	/* of the error or the value at @where; 0 when unknown */
	char *where;		/* JSON Pointer of the offending value (semantic), or NULL */
	char *msg;		/* what is wrong, without the location */
};

struct sw_diags {
	struct sw_diag *v;
	size_t n, cap;
	size_t n_errors, n_warnings;
	bool nomem;		/* a diagnostic was lost to out of memory */
};

void sw_diags_init(struct sw_diags *d);
/* sw_diags_clear - free every record; @d is empty again. NULL is fine. */
void sw_diags_clear(struct sw_diags *d);

/*
 * sw_diags_add - append a diagnostic (@where and @msg are copied; @where may
 * be NULL). Counted in n_errors/n_warnings even when the record is lost to
 * out of memory (then nomem is set and false returned).
 */
bool sw_diags_add(struct sw_diags *d, enum sw_diag_severity sev, int line, int col,
		  const char *where, const char *msg);

/*
 * sw_diag_format - render @d for input @file into @buf in the forms above. A
 * semantic diagnostic is printed with its pointer even when its line and
 * column are known (callers may use them to show the source line).
 * Returns @buf; the text is cut to fit.
 */
const char *sw_diag_format(const char *file, const struct sw_diag *d, char *buf, size_t size);

#endif
