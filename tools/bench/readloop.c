/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * readloop - the bare libpcap limit for reading a capture file: open it,
 * pcap_next_ex() every record and touch it (sum of caplen and of the first
 * byte, so the loop cannot be optimised away), nothing else. The capture
 * benchmark compares every flow tool against this loop.
 *
 * Prints key=value lines: packets, bytes (sum of caplen), seconds (loop
 * only, monotonic clock), pps.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct sw_readloop_sum {
	uint64_t packets;
	uint64_t caplen;
	uint64_t touch;
};

static double sw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sw_readloop_run - read to the end; returns pcap_next_ex's last result. */
static int sw_readloop_run(pcap_t *p, struct sw_readloop_sum *s)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		s->packets++;
		s->caplen += h->caplen;
		if (h->caplen)
			s->touch += data[0];
	}
	return r;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct sw_readloop_sum s = { 0, 0, 0 };
	double t0, dt;
	pcap_t *p;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: readloop FILE.pcap\n");
		return 2;
	}
	t0 = sw_now();
	p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "readloop: %s\n", err);
		return 3;
	}
	r = sw_readloop_run(p, &s);
	dt = sw_now() - t0;
	if (r == PCAP_ERROR) {
		/* A truncated last record is an error too: the file is not what we measured. */
		fprintf(stderr, "readloop: %s\n", pcap_geterr(p));
		pcap_close(p);
		return 3;
	}
	pcap_close(p);
	printf("packets=%llu\nbytes=%llu\nseconds=%.6f\npps=%.0f\ntouch=%llu\n",
	       (unsigned long long)s.packets, (unsigned long long)s.caplen, dt,
	       dt > 0 ? (double)s.packets / dt : 0.0, (unsigned long long)s.touch);
	return 0;
}
