/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_NETPOL_EXPORT_H
#define SEGWATCH_NETPOL_EXPORT_H

/*
 * netpol_export - a segwatch policy (the IR of include/segwatch/policy.h)
 * written as Kubernetes YAML (docs/policy.md, "Exporting to Kubernetes"):
 *
 *   SW_NETPOL_NETWORKPOLICY   networking.k8s.io/v1 NetworkPolicy: one per
 *                             destination group (and selector), ingress
 *                             rules from the allow rules, a default-deny per
 *                             namespace under "default": "deny";
 *   SW_NETPOL_ADMIN           policy.networking.k8s.io/v1alpha1
 *                             AdminNetworkPolicy: one per rule (and
 *                             destination selector) with priorities in
 *                             segwatch's order, Allow and Deny; the default
 *                             as the BaselineAdminNetworkPolicy.
 *
 * What the target cannot say is left out and reported as a warning placed
 * by the JSON Pointer of the policy value it comes from, saying which way
 * the loss errs (more allowed or more denied than segwatch). The YAML is
 * written with libyaml's emitter (one document per object, "---"), every
 * string that a YAML reader could take for something else quoted. Library
 * code: nothing is printed.
 */

#include <stddef.h>
#include <stdio.h>

#include <segwatch/diag.h>
#include <segwatch/exit.h>
#include <segwatch/policy.h>

enum sw_netpol_format {
	SW_NETPOL_NETWORKPOLICY = 0,
	SW_NETPOL_ADMIN,
};

/* sw_netpol_format_parse - "networkpolicy" or "adminnetworkpolicy"; false otherwise. */
bool sw_netpol_format_parse(const char *name, enum sw_netpol_format *out);

/* The first priority given to AdminNetworkPolicies (0-1000, lower wins first). */
#define SW_NETPOL_ANP_PRIORITY_BASE 100

struct sw_netpol_export_opts {
	enum sw_netpol_format format;
	const char *namespace;	/* for groups that name none; NULL = "default" */
};

struct sw_netpol_export_stats {
	size_t documents;	/* Kubernetes objects written */
	size_t policies;	/* of which NetworkPolicy or AdminNetworkPolicy */
	size_t baseline;	/* BaselineAdminNetworkPolicy or default-deny NetworkPolicies */
};

/* sw_netpol_namespace_ok - @ns is a DNS-1123 label (a valid Kubernetes namespace name). */
bool sw_netpol_namespace_ok(const char *ns);

/**
 * sw_netpol_export - write @p as Kubernetes YAML to @out
 * @o: format and default namespace (checked: a bad namespace is SW_EXIT_USAGE)
 * @diags: a warning for each thing left out or changed (initialised by the caller)
 * @st: filled with what was written (may be NULL)
 *
 * Returns SW_EXIT_OK (warnings are allowed), SW_EXIT_USAGE when the policy
 * cannot be exported at all (@err says why: more AdminNetworkPolicies than
 * priorities), SW_EXIT_RUNTIME on a write error or out of memory. Nothing
 * is written to @out before the whole stream is built.
 */
int sw_netpol_export(const struct sw_policy *p, const struct sw_netpol_export_opts *o, FILE *out,
		     struct sw_diags *diags, struct sw_netpol_export_stats *st, struct sw_err *err);

#endif
