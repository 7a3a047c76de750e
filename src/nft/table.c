/* SPDX-License-Identifier: GPL-2.0-or-later */
/* table.c - the comment of segwatch's table, from the kernel: which policy is applied. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "internal.h"

struct comment_out {
	char *out;
	size_t len;
};

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	struct comment_out *c = data;
	uint8_t len = nftnl_udata_len(attr);
	const char *s = nftnl_udata_get(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_TABLE_COMMENT && len > 0 && s[len - 1] == '\0')
		snprintf(c->out, c->len, "%s", s);
	return MNL_CB_OK;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	const void *ud;
	uint32_t ud_len;

	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    (ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &ud_len)))
		nftnl_udata_parse(ud, ud_len, udata_cb, data);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int sw_nft_read_table_comment(const char *table, char *out, size_t len, struct sw_err *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct nftnl_table *t = nftnl_table_alloc();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct comment_out c = { out, len };
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh;
	int ret = MNL_CB_OK;
	ssize_t n;

	if (len)
		out[0] = '\0';
	if (!nl || !t || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = MNL_CB_ERROR;
		goto out;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_nlmsg_build_payload(nlh, t);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		ret = MNL_CB_ERROR;
	while (ret > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), table_cb, &c);
out:
	if (t)
		nftnl_table_free(t);
	if (nl)
		mnl_socket_close(nl);
	if (ret == MNL_CB_ERROR)
		return sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading table inet %s: %s", table,
				  strerror(errno));
	return SW_EXIT_OK;
}
