/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `segwatch policy import FILE.yaml...`: Kubernetes NetworkPolicy into a
 * segwatch policy (src/netpol), written as pretty JSON on stdout or -o
 * (atomically, never over an input), its warnings on stderr; and the same
 * import in memory for the commands that take a policy FILE ending in
 * .yaml or .yml (policy test, report --policy).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <segwatch/netpol.h>
#include <segwatch/outfile.h>
#include <segwatch/policy.h>
#include <segwatch/text.h>

#include "cli.h"
#include "policy_cmd.h"

#define SW_IMPORT_WHO "segwatch policy import"
#define SW_IMPORT_MAX_FILES 256

struct sw_import_args {
	const char *files[SW_IMPORT_MAX_FILES];
	size_t n_files;
	const char *namespaces, *out, *name;
	bool json, help;
};

/* The inputs read into memory (each bounded), for sw_netpol_import. */
struct sw_import_bufs {
	struct sw_netpol_input in[SW_IMPORT_MAX_FILES];
	struct sw_netpol_input ns;
	char *bufs[SW_IMPORT_MAX_FILES + 1];
	size_t n;
};

static void sw_import_bufs_free(struct sw_import_bufs *b)
{
	for (size_t i = 0; i < SW_IMPORT_MAX_FILES + 1; i++)
		free(b->bufs[i]);
}

static int sw_import_read(const char *path, struct sw_netpol_input *in, char **keep)
{
	const char *why = "";
	size_t len;
	int rc = sw_netpol_read_file(path, keep, &len, &why);

	if (rc != SW_EXIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", SW_IMPORT_WHO, SW_MSG(path), why);
		return rc;
	}
	*in = (struct sw_netpol_input){ path, *keep, len };
	return SW_EXIT_OK;
}

/* Every note on stderr, as file:line:col: /path: severity: message. */
static void sw_import_notes_print(const struct sw_netpol_result *r)
{
	char buf[2048];

	for (size_t i = 0; i < r->n_notes; i++)
		fprintf(stderr, "%s\n", SW_MSG(sw_netpol_note_format(&r->notes[i], buf, sizeof(buf))));
}

/* Import @files (and @ns) into @r; notes printed unless @as_json. */
static int sw_import_run(const char *const *files, size_t n, const char *ns, const char *name,
			 struct sw_netpol_result *r)
{
	struct sw_import_bufs b = { .n = n };
	struct sw_netpol_opts o = { .name = name };
	int rc = SW_EXIT_OK;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n && rc == SW_EXIT_OK; i++)
		rc = sw_import_read(files[i], &b.in[i], &b.bufs[i]);
	if (rc == SW_EXIT_OK && ns) {
		rc = sw_import_read(ns, &b.ns, &b.bufs[SW_IMPORT_MAX_FILES]);
		o.namespaces = &b.ns;
	}
	if (rc == SW_EXIT_OK)
		rc = sw_netpol_import(b.in, n, &o, r);
	sw_import_bufs_free(&b);
	return rc;
}

int sw_cli_policy_import_load(const char *file, struct sw_policy **p)
{
	struct sw_netpol_result r;
	struct sw_pol_diags d;
	char *text = NULL, buf[1024];
	int rc = sw_import_run(&file, 1, NULL, NULL, &r);

	*p = NULL;
	sw_import_notes_print(&r);
	if (rc == SW_EXIT_OK && !(text = json_dumps(r.policy, JSON_COMPACT)))
		rc = SW_EXIT_RUNTIME;
	if (rc == SW_EXIT_OK) {
		sw_pol_diags_init(&d);
		rc = sw_policy_load_buffer(text, strlen(text), file, p, &d);
		/* the import's own output: a diagnostic here is a bug of the import, said as it is */
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "%s (imported)\n",
				SW_MSG(sw_pol_diag_format(file, &d.v[i], buf, sizeof(buf))));
		sw_pol_diags_clear(&d);
	}
	free(text);
	sw_netpol_result_clear(&r);
	return rc;
}

static json_t *sw_import_summary(const struct sw_import_args *a, const struct sw_netpol_result *r,
				 int rc)
{
	json_t *doc = json_pack("{s:s, s:i, s:b, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "type",
				"policy_import", "version", 1, "ok", rc == SW_EXIT_OK, "network_policies",
				(json_int_t)r->n_netpols, "admin_network_policies",
				(json_int_t)r->n_anps, "baseline_admin_network_policies",
				(json_int_t)r->n_banps, "groups", (json_int_t)r->n_groups, "rules",
				(json_int_t)r->n_rules, "errors", (json_int_t)r->n_errors, "warnings",
				(json_int_t)r->n_warnings);
	json_t *files = json_array(), *diags = json_array();

	if (!doc || !files || !diags) {
		json_decref(doc);
		json_decref(files);
		json_decref(diags);
		return NULL;
	}
	for (size_t i = 0; i < a->n_files; i++)
		json_array_append_new(files, json_string(a->files[i]));
	for (size_t i = 0; i < r->n_notes; i++) {
		const struct sw_netpol_note *n = &r->notes[i];

		json_array_append_new(diags, json_pack("{s:s, s:o, s:o, s:o, s:s, s:s}", "file",
						       n->file, "line", n->line ? json_integer(n->line) : json_null(),
						       "col", n->col ? json_integer(n->col) : json_null(),
						       "path", n->path ? json_string(n->path) : json_null(),
						       "severity", n->severity == SW_DIAG_ERROR ? "error" : "warning",
						       "message", n->msg));
	}
	json_object_set_new(doc, "files", files);
	json_object_set_new(doc, "output", a->out ? json_string(a->out) : json_null());
	json_object_set_new(doc, "diagnostics", diags);
	if (!a->out && r->policy)
		json_object_set(doc, "policy", r->policy);
	return doc;
}

/* The policy document to -o (or stdout), atomically; never over an input. */
static int sw_import_write(const struct sw_import_args *a, const json_t *policy)
{
	const char *inputs[SW_IMPORT_MAX_FILES + 1];
	struct sw_outfile_inputs in = { inputs, a->n_files };
	struct sw_outfile *o = NULL;
	struct sw_err err = { 0 };
	int rc;

	for (size_t i = 0; i < a->n_files; i++)
		inputs[i] = a->files[i];
	if (a->namespaces)
		inputs[in.n++] = a->namespaces;
	rc = sw_outfile_open(&o, a->out ? a->out : "-", "-o", SW_OUTFILE_WHOLE, &in, &err);
	if (rc == SW_EXIT_OK) {
		if (json_dumpf(policy, sw_outfile_stream(o), JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		    fputc('\n', sw_outfile_stream(o)) == EOF) {
			sw_outfile_abort(o);
			fprintf(stderr, "%s: cannot write %s\n", SW_IMPORT_WHO, SW_MSG(a->out ? a->out : "-"));
			return SW_EXIT_RUNTIME;
		}
		rc = sw_outfile_commit(o, &err);
	}
	if (rc != SW_EXIT_OK)
		fprintf(stderr, "%s: %s\n", SW_IMPORT_WHO, SW_MSG(err.msg));
	return rc;
}

/* A policy name as docs/policy.md allows: 1 to 256 of [A-Za-z0-9_.:-]. */
static bool sw_import_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 256 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") == n;
}

enum { SW_IMPORT_OPT_NAMESPACES = 700, SW_IMPORT_OPT_NAME };

static const struct option sw_import_longopts[] = {
	{ "namespaces", required_argument, NULL, SW_IMPORT_OPT_NAMESPACES },
	{ "name", required_argument, NULL, SW_IMPORT_OPT_NAME },
	{ "output", required_argument, NULL, 'o' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int sw_import_parse(struct sw_import_args *a, int argc, char **argv)
{
	int c;

	optind = 1;
	while ((c = sw_cli_getopt(argc, argv, "o:jh", sw_import_longopts, SW_IMPORT_WHO)) != -1) {
		if (c == 'o')
			a->out = optarg;
		else if (c == 'j')
			a->json = true;
		else if (c == 'h')
			a->help = true;
		else if (c == SW_IMPORT_OPT_NAMESPACES)
			a->namespaces = optarg;
		else if (c == SW_IMPORT_OPT_NAME)
			a->name = optarg;
		else
			return SW_EXIT_USAGE; /* said why */
	}
	/* the first word left is the verb "import" itself */
	for (int i = optind + 1; i < argc; i++) {
		if (a->n_files == SW_IMPORT_MAX_FILES) {
			sw_cli_usage_error(SW_IMPORT_WHO, "at most %d files", SW_IMPORT_MAX_FILES);
			return SW_EXIT_USAGE;
		}
		a->files[a->n_files++] = argv[i];
	}
	return -1;
}

int sw_policy_import_cmd(int argc, char **argv)
{
	struct sw_import_args a = { 0 };
	struct sw_netpol_result r;
	int rc = sw_import_parse(&a, argc, argv);

	if (rc >= 0)
		return rc;
	if (a.help)
		return sw_policy_help(stdout, "import"), SW_EXIT_OK;
	if (a.n_files == 0) {
		sw_cli_usage_error(SW_IMPORT_WHO, "a NetworkPolicy FILE is required");
		return SW_EXIT_USAGE;
	}
	if (a.name && !sw_import_name_ok(a.name)) {
		sw_cli_usage_error(SW_IMPORT_WHO, "--name %s: use 1 to 256 letters, digits, '_', "
				   "'-', '.' or ':'", SW_QUOTE(a.name));
		return SW_EXIT_USAGE;
	}
	for (size_t i = 0; i < a.n_files; i++)
		if ((rc = sw_cli_input_check(SW_IMPORT_WHO, a.files[i])) != SW_EXIT_OK)
			return rc;
	if (a.namespaces && (rc = sw_cli_input_check(SW_IMPORT_WHO, a.namespaces)) != SW_EXIT_OK)
		return rc;
	if (a.out) {
		const char *inputs[SW_IMPORT_MAX_FILES + 1];
		struct sw_outfile_inputs in = { inputs, a.n_files };
		struct sw_err err = { 0 };

		for (size_t i = 0; i < a.n_files; i++)
			inputs[i] = a.files[i];
		if (a.namespaces)
			inputs[in.n++] = a.namespaces;
		if ((rc = sw_outfile_check(a.out, "-o", &in, &err)) != SW_EXIT_OK) {
			fprintf(stderr, "%s: %s\n", SW_IMPORT_WHO, SW_MSG(err.msg));
			return rc;
		}
	}
	rc = sw_import_run(a.files, a.n_files, a.namespaces, a.name, &r);
	if (!a.json)
		sw_import_notes_print(&r);
	if (rc == SW_EXIT_OK && (a.out || !a.json))
		rc = sw_import_write(&a, r.policy);
	if (a.json) {
		json_t *doc = sw_import_summary(&a, &r, rc);

		if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		    fputc('\n', stdout) == EOF)
			rc = SW_EXIT_RUNTIME;
		json_decref(doc);
	}
	sw_netpol_result_clear(&r);
	return rc;
}
