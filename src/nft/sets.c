/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sets.c - the sets of segwatch's table and how many elements each holds, from the kernel. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>

#include "internal.h"

struct sw_set_dump {
	struct sw_nft_set_info *v;
	size_t n, cap;
	bool nomem;
};

static int sw_set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_set_dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct sw_nft_set_info *nv;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0 ||
	    (nftnl_set_get_u32(s, NFTNL_SET_FLAGS) & NFT_SET_ANONYMOUS)) {
		/* anonymous sets are a rule's port or type lists, not ours to show */
		d->nomem = !s;
		if (s)
			nftnl_set_free(s);
		return s ? MNL_CB_OK : MNL_CB_ERROR;
	}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		nv = realloc(d->v, d->cap * sizeof(*nv));
		if (!nv) {
			d->nomem = true;
			nftnl_set_free(s);
			return MNL_CB_ERROR;
		}
		d->v = nv;
	}
	nv = &d->v[d->n++];
	memset(nv, 0, sizeof(*nv));
	snprintf(nv->name, sizeof(nv->name), "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	nv->family = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) == 4 ? 4 : 6;
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Elements of one set: interval sets hold a start and an end element per range. */
static int sw_elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_nft_set_info *info = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 && (it = nftnl_set_elems_iter_create(s))) {
		for (e = nftnl_set_elems_iter_next(it); e; e = nftnl_set_elems_iter_next(it))
			if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) ||
			    !(nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END))
				info->elements++;
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* One dump request and its answers, through @cb. */
static int sw_dump(struct mnl_socket *nl, char *buf, uint16_t type, struct nftnl_set *s,
		   mnl_cb_t cb, void *data)
{
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_DUMP, seq);
	int ret = MNL_CB_OK;
	ssize_t len;

	if (type == NFT_MSG_GETSETELEM)
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
	else
		nftnl_set_nlmsg_build_payload(nlh, s);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (ret > MNL_CB_STOP && (len = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE)) > 0)
		ret = mnl_cb_run(buf, (size_t)len, seq, portid, cb, data);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

int sw_nft_read_sets(const char *table, struct sw_nft_set_info **out, size_t *n,
		     struct sw_err *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct nftnl_set *s = nftnl_set_alloc();
	struct sw_set_dump d = { 0 };
	int ret = SW_EXIT_OK;

	*out = NULL;
	*n = 0;
	if (!nl || !buf || !s || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading sets: %s", strerror(errno));
		goto out;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	if (sw_dump(nl, buf, NFT_MSG_GETSET, s, sw_set_cb, &d) < 0 || d.nomem)
		goto fail;
	for (size_t i = 0; i < d.n; i++) {
		nftnl_set_set_str(s, NFTNL_SET_NAME, d.v[i].name);
		if (sw_dump(nl, buf, NFT_MSG_GETSETELEM, s, sw_elem_cb, &d.v[i]) < 0)
			goto fail;
	}
	*out = d.v;
	*n = d.n;
	goto out;
fail:
	ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading the sets of table inet %s: %s", table,
			 strerror(d.nomem ? ENOMEM : errno));
	free(d.v);
out:
	if (s)
		nftnl_set_free(s);
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}
