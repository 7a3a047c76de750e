/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NETPOL_H
#define SEGWATCH_NETPOL_H

/*
 * netpol - Kubernetes NetworkPolicy (networking.k8s.io/v1) and
 * AdminNetworkPolicy YAML turned into a segwatch policy (docs/policy.md,
 * "Importing Kubernetes NetworkPolicy"). YAML is read with libyaml, bounded
 * (file size, nesting depth, nodes after aliases). The result is a policy
 * document in the language of docs/policy.md, to be loaded by
 * sw_policy_load_buffer like any other: what is imported is what is checked.
 *
 * Library code never prints: every unsupported construct is a warning and
 * every invalid one an error, each with its file, line, column and YAML
 * path, for the caller to print (sw_netpol_note_format).
 */

#include <stdbool.h>
#include <stddef.h>

#include <segwatch/diag.h>
#include <segwatch/exit.h>

struct json_t;

/* Bounds of the reader. */
#define SW_NETPOL_MAX_FILE (16u << 20)	/* bytes per file */
#define SW_NETPOL_MAX_DEPTH 64		/* nesting of mappings and sequences */
#define SW_NETPOL_MAX_NODES 1000000u	/* nodes per file, aliases expanded */

/* One input held in memory. */
struct sw_netpol_input {
	const char *name;	/* for the messages */
	const char *buf;
	size_t len;
};

/* A warning or error: "np.yaml:14:9: /items/2/spec/ingress/0/ports/1/port: warning: ..." */
struct sw_netpol_note {
	char *file;
	int line, col;		/* 0 when unknown */
	char *path;		/* the YAML path (a JSON Pointer), or NULL for the whole file */
	enum sw_diag_severity severity;
	char *msg;
};

struct sw_netpol_result {
	struct json_t *policy;	/* the segwatch policy document; NULL when there were errors */
	struct sw_netpol_note *notes;
	size_t n_notes, cap_notes;
	size_t n_errors, n_warnings;
	size_t n_netpols;	/* NetworkPolicy objects translated */
	size_t n_anps, n_banps;	/* AdminNetworkPolicy, BaselineAdminNetworkPolicy */
	size_t n_groups, n_rules;	/* in the policy made */
	bool nomem;
};

struct sw_netpol_opts {
	const char *name;	/* the policy's "name"; NULL: "k8s-import" */
	const struct sw_netpol_input *namespaces;	/* `kubectl get namespaces -o json`, or NULL */
};

/**
 * sw_netpol_import - translate the Kubernetes objects of @in[0..@n)
 * @res: filled (zeroed first); free with sw_netpol_result_clear
 *
 * Returns SW_EXIT_OK (warnings allowed), SW_EXIT_USAGE when some input
 * has errors (res->policy is then NULL), SW_EXIT_RUNTIME on out of memory.
 */
int sw_netpol_import(const struct sw_netpol_input *in, size_t n, const struct sw_netpol_opts *o,
		     struct sw_netpol_result *res);

void sw_netpol_result_clear(struct sw_netpol_result *res);

/* sw_netpol_note_format - "file:line:col: /path: warning: msg" into @buf; returns @buf. */
const char *sw_netpol_note_format(const struct sw_netpol_note *n, char *buf, size_t size);

/*
 * sw_netpol_read_file - the whole of @path into a malloc'd *@buf (NUL
 * added, not counted in *@len); at most SW_NETPOL_MAX_FILE bytes. Returns
 * SW_EXIT_OK, SW_EXIT_USAGE for a file too large, SW_EXIT_RUNTIME when it
 * cannot be read; *@why says why.
 */
int sw_netpol_read_file(const char *path, char **buf, size_t *len, const char **why);

/* sw_netpol_is_yaml_name - whether @path ends in ".yaml" or ".yml". */
bool sw_netpol_is_yaml_name(const char *path);

#endif
