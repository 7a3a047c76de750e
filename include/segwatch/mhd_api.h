/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_MHD_API_H
#define SEGWATCH_MHD_API_H

/*
 * mhd_api - libmicrohttpd, opened on first use (include/segwatch/dynlib.h):
 * the functions the /metrics server (src/metrics/server.c) and the live
 * graph (src/web/server.c) call, typed by <microhttpd.h>.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <microhttpd.h>

#include <segwatch/exit.h>

struct sw_mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_get_connection_values) *get_connection_values;
};

/*
 * sw_mhd_api - libmicrohttpd's functions, the library opened the first time
 * (thread-safe); NULL with @err (SW_EXIT_RUNTIME, naming the library and
 * its package) when it cannot be.
 */
const struct sw_mhd_api *sw_mhd_api(struct sw_err *err);

#endif
