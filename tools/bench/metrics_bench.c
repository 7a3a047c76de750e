/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * metrics_bench - how long a /metrics scrape of about 10,000 series takes
 * (the target: under 50 ms), and what rendering that page costs the
 * capture thread (docs/benchmarks.md, "Metrics").
 *
 * The page: group pairs (3 families x PAIRS + "(other)") and 64 interfaces
 * (3 families each), rendered with the agent's own functions (src/metrics).
 * The server is the agent's, on 127.0.0.1; scrapes are plain HTTP/1.0 GETs
 * read to the end (what Prometheus waits for), timed from connect to the
 * last byte. They run twice: with the page idle, then while another thread
 * renders and publishes a new page without pause (far more often than the
 * agent's once a second), to show that a scrape never waits for a render.
 *
 * Usage: metrics_bench [PAIRS [SCRAPES [PORT]]]   (3300, 200, 47617)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <segwatch/metrics.h>

static double sw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sw_bench_page(struct sw_metrics_pairs *p, struct sw_metrics_text *t)
{
	static const char *const fam[] = { "segwatch_capture_interface_packets_total",
					   "segwatch_capture_kernel_drops_total",
					   "segwatch_capture_interface_drops_total" };
	char name[32];

	sw_metrics_text_reset(t);
	sw_metrics_counter(t, "segwatch_capture_packets_total", "Frames.", 123456789);
	for (size_t f = 0; f < 3; f++) {
		sw_metrics_family(t, fam[f], SW_METRICS_COUNTER, "Per interface.");
		for (int i = 0; i < 64; i++) {
			snprintf(name, sizeof(name), "veth%08x", (unsigned)i * 2654435761u);
			sw_metrics_u64(t, fam[f], (const struct sw_metrics_label[]){
				{ "interface", name }, { "direction", "in" } }, 2, 1000000u + (unsigned)i);
		}
	}
	sw_metrics_pairs_render(p, t);
}

static size_t sw_series(const char *page)
{
	size_t n = 0;

	for (const char *l = page; *l; l = strchr(l, '\n') + 1)
		n += l[0] != '#';
	return n;
}

/* One scrape: bytes read, or 0 on failure. */
static size_t sw_scrape(uint16_t port, char *buf, size_t size)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\nHost: bench\r\n"
				  "Accept: text/plain;version=0.0.4\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t len = 0;
	ssize_t n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((n = read(fd, buf + len, size - len)) > 0)
		len += (size_t)n;
	close(fd);
	return len;
}

static int sw_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct sw_bench_pub {
	struct sw_metrics_server *s;
	struct sw_metrics_pairs *p;
	atomic_bool stop;
	unsigned long renders;
};

static void *sw_publisher(void *arg)
{
	struct sw_bench_pub *b = arg;
	struct sw_metrics_text t;

	sw_metrics_text_init(&t);
	while (!atomic_load(&b->stop)) {
		sw_bench_page(b->p, &t);
		sw_metrics_server_publish(b->s, &t);
		b->renders++;
	}
	sw_metrics_text_free(&t);
	return NULL;
}

static int sw_scrapes(const char *what, uint16_t port, int n, size_t want)
{
	size_t size = 64u << 20;
	char *buf = malloc(size);
	double *ms = calloc((size_t)n, sizeof(*ms));

	if (!buf || !ms)
		return 1;
	for (int i = 0; i < n; i++) {
		double t0 = sw_now_ms();
		size_t got = sw_scrape(port, buf, size);

		ms[i] = sw_now_ms() - t0;
		if (got < want) {
			fprintf(stderr, "metrics_bench: scrape %d: %zu bytes, expected at least %zu\n",
				i, got, want);
			return 1;
		}
	}
	qsort(ms, (size_t)n, sizeof(*ms), sw_cmp);
	printf("scrape (%s): median %.2f ms, p99 %.2f ms, max %.2f ms over %d scrapes\n", what,
	       ms[n / 2], ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], ms[n - 1], n);
	free(ms);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	size_t pairs = argc > 1 ? strtoul(argv[1], NULL, 10) : 3300;
	int scrapes = argc > 2 ? atoi(argv[2]) : 200;
	unsigned port = argc > 3 ? (unsigned)atoi(argv[3]) : 47617;
	struct sw_metrics_pairs *p = sw_metrics_pairs_alloc(pairs);
	struct sw_metrics_server *s = NULL;
	struct sw_bench_pub pub = { 0 };
	struct sw_err err = { 0 };
	struct sw_metrics_text t;
	char listen[32], s_name[64], d_name[64];
	double r[50];
	pthread_t th;
	int rc;

	if (!p || scrapes < 1) {
		fprintf(stderr, "usage: metrics_bench [PAIRS (1..%d) [SCRAPES [PORT]]]\n",
			SW_METRICS_PAIRS_MAX);
		return 2;
	}
	/* group names as policies write them; every pair ends some flows */
	for (size_t i = 0; i < pairs; i++) {
		snprintf(s_name, sizeof(s_name), "team-%zu-frontend", i % 61);
		snprintf(d_name, sizeof(d_name), "svc-%zu-backend", i);
		sw_metrics_pairs_add(p, s_name, d_name, 1500 * (i + 1), i % 7 == 0);
	}
	sw_metrics_text_init(&t);
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++) {
		double t0 = sw_now_ms();

		sw_bench_page(p, &t);
		r[i] = sw_now_ms() - t0;
	}
	qsort(r, sizeof(r) / sizeof(r[0]), sizeof(r[0]), sw_cmp);
	printf("page: %zu series, %zu bytes; render on the capture thread: median %.2f ms\n",
	       sw_series(t.buf), t.len, r[25]);

	snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
	if (sw_metrics_server_start(&s, listen, &err) != SW_EXIT_OK) {
		fprintf(stderr, "metrics_bench: %s\n", err.msg);
		return 1;
	}
	sw_metrics_server_publish(s, &t);
	rc = sw_scrapes("page idle", (uint16_t)port, scrapes, t.len);
	pub.s = s;
	pub.p = p;
	if (rc == 0 && pthread_create(&th, NULL, sw_publisher, &pub) == 0) {
		rc = sw_scrapes("new page published without pause", (uint16_t)port, scrapes, t.len);
		atomic_store(&pub.stop, true);
		pthread_join(th, NULL);
		printf("(%lu pages rendered and published meanwhile)\n", pub.renders);
	}
	sw_metrics_server_stop(s);
	sw_metrics_text_free(&t);
	sw_metrics_pairs_free(p);
	return rc;
}
