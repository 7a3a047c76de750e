/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pktsend - traffic for the live-capture benchmark (tools/bench/live_bench.sh).
 *
 *   pktsend udp --dev IF --dst-mac MAC --dst-ip IP [--src-ip IP] [--flows N]
 *               [--rate PPS] [--seconds S] [--len BYTES] [--batch N] [--dport P]
 *   pktsend tcp-server --port P [--workers N] [--bytes B]
 *   pktsend tcp-client --dst IP --port P [--clients N] [--seconds S]
 *
 * udp: Ethernet/IPv4/UDP frames written straight to the device through an
 * AF_PACKET socket with PACKET_QDISC_BYPASS, --batch frames per sendmmsg(2),
 * as fast as it can (--rate 0, the default) or paced to --rate frames/s.
 * Each of the --flows flows is a 5-tuple of its own (source ports
 * --sport .. --sport+N-1, the rest fixed); frames go round-robin over them.
 * The frames are built once: IPv4 header checksum set, UDP checksum 0 (no
 * checksum, allowed for IPv4), payload zero. The source address defaults to
 * the device's own, so a capturer sees no spoofing.
 *
 * tcp-server: --workers threads accept on one listening socket, write --bytes
 * bytes and close, until SIGINT or SIGTERM. tcp-client: --clients threads
 * connect, read to the end, close, in a loop for --seconds. Together they
 * measure short connections per second.
 *
 * Results are key=value lines on stdout (frames, seconds, pps, ...).
 * Exit status: 0 done, 2 usage error, 3 runtime failure (socket, device).
 * Only ever point it at addresses inside network namespaces you created.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sw_pkt.h"

#define SW_PS_EXIT_USAGE 2
#define SW_PS_EXIT_RUNTIME 3
#define SW_PS_HDR_LEN (14 + 20 + 8)	/* Ethernet + IPv4 + UDP */
#define SW_PS_FRAME_MIN 60		/* Ethernet minimum without FCS */
#define SW_PS_FRAME_MAX 1514
#define SW_PS_BATCH_MAX 1024
#define SW_PS_FLOWS_MAX 65536
#define SW_PS_THREADS_MAX 64

struct sw_ps_opts {
	const char *dev;
	uint8_t dst_mac[6];
	struct in_addr dst_ip, src_ip;
	bool have_dst_mac, have_dst_ip, have_src_ip;
	unsigned flows, len, batch, threads, senders, bytes;
	uint16_t dport, sport, port;
	double rate, seconds;
};

struct sw_ps_stats {
	uint64_t frames, errors, sleeps;
	double seconds;
};

static void sw_ps_usage(FILE *f)
{
	fputs("usage: pktsend udp --dev IF --dst-mac MAC --dst-ip IP [--src-ip IP] [--flows N]\n"
	      "                   [--rate PPS] [--seconds S] [--len BYTES] [--batch N]\n"
	      "                   [--dport P] [--sport P] [--senders N]\n"
	      "       pktsend tcp-server --port P [--workers N] [--bytes B]\n"
	      "       pktsend tcp-client --dst IP --port P [--clients N] [--seconds S]\n"
	      "  --len is the UDP payload (default 64); --rate 0 (default) sends as fast as it can\n",
	      f);
}

/* sw_ps_mono - CLOCK_MONOTONIC in seconds */
static double sw_ps_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* sw_ps_num_parse - a non-negative number within [lo, hi], or false */
static bool sw_ps_num_parse(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* sw_ps_mac_parse - "aa:bb:cc:dd:ee:ff" into six bytes */
static bool sw_ps_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

enum {
	SW_PS_O_DEV = 256, SW_PS_O_DMAC, SW_PS_O_DIP, SW_PS_O_SIP, SW_PS_O_FLOWS, SW_PS_O_RATE,
	SW_PS_O_SECS, SW_PS_O_LEN, SW_PS_O_BATCH, SW_PS_O_DPORT, SW_PS_O_SPORT, SW_PS_O_PORT,
	SW_PS_O_THREADS, SW_PS_O_BYTES, SW_PS_O_SENDERS,
};

static const struct option sw_ps_longopts[] = {
	{ "dev", required_argument, NULL, SW_PS_O_DEV },
	{ "dst-mac", required_argument, NULL, SW_PS_O_DMAC },
	{ "dst-ip", required_argument, NULL, SW_PS_O_DIP },
	{ "dst", required_argument, NULL, SW_PS_O_DIP },
	{ "src-ip", required_argument, NULL, SW_PS_O_SIP },
	{ "flows", required_argument, NULL, SW_PS_O_FLOWS },
	{ "rate", required_argument, NULL, SW_PS_O_RATE },
	{ "seconds", required_argument, NULL, SW_PS_O_SECS },
	{ "len", required_argument, NULL, SW_PS_O_LEN },
	{ "batch", required_argument, NULL, SW_PS_O_BATCH },
	{ "dport", required_argument, NULL, SW_PS_O_DPORT },
	{ "sport", required_argument, NULL, SW_PS_O_SPORT },
	{ "port", required_argument, NULL, SW_PS_O_PORT },
	{ "workers", required_argument, NULL, SW_PS_O_THREADS },
	{ "clients", required_argument, NULL, SW_PS_O_THREADS },
	{ "bytes", required_argument, NULL, SW_PS_O_BYTES },
	{ "senders", required_argument, NULL, SW_PS_O_SENDERS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* sw_ps_opt_num - one numeric option into *out as an unsigned, or false */
static bool sw_ps_opt_num(const char *arg, double lo, double hi, unsigned *out)
{
	double v;

	if (!sw_ps_num_parse(arg, lo, hi, &v) || v != (double)(unsigned)v)
		return false;
	*out = (unsigned)v;
	return true;
}

/* sw_ps_opt_one - apply one parsed option; false on a bad value */
static bool sw_ps_opt_one(struct sw_ps_opts *o, int c, const char *arg)
{
	unsigned u;

	switch (c) {
	case SW_PS_O_DEV: o->dev = arg; return true;
	case SW_PS_O_DMAC: return (o->have_dst_mac = sw_ps_mac_parse(arg, o->dst_mac));
	case SW_PS_O_DIP: return (o->have_dst_ip = inet_pton(AF_INET, arg, &o->dst_ip) == 1);
	case SW_PS_O_SIP: return (o->have_src_ip = inet_pton(AF_INET, arg, &o->src_ip) == 1);
	case SW_PS_O_FLOWS: return sw_ps_opt_num(arg, 1, SW_PS_FLOWS_MAX, &o->flows);
	case SW_PS_O_RATE: return sw_ps_num_parse(arg, 0, 1e9, &o->rate);
	case SW_PS_O_SECS: return sw_ps_num_parse(arg, 0.001, 86400, &o->seconds);
	case SW_PS_O_LEN: return sw_ps_opt_num(arg, 0, SW_PS_FRAME_MAX - SW_PS_HDR_LEN, &o->len);
	case SW_PS_O_BATCH: return sw_ps_opt_num(arg, 1, SW_PS_BATCH_MAX, &o->batch);
	case SW_PS_O_DPORT: if (!sw_ps_opt_num(arg, 1, 65535, &u)) return false; o->dport = (uint16_t)u; return true;
	case SW_PS_O_SPORT: if (!sw_ps_opt_num(arg, 1, 65535, &u)) return false; o->sport = (uint16_t)u; return true;
	case SW_PS_O_PORT: if (!sw_ps_opt_num(arg, 1, 65535, &u)) return false; o->port = (uint16_t)u; return true;
	case SW_PS_O_THREADS: return sw_ps_opt_num(arg, 1, SW_PS_THREADS_MAX, &o->threads);
	case SW_PS_O_BYTES: return sw_ps_opt_num(arg, 0, 1 << 20, &o->bytes);
	case SW_PS_O_SENDERS: return sw_ps_opt_num(arg, 1, SW_PS_THREADS_MAX, &o->senders);
	default: return false;
	}
}

/* sw_ps_opts_parse - defaults, then the command line after the mode word */
static int sw_ps_opts_parse(struct sw_ps_opts *o, int argc, char **argv)
{
	int c;

	*o = (struct sw_ps_opts){ .flows = 1024, .len = 64, .batch = 64, .threads = 4, .senders = 1,
				  .bytes = 64, .dport = 9, .sport = 10000, .seconds = 8 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", sw_ps_longopts, NULL)) != -1) {
		if (c == 'h') {
			sw_ps_usage(stdout);
			exit(0);
		}
		if (c == '?' || !sw_ps_opt_one(o, c, optarg)) {
			if (c != '?')
				fprintf(stderr, "pktsend: bad value: %s\n", optarg);
			return SW_PS_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pktsend: unexpected argument: %s\n", argv[optind]);
		return SW_PS_EXIT_USAGE;
	}
	return 0;
}

/* sw_ps_frame_build - one Ethernet/IPv4/UDP frame of flow I; returns its length */
static size_t sw_ps_frame_build(const struct sw_ps_opts *o, const uint8_t src_mac[6],
				unsigned i, uint8_t *f)
{
	size_t ip_len = 20 + 8 + o->len, n = 14 + ip_len;
	uint8_t *ip = f + 14, *udp = ip + 20;

	memset(f, 0, SW_PS_FRAME_MAX);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, src_mac, 6);
	sw_pkt_put_be16(f + 12, ETHERTYPE_IP);
	ip[0] = 0x45;
	sw_pkt_put_be16(ip + 2, (uint16_t)ip_len);
	sw_pkt_put_be16(ip + 4, (uint16_t)i);	/* IP id */
	sw_pkt_put_be16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &o->src_ip, 4);
	memcpy(ip + 16, &o->dst_ip, 4);
	sw_pkt_put_be16(ip + 10, sw_pkt_csum_fold(sw_pkt_csum_add(0, ip, 20)));
	sw_pkt_put_be16(udp, (uint16_t)(o->sport + i));
	sw_pkt_put_be16(udp + 2, o->dport);
	sw_pkt_put_be16(udp + 4, (uint16_t)(8 + o->len));
	return n < SW_PS_FRAME_MIN ? SW_PS_FRAME_MIN : n;
}

/* sw_ps_dev_open - the bypassing packet socket bound to DEV; its MAC and address */
static int sw_ps_dev_open(struct sw_ps_opts *o, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd, one = 1, sndbuf = 4 << 20;

	if (!o->dev || strlen(o->dev) >= IFNAMSIZ)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW, 0);	/* protocol 0: send only */
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", o->dev);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0 ||
	    ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if (!o->have_src_ip) {
		ifr.ifr_addr.sa_family = AF_INET;
		if (ioctl(fd, SIOCGIFADDR, &ifr) < 0)
			goto fail;
		o->src_ip = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* sw_ps_pace - sleep until SENT frames are due at RATE frames/s from T0 */
static bool sw_ps_pace(double t0, uint64_t sent, double rate)
{
	double due = t0 + (double)sent / rate, now = sw_ps_mono();
	struct timespec ts;

	if (now >= due)
		return false;
	ts.tv_sec = (time_t)due;
	ts.tv_nsec = (long)((due - (double)ts.tv_sec) * 1e9);
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return true;
}

/* One sender thread: its own socket, a share of the rate, a start offset. */
struct sw_ps_sender {
	const struct sw_ps_opts *o;
	const uint8_t *frames;
	size_t flen;
	unsigned first;
	double rate;
	int fd;
	struct sw_ps_stats st;
};

/* sw_ps_udp_loop - send round-robin batches until the time is up */
static void *sw_ps_udp_loop(void *arg)
{
	struct sw_ps_sender *s = arg;
	const struct sw_ps_opts *o = s->o;
	struct mmsghdr msgs[SW_PS_BATCH_MAX];
	struct iovec iov[SW_PS_BATCH_MAX];
	unsigned next = s->first;
	double t0 = sw_ps_mono(), end = t0 + o->seconds, now = t0;

	memset(msgs, 0, sizeof(msgs));
	while (now < end) {
		int r;

		if (s->rate > 0 && sw_ps_pace(t0, s->st.frames, s->rate))
			s->st.sleeps++;
		for (unsigned k = 0; k < o->batch; k++) {
			iov[k].iov_base = (void *)(s->frames +
						   (size_t)((next + k) % o->flows) * SW_PS_FRAME_MAX);
			iov[k].iov_len = s->flen;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(s->fd, msgs, o->batch, 0);
		if (r > 0) {
			s->st.frames += (unsigned)r;
			next = (next + (unsigned)r) % o->flows;
		} else if (r < 0 && errno != EINTR) {
			s->st.errors++;	/* ENOBUFS and the like: try again */
		}
		now = sw_ps_mono();
	}
	s->st.seconds = now - t0;
	return NULL;
}

/* sw_ps_udp_check - the udp mode's required options */
static bool sw_ps_udp_check(const struct sw_ps_opts *o)
{
	if (!o->dev || !o->have_dst_mac || !o->have_dst_ip) {
		fprintf(stderr, "pktsend udp: --dev, --dst-mac and --dst-ip are required\n");
		return false;
	}
	if ((unsigned)o->sport + o->flows - 1 > 65535) {
		fprintf(stderr, "pktsend udp: --sport + --flows goes past port 65535\n");
		return false;
	}
	return true;
}

/* sw_ps_udp_report - the summed results of every sender */
static void sw_ps_udp_report(const struct sw_ps_opts *o, const struct sw_ps_sender *s,
			     size_t flen)
{
	struct sw_ps_stats t = { 0 };

	for (unsigned i = 0; i < o->senders; i++) {
		t.frames += s[i].st.frames;
		t.errors += s[i].st.errors;
		t.sleeps += s[i].st.sleeps;
		if (s[i].st.seconds > t.seconds)
			t.seconds = s[i].st.seconds;
	}
	printf("frames=%" PRIu64 "\nseconds=%.3f\npps=%.0f\nframe_bytes=%zu\nflows=%u\n"
	       "senders=%u\ntarget_pps=%.0f\nerrors=%" PRIu64 "\nsleeps=%" PRIu64 "\n",
	       t.frames, t.seconds, t.seconds > 0 ? (double)t.frames / t.seconds : 0.0,
	       flen, o->flows, o->senders, o->rate, t.errors, t.sleeps);
}

/* sw_ps_udp_run - the udp mode: one socket and thread per sender */
static int sw_ps_udp_run(struct sw_ps_opts *o)
{
	static struct sw_ps_sender s[SW_PS_THREADS_MAX];
	pthread_t th[SW_PS_THREADS_MAX];
	uint8_t mac[6], *frames;
	size_t flen = 0;
	unsigned i;
	int rc = SW_PS_EXIT_RUNTIME;

	if (!sw_ps_udp_check(o))
		return SW_PS_EXIT_USAGE;
	for (i = 0; i < o->senders; i++) {
		s[i] = (struct sw_ps_sender){ .o = o, .rate = o->rate / o->senders,
					      .first = i * (o->flows / o->senders) };
		s[i].fd = sw_ps_dev_open(o, mac);
		if (s[i].fd < 0) {
			fprintf(stderr, "pktsend udp: %s: %s\n", o->dev, strerror(errno));
			goto out;
		}
	}
	frames = malloc((size_t)o->flows * SW_PS_FRAME_MAX);
	if (!frames)
		goto out;
	for (unsigned f = 0; f < o->flows; f++)
		flen = sw_ps_frame_build(o, mac, f, frames + (size_t)f * SW_PS_FRAME_MAX);
	for (unsigned k = 0; k < o->senders; k++) {
		s[k].frames = frames;
		s[k].flen = flen;
		if (pthread_create(&th[k], NULL, sw_ps_udp_loop, &s[k]) != 0)
			exit(SW_PS_EXIT_RUNTIME);
	}
	for (unsigned k = 0; k < o->senders; k++)
		pthread_join(th[k], NULL);
	sw_ps_udp_report(o, s, flen);
	free(frames);
	rc = 0;
out:
	while (i-- > 0)
		close(s[i].fd);
	return rc;
}

/* Shared by the tcp threads. */
struct sw_ps_tcp {
	const struct sw_ps_opts *o;
	int lfd;
	double end;
	atomic_uint_fast64_t done, errors;
};

/* sw_ps_server_thread - accept, write the reply, close; forever */
static void *sw_ps_server_thread(void *arg)
{
	struct sw_ps_tcp *t = arg;
	char buf[4096] = { 0 };

	for (;;) {
		int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC);
		unsigned left = t->o->bytes;

		if (fd < 0) {
			atomic_fetch_add(&t->errors, 1);
			continue;
		}
		while (left > 0) {
			ssize_t w = write(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

			if (w <= 0)
				break;
			left -= (unsigned)w;
		}
		close(fd);
		atomic_fetch_add(&t->done, 1);
	}
	return NULL;
}

/* sw_ps_listen - a listening TCP socket on every address, port PORT */
static int sw_ps_listen(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4096) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* sw_ps_server_run - the tcp-server mode: serve until SIGINT or SIGTERM */
static int sw_ps_server_run(struct sw_ps_opts *o)
{
	static struct sw_ps_tcp t;
	pthread_t th;
	sigset_t set;
	int sig;

	if (!o->port) {
		fprintf(stderr, "pktsend tcp-server: --port is required\n");
		return SW_PS_EXIT_USAGE;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	t.o = o;
	t.lfd = sw_ps_listen(o->port);
	if (t.lfd < 0) {
		fprintf(stderr, "pktsend tcp-server: port %u: %s\n", o->port, strerror(errno));
		return SW_PS_EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < o->threads; i++)
		if (pthread_create(&th, NULL, sw_ps_server_thread, &t) != 0)
			return SW_PS_EXIT_RUNTIME;
	puts("listening=1");
	fflush(stdout);
	sigwait(&set, &sig);
	printf("served=%" PRIuFAST64 "\naccept_errors=%" PRIuFAST64 "\n",
	       atomic_load(&t.done), atomic_load(&t.errors));
	fflush(stdout);
	_exit(0);	/* the workers sit in accept(): do not join them */
}

/* sw_ps_client_one - one connection: connect, read to the end, close */
static bool sw_ps_client_one(const struct sw_ps_opts *o)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(o->port),
				   .sin_addr = o->dst_ip };
	char buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t r;

	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return false;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return r == 0;
}

/* sw_ps_client_thread - connections in a loop until the end time */
static void *sw_ps_client_thread(void *arg)
{
	struct sw_ps_tcp *t = arg;

	while (sw_ps_mono() < t->end) {
		if (sw_ps_client_one(t->o)) {
			atomic_fetch_add(&t->done, 1);
		} else {
			atomic_fetch_add(&t->errors, 1);
			usleep(1000);
		}
	}
	return NULL;
}

/* sw_ps_client_run - the tcp-client mode */
static int sw_ps_client_run(struct sw_ps_opts *o)
{
	static struct sw_ps_tcp t;
	pthread_t th[SW_PS_THREADS_MAX];
	double t0;

	if (!o->port || !o->have_dst_ip) {
		fprintf(stderr, "pktsend tcp-client: --dst and --port are required\n");
		return SW_PS_EXIT_USAGE;
	}
	t.o = o;
	t0 = sw_ps_mono();
	t.end = t0 + o->seconds;
	for (unsigned i = 0; i < o->threads; i++)
		if (pthread_create(&th[i], NULL, sw_ps_client_thread, &t) != 0)
			return SW_PS_EXIT_RUNTIME;
	for (unsigned i = 0; i < o->threads; i++)
		pthread_join(th[i], NULL);
	t0 = sw_ps_mono() - t0;
	printf("connections=%" PRIuFAST64 "\nseconds=%.3f\ncps=%.0f\nerrors=%" PRIuFAST64 "\n",
	       atomic_load(&t.done), t0, (double)atomic_load(&t.done) / t0,
	       atomic_load(&t.errors));
	return 0;
}

int main(int argc, char **argv)
{
	struct sw_ps_opts o;
	const char *mode = argc > 1 ? argv[1] : "";
	int rc;

	if (!strcmp(mode, "-h") || !strcmp(mode, "--help")) {
		sw_ps_usage(stdout);
		return 0;
	}
	if (strcmp(mode, "udp") && strcmp(mode, "tcp-server") && strcmp(mode, "tcp-client")) {
		sw_ps_usage(stderr);
		return SW_PS_EXIT_USAGE;
	}
	rc = sw_ps_opts_parse(&o, argc - 1, argv + 1);
	if (rc)
		return rc;
	if (!strcmp(mode, "udp"))
		return sw_ps_udp_run(&o);
	if (!strcmp(mode, "tcp-server"))
		return sw_ps_server_run(&o);
	return sw_ps_client_run(&o);
}
