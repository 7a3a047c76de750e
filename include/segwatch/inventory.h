/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_INVENTORY_H
#define SEGWATCH_INVENTORY_H

/*
 * inventory - workloads described in files: the segwatch inventory format
 * (docs/inventory.md) and the output of `kubectl get pods -A -o json` read
 * as-is. The format is recognised from the top-level keys: "kind" or
 * "apiVersion" means Kubernetes, anything else is read as a segwatch
 * inventory.
 *
 * Errors name the input and say where: `PATH:LINE:COL: error: ...` (plus the
 * source line and a caret) for JSON syntax errors, `PATH: /json/pointer:
 * error: ...` for everything jansson parsed but segwatch rejects. Only the
 * first error is reported.
 */

#include <stddef.h>

#include <segwatch/exit.h>
#include <segwatch/workload.h>

enum sw_inventory_format {
	SW_INV_FMT_UNKNOWN = 0,
	SW_INV_FMT_SEGWATCH,	/* {"version": 1, "workloads": [...]} */
	SW_INV_FMT_KUBE_LIST,	/* kind List (kubectl) or PodList (the API) */
	SW_INV_FMT_KUBE_POD,	/* one kind Pod object (kubectl get pod X -o json) */
};

/* What a load found besides the workloads; pods skipped are not errors. */
struct sw_inventory_stats {
	enum sw_inventory_format format;
	size_t workloads;		/* returned in the array */
	size_t skipped_no_ip;		/* pods without an IP yet (Pending) */
	size_t skipped_host_network;	/* spec.hostNetwork: the IP is the node's */
	size_t skipped_finished;	/* phase Succeeded or Failed: the IP is released */
	size_t skipped_not_pod;		/* List items of another kind (kubectl get all) */
	size_t iface_unresolved;	/* "interface" named but absent at load time */
};

/* Flags for sw_inventory_load_buffer(). */
#define SW_INV_NO_IFINDEX 0x1u	/* leave ifindex 0: do not look interfaces up */

/* Inputs larger than this are refused (SW_EXIT_USAGE). */
#define SW_INV_MAX_BYTES (256u << 20)

/**
 * sw_inventory_load - read the workloads described in file @path
 * @path: the file; "-" reads standard input (named "<stdin>" in messages)
 * @out: set to a new array of @n workloads, in file order (NULL when @n is 0);
 *	 free it with sw_inventory_free()
 * @st: counters and the format found; may be NULL
 * @err: the error, if any
 *
 * Inventory entries get source SW_WL_SRC_INVENTORY and uid "PATH#name";
 * pods get SW_WL_SRC_KUBERNETES, uid metadata.uid and name
 * "namespace/name". An "interface" that exists now gets its ifindex.
 *
 * Returns SW_EXIT_OK; SW_EXIT_USAGE when the contents are wrong (nothing is
 * returned then: a half-read inventory would attribute flows wrongly);
 * SW_EXIT_RUNTIME when the file cannot be read or memory runs out.
 */
int sw_inventory_load(const char *path, struct sw_workload **out, size_t *n,
		      struct sw_inventory_stats *st, struct sw_err *err);

/**
 * sw_inventory_load_buffer - as sw_inventory_load(), from memory
 * @name: names the input in messages and uids (e.g. the file it came from)
 * @buf: @len bytes of JSON; need not be NUL-terminated
 * @flags: SW_INV_* flags
 */
int sw_inventory_load_buffer(const char *name, const void *buf, size_t len, unsigned flags,
			     struct sw_workload **out, size_t *n,
			     struct sw_inventory_stats *st, struct sw_err *err);

/* sw_inventory_free - clear and free @n workloads from a load; NULL is fine. */
void sw_inventory_free(struct sw_workload *wl, size_t n);

/* sw_inventory_format_name - "segwatch", "kubectl List", ...; never NULL. */
const char *sw_inventory_format_name(enum sw_inventory_format f);

#endif
