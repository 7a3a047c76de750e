/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sweep.c - read the conntrack table with one ctnetlink dump, remember the
 * entries the judge wants ended (their original tuple as the kernel sent
 * it), then delete them one request each: a dump cannot be interleaved
 * with requests on its socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <segwatch/conntrack.h>

#define SW_CT_TUPLE_MAX 256	/* a CTA_TUPLE_ORIG attribute is ~60-100 bytes */

/* An entry to delete: how the kernel named it. */
struct sw_ct_victim {
	uint8_t nfgen_family;
	bool has_zone;
	uint16_t zone;		/* network order, as read */
	uint16_t tuple_len;
	uint8_t tuple[SW_CT_TUPLE_MAX];	/* the CTA_TUPLE_ORIG attribute, header included */
};

struct sw_ct_dump {
	sw_ct_judge_fn judge;
	void *arg;
	struct sw_ct_sweep_stats *st;
	struct sw_ct_victim *v;
	size_t n, cap;
	bool nomem;
};

/* Attributes of one nest level, by type, for types up to @max. */
struct sw_ct_attrs {
	const struct nlattr *a[CTA_MAX + 1];
	int max;
};

static int sw_ct_attr_cb(const struct nlattr *attr, void *data)
{
	struct sw_ct_attrs *t = data;
	int type = mnl_attr_get_type(attr);

	if (type <= t->max && mnl_attr_type_valid(attr, (uint16_t)t->max) > 0)
		t->a[type] = attr;
	return MNL_CB_OK;
}

static bool sw_ct_nested(const struct nlattr *nest, int max, struct sw_ct_attrs *t)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	return nest && mnl_attr_parse_nested(nest, sw_ct_attr_cb, t) >= 0;
}

/* One address of @ip (CTA_IP_V4_* or CTA_IP_V6_*) into 16-byte form. */
static bool sw_ct_addr(const struct sw_ct_attrs *ip, int v4, int v6, uint8_t out[16])
{
	memset(out, 0, 16);
	if (ip->a[v4] && mnl_attr_get_payload_len(ip->a[v4]) == 4) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, mnl_attr_get_payload(ip->a[v4]), 4);
		return true;
	}
	if (ip->a[v6] && mnl_attr_get_payload_len(ip->a[v6]) == 16) {
		memcpy(out, mnl_attr_get_payload(ip->a[v6]), 16);
		return true;
	}
	return false;
}

static uint16_t sw_ct_u16(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) == 2 ? ntohs(mnl_attr_get_u16(a)) : 0;
}

static uint8_t sw_ct_u8(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 1 ? mnl_attr_get_u8(a) : 0;
}

/* The connection an original tuple describes; false when it is not usable. */
static bool sw_ct_tuple(const struct nlattr *orig, uint8_t family, struct sw_ct_conn *c)
{
	struct sw_ct_attrs tuple, ip, proto;

	memset(c, 0, sizeof(*c));
	if (!sw_ct_nested(orig, CTA_TUPLE_MAX, &tuple) ||
	    !sw_ct_nested(tuple.a[CTA_TUPLE_IP], CTA_IP_MAX, &ip) ||
	    !sw_ct_nested(tuple.a[CTA_TUPLE_PROTO], CTA_PROTO_MAX, &proto) ||
	    !proto.a[CTA_PROTO_NUM] ||
	    !sw_ct_addr(&ip, CTA_IP_V4_SRC, CTA_IP_V6_SRC, c->src) ||
	    !sw_ct_addr(&ip, CTA_IP_V4_DST, CTA_IP_V6_DST, c->dst))
		return false;
	c->family = family == AF_INET6 ? 6 : 4;
	c->proto = sw_ct_u8(proto.a[CTA_PROTO_NUM]);
	c->has_ports = proto.a[CTA_PROTO_SRC_PORT] && proto.a[CTA_PROTO_DST_PORT];
	c->sport = sw_ct_u16(proto.a[CTA_PROTO_SRC_PORT]);
	c->dport = sw_ct_u16(proto.a[CTA_PROTO_DST_PORT]);
	c->has_icmp = proto.a[CTA_PROTO_ICMP_TYPE] || proto.a[CTA_PROTO_ICMPV6_TYPE];
	c->icmp_type = sw_ct_u8(proto.a[CTA_PROTO_ICMP_TYPE] ? proto.a[CTA_PROTO_ICMP_TYPE] :
				proto.a[CTA_PROTO_ICMPV6_TYPE]);
	return true;
}

static bool sw_ct_remember(struct sw_ct_dump *d, uint8_t nfgen_family, const struct nlattr *orig,
			   const struct nlattr *zone)
{
	struct sw_ct_victim *v;

	if (orig->nla_len > SW_CT_TUPLE_MAX)
		return true;	/* cannot be ours to name: leave it */
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;

		if (!(v = realloc(d->v, cap * sizeof(*v))))
			return false;
		d->v = v;
		d->cap = cap;
	}
	v = &d->v[d->n++];
	v->nfgen_family = nfgen_family;
	v->has_zone = zone && mnl_attr_get_payload_len(zone) == 2;
	v->zone = v->has_zone ? mnl_attr_get_u16(zone) : 0;
	v->tuple_len = orig->nla_len;
	memcpy(v->tuple, orig, orig->nla_len);
	return true;
}

static int sw_ct_entry_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_ct_dump *d = data;
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	struct sw_ct_attrs top = { .max = CTA_MAX };
	struct sw_ct_conn c;

	d->st->seen++;
	if (mnl_attr_parse(nlh, sizeof(*nfg), sw_ct_attr_cb, &top) < 0 ||
	    !sw_ct_tuple(top.a[CTA_TUPLE_ORIG], nfg->nfgen_family, &c)) {
		d->st->unreadable++;
		return MNL_CB_OK;
	}
	if (!d->judge(&c, d->arg))
		return MNL_CB_OK;
	d->st->judged_out++;
	if (!sw_ct_remember(d, nfg->nfgen_family, top.a[CTA_TUPLE_ORIG], top.a[CTA_ZONE])) {
		d->nomem = true;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *sw_ct_request(char *buf, uint8_t type, uint16_t flags, uint8_t family,
				      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

static int sw_ct_dump_all(struct mnl_socket *nl, char *buf, struct sw_ct_dump *d)
{
	uint32_t seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh = sw_ct_request(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, seq);
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret = MNL_CB_OK;
	ssize_t n;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while (ret > MNL_CB_STOP && (n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE)) > 0)
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, sw_ct_entry_cb, d);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

/* Delete one remembered entry; true when gone (deleted now, or had ended already). */
static bool sw_ct_delete(struct mnl_socket *nl, char *buf, const struct sw_ct_victim *v,
			 uint32_t seq, bool *deleted)
{
	struct nlmsghdr *nlh = sw_ct_request(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, v->nfgen_family,
					     seq);
	ssize_t n;
	int ret;

	memcpy(mnl_nlmsg_get_payload_tail(nlh), v->tuple, v->tuple_len);
	nlh->nlmsg_len += MNL_ALIGN(v->tuple_len);
	if (v->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, v->zone);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0 ||
	    (n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE)) <= 0)
		return false;
	ret = mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL);
	*deleted = ret != MNL_CB_ERROR;
	return ret != MNL_CB_ERROR || errno == ENOENT;
}

int sw_ct_sweep(sw_ct_judge_fn judge, void *arg, struct sw_ct_sweep_stats *st, struct sw_err *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct sw_ct_dump d = { .judge = judge, .arg = arg, .st = st };
	uint32_t seq = (uint32_t)time(NULL) + 1;
	int ret = SW_EXIT_OK;

	memset(st, 0, sizeof(*st));
	if (!nl || !buf || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "conntrack: netlink socket: %s", strerror(errno));
		goto out;
	}
	if (sw_ct_dump_all(nl, buf, &d) < 0) {
		ret = sw_err_set(err, SW_EXIT_RUNTIME, "conntrack: reading the table: %s",
				 strerror(d.nomem ? ENOMEM : errno));
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		bool deleted = false;

		if (!sw_ct_delete(nl, buf, &d.v[i], seq++, &deleted)) {
			ret = sw_err_set(err, SW_EXIT_RUNTIME, "conntrack: deleting an entry: %s",
					 strerror(errno));
			break;
		}
		st->deleted += deleted;
	}
out:
	free(d.v);
	free(buf);
	if (nl)
		mnl_socket_close(nl);
	return ret;
}
