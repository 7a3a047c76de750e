/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Flow endpoints to identities: a workload (as it was when the flow began),
 * the host itself, multicast, or external.
 */
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <segwatch/workload.h>

static bool sw_addr_is_multicast(const uint8_t a[16])
{
	bool v4 = a[10] == 0xff && a[11] == 0xff && memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10) == 0;

	if (v4)
		return (a[12] & 0xf0) == 0xe0 || memcmp(a + 12, "\xff\xff\xff\xff", 4) == 0;
	return a[0] == 0xff;
}

static bool sw_addr_is_unspecified(const uint8_t a[16])
{
	static const uint8_t v6zero[16];
	static const uint8_t v4zero[16] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, v6zero, 16) == 0 || memcmp(a, v4zero, 16) == 0;
}

static bool sw_addr_is_loopback(const uint8_t a[16])
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	bool v4 = a[10] == 0xff && a[11] == 0xff && memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10) == 0;

	return (v4 && a[12] == 127) || memcmp(a, v6lo, 16) == 0;
}

void sw_resolver_init(struct sw_resolver *r, const struct sw_registry *reg)
{
	memset(r, 0, sizeof(*r));
	r->reg = reg;
}

void sw_resolver_clear(struct sw_resolver *r)
{
	free(r->host);
	memset(r, 0, sizeof(*r));
}

bool sw_resolver_add_host_addr(struct sw_resolver *r, const uint8_t addr[16])
{
	uint8_t (*h)[16];

	for (size_t i = 0; i < r->n_host; i++)
		if (memcmp(r->host[i], addr, 16) == 0)
			return true;
	h = realloc(r->host, (r->n_host + 1) * sizeof(*h));
	if (!h)
		return false;
	r->host = h;
	memcpy(h[r->n_host++], addr, 16);
	return true;
}

bool sw_resolver_load_host_addrs(struct sw_resolver *r)
{
	struct ifaddrs *ifa, *i;
	uint8_t a[16];

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
			memcpy(a + 12, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		sw_resolver_add_host_addr(r, a);
	}
	freeifaddrs(ifa);
	return true;
}

enum sw_endpoint_kind sw_resolve_addr(const struct sw_resolver *r, const uint8_t addr[16],
				      uint64_t ts_us, const struct sw_workload **wl)
{
	*wl = NULL;
	if (sw_addr_is_multicast(addr))
		return SW_EP_MULTICAST;
	if (sw_addr_is_unspecified(addr))
		return SW_EP_UNSPECIFIED;
	if (r->reg && (*wl = sw_registry_lookup_addr(r->reg, addr, ts_us)) != NULL)
		return SW_EP_WORKLOAD;
	if (sw_addr_is_loopback(addr))
		return SW_EP_HOST;
	for (size_t i = 0; i < r->n_host; i++)
		if (memcmp(r->host[i], addr, 16) == 0)
			return SW_EP_HOST;
	return SW_EP_EXTERNAL;
}

const char *sw_endpoint_kind_name(enum sw_endpoint_kind k)
{
	static const char *const names[] = {
		[SW_EP_WORKLOAD] = "workload", [SW_EP_HOST] = "host",
		[SW_EP_EXTERNAL] = "external", [SW_EP_MULTICAST] = "multicast",
		[SW_EP_UNSPECIFIED] = "unspecified",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) && names[k] ? names[k] : "unknown";
}

void sw_flow_rec_resolve(struct sw_flow_rec *rec, const struct sw_resolver *r, const struct sw_flow *f)
{
	rec->f = *f;
	memset(&rec->id, 0, sizeof(rec->id));
	rec->staged = NULL;
	if (r)
		sw_flow_ident_resolve_addrs(&rec->id, r, f->init_addr, f->resp_addr, sw_flow_first_us(f));
}

void sw_flow_ident_resolve_addrs(struct sw_flow_ident *id, const struct sw_resolver *r,
				 const uint8_t src[16], const uint8_t dst[16], uint64_t ts_us)
{
	id->kind[0] = (uint8_t)sw_resolve_addr(r, src, ts_us, &id->wl[0]);
	id->kind[1] = (uint8_t)sw_resolve_addr(r, dst, ts_us, &id->wl[1]);
}
