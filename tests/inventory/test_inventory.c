/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inventory files and kubectl pod lists -> workloads (include/segwatch/inventory.h):
 * the examples in tools/examples/ load with every field in place, and each
 * class of mistake gives the documented message (docs/inventory.md), exact to
 * the byte, with nothing returned.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <segwatch/inventory.h>

#ifndef SW_EXAMPLES_DIR
#error "SW_EXAMPLES_DIR must name tools/examples"
#endif

static void addr(uint8_t out[16], const char *text)
{
	assert_true(sw_addr_parse(text, out));
}

static bool has_addr(const struct sw_workload *w, const char *text)
{
	uint8_t a[16];

	addr(a, text);
	for (size_t i = 0; i < w->n_addrs; i++)
		if (memcmp(w->addrs[i], a, 16) == 0)
			return true;
	return false;
}

static int load_str(const char *text, struct sw_workload **wl, size_t *n,
		    struct sw_inventory_stats *st, struct sw_err *err)
{
	memset(err, 0, sizeof(*err));
	return sw_inventory_load_buffer("t.json", text, strlen(text), SW_INV_NO_IFINDEX, wl, n, st,
					err);
}

/* ---- the segwatch format ---------------------------------------------------------- */

static void test_example_inventory(void **state)
{
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(sw_inventory_load(SW_EXAMPLES_DIR "/inventory.json", &wl, &n, &st, &err),
			 SW_EXIT_OK);
	assert_int_equal(n, 6);
	assert_int_equal(st.workloads, 6);
	assert_int_equal(st.format, SW_INV_FMT_SEGWATCH);
	assert_string_equal(wl[0].name, "shop/web-1");
	assert_string_equal(wl[0].uid, SW_EXAMPLES_DIR "/inventory.json#shop/web-1");
	assert_string_equal(wl[0].namespace, "shop");
	assert_int_equal(wl[0].source, SW_WL_SRC_INVENTORY);
	assert_int_equal(wl[0].n_labels, 2);
	assert_string_equal(wl[0].labels[0].key, "app");
	assert_string_equal(sw_workload_label(&wl[0], "tier"), "front");
	assert_int_equal(wl[0].n_addrs, 2);
	assert_true(has_addr(&wl[0], "10.77.0.10"));
	assert_true(has_addr(&wl[0], "fd00:77::10"));
	assert_string_equal(wl[0].iface, "demo-web");
	assert_string_equal(wl[3].name, "shop/db-0");
	assert_true(has_addr(&wl[3], "10.77.0.30"));
	/* the last one is known by its MAC only */
	assert_string_equal(wl[5].name, "lab/printer");
	assert_null(wl[5].namespace);
	assert_int_equal(wl[5].n_addrs, 0);
	assert_int_equal(wl[5].n_macs, 1);
	assert_memory_equal(wl[5].macs[0], "\x02\x00\x00\x00\x00\x99", 6);
	sw_inventory_free(wl, n);
}

static void test_minimal_and_empty(void **state)
{
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	size_t n;

	(void)state;
	assert_int_equal(load_str("{\"version\": 1, \"workloads\": []}", &wl, &n, &st, &err), 0);
	assert_int_equal(n, 0);
	assert_null(wl);
	assert_int_equal(st.format, SW_INV_FMT_SEGWATCH);
	assert_int_equal(load_str("\xef\xbb\xbf{\"workloads\": [{\"name\": \"a\", \"ips\": "
				  "[\"10.0.0.1\", \"::ffff:10.0.0.2\"]}], \"version\": 1}",
				  &wl, &n, &st, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(wl[0].uid, "t.json#a");
	assert_int_equal(wl[0].n_labels, 0);
	assert_true(has_addr(&wl[0], "10.0.0.2"));
	sw_inventory_free(wl, n);
	sw_inventory_free(NULL, 0);
}

static void test_interface(void **state)
{
	const char *text = "{\"version\": 1, \"workloads\": ["
			   "{\"name\": \"a\", \"interface\": \"lo\"},"
			   "{\"name\": \"b\", \"interface\": \"swnosuch0\", \"ips\": [\"10.1.0.1\"]}]}";
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	size_t n;

	(void)state;
	/* looked up at load time when it exists; the name is kept either way */
	assert_int_equal(sw_inventory_load_buffer("t.json", text, strlen(text), 0, &wl, &n, &st,
						  &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(wl[0].iface, "lo");
	assert_int_not_equal(wl[0].ifindex, 0);
	assert_string_equal(wl[1].iface, "swnosuch0");
	assert_int_equal(wl[1].ifindex, 0);
	assert_int_equal(st.iface_unresolved, 1);
	sw_inventory_free(wl, n);
	/* and not at all with SW_INV_NO_IFINDEX */
	assert_int_equal(load_str(text, &wl, &n, &st, &err), 0);
	assert_int_equal(wl[0].ifindex, 0);
	assert_int_equal(st.iface_unresolved, 2);
	sw_inventory_free(wl, n);
}

/* ---- kubectl ---------------------------------------------------------------------- */

static void test_example_kubectl(void **state)
{
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(sw_inventory_load(SW_EXAMPLES_DIR "/kubectl-pods.json", &wl, &n, &st,
					   &err), SW_EXIT_OK);
	assert_int_equal(st.format, SW_INV_FMT_KUBE_LIST);
	assert_int_equal(n, 4);
	assert_int_equal(st.skipped_no_ip, 1);		/* search-…: Pending */
	assert_int_equal(st.skipped_host_network, 1);	/* kube-proxy */
	assert_int_equal(st.skipped_finished, 1);	/* report-…: Succeeded */
	assert_int_equal(st.skipped_not_pod, 0);
	assert_string_equal(wl[0].name, "shop/web-7f9c4b6d8-x2kqp");
	assert_string_equal(wl[0].namespace, "shop");
	assert_string_equal(wl[0].uid, "0b1f6c1e-4c2a-4a53-9d1e-5a8e7f5d2c10");
	assert_int_equal(wl[0].source, SW_WL_SRC_KUBERNETES);
	assert_string_equal(sw_workload_label(&wl[0], "app"), "web");
	assert_string_equal(sw_workload_label(&wl[0], "tier"), "front");
	assert_int_equal(wl[0].n_addrs, 2);
	assert_true(has_addr(&wl[0], "10.244.1.7"));
	assert_true(has_addr(&wl[0], "fd00:10:244:1::7"));
	assert_null(wl[0].iface);
	assert_string_equal(sw_workload_label(&wl[1], "app.kubernetes.io/part-of"), "shop");
	/* db-0 has podIP only (older clusters) */
	assert_string_equal(wl[2].name, "shop/db-0");
	assert_int_equal(wl[2].n_addrs, 1);
	assert_true(has_addr(&wl[2], "10.244.2.4"));
	assert_string_equal(wl[3].name, "kube-system/coredns-6f6b679f8f-4hq9s");
	sw_inventory_free(wl, n);
}

static void test_kube_single_pod_and_podlist(void **state)
{
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	size_t n;

	(void)state;
	assert_int_equal(load_str("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": "
				  "{\"name\": \"p\", \"namespace\": \"n\", \"uid\": \"u-1\"}, "
				  "\"status\": {\"podIP\": \"10.2.0.1\", \"podIPs\": []}}",
				  &wl, &n, &st, &err), 0);
	assert_int_equal(st.format, SW_INV_FMT_KUBE_POD);
	assert_int_equal(n, 1);
	assert_string_equal(wl[0].name, "n/p");
	assert_string_equal(wl[0].uid, "u-1");
	assert_true(has_addr(&wl[0], "10.2.0.1"));
	sw_inventory_free(wl, n);
	/* the API's PodList: items carry no kind; no namespace means "default" */
	assert_int_equal(load_str("{\"kind\": \"PodList\", \"items\": ["
				  "{\"metadata\": {\"name\": \"q\"}, \"status\": {\"podIPs\": "
				  "[{\"ip\": \"fd00::5\"}]}},"
				  "{\"kind\": \"Service\", \"metadata\": {\"name\": \"svc\"}},"
				  "{\"metadata\": {\"name\": \"r\"}, \"status\": {\"podIP\": \"\"}}]}",
				  &wl, &n, &st, &err), 0);
	assert_int_equal(st.format, SW_INV_FMT_KUBE_LIST);
	assert_int_equal(n, 1);
	assert_string_equal(wl[0].name, "default/q");
	assert_string_equal(wl[0].namespace, "default");
	assert_string_equal(wl[0].uid, "default/q");
	assert_int_equal(st.skipped_not_pod, 1);
	assert_int_equal(st.skipped_no_ip, 1);
	sw_inventory_free(wl, n);
}

static void test_kube_skipped(void **state)
{
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	size_t n;

	(void)state;
	assert_int_equal(load_str("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
				  "{\"metadata\": {\"name\": \"pending\", \"namespace\": \"a\"}, "
				  "\"status\": {\"phase\": \"Pending\"}},"
				  "{\"metadata\": {\"name\": \"hn\", \"namespace\": \"a\"}, "
				  "\"spec\": {\"hostNetwork\": true}, "
				  "\"status\": {\"podIP\": \"192.168.1.5\"}},"
				  "{\"metadata\": {\"name\": \"done\", \"namespace\": \"a\"}, "
				  "\"status\": {\"phase\": \"Failed\", \"podIP\": \"10.3.0.1\"}},"
				  "{\"metadata\": {\"name\": \"nostatus\", \"namespace\": \"a\"}}]}",
				  &wl, &n, &st, &err), 0);
	assert_int_equal(n, 0);
	assert_null(wl);
	assert_int_equal(st.skipped_no_ip, 2);
	assert_int_equal(st.skipped_host_network, 1);
	assert_int_equal(st.skipped_finished, 1);
	/* an empty List is fine too */
	assert_int_equal(load_str("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": []}",
				  &wl, &n, &st, &err), 0);
	assert_int_equal(n, 0);
}

/* ---- errors ----------------------------------------------------------------------- */

struct err_case {
	const char *input;
	int code;
	const char *msg;
};

#define WL(body) "{\"version\": 1, \"workloads\": [" body "]}"
#define POD(body) "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [" body "]}"

static const struct err_case err_cases[] = {
	/* syntax errors: where, what, the line and a caret */
	{ "{\"version\": 1,\n \"workloads\": [\n  {\"name\": \"a\" \"ips\": []}]}", SW_EXIT_USAGE,
	  "t.json:3:20: error: '}' expected near '\"ips\"'\n"
	  "    {\"name\": \"a\" \"ips\": []}]}\n"
	  "                     ^" },
	{ "{\"version\": 1, \"workloads\": [],}", SW_EXIT_USAGE,
	  "t.json:1:32: error: string or '}' expected near '}'\n"
	  "  {\"version\": 1, \"workloads\": [],}\n"
	  "                                 ^" },
	{ "{\"version\": 1, \"version\": 1, \"workloads\": []}", SW_EXIT_USAGE,
	  "t.json:1:24: error: duplicate object key near '\"version\"'\n"
	  "  {\"version\": 1, \"version\": 1, \"workloads\": []}\n"
	  "                         ^" },
	{ "{\"version\": 1", SW_EXIT_USAGE, "t.json:1:13: error: '}' expected near end of file\n"
	  "  {\"version\": 1\n"
	  "              ^" },
	{ "", SW_EXIT_USAGE, "t.json: error: empty input: expected a segwatch inventory or the "
	  "output of `kubectl get pods -A -o json`" },
	{ " \n\t\n", SW_EXIT_USAGE, "t.json: error: empty input: expected a segwatch inventory or "
	  "the output of `kubectl get pods -A -o json`" },
	/* the top level */
	{ "[{\"name\": \"a\"}]", SW_EXIT_USAGE, "t.json: error: the top level is an array; expected "
	  "an object: a segwatch inventory {\"version\": 1, \"workloads\": [...]} or the output "
	  "of `kubectl get pods -A -o json`" },
	{ "42", SW_EXIT_USAGE, "t.json: error: the top level is a number; expected an object: a "
	  "segwatch inventory {\"version\": 1, \"workloads\": [...]} or the output of `kubectl "
	  "get pods -A -o json`" },
	{ "{}", SW_EXIT_USAGE,
	  "t.json: error: missing \"version\" (this segwatch reads inventory version 1)" },
	{ "{\"version\": 1}", SW_EXIT_USAGE,
	  "t.json: error: missing \"workloads\" (an array of workloads, may be empty)" },
	{ "{\"version\": \"1\", \"workloads\": []}", SW_EXIT_USAGE,
	  "t.json: /version: error: expected the integer 1, got a string" },
	{ "{\"version\": 2, \"workloads\": []}", SW_EXIT_USAGE,
	  "t.json: /version: error: unsupported version 2 (this segwatch reads inventory version 1)" },
	/* unknown keys, with a suggestion for near misses */
	{ "{\"version\": 1, \"workload\": []}", SW_EXIT_USAGE,
	  "t.json: /workload: error: unknown key \"workload\"; did you mean \"workloads\"?" },
	{ WL("{\"name\": \"a\", \"ip\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ip: error: unknown key \"ip\"; did you mean \"ips\"?" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"], \"lables\": {}}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/lables: error: unknown key \"lables\"; did you mean \"labels\"?" },
	{ WL("{\"Name\": \"a\", \"ips\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/Name: error: unknown key \"Name\"; did you mean \"name\"?" },
	{ WL("{\"name\": \"a\", \"iface\": \"veth0\"}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/iface: error: unknown key \"iface\"; did you mean \"interface\"?" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"], \"owner\": \"x\"}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/owner: error: unknown key \"owner\" (expected name, namespace, "
	  "labels, ips, macs, interface)" },
	/* wrong types */
	{ "{\"version\": 1, \"workloads\": {}}", SW_EXIT_USAGE,
	  "t.json: /workloads: error: expected an array, got an object" },
	{ WL("\"web\""), SW_EXIT_USAGE, "t.json: /workloads/0: error: expected an object, got a string" },
	{ WL("{\"name\": 7, \"ips\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/name: error: expected a string, got a number" },
	{ WL("{\"name\": \"a\", \"ips\": \"10.0.0.1\"}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips: error: expected an array, got a string" },
	{ WL("{\"name\": \"a\", \"ips\": [null]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/0: error: expected a string, got null" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"], \"labels\": [\"app=web\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/labels: error: expected an object, got an array" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"], \"labels\": {\"replicas\": 3}}"),
	  SW_EXIT_USAGE, "t.json: /workloads/0/labels/replicas: error: label values are strings: "
	  "write \"3\"" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"], \"labels\": {\"app.io/x~y\": {}}}"),
	  SW_EXIT_USAGE, "t.json: /workloads/0/labels/app.io~1x~0y: error: label values are "
	  "strings, got an object" },
	/* names */
	{ WL("{\"ips\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0: error: missing \"name\"" },
	{ WL("{\"name\": \"\", \"ips\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/name: error: name is empty" },
	{ WL("{\"name\": \"a\\tb\", \"ips\": [\"10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/name: error: name \"a\\x09b\" contains a control character" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\"]}, {\"name\": \"b\", \"ips\": [\"10.0.0.2\"]},"
	     "{\"name\": \"a\", \"ips\": [\"10.0.0.3\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/2/name: error: duplicate workload name \"a\" (also /workloads/0)" },
	/* addresses */
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.300\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/0: error: not an IP address \"10.0.0.300\"" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.3/24\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/0: error: not an IP address \"10.0.0.3/24\": give the address "
	  "without a prefix length" },
	{ WL("{\"name\": \"a\", \"ips\": [\"0.0.0.0\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/0: error: \"0.0.0.0\" is the unspecified address, not a "
	  "workload's address" },
	{ WL("{\"name\": \"a\", \"ips\": [\"ff02::1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/0: error: \"ff02::1\" is a multicast address, not a workload's "
	  "address" },
	{ WL("{\"name\": \"a\", \"ips\": [\"10.0.0.1\", \"::ffff:10.0.0.1\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/ips/1: error: \"::ffff:10.0.0.1\" is listed twice in this workload" },
	{ WL("{\"name\": \"shop/web-1\", \"ips\": [\"10.77.0.10\", \"fd00:77::10\"]},"
	     "{\"name\": \"shop/web-2\", \"ips\": [\"10.77.0.11\"]},"
	     "{\"name\": \"shop/web-3\", \"ips\": [\"10.77.0.12\", \"FD00:77:0::10\"]}"),
	  SW_EXIT_USAGE, "t.json: /workloads/2/ips/1: error: address fd00:77::10 is listed by both "
	  "\"shop/web-1\" (/workloads/0/ips/1) and \"shop/web-3\"" },
	{ WL("{\"name\": \"a\", \"macs\": [\"02:00:00:00:00:10\", \"02:00:00:00:00:10\"]}"),
	  SW_EXIT_USAGE, "t.json: /workloads/0/macs/1: error: \"02:00:00:00:00:10\" is listed twice in "
	  "this workload" },
	{ WL("{\"name\": \"a\", \"macs\": [\"02:00:00:00:00:10\"]},"
	     "{\"name\": \"b\", \"ips\": [\"10.0.0.2\"], \"macs\": [\"02:00:00:00:00:11\", \"02:00:00:00:00:10\"]}"),
	  SW_EXIT_USAGE, "t.json: /workloads/1/macs/1: error: MAC 02:00:00:00:00:10 is listed by both "
	  "\"a\" (/workloads/0/macs/0) and \"b\"" },
	{ WL("{\"name\": \"a\"}"), SW_EXIT_USAGE, "t.json: /workloads/0: error: workload \"a\" has "
	  "no \"ips\"; give its addresses, or \"macs\" or \"interface\" to recognise it by" },
	{ WL("{\"name\": \"a\", \"ips\": []}"), SW_EXIT_USAGE, "t.json: /workloads/0: error: workload "
	  "\"a\" has no \"ips\"; give its addresses, or \"macs\" or \"interface\" to recognise it by" },
	/* MACs and interfaces */
	{ WL("{\"name\": \"a\", \"macs\": [\"02:00:00:00:00\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/macs/0: error: not a MAC address \"02:00:00:00:00\" (expected six "
	  "hex pairs separated by colons, like \"02:00:00:00:00:10\")" },
	{ WL("{\"name\": \"a\", \"macs\": [\"02-00-00-00-00-10\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/macs/0: error: not a MAC address \"02-00-00-00-00-10\" (expected six "
	  "hex pairs separated by colons, like \"02:00:00:00:00:10\")" },
	{ WL("{\"name\": \"a\", \"macs\": [\"01:00:5e:00:00:01\"]}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/macs/0: error: \"01:00:5e:00:00:01\" is a multicast MAC address, not "
	  "a workload's" },
	{ WL("{\"name\": \"a\", \"interface\": \"a-very-long-veth-name\"}"), SW_EXIT_USAGE,
	  "t.json: /workloads/0/interface: error: \"a-very-long-veth-name\" is not an interface name "
	  "(at most 15 characters, no \"/\", \":\" or spaces)" },
	/* kubectl */
	{ "{\"apiVersion\": \"v1\", \"kind\": \"Service\"}", SW_EXIT_USAGE,
	  "t.json: /kind: error: unsupported kind \"Service\": expected the output of `kubectl get "
	  "pods -A -o json` (kind List) or one Pod" },
	{ "{\"apiVersion\": \"v1\", \"items\": []}", SW_EXIT_USAGE,
	  "t.json: error: missing \"kind\": expected the output of `kubectl get pods -A -o json` "
	  "(kind List) or one Pod" },
	{ "{\"apiVersion\": \"v1\", \"kind\": \"List\"}", SW_EXIT_USAGE,
	  "t.json: error: missing \"items\"" },
	{ POD("{\"metadata\": {\"namespace\": \"a\"}}"), SW_EXIT_USAGE,
	  "t.json: /items/0/metadata: error: missing \"name\"" },
	{ POD("{\"status\": {}}"), SW_EXIT_USAGE, "t.json: /items/0: error: missing \"metadata\"" },
	{ POD("{\"metadata\": {\"name\": \"p\", \"labels\": {\"app\": true}}}"), SW_EXIT_USAGE,
	  "t.json: /items/0/metadata/labels/app: error: label values are strings: write \"true\"" },
	{ POD("{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"hostNetwork\": \"true\"}}"),
	  SW_EXIT_USAGE, "t.json: /items/0/spec/hostNetwork: error: expected true or false, got a "
	  "string" },
	{ POD("{\"metadata\": {\"name\": \"p\"}, \"status\": {\"podIPs\": [{\"ip\": \"10.1.1\"}]}}"),
	  SW_EXIT_USAGE, "t.json: /items/0/status/podIPs/0/ip: error: not an IP address \"10.1.1\"" },
	{ POD("{\"metadata\": {\"name\": \"p\"}, \"status\": {\"podIPs\": [\"10.1.1.1\"]}}"),
	  SW_EXIT_USAGE, "t.json: /items/0/status/podIPs/0: error: expected an object, got a string" },
	{ POD("{\"metadata\": {\"name\": \"p\"}, \"status\": {\"podIP\": 167837953}}"),
	  SW_EXIT_USAGE, "t.json: /items/0/status/podIP: error: expected a string, got a number" },
	{ POD("7"), SW_EXIT_USAGE, "t.json: /items/0: error: expected an object, got a number" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		struct sw_workload *wl = (void *)1;
		struct sw_inventory_stats st;
		struct sw_err err;
		size_t n = 99;
		int rc = load_str(c->input, &wl, &n, &st, &err);

		if (rc != c->code || strcmp(err.msg, c->msg) != 0)
			fail_msg("case %zu: %s\n got  (%d) [%s]\n want (%d) [%s]", i, c->input, rc,
				 err.msg, c->code, c->msg);
		assert_null(wl);
		assert_int_equal(n, 0);
		assert_int_equal(err.code, c->code);
	}
}

/* A long line is cut around the caret; the caret still points at the token. */
static void test_syntax_excerpt_long_line(void **state)
{
	char text[2048];
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	const char *excerpt, *caret_line, *at;
	size_t n, o;

	(void)state;
	o = (size_t)snprintf(text, sizeof(text), "{\"version\": 1, \"workloads\": [");
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "{\"name\": \"w%d\", \"ips\": [\"10.0.0.%d\"]}, ", i, i + 1);
	snprintf(text + o, sizeof(text) - o, "@]}");
	assert_int_equal(load_str(text, &wl, &n, &st, &err), SW_EXIT_USAGE);
	assert_true(strncmp(err.msg, "t.json:1:", 9) == 0);
	assert_non_null(strstr(err.msg, "error: invalid token near '@'"));
	excerpt = strchr(err.msg, '\n');
	caret_line = strrchr(err.msg, '\n');
	assert_non_null(excerpt);
	assert_true(caret_line > excerpt);
	/* cut at the start ("  ..."), the caret under the '@' */
	assert_true(strncmp(excerpt, "\n  ...", 6) == 0);
	at = strchr(excerpt, '@');
	assert_non_null(at);
	assert_int_equal(strlen(caret_line + 1), (size_t)(at - excerpt));
	assert_int_equal(caret_line[strlen(caret_line) - 1], '^');
}

/* Bytes that are not UTF-8 after the error (found by fuzz_inventory): the excerpt stays bounded. */
static void test_syntax_excerpt_garbage(void **state)
{
	char text[400];
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err;
	size_t n, len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text), "{\"version\": 1, \"v\x01");
	memset(text + len, 0x9c, 300);
	len += 300;
	text[len] = '\0';
	assert_int_equal(load_str(text, &wl, &n, &st, &err), SW_EXIT_USAGE);
	assert_true(strncmp(err.msg, "t.json:1:", 9) == 0);
	assert_true(strlen(err.msg) < sizeof(err.msg) - 1);
	assert_int_equal(err.msg[strlen(err.msg) - 1], '^');
}

/* ---- files -------------------------------------------------------------------------- */

static void test_load_file_errors(void **state)
{
	char path[] = "/tmp/sw-inv-test-XXXXXX";
	struct sw_workload *wl;
	struct sw_inventory_stats st;
	struct sw_err err = { 0 };
	char want[600];
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(sw_inventory_load("/nonexistent/inv.json", &wl, &n, &st, &err),
			 SW_EXIT_RUNTIME);
	assert_string_equal(err.msg, "/nonexistent/inv.json: cannot read: No such file or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"version\": 1, \"workloads\": [{\"name\": \"a\"}]}\n", 45), 45);
	close(fd);
	assert_int_equal(sw_inventory_load(path, &wl, &n, &st, &err), SW_EXIT_USAGE);
	snprintf(want, sizeof(want), "%s: /workloads/0: error: workload \"a\" has no \"ips\"; give "
		 "its addresses, or \"macs\" or \"interface\" to recognise it by", path);
	assert_string_equal(err.msg, want);
	unlink(path);
	/* too large is refused before anything is read */
	assert_int_equal(sw_inventory_load_buffer("big.json", "{}", (size_t)SW_INV_MAX_BYTES + 1, 0,
						  &wl, &n, &st, &err), SW_EXIT_USAGE);
	assert_string_equal(err.msg, "big.json: error: larger than 256 MiB");
	/* err may be NULL */
	assert_int_equal(sw_inventory_load_buffer("x", "[]", 2, 0, &wl, &n, NULL, NULL),
			 SW_EXIT_USAGE);
}

static void test_format_names(void **state)
{
	(void)state;
	assert_string_equal(sw_inventory_format_name(SW_INV_FMT_SEGWATCH), "segwatch inventory");
	assert_string_equal(sw_inventory_format_name(SW_INV_FMT_KUBE_LIST), "kubectl List");
	assert_string_equal(sw_inventory_format_name((enum sw_inventory_format)77), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_inventory),
		cmocka_unit_test(test_minimal_and_empty),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_example_kubectl),
		cmocka_unit_test(test_kube_single_pod_and_podlist),
		cmocka_unit_test(test_kube_skipped),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_syntax_excerpt_long_line),
		cmocka_unit_test(test_syntax_excerpt_garbage),
		cmocka_unit_test(test_load_file_errors),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
