/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_CURL_API_H
#define SEGWATCH_CURL_API_H

/*
 * curl_api - libcurl, opened on first use (include/segwatch/dynlib.h): the
 * functions the engine client (src/engine) and the alert webhook
 * (src/alert/out_webhook.c) call, typed by <curl/curl.h>. Call them as
 * api->easy_setopt(...): libcurl's gcc type checks of its options are lost
 * with the macros, its prototypes are kept.
 */

#include <curl/curl.h>

#include <segwatch/exit.h>

struct sw_curl_api {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_header) *easy_header;
	__typeof__(curl_multi_init) *multi_init;
	__typeof__(curl_multi_cleanup) *multi_cleanup;
	__typeof__(curl_multi_setopt) *multi_setopt;
	__typeof__(curl_multi_add_handle) *multi_add_handle;
	__typeof__(curl_multi_remove_handle) *multi_remove_handle;
	__typeof__(curl_multi_info_read) *multi_info_read;
	__typeof__(curl_multi_socket_action) *multi_socket_action;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
};

/*
 * sw_curl_api - libcurl's functions, the library opened the first time
 * (thread-safe); NULL with @err (SW_EXIT_RUNTIME: "cannot load libcurl.so.4
 * (apt install libcurl4): ...") when it cannot be.
 */
const struct sw_curl_api *sw_curl_api(struct sw_err *err);

#endif
