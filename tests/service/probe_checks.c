/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel checks shared by test_caps.c and agent_probe.c (probe_checks.h). */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe_checks.h"

int rc_of(long r)
{
	return r < 0 ? errno : 0;
}

int try_packet(void)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* A read-only nftables dump: 0, or the errno netfilter answered. */
int nft_list_tables(void)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER), rc = EIO;

	if (fd < 0)
		return errno;
	if (send(fd, &req, sizeof(req), 0) < 0) {
		rc = errno;
		goto out;
	}
	for (int loops = 0; loops < 100; loops++) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len <= 0)
			break;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				rc = 0;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				rc = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
				goto out;
			}
		}
	}
out:
	close(fd);
	return rc;
}

void copy_status(FILE *f, const char *prefix, FILE *out)
{
	char line[256], key[64], val[64];

	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^:]: %63s", key, val) == 2 &&
		    (strncmp(key, "Cap", 3) == 0 || strcmp(key, "NoNewPrivs") == 0))
			fprintf(out, "%s%s %s\n", prefix, key, val);
}

