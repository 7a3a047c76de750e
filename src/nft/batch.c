/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * batch.c - one nfnetlink batch per change: the kernel commits all of it or
 * nothing. Each message is recorded with what it builds, so the kernel's
 * error for a sequence number is reported as "set X" or "rule N of chain Y".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "internal.h"
#include "l2.h"

/*
 * Element bytes per NEWSETELEM: its list is one attribute, whose length is
 * 16 bits; fewer, larger messages mean fewer acks to read.
 */
#define ELEMS_BYTES	(48 * 1024)
#define MSG_ROOM	(128 * 1024)	/* the most one message may need */

enum obj_kind { OBJ_BATCH, OBJ_TABLE, OBJ_SET, OBJ_ELEMS, OBJ_CHAIN, OBJ_RULE, OBJ_ANON, OBJ_L2 };

struct msg_obj {
	uint8_t kind;
	uint8_t op;		/* NFT_MSG_* */
	uint32_t a, b;		/* set index / chain, rule */
};

struct batch {
	char *buf;
	size_t len, cap;
	size_t last;		/* offset of the last message before the end */
	uint32_t seq0, seq;	/* first and next sequence number */
	struct msg_obj *objs;	/* by seq - seq0 */
	size_t n_objs, cap_objs;
};

static int batch_room(struct batch *b)
{
	if (b->len + MSG_ROOM > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256 * 1024) + MSG_ROOM;
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return -1;
		memset(nb + b->cap, 0, cap - b->cap);
		b->buf = nb;
		b->cap = cap;
	}
	if (b->n_objs == b->cap_objs) {
		size_t cap = b->cap_objs ? b->cap_objs * 2 : 256;
		struct msg_obj *no = realloc(b->objs, cap * sizeof(*no));

		if (!no)
			return -1;
		b->objs = no;
		b->cap_objs = cap;
	}
	return 0;
}

/*
 * Start a message of @type; the caller fills its payload, then batch_done().
 * No message asks for an ack: the kernel answers the ones it refuses (and a
 * batch it cannot commit) with an error anyway, and 2,000 acks for a large
 * policy cost both sides. Only the last one asks (batch_end), so that its
 * ack says the kernel read the batch through.
 */
static struct nlmsghdr *batch_msg_of(struct batch *b, uint16_t type, uint16_t family,
				     uint16_t flags, enum obj_kind kind, uint32_t x, uint32_t y)
{
	if (batch_room(b) < 0)
		return NULL;
	b->objs[b->n_objs++] = (struct msg_obj){ .kind = (uint8_t)kind, .op = (uint8_t)type, .a = x, .b = y };
	b->last = b->len;
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags, b->seq++);
}

/* A message of the inet table. */
static struct nlmsghdr *batch_msg(struct batch *b, uint16_t type, uint16_t flags,
				  enum obj_kind kind, uint32_t x, uint32_t y)
{
	return batch_msg_of(b, type, NFPROTO_INET, flags, kind, x, y);
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int batch_init(struct batch *b)
{
	memset(b, 0, sizeof(*b));
	b->seq0 = b->seq = (uint32_t)time(NULL) << 8;
	if (batch_room(b) < 0)
		return -1;
	b->objs[b->n_objs++] = (struct msg_obj){ .kind = OBJ_BATCH };
	batch_done(b, nftnl_batch_begin(b->buf, b->seq++));
	return 0;
}

static int batch_end(struct batch *b)
{
	if (batch_room(b) < 0)
		return -1;
	if (b->n_objs > 1)
		((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
	b->objs[b->n_objs++] = (struct msg_obj){ .kind = OBJ_BATCH };
	batch_done(b, nftnl_batch_end(b->buf + b->len, b->seq++));
	return 0;
}

static void batch_free(struct batch *b)
{
	free(b->buf);
	free(b->objs);
}

/* A table message; @comment (may be NULL) goes in its userdata, where nft shows it. */
static int table_msg(struct batch *b, const char *table, uint16_t type, uint16_t flags,
		     const char *comment)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nftnl_udata_buf *ud = NULL;
	struct nlmsghdr *nlh = NULL;

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (comment && comment[0]) {
		char safe[SW_NFT_COMMENT_MAX];

		sw_nft__quote_safe(comment, safe, sizeof(safe));	/* as the script shows it */
		ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_TABLE_COMMENT, safe))
			goto out;
		nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
				     nftnl_udata_buf_len(ud));
	}
	nlh = batch_msg(b, type, flags, OBJ_TABLE, 0, 0);
	if (nlh) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_done(b, nlh);
	}
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	nftnl_table_free(t);
	return nlh ? 0 : -1;
}

/*
 * Bytes one item of a list takes in a NEWSETELEM message: its nest, the
 * key's nest and value; an interval's end adds the same again and its flags.
 */
static size_t elem_bytes(size_t klen, bool ival)
{
	size_t one = 2 * MNL_ATTR_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + klen);

	return ival ? 2 * one + MNL_ALIGN(MNL_ATTR_HDRLEN + sizeof(uint32_t)) : one;
}

/* One element (a key, with the interval-end flag when @end) in the list nest. */
static void elem_put(struct nlmsghdr *nlh, uint16_t idx, const uint8_t *key, size_t klen, bool end)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, idx);
	struct nlattr *k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);

	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(nlh, k);
	if (end)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	mnl_attr_nest_end(nlh, e);
}

/*
 * elems_write - NEWSETELEM/DELSETELEM for the items of @l, as many to a
 * message as fit in ELEMS_BYTES. The attributes are written straight into
 * the batch, as libnftnl would write them, without an object per element:
 * elements are most of a large policy's batch (40,000 in the inet table,
 * 70,000 in the L2 guard's at 10,000 workloads). Messages are recorded as
 * @kind (a, b), b counting messages for OBJ_ELEMS. -1 when out of memory.
 */
static int elems_write(struct batch *b, const struct sw_nft__elem_list *l, uint16_t type,
		       enum obj_kind kind, uint32_t x, uint32_t y)
{
	size_t per = ELEMS_BYTES / elem_bytes(l->klen, l->iv != NULL);

	for (size_t i = 0, msg = 0; i < l->n; i += per, msg++) {
		struct nlmsghdr *nlh = batch_msg_of(b, type, l->family ? l->family : NFPROTO_INET,
						    type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0,
						    kind, x, kind == OBJ_ELEMS ? (uint32_t)msg : y);
		struct nlattr *list;
		uint16_t idx = 0;

		if (!nlh)
			return -1;
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, l->set);
		if (l->id)
			mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(l->id));
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, l->table);
		list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		for (size_t k = i; k < l->n && k < i + per; k++) {
			elem_put(nlh, ++idx, l->keys + k * l->stride, l->klen, false);
			if (l->iv && !l->iv[k].end_wraps)
				elem_put(nlh, ++idx, l->iv[k].end, l->klen, true);
		}
		mnl_attr_nest_end(nlh, list);
		batch_done(b, nlh);
	}
	return 0;
}

/*
 * Intervals @iv of an inet set (of a hash set: their start addresses) as
 * element messages, described in errors as elements of plan set @x.
 */
static int elem_msgs(struct batch *b, const char *table, const struct sw_nft_set *s, uint32_t id,
		     const struct sw_nft_ival *iv, size_t n, uint16_t type, uint32_t x)
{
	struct sw_nft__elem_list l = {
		.table = table, .set = s->name, .id = id, .klen = sw_nft__klen(s->family),
		.keys = n ? iv[0].start : NULL, .stride = sizeof(*iv), .n = n,
		.iv = s->hash ? NULL : iv,
	};

	return elems_write(b, &l, type, OBJ_ELEMS, x, 0);
}

/* NEWSET and NEWSETELEM of a rule's anonymous set. */
static int anon_msgs(struct batch *b, struct nftnl_set *s, uint32_t ci, uint32_t ri)
{
	struct nlmsghdr *nlh = batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL, OBJ_ANON, ci, ri);

	if (!nlh)
		return -1;
	nftnl_set_nlmsg_build_payload(nlh, s);
	batch_done(b, nlh);
	nlh = batch_msg(b, NFT_MSG_NEWSETELEM, NLM_F_CREATE, OBJ_ANON, ci, ri);
	if (!nlh)
		return -1;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	batch_done(b, nlh);
	return 0;
}

static const char *op_name(uint8_t op)
{
	switch (op) {
	case NFT_MSG_NEWTABLE: return "add table";
	case NFT_MSG_DELTABLE: return "delete table";
	case NFT_MSG_NEWSET: return "add set";
	case NFT_MSG_NEWSETELEM: return "add elements";
	case NFT_MSG_DELSETELEM: return "delete elements";
	case NFT_MSG_NEWCHAIN: return "add chain";
	case NFT_MSG_NEWRULE: return "add rule";
	default: return "batch";
	}
}

/* What message @o built, for the error message. */
static void obj_desc(const struct msg_obj *o, const struct sw_nft_plan *p, const char *table,
		     const char *set, char *buf, size_t sz)
{
	char rd[256];

	switch (o->kind) {
	case OBJ_TABLE:
		snprintf(buf, sz, "%s inet %s", op_name(o->op), table);
		break;
	case OBJ_SET:
		snprintf(buf, sz, "set %s", p ? p->sets[o->a].name : set);
		break;
	case OBJ_ELEMS:
		snprintf(buf, sz, "%s of set %s (message %u)", op_name(o->op),
			 p ? p->sets[o->a].name : set, o->b + 1);
		break;
	case OBJ_CHAIN:
		snprintf(buf, sz, "chain %s", p->chains[o->a].name);
		break;
	case OBJ_RULE:
	case OBJ_ANON:
		sw_nft__rule_desc(p, o->a, o->b, rd, sizeof(rd));
		snprintf(buf, sz, "%s%s", o->kind == OBJ_ANON ? "anonymous set of " : "", rd);
		break;
	case OBJ_L2:
		sw_nft__l2_desc(o->a, o->b, buf, sz);
		break;
	default:
		snprintf(buf, sz, "batch");
	}
}

struct reply {
	int error;		/* first error (negative errno), 0 */
	uint32_t seq;		/* its sequence number */
	char extack[256];
	uint32_t seen;		/* replies read (errors, the last message's ack) */
	bool lost;		/* ENOBUFS: replies were dropped */
};

static void parse_error(const struct nlmsghdr *nlh, struct reply *r)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;
	const struct nlattr *a;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	r->seen++;
	if (e->error == 0 || r->error)
		return;
	r->error = e->error;
	r->seq = e->msg.nlmsg_seq;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(r->extack, sizeof(r->extack), "%s", mnl_attr_get_str(a));
	}
}

static const char *hint(int e)
{
	if (e == EPERM || e == EACCES)
		return " (perhaps you must be root?)";
	if (e == EPROTONOSUPPORT || e == EAFNOSUPPORT)
		return " (is nf_tables available in this kernel?)";
	return "";
}

/* A bound nfnetlink socket that asks for extended acks. */
static struct mnl_socket *nft_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/* The whole batch goes in one sendmsg; its acks all wait in our queue. */
static void nft_socket_size(struct mnl_socket *nl, size_t batch_len, size_t n_msgs)
{
	int snd = (int)(batch_len + 65536), rcv = (int)(n_msgs * 2048 + 262144);

	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
}

/*
 * A socket kept open across batches. Closing an nfnetlink socket after a
 * batch that deleted anything waits for the kernel to free what it deleted
 * (an RCU grace period, 10-20 ms here), so a long-lived updater keeps one.
 */
struct sw_nft_conn {
	struct mnl_socket *nl;
};

struct sw_nft_conn *sw_nft_conn_open(struct sw_err *err)
{
	struct sw_nft_conn *c = calloc(1, sizeof(*c));

	if (!c || !(c->nl = nft_socket())) {
		int e = c ? errno : ENOMEM;

		free(c);
		sw_err_set(err, SW_EXIT_RUNTIME, "nft: netlink socket: %s%s", strerror(e), hint(e));
		return NULL;
	}
	return c;
}

void sw_nft_conn_close(struct sw_nft_conn *c)
{
	if (!c)
		return;
	mnl_socket_close(c->nl);
	free(c);
}


/*
 * Send the batch and read every reply. The kernel handles the batch inside
 * sendmsg(), so when it returns all replies are queued: read until empty.
 */
/*
 * The kernel handles the batch inside sendmsg, so every ack already waits in
 * our queue: read until it is empty.
 */
static void read_acks(struct mnl_socket *nl, char *buf, size_t size, struct reply *r)
{
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, size, MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			r->lost = true;
			continue;
		}
		if (n <= 0)
			break;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == NLMSG_ERROR)
				parse_error(nlh, r);
	}
}

static int batch_send(struct batch *b, struct sw_nft_conn *conn, const struct sw_nft_plan *p,
		      const char *table, const char *set, struct sw_err *err)
{
	struct mnl_socket *nl = conn ? conn->nl : nft_socket();
	struct reply r = { 0 };
	char *buf;
	int ret = 0;

	if (!nl)
		return sw_err_set(err, SW_EXIT_RUNTIME, "nft: netlink socket: %s%s", strerror(errno),
				  hint(errno));
	nft_socket_size(nl, b->len, b->n_objs);
	buf = malloc(MNL_SOCKET_BUFFER_SIZE * 4);
	if (!buf) {
		if (!conn)
			mnl_socket_close(nl);
		return sw_err_set(err, SW_EXIT_RUNTIME, "nft: out of memory");
	}
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: sending the batch (%zu bytes): %s%s",
				 b->len, strerror(errno), hint(errno));
		goto out;
	}
	read_acks(nl, buf, MNL_SOCKET_BUFFER_SIZE * 4, &r);
	if (r.error) {
		char what[400];
		uint32_t i = r.seq - b->seq0;

		if (i < b->n_objs)
			obj_desc(&b->objs[i], p, table, set, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "message %u", r.seq);
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "nft: %s: %s%s%s%s; nothing was changed", what,
				 strerror(-r.error), r.extack[0] ? " (" : "", r.extack,
				 r.extack[0] ? ")" : "");
	} else if (r.lost || (r.seen == 0 && b->n_objs > 2)) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME,
				 "nft: the kernel's answer to the batch was %s; its state is unknown",
				 r.lost ? "lost (receive buffer overrun)" : "not read");
	}
out:
	free(buf);
	if (!conn)
		mnl_socket_close(nl);
	return ret;
}

static int oom(struct sw_err *err)
{
	return sw_err_set(err, SW_EXIT_RUNTIME, "nft: out of memory building the batch");
}

/* Each set with its elements. Returns 0 or an SW_EXIT_* code with @err. */
static int set_msgs(struct batch *b, const struct sw_nft_plan *p, struct sw_err *err)
{
	for (size_t i = 0; i < p->n_sets; i++) {
		struct nftnl_set *ns = sw_nft__set_build(p->table, &p->sets[i], (uint32_t)i + 1);
		struct nlmsghdr *nlh = ns ? batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE | NLM_F_EXCL,
						      OBJ_SET, (uint32_t)i, 0) : NULL;
		struct sw_nft_ival *iv;
		size_t n;
		int ret;

		if (nlh) {
			nftnl_set_nlmsg_build_payload(nlh, ns);
			batch_done(b, nlh);
		}
		if (ns)
			nftnl_set_free(ns);
		if (!nlh)
			return oom(err);
		ret = sw_nft__set_ivals(&p->sets[i], &iv, &n, err, "nft: set");
		if (ret)
			return ret == -1 ? err->code : oom(err);
		ret = elem_msgs(b, p->table, &p->sets[i], (uint32_t)i + 1, iv, n, NFT_MSG_NEWSETELEM,
				(uint32_t)i);
		free(iv);
		if (ret < 0)
			return oom(err);
	}
	return 0;
}

/* One chain, a base chain on its hook when it is one; -1 when out of memory. */
static int chain_msg(struct batch *b, const struct sw_nft_plan *p, size_t c)
{
	const struct sw_nft_chain *ch = &p->chains[c];
	struct nftnl_chain *nc = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (!nc)
		return -1;
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, p->table);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, ch->name);
	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (ch->base) {
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, (uint32_t)ch->hook);
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, ch->priority);
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE | NLM_F_EXCL, OBJ_CHAIN, (uint32_t)c, 0);
	if (nlh) {
		nftnl_chain_nlmsg_build_payload(nlh, nc);
		batch_done(b, nlh);
	}
	nftnl_chain_free(nc);
	return nlh ? 0 : -1;
}

/*
 * Rule @r of chain @c, after the anonymous sets it uses: appended, or, with
 * @handle (not 0), in place of the rule of that handle (which it keeps).
 * Returns 0 or an SW_EXIT_* code.
 */
static int rule_msgs(struct batch *b, const struct sw_nft_plan *p, size_t c, size_t r,
		     uint64_t handle, uint32_t *next_id, struct sw_err *err)
{
	struct sw_nft_anon anon[64];
	size_t n_anon = 0;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct nlmsghdr *nlh;
	int ret;

	if (!nr)
		return oom(err);
	ret = sw_nft__rule_build(p, c, r, nr, anon, &n_anon, 64, next_id, err);
	for (size_t a = 0; !ret && a < n_anon; a++)
		if (anon_msgs(b, anon[a].set, (uint32_t)c, (uint32_t)r) < 0)
			ret = oom(err);
	if (!ret && handle)
		nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, handle);
	if (!ret) {
		uint16_t flags = handle ? NLM_F_REPLACE : NLM_F_CREATE | NLM_F_APPEND;

		nlh = batch_msg(b, NFT_MSG_NEWRULE, flags, OBJ_RULE, (uint32_t)c, (uint32_t)r);
		if (nlh) {
			nftnl_rule_nlmsg_build_payload(nlh, nr);
			batch_done(b, nlh);
		} else {
			ret = oom(err);
		}
	}
	for (size_t a = 0; a < n_anon; a++)
		nftnl_set_free(anon[a].set);
	nftnl_rule_free(nr);
	return ret;
}

int sw_nft_apply(const struct sw_nft_plan *p, struct sw_err *err)
{
	struct batch b;
	uint32_t next_id = (uint32_t)p->n_sets + 1;
	int ret;

	if ((ret = sw_nft__plan_check(p, err)))
		return ret;
	if (batch_init(&b) < 0)
		return oom(err);
	/* make sure it exists, delete it, add it back: replaces atomically */
	if (table_msg(&b, p->table, NFT_MSG_NEWTABLE, NLM_F_CREATE, NULL) < 0 ||
	    table_msg(&b, p->table, NFT_MSG_DELTABLE, 0, NULL) < 0 ||
	    table_msg(&b, p->table, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, p->comment) < 0)
		ret = oom(err);
	if (!ret)
		ret = set_msgs(&b, p, err);
	for (size_t c = 0; !ret && c < p->n_chains; c++)
		if (chain_msg(&b, p, c) < 0)
			ret = oom(err);
	for (size_t c = 0; !ret && c < p->n_chains; c++)
		for (size_t r = 0; !ret && r < p->chains[c].n_rules; r++)
			ret = rule_msgs(&b, p, c, r, 0, &next_id, err);
	if (!ret)	/* the L2 guard's bridge table, in the same commit */
		ret = sw_nft__l2_apply_msgs(&b, p->l2, p->table, err);
	if (!ret && batch_end(&b) < 0)
		ret = oom(err);
	if (!ret)
		ret = batch_send(&b, NULL, p, p->table, NULL, err);
	batch_free(&b);
	return ret;
}

int sw_nft_remove(const char *table, struct sw_err *err)
{
	struct batch b;
	int ret;

	if (batch_init(&b) < 0)
		return oom(err);
	/* absent is fine: make sure it exists, then delete it */
	if (table_msg(&b, table, NFT_MSG_NEWTABLE, NLM_F_CREATE, NULL) < 0 ||
	    table_msg(&b, table, NFT_MSG_DELTABLE, 0, NULL) < 0 ||
	    sw_nft__l2_apply_msgs(&b, NULL, table, err) != 0 || batch_end(&b) < 0) {
		batch_free(&b);
		return oom(err);
	}
	ret = batch_send(&b, NULL, NULL, table, NULL, err);
	batch_free(&b);
	return ret;
}

int sw_nft_set_update(const char *table, const struct sw_nft_set *set,
		      const struct sw_nft_prefix *add, size_t n_add,
		      const struct sw_nft_prefix *del, size_t n_del, struct sw_err *err)
{
	struct sw_nft_set_change ch = { set, add, del, n_add, n_del };

	return sw_nft_sets_update(NULL, table, &ch, 1, err);
}

/* Whether a table (@chain NULL) or a chain of it exists: a GET with an ack. */
int sw_nft__exists(const char *table, const char *chain)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_table *t = chain ? NULL : nftnl_table_alloc();
	struct nftnl_chain *c = chain ? nftnl_chain_alloc() : NULL;
	uint16_t type = chain ? NFT_MSG_GETCHAIN : NFT_MSG_GETTABLE;
	uint16_t reply = chain ? NFT_MSG_NEWCHAIN : NFT_MSG_NEWTABLE;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL);
	int found = -1;
	ssize_t n;

	if (!nl || (!t && !c) || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, NLM_F_ACK, seq);
	if (chain) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
		nftnl_chain_nlmsg_build_payload(nlh, c);
	} else {
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
		nftnl_table_nlmsg_build_payload(nlh, t);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		int len = (int)n;
		bool done = false;

		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				done = true;	/* the ack (after the object) or an error */
				if (found < 0)
					found = e->error == 0 ? 1 : e->error == -ENOENT ? 0 : -1;
			} else if ((nlh->nlmsg_type & 0xff) == reply) {
				found = 1;
			}
		}
		if (done)
			break;
	}
out:
	if (t)
		nftnl_table_free(t);
	if (c)
		nftnl_chain_free(c);
	if (nl)
		mnl_socket_close(nl);
	return found;
}

bool sw_nft_table_exists(const char *table)
{
	return sw_nft__exists(table, NULL) == 1;
}

/*
 * The elements of @ch (@n changes) as intervals: @iv[2i] to delete, @iv[2i+1]
 * to add, @cnt their sizes. Returns 0 or an SW_EXIT_* code with @err.
 */
static int changes_prepare(const struct sw_nft_set_change *ch, size_t n, struct sw_nft_ival **iv,
			   size_t *cnt, struct sw_err *err)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		struct sw_nft_set tmp = *ch[i].set;

		if (tmp.family != 4 && tmp.family != 6)
			return sw_err_set(err, SW_EXIT_USAGE, "nft: set %s: family must be 4 or 6",
					  tmp.name);
		tmp.elems = (struct sw_nft_prefix *)ch[i].del;
		tmp.n_elems = ch[i].n_del;
		ret = sw_nft__set_ivals(&tmp, &iv[2 * i], &cnt[2 * i], err, "nft: deleting from set");
		if (!ret) {
			tmp.elems = (struct sw_nft_prefix *)ch[i].add;
			tmp.n_elems = ch[i].n_add;
			ret = sw_nft__set_ivals(&tmp, &iv[2 * i + 1], &cnt[2 * i + 1], err,
						"nft: adding to set");
		}
		if (ret)
			ret = ret == -1 ? err->code : oom(err);
	}
	return ret;
}

/*
 * The element messages of @ch: every deletion first (an address may move
 * from one set to another). @p, when given, is the plan the sets belong to
 * (errors then name the set). -1 when out of memory.
 */
static int changes_msgs(struct batch *b, const char *table, const struct sw_nft_set_change *ch,
			size_t n, struct sw_nft_ival **iv, const size_t *cnt,
			const struct sw_nft_plan *p)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			uint32_t x = p ? (uint32_t)(ch[i].set - p->sets) : 0;

			if (elem_msgs(b, table, ch[i].set, 0, iv[2 * i + pass], cnt[2 * i + pass],
				      pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, x) < 0)
				return -1;
		}
	return 0;
}

static void changes_free(struct sw_nft_ival **iv, size_t *cnt, size_t n)
{
	for (size_t i = 0; iv && i < 2 * n; i++)
		free(iv[i]);
	free(iv);
	free(cnt);
}

/*
 * sw_nft_sets_update - several sets' changes in one batch: a workload that
 * starts or stops touches its groups' sets and the managed sets at once, and
 * they change together or not at all.
 */
int sw_nft_sets_update(struct sw_nft_conn *conn, const char *table,
		       const struct sw_nft_set_change *ch, size_t n, struct sw_err *err)
{
	struct sw_nft_ival **iv = calloc(2 * (n ? n : 1), sizeof(*iv));
	size_t *cnt = calloc(2 * (n ? n : 1), sizeof(*cnt));
	struct batch b;
	int ret = iv && cnt ? changes_prepare(ch, n, iv, cnt, err) : oom(err);

	if (ret)
		goto out;
	if (batch_init(&b) < 0) {
		ret = oom(err);
		goto out;
	}
	if (changes_msgs(&b, table, ch, n, iv, cnt, NULL) < 0 || batch_end(&b) < 0)
		ret = oom(err);
	if (!ret)
		ret = batch_send(&b, conn, NULL, table, n ? ch[0].set->name : "", err);
	batch_free(&b);
out:
	changes_free(iv, cnt, n);
	return ret;
}

bool sw_nft_plan_same_layout(const struct sw_nft_plan *a, const struct sw_nft_plan *b)
{
	if (strcmp(a->table, b->table) != 0 || a->n_sets != b->n_sets || a->n_chains != b->n_chains ||
	    !sw_nft_l2_same_layout(a->l2, b->l2))
		return false;
	for (size_t i = 0; i < a->n_sets; i++)
		if (strcmp(a->sets[i].name, b->sets[i].name) != 0 ||
		    a->sets[i].family != b->sets[i].family)
			return false;
	for (size_t i = 0; i < a->n_chains; i++) {
		const struct sw_nft_chain *x = &a->chains[i], *y = &b->chains[i];

		if (strcmp(x->name, y->name) != 0 || x->base != y->base ||
		    (x->base && (x->hook != y->hook || x->priority != y->priority)))
			return false;
	}
	return true;
}

/* Every rule of chain @c goes: a DELRULE naming the chain and no rule. -1 when out of memory. */
static int chain_flush_msg(struct batch *b, const struct sw_nft_plan *p, size_t c)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!nr)
		return -1;
	nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, p->table);
	nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, p->chains[c].name);
	nftnl_rule_set_u32(nr, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nlh = batch_msg(b, NFT_MSG_DELRULE, 0, OBJ_CHAIN, (uint32_t)c, 0);
	if (nlh) {
		nftnl_rule_nlmsg_build_payload(nlh, nr);
		batch_done(b, nlh);
	}
	nftnl_rule_free(nr);
	return nlh ? 0 : -1;
}

/* Whether chain @c of @p can have its rules replaced one by one in place of @applied's. */
static bool chain_in_place(const struct sw_nft_plan *applied, const struct sw_nft_plan *p, size_t c)
{
	return c < applied->n_chains && applied->chains[c].handles &&
	       applied->chains[c].n_rules == p->chains[c].n_rules;
}

/*
 * The rule messages of chain @c: the changed rules replaced by handle, or
 * the chain flushed and every rule added. Returns 0 or an SW_EXIT_* code.
 */
static int chain_delta_msgs(struct batch *b, const struct sw_nft_plan *applied,
			    const struct sw_nft_plan *p, size_t c, uint32_t *next_id,
			    struct sw_err *err)
{
	const struct sw_nft_chain *was = &applied->chains[c], *ch = &p->chains[c];
	bool in_place = chain_in_place(applied, p, c);
	int ret = 0;

	if (!in_place && chain_flush_msg(b, p, c) < 0)
		return oom(err);
	for (size_t r = 0; !ret && r < ch->n_rules; r++) {
		if (in_place && sw_nft_rule_same(&was->rules[r], &ch->rules[r]))
			continue;
		ret = rule_msgs(b, p, c, r, in_place ? was->handles[r] : 0, next_id, err);
	}
	return ret;
}

/*
 * After the batch: the chains replaced rule by rule keep their handles (out
 * of memory: not known, learned again before the next delta).
 */
static void chain_handles_keep(const struct sw_nft_plan *applied, struct sw_nft_plan *p)
{
	for (size_t c = 0; c < p->n_chains; c++) {
		size_t n = p->chains[c].n_rules;

		free(p->chains[c].handles);
		p->chains[c].handles = NULL;
		if (!chain_in_place(applied, p, c) || !n)
			continue;
		if ((p->chains[c].handles = malloc(n * sizeof(uint64_t))))
			memcpy(p->chains[c].handles, applied->chains[c].handles,
			       n * sizeof(uint64_t));
	}
}

int sw_nft_apply_delta(struct sw_nft_conn *conn, const struct sw_nft_plan *applied,
		       struct sw_nft_plan *p, const struct sw_nft_set_change *ch, size_t n,
		       struct sw_err *err)
{
	struct sw_nft_ival **iv = calloc(2 * (n ? n : 1), sizeof(*iv));
	size_t *cnt = calloc(2 * (n ? n : 1), sizeof(*cnt));
	uint32_t next_id = (uint32_t)p->n_sets + 1;
	struct batch b;
	int ret = iv && cnt ? sw_nft__plan_check(p, err) : oom(err);

	if (!ret && !sw_nft_plan_same_layout(applied, p))
		ret = sw_err_set(err, SW_EXIT_USAGE, "nft: a delta needs the same sets and chains");
	if (!ret)
		ret = changes_prepare(ch, n, iv, cnt, err);
	if (ret)
		goto out;
	if (batch_init(&b) < 0) {
		ret = oom(err);
		goto out;
	}
	if (changes_msgs(&b, p->table, ch, n, iv, cnt, p) < 0)
		ret = oom(err);
	for (size_t c = 0; !ret && c < p->n_chains; c++)
		ret = chain_delta_msgs(&b, applied, p, c, &next_id, err);
	if (!ret && batch_end(&b) < 0)
		ret = oom(err);
	/* nothing changed (begin and end only): nothing to send */
	if (!ret && b.n_objs > 2)
		ret = batch_send(&b, conn, p, p->table, NULL, err);
	batch_free(&b);
	if (!ret)
		chain_handles_keep(applied, p);
out:
	changes_free(iv, cnt, n);
	return ret;
}

/* ---- the hooks l2_batch.c builds the L2 guard's messages with (l2.h) ---- */

struct nlmsghdr *sw_nft__batch_msg(struct batch *b, uint16_t type, uint16_t family,
				   uint16_t flags, uint32_t what, uint32_t idx)
{
	return batch_msg_of(b, type, family, flags, OBJ_L2, what, idx);
}

int sw_nft__batch_elems(struct batch *b, const struct sw_nft__elem_list *l, uint16_t type,
			uint32_t what, uint32_t idx)
{
	return elems_write(b, l, type, OBJ_L2, what, idx);
}

void sw_nft__batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	batch_done(b, nlh);
}

struct batch *sw_nft__batch_new(void)
{
	struct batch *b = malloc(sizeof(*b));

	if (b && batch_init(b) < 0) {
		batch_free(b);
		free(b);
		return NULL;
	}
	return b;
}

int sw_nft__batch_send(struct batch *b, struct sw_nft_conn *conn, struct sw_err *err)
{
	if (batch_end(b) < 0)
		return oom(err);
	return batch_send(b, conn, NULL, "", NULL, err);
}

void sw_nft__batch_del(struct batch *b)
{
	if (!b)
		return;
	batch_free(b);
	free(b);
}
