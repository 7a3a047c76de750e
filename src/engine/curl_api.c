/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl opened on first use (include/segwatch/curl_api.h); SW_CURL_* come from CMake. */
#include <segwatch/curl_api.h>
#include <segwatch/dynlib.h>

#define SW_SYM(field, name) SW_DYNLIB_SYM(struct sw_curl_api, field, name)

static const struct sw_dynlib_sym sw_curl_syms[] = {
	SW_SYM(global_init, "curl_global_init"),
	SW_SYM(global_cleanup, "curl_global_cleanup"),
	SW_SYM(easy_init, "curl_easy_init"),
	SW_SYM(easy_cleanup, "curl_easy_cleanup"),
	SW_SYM(easy_setopt, "curl_easy_setopt"),
	SW_SYM(easy_getinfo, "curl_easy_getinfo"),
	SW_SYM(easy_perform, "curl_easy_perform"),
	SW_SYM(easy_strerror, "curl_easy_strerror"),
	SW_SYM(easy_header, "curl_easy_header"),
	SW_SYM(multi_init, "curl_multi_init"),
	SW_SYM(multi_cleanup, "curl_multi_cleanup"),
	SW_SYM(multi_setopt, "curl_multi_setopt"),
	SW_SYM(multi_add_handle, "curl_multi_add_handle"),
	SW_SYM(multi_remove_handle, "curl_multi_remove_handle"),
	SW_SYM(multi_info_read, "curl_multi_info_read"),
	SW_SYM(multi_socket_action, "curl_multi_socket_action"),
	SW_SYM(slist_append, "curl_slist_append"),
	SW_SYM(slist_free_all, "curl_slist_free_all"),
};

_Static_assert(sizeof(struct sw_curl_api) ==
	       sizeof(sw_curl_syms) / sizeof(sw_curl_syms[0]) * sizeof(void (*)(void)),
	       "every field of struct sw_curl_api needs its line in sw_curl_syms");

static struct sw_curl_api sw_curl;
static struct sw_dynlib sw_curl_lib =
	SW_DYNLIB_INIT(SW_CURL_SONAME, SW_CURL_PACKAGE, SW_CURL_NEEDS, sw_curl_syms,
		       &sw_curl);

const struct sw_curl_api *sw_curl_api(struct sw_err *err)
{
	return sw_dynlib_load(&sw_curl_lib, err) == SW_EXIT_OK ? &sw_curl : NULL;
}
