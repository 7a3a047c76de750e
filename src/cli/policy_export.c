/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * segwatch policy export FILE --format networkpolicy|adminnetworkpolicy:
 * the policy as Kubernetes YAML (src/netpol, docs/policy.md "Exporting to
 * Kubernetes"), and the same for `segwatch learn --format`. The YAML goes
 * to -o (written aside, renamed into place) or stdout; what the format
 * cannot say is a warning on stderr, placed as the checker places its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <segwatch/netpol_export.h>
#include <segwatch/outfile.h>
#include <segwatch/text.h>

#include "cli.h"
#include "policy_cmd.h"

static json_t *sw_export_json(const struct sw_export_cli *o, const char *source,
			      const struct sw_netpol_export_stats *st, const struct sw_diags *d)
{
	json_t *doc = json_object(), *list = json_array();

	json_object_set_new(doc, "type", json_string("policy_export"));
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "file", json_string(source));
	json_object_set_new(doc, "format", json_string(o->format));
	json_object_set_new(doc, "output", json_string(o->output));
	json_object_set_new(doc, "documents", json_integer((json_int_t)st->documents));
	json_object_set_new(doc, "policies", json_integer((json_int_t)st->policies));
	json_object_set_new(doc, "baseline", json_integer((json_int_t)st->baseline));
	json_object_set_new(doc, "warnings", json_integer((json_int_t)d->n_warnings));
	for (size_t i = 0; i < d->n; i++)
		json_array_append_new(list, sw_check_diag_json(source, &d->v[i]));
	json_object_set_new(doc, "diagnostics", list);
	return doc;
}

int sw_export_cli_check(const char *who, const struct sw_export_cli *o, enum sw_netpol_format *fmt)
{
	if (!o->format || !sw_netpol_format_parse(o->format, fmt)) {
		sw_cli_usage_error(who, "--format takes networkpolicy or adminnetworkpolicy%s%s",
				   o->format ? ", not " : "", o->format ? SW_QUOTE(o->format) : "");
		return SW_EXIT_USAGE;
	}
	if (o->namespace && !sw_netpol_namespace_ok(o->namespace)) {
		sw_cli_usage_error(who, "--namespace %s is not a valid Kubernetes namespace name "
				   "(1 to 63 of a-z 0-9 -, alphanumeric at both ends)",
				   SW_QUOTE(o->namespace));
		return SW_EXIT_USAGE;
	}
	if (o->json && (!o->output || sw_outfile_is_stdout(o->output))) {
		sw_cli_usage_error(who, "--json needs -o FILE: the YAML goes to standard output "
				   "otherwise");
		return SW_EXIT_USAGE;
	}
	return SW_EXIT_OK;
}

static void sw_export_report(const struct sw_export_cli *o, const char *source,
			     const struct sw_netpol_export_stats *st, const struct sw_diags *d)
{
	char buf[1024];

	if (o->json) {
		json_t *doc = sw_export_json(o, source, st, d);

		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(doc);
		return;
	}
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", SW_MSG(sw_diag_format(source, &d->v[i], buf, sizeof(buf))));
	fprintf(stderr, "%s: %zu document%s (%s), %zu warning%s%s%s\n", SW_CELL(source),
		st->documents, sw_text_s(st->documents), o->format, d->n_warnings,
		sw_text_s(d->n_warnings), o->output ? ", written to " : "",
		o->output ? SW_CELL(o->output) : "");
}

int sw_export_cli_write(const struct sw_policy *p, const char *source,
			const struct sw_export_cli *o, const struct sw_outfile_inputs *in)
{
	struct sw_netpol_export_opts eo = { .namespace = o->namespace };
	struct sw_netpol_export_stats st = { 0 };
	struct sw_outfile *out = NULL;
	struct sw_err err = { 0 };
	struct sw_diags d;
	int rc;

	if (!sw_netpol_format_parse(o->format, &eo.format))
		return SW_EXIT_USAGE; /* checked before: sw_export_cli_check */
	sw_diags_init(&d);
	rc = sw_outfile_open(&out, o->output ? o->output : "-", "-o", SW_OUTFILE_WHOLE, in, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_netpol_export(p, &eo, sw_outfile_stream(out), &d, &st, &err);
	if (rc == SW_EXIT_OK)
		rc = sw_outfile_commit(out, &err);
	else
		sw_outfile_abort(out);
	if (rc == SW_EXIT_OK)
		sw_export_report(o, source, &st, &d);
	else
		fprintf(stderr, "segwatch: %s: %s\n", SW_CELL(source), SW_MSG(err.msg));
	sw_diags_clear(&d);
	return rc;
}

int sw_policy_export_file(const char *file, const struct sw_export_cli *o)
{
	const char *inputs[] = { file };
	struct sw_outfile_inputs in = { inputs, 1 };
	struct sw_err err = { 0 };
	struct sw_policy *p = NULL;
	enum sw_netpol_format fmt;
	int rc = sw_export_cli_check("segwatch policy export", o, &fmt);

	if (rc == SW_EXIT_OK && (rc = sw_outfile_check(o->output, "-o", &in, &err)) != SW_EXIT_OK)
		fprintf(stderr, "segwatch: %s\n", SW_MSG(err.msg));
	if (rc == SW_EXIT_OK)
		rc = sw_cli_input_check("segwatch policy export", file);
	if (rc == SW_EXIT_OK)
		rc = sw_cli_policy_load(file, &p);
	if (rc == SW_EXIT_OK)
		rc = sw_export_cli_write(p, file, o, &in);
	sw_policy_free(p);
	return rc;
}
