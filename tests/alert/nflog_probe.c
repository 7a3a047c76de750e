// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nflog_probe - test driver for the NFLOG reader: bind GROUP, print "ready",
 * then print each record as one line until COUNT records or TIMEOUT seconds.
 *   nflog_probe GROUP COUNT TIMEOUT
 * Line: prefix|action|rule|family|proto|src|sport|dst|dport
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <segwatch/nflog.h>

static void addr_text(const uint8_t a[16], uint8_t family, char *buf, size_t size)
{
	if (family == 4)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)size);
}

static void print_rec(const struct sw_nflog_rec *r, void *arg)
{
	char s[INET6_ADDRSTRLEN] = "-", d[INET6_ADDRSTRLEN] = "-";
	int *count = arg;

	if (r->decoded) {
		addr_text(r->src, r->family, s, sizeof(s));
		addr_text(r->dst, r->family, d, sizeof(d));
	}
	printf("%s|%d|%d|%u|%u|%s|%u|%s|%u\n", r->prefix, r->action, r->rule, r->family, r->proto,
	       s, r->sport, d, r->dport);
	fflush(stdout);
	(*count)++;
}

int main(int argc, char **argv)
{
	struct sw_err err;
	struct sw_nflog *n;
	int count = 0, want, ret = 0;
	time_t deadline;

	if (argc != 4) {
		fprintf(stderr, "usage: nflog_probe GROUP COUNT TIMEOUT\n");
		return 2;
	}
	n = sw_nflog_open((uint16_t)atoi(argv[1]), 0, &err);
	if (!n) {
		fprintf(stderr, "nflog_probe: %s\n", err.msg);
		return err.code;
	}
	want = atoi(argv[2]);
	deadline = time(NULL) + atoi(argv[3]);
	printf("ready\n");
	fflush(stdout);
	while (count < want && time(NULL) < deadline) {
		struct pollfd pfd = { .fd = sw_nflog_fd(n), .events = POLLIN };

		if (poll(&pfd, 1, 200) > 0 && sw_nflog_read(n, print_rec, &count, &err) < 0) {
			fprintf(stderr, "nflog_probe: %s\n", err.msg);
			ret = 3;
			break;
		}
	}
	sw_nflog_close(n);
	return ret ? ret : (count >= want ? 0 : 1);
}
