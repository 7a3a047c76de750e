/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * l2_batch.c - the L2 guard's bridge table as netlink messages: added to
 * the batch that replaces the inet table (one commit for both), element
 * changes when containers come and go, and what status reads back.
 */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "l2.h"

#define SW_L2_SET_ID 0x6c320000u	/* far from the inet table's set ids in the same batch */

/* nftables datatypes (include/datatype.h): ifname and what it is joined with. */
#define SW_L2_TYPE_IFNAME 41
#define SW_L2_TYPE_ETHER 9
#define SW_L2_TYPE_IPV4 7
#define SW_L2_TYPE_IPV6 8
#define SW_L2_CONCAT(a, b) (((a) << 6) | (b))	/* nft's concat_subtype_add */

static int oom(struct sw_err *err)
{
	return sw_err_set(err, SW_EXIT_RUNTIME, "nft: out of memory building the L2 guard");
}

void sw_nft__l2_desc(uint32_t what, uint32_t idx, char *buf, size_t sz)
{
	switch (what) {
	case SW_NFT_L2_OBJ_SET:
		snprintf(buf, sz, "L2 guard: set %s", sw_nft_l2_set_name((enum sw_nft_l2_set)idx));
		break;
	case SW_NFT_L2_OBJ_ELEMS:
		snprintf(buf, sz, "L2 guard: elements of set %s",
			 sw_nft_l2_set_name((enum sw_nft_l2_set)idx));
		break;
	case SW_NFT_L2_OBJ_CHAIN:
		snprintf(buf, sz, "L2 guard: chain %s (bridge family, hook prerouting)", SW_NFT_L2_CHAIN);
		break;
	case SW_NFT_L2_OBJ_RULE:
		snprintf(buf, sz, "L2 guard: rule %u of chain %s (\"%s\")", idx + 1, SW_NFT_L2_CHAIN,
			 idx < SW_NFT_L2_N_RULES ? sw_nft__l2_rule_comment(idx) : "");
		break;
	default:
		snprintf(buf, sz, "L2 guard: table bridge (is bridge filtering in nf_tables available?)");
	}
}

static int sw_l2_table_msg(struct batch *b, const char *table, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_BRIDGE);
	nlh = sw_nft__batch_msg(b, type, NFPROTO_BRIDGE, flags, SW_NFT_L2_OBJ_TABLE, 0);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		sw_nft__batch_done(b, nlh);
	}
	nftnl_table_free(t);
	return nlh ? 0 : -1;
}

static struct nftnl_set *sw_l2_set(const char *table, enum sw_nft_l2_set s)
{
	static const uint32_t types[SW_NFT_L2_N_SETS] = {
		SW_L2_TYPE_IFNAME,
		SW_L2_CONCAT(SW_L2_TYPE_IFNAME, SW_L2_TYPE_ETHER),
		SW_L2_CONCAT(SW_L2_TYPE_IFNAME, SW_L2_TYPE_IPV4),
		SW_L2_CONCAT(SW_L2_TYPE_IFNAME, SW_L2_TYPE_IPV6),
		/* the raw NA target: typed as an address so `nft list` shows one */
		SW_L2_CONCAT(SW_L2_TYPE_IFNAME, SW_L2_TYPE_IPV6),
	};
	struct nftnl_set *ns = nftnl_set_alloc();

	if (!ns)
		return NULL;
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, sw_nft_l2_set_name(s));
	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, SW_L2_SET_ID + (uint32_t)s);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, (uint32_t)sw_nft__l2_klen(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, types[s]);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, 0);	/* a hash: exact keys, any number */
	if (s == SW_NFT_L2_PORTS) {
		/* a name is a string, in host order: said so, nft lists it as one */
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);

		if (!ud || !nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1)) {
			if (ud)
				nftnl_udata_buf_free(ud);
			nftnl_set_free(ns);
			return NULL;
		}
		nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return ns;
}

/* NEWSETELEM or DELSETELEM of @k (@n keys) of set @s: the inet sets' element writer. */
static int sw_l2_elem_msgs(struct batch *b, const char *table, enum sw_nft_l2_set s,
			   const struct sw_nft_l2_key *k, size_t n, uint16_t type)
{
	struct sw_nft__elem_list l = {
		.table = table, .set = sw_nft_l2_set_name(s), .id = SW_L2_SET_ID + (uint32_t)s,
		.family = NFPROTO_BRIDGE, .klen = sw_nft__l2_klen(s), .stride = sizeof(*k), .n = n,
		.keys = n ? k[0].b : NULL,
	};

	return sw_nft__batch_elems(b, &l, type, SW_NFT_L2_OBJ_ELEMS, (uint32_t)s);
}

static int sw_l2_set_msgs(struct batch *b, const struct sw_nft_l2 *l2, const char *table,
			  enum sw_nft_l2_set s)
{
	struct nftnl_set *ns = sw_l2_set(table, s);
	struct nlmsghdr *nlh = ns ? sw_nft__batch_msg(b, NFT_MSG_NEWSET, NFPROTO_BRIDGE,
						      NLM_F_CREATE | NLM_F_EXCL,
						      SW_NFT_L2_OBJ_SET, (uint32_t)s) : NULL;
	struct sw_nft_l2_key *k;
	size_t n;
	int ret;

	if (nlh) {
		nftnl_set_nlmsg_build_payload(nlh, ns);
		sw_nft__batch_done(b, nlh);
	}
	if (ns)
		nftnl_set_free(ns);
	if (!nlh || sw_nft__l2_keys(l2, s, &k, &n) < 0)
		return -1;
	ret = sw_l2_elem_msgs(b, table, s, k, n, NFT_MSG_NEWSETELEM);
	free(k);
	return ret;
}

static int sw_l2_chain_msg(struct batch *b, const char *table)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, SW_NFT_L2_CHAIN);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_BRIDGE);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_BR_PRE_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, SW_NFT_L2_PRIORITY);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nlh = sw_nft__batch_msg(b, NFT_MSG_NEWCHAIN, NFPROTO_BRIDGE, NLM_F_CREATE | NLM_F_EXCL,
				SW_NFT_L2_OBJ_CHAIN, 0);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		sw_nft__batch_done(b, nlh);
	}
	nftnl_chain_free(c);
	return nlh ? 0 : -1;
}

/* Rule @i with its table and chain set: ready to send or print. NULL when out of memory. */
static struct nftnl_rule *sw_l2_rule(const struct sw_nft_l2 *l2, const char *table, size_t i)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		return NULL;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, SW_NFT_L2_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
	if (sw_nft__l2_rule_build(l2, i, r) < 0) {
		nftnl_rule_free(r);
		return NULL;
	}
	return r;
}

static int sw_l2_rule_msgs(struct batch *b, const struct sw_nft_l2 *l2, const char *table)
{
	for (size_t i = 0; i < SW_NFT_L2_N_RULES; i++) {
		struct nftnl_rule *r = sw_l2_rule(l2, table, i);
		struct nlmsghdr *nlh = r ? sw_nft__batch_msg(b, NFT_MSG_NEWRULE, NFPROTO_BRIDGE,
							     NLM_F_CREATE | NLM_F_APPEND,
							     SW_NFT_L2_OBJ_RULE, (uint32_t)i) : NULL;

		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, r);
			sw_nft__batch_done(b, nlh);
		}
		if (r)
			nftnl_rule_free(r);
		if (!nlh)
			return -1;
	}
	return 0;
}

int sw_nft__l2_apply_msgs(struct batch *b, const struct sw_nft_l2 *l2, const char *table,
			  struct sw_err *err)
{
	if (!l2) {
		/* guard off: one left by an earlier apply goes, in the same commit */
		if (sw_nft_l2_table_exists(table) != 1)
			return 0;
		return sw_l2_table_msg(b, table, NFT_MSG_NEWTABLE, NLM_F_CREATE) < 0 ||
		       sw_l2_table_msg(b, table, NFT_MSG_DELTABLE, 0) < 0 ? oom(err) : 0;
	}
	if (l2->log_group < 0 || l2->log_group > 65535)
		return sw_err_set(err, SW_EXIT_USAGE, "nft: L2 guard: bad log group %d", l2->log_group);
	if (sw_l2_table_msg(b, table, NFT_MSG_NEWTABLE, NLM_F_CREATE) < 0 ||
	    sw_l2_table_msg(b, table, NFT_MSG_DELTABLE, 0) < 0 ||
	    sw_l2_table_msg(b, table, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL) < 0)
		return oom(err);
	for (int s = 0; s < SW_NFT_L2_N_SETS; s++)
		if (sw_l2_set_msgs(b, l2, table, (enum sw_nft_l2_set)s) < 0)
			return oom(err);
	if (sw_l2_chain_msg(b, table) < 0 || sw_l2_rule_msgs(b, l2, table) < 0)
		return oom(err);
	return 0;
}

int sw_nft_l2_payload(const struct sw_nft_l2 *l2, const char *table, FILE *out,
		      struct sw_err *err)
{
	char buf[8192];

	fputs("# L2 guard (table bridge)\n", out);
	for (size_t i = 0; i < SW_NFT_L2_N_RULES; i++) {
		struct nftnl_rule *r = sw_l2_rule(l2, table, i);

		if (!r)
			return oom(err);
		nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0);
		fprintf(out, "# %s\n%s\n\n", sw_nft__l2_rule_comment(i), buf);
		nftnl_rule_free(r);
	}
	return SW_EXIT_OK;
}

/* The keys of @a not in @b (both sorted), into @out (room for @na). */
static size_t sw_l2_minus(const struct sw_nft_l2_key *a, size_t na, const struct sw_nft_l2_key *b,
			  size_t nb, struct sw_nft_l2_key *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na) {
		int c = j == nb ? -1 : memcmp(a[i].b, b[j].b, sizeof(a[i].b));

		if (c < 0)
			out[k++] = a[i++];
		else if (c > 0)
			j++;
		else
			i++, j++;
	}
	return k;
}

/* Set @s's changes into @b: deletions (@del) first in the caller's first pass. */
static int sw_l2_set_delta(struct batch *b, const char *table, enum sw_nft_l2_set s,
			   const struct sw_nft_l2 *applied, const struct sw_nft_l2 *fresh,
			   bool adds, size_t *count)
{
	struct sw_nft_l2_key *old = NULL, *new = NULL, *d = NULL;
	size_t n_old = 0, n_new = 0, n_d;
	int ret = -1;

	if (sw_nft__l2_keys(applied, s, &old, &n_old) < 0 || sw_nft__l2_keys(fresh, s, &new, &n_new) < 0)
		goto out;
	d = calloc((adds ? n_new : n_old) + 1, sizeof(*d));
	if (!d)
		goto out;
	n_d = adds ? sw_l2_minus(new, n_new, old, n_old, d) : sw_l2_minus(old, n_old, new, n_new, d);
	*count += n_d;
	ret = sw_l2_elem_msgs(b, table, s, d, n_d, adds ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
out:
	free(old);
	free(new);
	free(d);
	return ret;
}

int sw_nft_l2_update(struct sw_nft_conn *conn, const char *table, const struct sw_nft_l2 *applied,
		     const struct sw_nft_l2 *fresh, size_t *added, size_t *removed,
		     struct sw_err *err)
{
	struct batch *b;
	int ret = 0;

	*added = *removed = 0;
	if (!applied || !fresh)
		return SW_EXIT_OK;
	if (!(b = sw_nft__batch_new()))
		return oom(err);
	for (int pass = 0; !ret && pass < 2; pass++)
		for (int s = 0; !ret && s < SW_NFT_L2_N_SETS; s++)
			if (sw_l2_set_delta(b, table, (enum sw_nft_l2_set)s, applied, fresh, pass == 1,
					    pass ? added : removed) < 0)
				ret = oom(err);
	if (!ret && (*added || *removed))
		ret = sw_nft__batch_send(b, conn, err);
	sw_nft__batch_del(b);
	return ret;
}

/* ---- reading back ---- */

/* One dump request of @type (family bridge) built by @build into @nlh; @cb per reply. */
static int sw_l2_dump(uint16_t type, uint16_t flags, void (*build)(struct nlmsghdr *, void *),
		      void *barg, mnl_cb_t cb, void *cbarg)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	uint32_t seq = (uint32_t)time(NULL);
	int ret = -1;
	ssize_t len;

	if (!nl || !buf || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	{
		struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_BRIDGE, flags, seq);

		build(nlh, barg);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			goto out;
	}
	ret = MNL_CB_OK;
	while (ret > MNL_CB_STOP &&
	       (len = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE * 4)) > 0)
		ret = mnl_cb_run(buf, (size_t)len, seq, mnl_socket_get_portid(nl), cb, cbarg);
	ret = ret == MNL_CB_ERROR ? -errno : 0;
out:
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

static void sw_l2_build_table(struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t) {
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, arg);
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
	}
}

static int sw_l2_any_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(int *)data = 1;
	return MNL_CB_OK;
}

int sw_nft_l2_table_exists(const char *table)
{
	int found = 0, rc = sw_l2_dump(NFT_MSG_GETTABLE, NLM_F_ACK, sw_l2_build_table,
				       (void *)table, sw_l2_any_cb, &found);

	if (rc == -ENOENT)
		return 0;
	return rc < 0 ? -1 : found;
}

struct sw_l2_set_arg {
	const char *table;
	enum sw_nft_l2_set s;
};

static void sw_l2_build_elems(struct nlmsghdr *nlh, void *arg)
{
	const struct sw_l2_set_arg *a = arg;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s) {
		nftnl_set_set_str(s, NFTNL_SET_TABLE, a->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, sw_nft_l2_set_name(a->s));
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
	}
}

static int sw_l2_elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 && (it = nftnl_set_elems_iter_create(s))) {
		while (nftnl_set_elems_iter_next(it))
			(*(uint64_t *)data)++;
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static void sw_l2_build_rules(struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r) {
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, arg);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, SW_NFT_L2_CHAIN);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	}
}

static int sw_l2_comment_cb(const struct nftnl_udata *a, void *data)
{
	char *out = data;

	if (nftnl_udata_type(a) == NFTNL_UDATA_RULE_COMMENT)
		snprintf(out, 64, "%.*s", (int)nftnl_udata_len(a), (const char *)nftnl_udata_get(a));
	return 0;
}

static int sw_l2_counter_cb(struct nftnl_expr *e, void *data)
{
	uint64_t *pb = data;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") == 0) {
		pb[0] = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		pb[1] = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int sw_l2_rules_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_nft_l2_status *st = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	uint64_t pb[2] = { 0, 0 };
	const void *ud;
	uint32_t ud_len;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 && st->n_rules < 16) {
		char *comment = st->rules[st->n_rules].comment;

		comment[0] = '\0';
		ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
		if (ud)
			nftnl_udata_parse(ud, ud_len, sw_l2_comment_cb, comment);
		nftnl_expr_foreach(r, sw_l2_counter_cb, pb);
		st->rules[st->n_rules].packets = pb[0];
		st->rules[st->n_rules].bytes = pb[1];
		st->n_rules++;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int sw_nft_l2_read_status(const char *table, struct sw_nft_l2_status *st, struct sw_err *err)
{
	int rc = sw_nft_l2_table_exists(table);

	memset(st, 0, sizeof(*st));
	if (rc < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "nft: cannot read table bridge %s", table);
	if (rc == 0)
		return SW_EXIT_OK;
	st->present = true;
	for (int s = 0; s < SW_NFT_L2_N_SETS; s++) {
		struct sw_l2_set_arg a = { table, (enum sw_nft_l2_set)s };

		if (sw_l2_dump(NFT_MSG_GETSETELEM, NLM_F_DUMP, sw_l2_build_elems, &a, sw_l2_elems_cb,
			       &st->elements[s]) < 0)
			return sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading set %s of table bridge %s: %s",
					  sw_nft_l2_set_name(a.s), table, strerror(errno));
	}
	if (sw_l2_dump(NFT_MSG_GETRULE, NLM_F_DUMP, sw_l2_build_rules, (void *)table, sw_l2_rules_cb,
		       st) < 0)
		return sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading chain %s of table bridge %s: %s",
				  SW_NFT_L2_CHAIN, table, strerror(errno));
	return SW_EXIT_OK;
}
