/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dynlib: libraries opened on first use (include/segwatch/dynlib.h). The
 * three real bindings load and their functions answer; a missing library
 * or function is an error naming it and its package, kept for later calls;
 * threads racing for the first load all get the same table.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <segwatch/curl_api.h>
#include <segwatch/dynlib.h>
#include <segwatch/mhd_api.h>

#include "ipfix/fixbuf_api.h"

static void test_bindings(void **state)
{
	struct sw_err err = { 0 };
	const struct sw_curl_api *curl = sw_curl_api(&err);
	const struct sw_mhd_api *mhd = sw_mhd_api(&err);
	const struct sw_fixbuf_api *fb = sw_fixbuf_api(&err);
	struct MHD_Response *r;
	fbInfoModel_t *model;

	(void)state;
	assert_non_null(curl);
	assert_ptr_equal(sw_curl_api(&err), curl);	/* once */
	assert_string_equal(curl->easy_strerror(CURLE_OK), "No error");
	assert_non_null(mhd);
	assert_non_null(r = mhd->create_response_from_buffer(2, "ok", MHD_RESPMEM_PERSISTENT));
	mhd->destroy_response(r);
	assert_non_null(fb);
	assert_non_null(model = fb->fbInfoModelAlloc());
	fb->fbInfoModelFree(model);
	assert_int_equal(err.code, 0);
}

/* A table of one function, in a library named by the test. */
struct sw_test_api {
	__typeof__(curl_easy_strerror) *easy_strerror;
};

static void test_missing(void **state)
{
	static const struct sw_dynlib_sym nolib_syms[] = {
		SW_DYNLIB_SYM(struct sw_test_api, easy_strerror, "curl_easy_strerror"),
	};
	static const struct sw_dynlib_sym nofn_syms[] = {
		SW_DYNLIB_SYM(struct sw_test_api, easy_strerror, "curl_easy_no_such_function"),
	};
	static struct sw_test_api a, b;
	static struct sw_dynlib nolib =
		SW_DYNLIB_INIT("libsegwatch-none.so.0", "segwatch-none", "", nolib_syms, &a);
	static struct sw_dynlib nofn = SW_DYNLIB_INIT(SW_CURL_SONAME, "", "", nofn_syms, &b);
	struct sw_err err = { 0 };
	const char *want = "cannot load libsegwatch-none.so.0 (apt install segwatch-none): ";

	(void)state;
	assert_int_equal(sw_dynlib_load(&nolib, &err), SW_EXIT_RUNTIME);
	assert_int_equal(err.code, SW_EXIT_RUNTIME);
	assert_memory_equal(err.msg, want, strlen(want));
	assert_non_null(strstr(err.msg, "libsegwatch-none.so.0: cannot open shared object file"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(sw_dynlib_load(&nolib, &err), SW_EXIT_RUNTIME); /* kept, not retried */
	assert_memory_equal(err.msg, want, strlen(want));
	assert_null(a.easy_strerror);

	assert_int_equal(sw_dynlib_load(&nofn, &err), SW_EXIT_RUNTIME);
	assert_string_equal(err.msg, "cannot load " SW_CURL_SONAME
			    ": no function curl_easy_no_such_function in it (a version too old?)");
}

static const struct sw_dynlib_sym sw_race_syms[] = {
	SW_DYNLIB_SYM(struct sw_test_api, easy_strerror, "curl_easy_strerror"),
};
static struct sw_test_api sw_race_api;
static struct sw_dynlib sw_race =
	SW_DYNLIB_INIT(SW_CURL_SONAME, "", "", sw_race_syms, &sw_race_api);

static void *sw_race_load(void *arg)
{
	struct sw_err err;

	*(int *)arg = sw_dynlib_load(&sw_race, &err);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[8];
	int rc[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, sw_race_load, &rc[i]), 0);
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(rc[i], SW_EXIT_OK);
	}
	assert_string_equal(sw_race_api.easy_strerror(CURLE_COULDNT_CONNECT),
			    "Couldn't connect to server");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bindings),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
