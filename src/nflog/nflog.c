// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nflog.c - the NFNETLINK socket: bind an NFLOG group in copy-packet mode
 * (NFULNL_MSG_CONFIG with NFULA_CFG_CMD bind, then NFULA_CFG_MODE), read
 * without blocking and hand each buffer to sw_nflog_parse_msg().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "internal.h"

struct sw_nflog {
	struct mnl_socket *nl;
	uint16_t group;
	uint32_t seq;
	struct sw_nflog_stats stats;
	char *buf;
	size_t buf_size;
};

/* sw_nflog_config_hdr - start an NFULNL_MSG_CONFIG request for our group. */
static struct nlmsghdr *sw_nflog_config_hdr(struct sw_nflog *n, char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(n->group);
	return nlh;
}

/* sw_nflog_talk - send one request and wait for its ack; returns 0 or -errno. */
static int sw_nflog_talk(struct sw_nflog *n, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(n->nl);
	ssize_t len;
	int ret;

	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	len = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));
	if (len < 0)
		return -errno;
	ret = mnl_cb_run(buf, (size_t)len, nlh->nlmsg_seq, portid, NULL, NULL);
	return ret < 0 ? -errno : 0;
}

static int sw_nflog_bind(struct sw_nflog *n, uint32_t copy_bytes)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(copy_bytes),
					       .copy_mode = NFULNL_COPY_PACKET };
	int ret;

	nlh = sw_nflog_config_hdr(n, buf);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	ret = sw_nflog_talk(n, nlh);
	if (ret < 0)
		return ret;
	nlh = sw_nflog_config_hdr(n, buf);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	/* The kernel batches log messages for 1 s by default: a capture stopped
	 * within a second of a logged packet would never see it. */
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(SW_NFLOG_FLUSH_MS / 10));
	return sw_nflog_talk(n, nlh);
}

struct sw_nflog *sw_nflog_open(uint16_t group, uint32_t copy_bytes, struct sw_err *err)
{
	struct sw_nflog *n = calloc(1, sizeof(*n));
	int ret;

	if (!n) {
		sw_err_set(err, SW_EXIT_RUNTIME, "nflog: out of memory");
		return NULL;
	}
	n->group = group;
	n->seq = (uint32_t)time(NULL);
	n->buf_size = MNL_SOCKET_BUFFER_SIZE > 65536 ? MNL_SOCKET_BUFFER_SIZE : 65536;
	n->buf = malloc(n->buf_size);
	n->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!n->buf || !n->nl || mnl_socket_bind(n->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "nflog: netlink socket: %s%s", strerror(errno),
			   errno == EPERM ? " (perhaps you must be root?)" : "");
		goto err_free;
	}
	ret = sw_nflog_bind(n, copy_bytes ? copy_bytes : SW_NFLOG_COPY_DEFAULT);
	if (ret < 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "nflog: bind group %u: %s%s", group,
			   strerror(-ret),
			   ret == -EBUSY ? " (another process reads this group: ulogd?)" : "");
		goto err_free;
	}
	/* Only now non-blocking: the acks above were waited for. */
	if (fcntl(mnl_socket_get_fd(n->nl), F_SETFL, O_NONBLOCK) < 0) {
		sw_err_set(err, SW_EXIT_RUNTIME, "nflog: O_NONBLOCK: %s", strerror(errno));
		goto err_free;
	}
	return n;
err_free:
	sw_nflog_close(n);
	return NULL;
}

/* The kernel unbinds the group when the socket that bound it is closed. */
void sw_nflog_close(struct sw_nflog *n)
{
	if (!n)
		return;
	if (n->nl)
		mnl_socket_close(n->nl);
	free(n->buf);
	free(n);
}

int sw_nflog_fd(const struct sw_nflog *n)
{
	return mnl_socket_get_fd(n->nl);
}

int sw_nflog_read(struct sw_nflog *n, sw_nflog_fn fn, void *arg, struct sw_err *err)
{
	int total = 0;

	for (;;) {
		ssize_t len = recv(mnl_socket_get_fd(n->nl), n->buf, n->buf_size, 0);
		int got;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return total;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				n->stats.overruns++;
				continue;
			}
			return sw_err_set(err, SW_EXIT_RUNTIME, "nflog: recv: %s",
					  strerror(errno)), -1;
		}
		got = sw_nflog_parse_msg(n->buf, (size_t)len, fn, arg, &n->stats);
		if (got < 0)
			n->stats.invalid++;
		else
			total += got;
	}
}

int sw_nflog_drain(struct sw_nflog *n, sw_nflog_fn fn, void *arg, unsigned max_ms,
		   struct sw_err *err)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(n->nl), .events = POLLIN };
	uint64_t end = sw_clock_mono_us() + (uint64_t)max_ms * 1000u;
	int total = 0, got;

	do {
		if ((got = sw_nflog_read(n, fn, arg, err)) < 0)
			return -1;
		total += got;
		/* quiet for one flush interval and a half: the kernel held nothing back */
	} while (poll(&p, 1, SW_NFLOG_FLUSH_MS * 3 / 2) > 0 && sw_clock_mono_us() < end);
	if ((got = sw_nflog_read(n, fn, arg, err)) < 0)
		return -1;
	return total + got;
}

const struct sw_nflog_stats *sw_nflog_stats(const struct sw_nflog *n)
{
	return &n->stats;
}
