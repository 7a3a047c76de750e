/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * history_bench - how fast the flow history writes and reads.
 *   history_bench DIR RECORDS COMPRESS(0|1)
 * Pushes RECORDS flow-like JSON lines (about 420 bytes) as fast as the
 * writer takes them (a refused push is retried after 50 µs, so nothing is
 * dropped), closes, then reads DIR back. Prints one line:
 *   write_rps=N disk=N files=N read_rps=N lines=N
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <segwatch/clock.h>
#include <segwatch/history.h>

static uint64_t bench_disk(const char *dir, int *files)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint64_t total = 0;

	*files = 0;
	while (d && (de = readdir(d))) {
		char p[4096];
		struct stat st;

		if (strncmp(de->d_name, "flows-", 6) != 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0)
			total += (uint64_t)st.st_size;
		(*files)++;
	}
	if (d)
		closedir(d);
	return total;
}

static int bench_line(char *buf, size_t size, unsigned long i, uint64_t t)
{
	return snprintf(buf, size,
		"{\"type\":\"flow\",\"proto\":\"tcp\",\"src\":\"10.77.%lu.%lu\",\"sport\":%lu,"
		"\"dst\":\"10.77.0.3\",\"dport\":5432,\"initiator\":\"observed\",\"state\":\"closed\","
		"\"first_seen\":\"2026-11-22T13:52:03.%06luZ\",\"last_seen\":\"2026-11-22T13:52:04.%06luZ\","
		"\"fwd\":{\"packets\":%lu,\"bytes\":%lu,\"tcp_flags\":\"FSPA\"},"
		"\"rev\":{\"packets\":%lu,\"bytes\":%lu,\"tcp_flags\":\"FSPA\"},"
		"\"src_workload\":\"shop/web-%lu\",\"dst_workload\":\"shop/db-0\",\"t\":%llu}",
		(i >> 8) & 255, i & 255, 32768 + i % 28000, i % 1000000, (i * 7) % 1000000,
		3 + i % 17, 180 + i % 9000, 2 + i % 13, 120 + i % 70000, i % 40,
		(unsigned long long)t);
}

int main(int argc, char **argv)
{
	struct sw_history_opts o = { 0 };
	struct sw_history_read_opts ro = { 0 };
	struct sw_history_reader *r;
	struct sw_history *h;
	struct sw_err err;
	const char *line, *path, *paths[1];
	struct timespec pause = { 0, 50000 };
	unsigned long n, lines = 0;
	uint64_t t0, t1, t2, disk, lineno, now = sw_clock_wall_us();
	size_t len;
	char buf[1024];
	int files;

	if (argc != 4) {
		fprintf(stderr, "usage: %s DIR RECORDS COMPRESS(0|1)\n", argv[0]);
		return 2;
	}
	o.dir = paths[0] = argv[1];
	n = strtoul(argv[2], NULL, 10);
	o.compress = atoi(argv[3]) != 0;
	o.rotate_bytes = 64ull << 20;
	if (sw_history_open(&h, &o, &err) != SW_EXIT_OK) {
		fprintf(stderr, "history_bench: %s\n", err.msg);
		return 3;
	}
	t0 = sw_clock_mono_us();
	for (unsigned long i = 0; i < n; i++) {
		int l = bench_line(buf, sizeof(buf), i, now + i);

		while (!sw_history_push(h, now + i, now + i + 1000, buf, (size_t)l))
			nanosleep(&pause, NULL);
	}
	sw_history_close(h);
	t1 = sw_clock_mono_us();
	if (sw_history_reader_open(&r, paths, 1, &ro, &err) != SW_EXIT_OK) {
		fprintf(stderr, "history_bench: %s\n", err.msg);
		return 3;
	}
	while (sw_history_reader_next(r, &line, &len, &path, &lineno, &err) == 1)
		lines++;
	sw_history_reader_close(r);
	t2 = sw_clock_mono_us();
	disk = bench_disk(argv[1], &files);
	printf("write_rps=%.0f disk=%llu files=%d read_rps=%.0f lines=%lu\n",
	       n * 1e6 / (double)(t1 - t0), (unsigned long long)disk, files, lines * 1e6 / (double)(t2 - t1), lines);
	return lines == n ? 0 : 1;
}
