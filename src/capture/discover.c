/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Find what to capture on when the user names nothing: every Linux bridge
 * that is up and every port enslaved to one (the veths of containers), read
 * from the kernel through libnl-3 route.
 */
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sw_discover_ctx {
	int bridges[SW_CAPTURE_MAX_IFACES];
	unsigned n_bridges;
	char **names;
	unsigned max, n;
};

static bool sw_link_is_up(struct rtnl_link *link)
{
	return (rtnl_link_get_flags(link) & IFF_UP) != 0;
}

static void sw_collect_bridge(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	struct sw_discover_ctx *ctx = arg;
	const char *type = rtnl_link_get_type(link);

	if (!type || strcmp(type, "bridge") != 0 || !sw_link_is_up(link))
		return;
	if (ctx->n_bridges < SW_CAPTURE_MAX_IFACES && ctx->n < ctx->max) {
		ctx->bridges[ctx->n_bridges++] = rtnl_link_get_ifindex(link);
		ctx->names[ctx->n++] = strdup(rtnl_link_get_name(link));
	}
}

static void sw_collect_port(struct nl_object *obj, void *arg)
{
	struct rtnl_link *link = (struct rtnl_link *)obj;
	struct sw_discover_ctx *ctx = arg;
	int master = rtnl_link_get_master(link);

	if (!master || !sw_link_is_up(link) || ctx->n >= ctx->max)
		return;
	for (unsigned i = 0; i < ctx->n_bridges; i++)
		if (ctx->bridges[i] == master) {
			ctx->names[ctx->n++] = strdup(rtnl_link_get_name(link));
			return;
		}
}

int sw_discover_bridge_ports(char **names, unsigned max, unsigned *n, struct sw_err *err)
{
	struct sw_discover_ctx ctx = { .names = names, .max = max };
	struct nl_cache *cache = NULL;
	struct nl_sock *sk = nl_socket_alloc();
	int rc;

	*n = 0;
	if (!sk)
		return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
	rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc == 0)
		rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	if (rc < 0) {
		nl_socket_free(sk);
		return sw_err_set(err, SW_EXIT_RUNTIME, "cannot list links: %s", nl_geterror(rc));
	}
	nl_cache_foreach(cache, sw_collect_bridge, &ctx);
	nl_cache_foreach(cache, sw_collect_port, &ctx);
	nl_cache_free(cache);
	nl_socket_free(sk);
	for (unsigned i = 0; i < ctx.n; i++)
		if (!names[i]) {
			for (unsigned j = 0; j < ctx.n; j++)
				free(names[j]);
			return sw_err_set(err, SW_EXIT_RUNTIME, "out of memory");
		}
	*n = ctx.n;
	return SW_EXIT_OK;
}
