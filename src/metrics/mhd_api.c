/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libmicrohttpd opened on first use (include/segwatch/mhd_api.h); SW_MHD_* come from CMake. */
#include <segwatch/dynlib.h>
#include <segwatch/mhd_api.h>

#define SW_SYM(field, name) SW_DYNLIB_SYM(struct sw_mhd_api, field, name)

static const struct sw_dynlib_sym sw_mhd_syms[] = {
	SW_SYM(start_daemon, "MHD_start_daemon"),
	SW_SYM(stop_daemon, "MHD_stop_daemon"),
	SW_SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
	SW_SYM(add_response_header, "MHD_add_response_header"),
	SW_SYM(queue_response, "MHD_queue_response"),
	SW_SYM(destroy_response, "MHD_destroy_response"),
	SW_SYM(lookup_connection_value, "MHD_lookup_connection_value"),
	SW_SYM(get_connection_values, "MHD_get_connection_values"),
};

_Static_assert(sizeof(struct sw_mhd_api) ==
	       sizeof(sw_mhd_syms) / sizeof(sw_mhd_syms[0]) * sizeof(void (*)(void)),
	       "every field of struct sw_mhd_api needs its line in sw_mhd_syms");

static struct sw_mhd_api sw_mhd;
static struct sw_dynlib sw_mhd_lib =
	SW_DYNLIB_INIT(SW_MHD_SONAME, SW_MHD_PACKAGE, SW_MHD_NEEDS, sw_mhd_syms, &sw_mhd);

const struct sw_mhd_api *sw_mhd_api(struct sw_err *err)
{
	return sw_dynlib_load(&sw_mhd_lib, err) == SW_EXIT_OK ? &sw_mhd : NULL;
}
