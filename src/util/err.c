/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Error records (include/segwatch/exit.h): every stage fills one, the caller prints it. */
#include <stdarg.h>
#include <stdio.h>

#include <segwatch/exit.h>

int sw_err_set(struct sw_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
