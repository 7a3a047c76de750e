/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters.c - the counters of one chain's rules, read with a rule dump. */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include "internal.h"

struct dump {
	const char *chain;
	struct sw_nft_rule_counters *v;
	size_t n, cap;
	bool nomem;
};

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	struct sw_nft_rule_counters *c = data;
	uint8_t len = nftnl_udata_len(attr);
	const char *s = nftnl_udata_get(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && len > 0 && s[len - 1] == '\0')
		snprintf(c->comment, sizeof(c->comment), "%s", s);
	return MNL_CB_OK;
}

/* What one rule does, gathered from its expressions. */
struct rule_look {
	struct sw_nft_rule_counters *c;
	bool logs_monitor;	/* a log prefix "sw monitor ..." */
	int verdict;		/* NF_ACCEPT, NF_DROP, or -1 */
};

static int expr_cb(struct nftnl_expr *e, void *data)
{
	struct rule_look *l = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME), *s;

	if (strcmp(name, "counter") == 0) {
		l->c->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		l->c->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	} else if (strcmp(name, "lookup") == 0 && (s = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET))) {
		size_t len = strlen(s);

		/* segwatch's address sets end in _v4 or _v6 (compile.h) */
		if (len > 3 && strcmp(s + len - 3, "_v4") == 0)
			l->c->family = 4;
		else if (len > 3 && strcmp(s + len - 3, "_v6") == 0)
			l->c->family = 6;
	} else if (strcmp(name, "log") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_LOG_PREFIX)) {
		l->logs_monitor = strncmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX),
					  "sw monitor", 10) == 0;
	} else if (strcmp(name, "immediate") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		l->verdict = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	}
	return 0;
}

static void rule_look(struct nftnl_rule *r, struct sw_nft_rule_counters *c)
{
	struct rule_look l = { .c = c, .verdict = -1 };

	nftnl_expr_foreach(r, expr_cb, &l);
	if (l.verdict == NF_DROP)
		snprintf(c->action, sizeof(c->action), "deny");
	else if (l.verdict == NF_ACCEPT)
		snprintf(c->action, sizeof(c->action), "%s", l.logs_monitor ? "monitor" : "allow");
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct sw_nft_rule_counters *c;
	const void *ud;
	uint32_t ud_len;

	if (!r) {
		d->nomem = true;
		return MNL_CB_ERROR;
	}
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0 ||
	    !nftnl_rule_is_set(r, NFTNL_RULE_CHAIN) ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), d->chain) != 0)
		goto out;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct sw_nft_rule_counters *nv = realloc(d->v, cap * sizeof(*nv));

		if (!nv) {
			d->nomem = true;
			if (r)
				nftnl_rule_free(r);
			return MNL_CB_ERROR;
		}
		d->v = nv;
		d->cap = cap;
	}
	c = &d->v[d->n++];
	memset(c, 0, sizeof(*c));
	c->handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
	rule_look(r, c);
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
	if (ud)
		nftnl_udata_parse(ud, ud_len, comment_cb, c);
out:
	if (r)
		nftnl_rule_free(r);
	return MNL_CB_OK;
}

int sw_nft_read_counters(const char *table, const char *chain,
			 struct sw_nft_rule_counters **out, size_t *n, struct sw_err *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct dump d = { .chain = chain };
	uint32_t seq = (uint32_t)time(NULL), portid;
	struct nlmsghdr *nlh;
	ssize_t len;
	int ret = 0, cb = MNL_CB_OK;

	*out = NULL;
	*n = 0;
	if (!nl || !buf || !r) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading counters: %s", strerror(errno));
		goto out;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: netlink bind: %s", strerror(errno));
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading counters: %s", strerror(errno));
		goto out;
	}
	while (cb > MNL_CB_STOP && (len = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE * 4)) > 0)
		cb = mnl_cb_run(buf, (size_t)len, seq, portid, rule_cb, &d);
	if (cb == MNL_CB_ERROR || d.nomem) {
		int e = d.nomem ? ENOMEM : errno;

		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: reading counters of chain %s in table inet %s: %s",
				 chain, table, strerror(e));
		free(d.v);
		goto out;
	}
	if (d.n == 0 && sw_nft__exists(table, chain) == 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: no chain %s in table inet %s", chain, table);
		goto out;
	}
	*out = d.v;
	*n = d.n;
out:
	if (r)
		nftnl_rule_free(r);
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

/* Whether the rules read from the kernel are chain @c's of @p, in order (by their comments). */
static bool rules_are_plan(const struct sw_nft_chain *ch, const struct sw_nft_rule_counters *v,
			   size_t n)
{
	char safe[256];

	if (n != ch->n_rules)
		return false;
	for (size_t r = 0; r < n; r++) {
		sw_nft__quote_safe(ch->rules[r].comment, safe, sizeof(safe));
		if (strncmp(safe, v[r].comment, sizeof(v[r].comment) - 1) != 0 || !v[r].handle)
			return false;
	}
	return true;
}

int sw_nft_plan_learn_handles(struct sw_nft_plan *p, struct sw_err *err)
{
	for (size_t c = 0; c < p->n_chains; c++) {
		struct sw_nft_chain *ch = &p->chains[c];
		struct sw_nft_rule_counters *v = NULL;
		size_t n = 0;
		int rc;

		free(ch->handles);
		ch->handles = NULL;
		if ((rc = sw_nft_read_counters(p->table, ch->name, &v, &n, err)) != SW_EXIT_OK)
			return rc;
		if (n && rules_are_plan(ch, v, n) && (ch->handles = malloc(n * sizeof(uint64_t))))
			for (size_t r = 0; r < n; r++)
				ch->handles[r] = v[r].handle;
		free(v);
	}
	return SW_EXIT_OK;
}
