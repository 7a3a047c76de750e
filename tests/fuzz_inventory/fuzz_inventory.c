/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_inventory - libFuzzer target for src/inventory.
 *
 * The input is a file as a user would give it. It goes through
 * sw_inventory_load_buffer() (reading, syntax errors with their excerpt,
 * format detection, the chosen parser); when it is a JSON object it is then
 * handed to both parsers directly, so that each sees every document and not
 * only those the detection would route to it.
 *
 * Besides "no crash, no leak, no sanitizer report", the target checks the
 * contract of include/segwatch/inventory.h and traps when it is broken:
 *   - an error returns nothing (NULL, 0) and a message naming the input
 *     with "error:" in it and no control characters (input bytes are
 *     quoted in it), with exit code SW_EXIT_USAGE (SW_EXIT_RUNTIME only
 *     for out of memory);
 *   - a success returns st.workloads workloads, each with a name and uid,
 *     the source of its format, no control characters in its name, and a
 *     way to recognise it (addresses, MACs or an interface; pods always
 *     have an address);
 *   - no address belongs to two workloads of one segwatch inventory;
 *   - the streaming reader (src/inventory/stream.c, which load_buffer
 *     tries first) changes nothing: the same input read as one document
 *     (SW_INV_WHOLE_DOCUMENT) gives the same code, the same message byte
 *     for byte, the same counts and the same workloads.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <segwatch/inventory.h>

#include "internal.h" /* src/inventory: the two parsers, for the direct calls */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SW_FUZZ_NAME "fuzz.json"

#define SW_FUZZ_CHECK(cond, what)                                              \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_inventory: %s (%s:%d)\n", what,  \
				__FILE__, __LINE__);                           \
			abort();                                               \
		}                                                              \
	} while (0)

static void sw_fuzz_check_error(int rc, const struct sw_err *err)
{
	SW_FUZZ_CHECK(rc == SW_EXIT_USAGE || rc == SW_EXIT_RUNTIME, "error with a bad exit code");
	SW_FUZZ_CHECK(err->code == rc, "err.code differs from the return value");
	SW_FUZZ_CHECK(strncmp(err->msg, SW_FUZZ_NAME, strlen(SW_FUZZ_NAME)) == 0,
		      "error message does not name the input");
	SW_FUZZ_CHECK(rc == SW_EXIT_RUNTIME || strstr(err->msg, "error: ") != NULL,
		      "usage error without \"error: \"");
	for (const char *p = err->msg; *p; p++)
		SW_FUZZ_CHECK(*p == '\n' || ((unsigned char)*p >= 0x20 && *p != 0x7f),
			      "control character in an error message");
}

static bool sw_fuzz_text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static void sw_fuzz_check_workload(const struct sw_workload *w, enum sw_inventory_format fmt)
{
	bool kube = fmt == SW_INV_FMT_KUBE_LIST || fmt == SW_INV_FMT_KUBE_POD;

	SW_FUZZ_CHECK(w->name && w->name[0] && w->uid && w->uid[0], "workload without name or uid");
	SW_FUZZ_CHECK(sw_fuzz_text_ok(w->name), "control character in a name");
	SW_FUZZ_CHECK(w->source == (kube ? SW_WL_SRC_KUBERNETES : SW_WL_SRC_INVENTORY),
		      "source does not match the format");
	SW_FUZZ_CHECK(w->ifindex == 0, "ifindex set despite SW_INV_NO_IFINDEX");
	if (kube)
		SW_FUZZ_CHECK(w->n_addrs > 0 && w->namespace, "pod without an address or namespace");
	else
		SW_FUZZ_CHECK(w->n_addrs || w->n_macs || w->iface, "workload nothing recognises");
	for (size_t i = 0; i < w->n_labels; i++)
		SW_FUZZ_CHECK(w->labels[i].key && w->labels[i].key[0] && w->labels[i].value,
			      "bad label");
}

/* sw_fuzz_check_unique - no address twice in a segwatch inventory (inputs are small). */
static void sw_fuzz_check_unique(const struct sw_workload *wl, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t a = 0; a < wl[i].n_addrs; a++)
			for (size_t j = i; j < n; j++)
				for (size_t b = j == i ? a + 1 : 0; b < wl[j].n_addrs; b++)
					SW_FUZZ_CHECK(memcmp(wl[i].addrs[a], wl[j].addrs[b], 16),
						      "address listed twice");
}

static bool sw_fuzz_str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void sw_fuzz_check_same_workload(const struct sw_workload *a, const struct sw_workload *b)
{
	bool same = sw_fuzz_str_same(a->name, b->name) && sw_fuzz_str_same(a->uid, b->uid) &&
		    sw_fuzz_str_same(a->namespace, b->namespace) &&
		    sw_fuzz_str_same(a->iface, b->iface) && a->source == b->source &&
		    a->n_addrs == b->n_addrs && a->n_macs == b->n_macs &&
		    a->n_labels == b->n_labels;

	for (size_t i = 0; same && i < a->n_addrs; i++)
		same = memcmp(a->addrs[i], b->addrs[i], 16) == 0;
	for (size_t i = 0; same && i < a->n_macs; i++)
		same = memcmp(a->macs[i], b->macs[i], 6) == 0;
	for (size_t i = 0; same && i < a->n_labels; i++)
		same = sw_fuzz_str_same(a->labels[i].key, b->labels[i].key) &&
		       sw_fuzz_str_same(a->labels[i].value, b->labels[i].value);
	SW_FUZZ_CHECK(same, "the streaming reader built another workload than the document reader");
}

static bool sw_fuzz_stats_same(const struct sw_inventory_stats *a,
			       const struct sw_inventory_stats *b)
{
	return a->format == b->format && a->workloads == b->workloads &&
	       a->skipped_no_ip == b->skipped_no_ip &&
	       a->skipped_host_network == b->skipped_host_network &&
	       a->skipped_finished == b->skipped_finished &&
	       a->skipped_not_pod == b->skipped_not_pod &&
	       a->iface_unresolved == b->iface_unresolved;
}

/* sw_fuzz_reference - the whole-document reader must agree with what load_buffer returned. */
static void sw_fuzz_reference(const uint8_t *data, size_t size, int rc, const struct sw_err *err,
			      const struct sw_workload *wl, size_t n,
			      const struct sw_inventory_stats *st)
{
	struct sw_inventory_stats rst;
	struct sw_workload *rwl = NULL;
	struct sw_err rerr = { 0 };
	size_t rn = 0;
	int rrc;

	rrc = sw_inventory_load_buffer(SW_FUZZ_NAME, data, size,
				       SW_INV_NO_IFINDEX | SW_INV_WHOLE_DOCUMENT, &rwl, &rn, &rst, &rerr);
	SW_FUZZ_CHECK(rrc == rc, "the streaming and document readers return different codes");
	SW_FUZZ_CHECK(rc == SW_EXIT_OK || strcmp(rerr.msg, err->msg) == 0,
		      "the streaming and document readers word an error differently");
	SW_FUZZ_CHECK(rn == n && (rc || sw_fuzz_stats_same(&rst, st)),
		      "the streaming and document readers count differently");
	for (size_t i = 0; i < n; i++)
		sw_fuzz_check_same_workload(&wl[i], &rwl[i]);
	sw_inventory_free(rwl, rn);
}

static void sw_fuzz_load(const uint8_t *data, size_t size)
{
	struct sw_inventory_stats st;
	struct sw_workload *wl = NULL;
	struct sw_err err = { 0 };
	size_t n = 0;
	int rc;

	rc = sw_inventory_load_buffer(SW_FUZZ_NAME, data, size, SW_INV_NO_IFINDEX, &wl, &n, &st,
				      &err);
	sw_fuzz_reference(data, size, rc, &err, wl, n, &st);
	if (rc != SW_EXIT_OK) {
		sw_fuzz_check_error(rc, &err);
		SW_FUZZ_CHECK(wl == NULL && n == 0, "error but workloads returned");
		return;
	}
	SW_FUZZ_CHECK(st.workloads == n && (n == 0) == (wl == NULL), "count mismatch");
	SW_FUZZ_CHECK(st.format != SW_INV_FMT_UNKNOWN, "success without a format");
	for (size_t i = 0; i < n; i++)
		sw_fuzz_check_workload(&wl[i], st.format);
	if (st.format == SW_INV_FMT_SEGWATCH)
		sw_fuzz_check_unique(wl, n);
	sw_inventory_free(wl, n);
}

/* sw_fuzz_parser - one parser on @root, whatever its format. */
static void sw_fuzz_parser(const json_t *root, int (*parse)(struct sw_inv_ctx *, const json_t *))
{
	struct sw_err err = { 0 };
	struct sw_inv_ctx c = { .name = SW_FUZZ_NAME, .flags = SW_INV_NO_IFINDEX, .err = &err };
	int rc = parse(&c, root);

	if (rc != SW_EXIT_OK)
		sw_fuzz_check_error(rc, &err);
	else
		for (size_t i = 0; i < c.n_wl; i++)
			sw_fuzz_check_workload(&c.wl[i], c.st.format);
	sw_inventory_free(c.wl, c.n_wl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root;

	sw_fuzz_load(data, size);
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (json_is_object(root)) {
		sw_fuzz_parser(root, sw_inv_parse_segwatch);
		sw_fuzz_parser(root, sw_inv_parse_kube);
	}
	json_decref(root);
	return 0;
}
