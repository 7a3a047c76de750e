/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SW_REPORT_FLOW_READ_H
#define SW_REPORT_FLOW_READ_H

/*
 * Private to the flow-file checks (include/segwatch/flowfile.h): records in
 * flow_read.c, documents and bounded loading in flow_doc.c. A check walks
 * a value with a JSON Pointer to where it is; each sw_ffc_* returns false
 * with the error set (SW_EXIT_USAGE, "POINTER: what").
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <segwatch/exit.h>
#include <segwatch/flowfile.h>
#include <segwatch/jsonptr.h>

struct sw_ffc {
	struct sw_jsonptr ptr;
	struct sw_err *err;
};

bool sw_ffc_fail(struct sw_ffc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* member @key of @o; NULL when absent (@ok false when it is required) */
const json_t *sw_ffc_member(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			    bool *ok);
/* an integer in [@lo, @hi]; @what names such a value ("a port") */
bool sw_ffc_int(struct sw_ffc *c, const json_t *o, const char *key, bool required,
		long long lo, long long hi, const char *what, long long *out);
/* a non-negative integer */
bool sw_ffc_count(struct sw_ffc *c, const json_t *o, const char *key, bool required);
const char *sw_ffc_string(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			  bool *ok);
/* a string among @names (NULL-terminated) */
bool sw_ffc_enum(struct sw_ffc *c, const json_t *o, const char *key, bool required,
		 const char *const *names);
bool sw_ffc_bool(struct sw_ffc *c, const json_t *o, const char *key);
const json_t *sw_ffc_object(struct sw_ffc *c, const json_t *o, const char *key, bool required,
			    bool *ok);
/* times @first and @last: RFC 3339 UTC, first not after last */
bool sw_ffc_span(struct sw_ffc *c, const json_t *o, const char *first, const char *last);
/* "proto_num" (required) and the name in @name_key (optional), consistent; the number in @proto */
bool sw_ffc_proto(struct sw_ffc *c, const json_t *o, const char *name_key, uint8_t *proto);
bool sw_ffc_counters(struct sw_ffc *c, const json_t *o);
bool sw_ffc_record(struct sw_ffc *c, const json_t *o, enum sw_flowfile_kind *kind);
/* flow_doc.c: a capture or graph document */
bool sw_ffc_doc(struct sw_ffc *c, const json_t *o, enum sw_flowfile_kind *kind);

#endif
