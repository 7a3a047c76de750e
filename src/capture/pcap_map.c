/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fast path for classic pcap files: map the file and walk its records in
 * place. libpcap's offline reader copies every record through two fread()
 * calls (header, then data), which was a third of the run time on large
 * files; here a record costs a bounds check. libpcap still opens the file
 * first (validation, link type, BPF filter); pcapng and standard input stay
 * on libpcap.
 *
 * File header (24 bytes), then records:
 *   | magic (4) | version (2+2) | thiszone (4) | sigfigs (4) | snaplen (4) | linktype (4) |
 *   | ts_sec (4) | ts_usec or ts_nsec (4) | caplen (4) | len (4) | data (caplen) |
 * The magic's byte order says the file's; 0xa1b23c4d means nanoseconds.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define SW_PCAP_MAGIC_US 0xa1b2c3d4u
#define SW_PCAP_MAGIC_NS 0xa1b23c4du
#define SW_PCAP_FILE_HDR 24
#define SW_PCAP_REC_HDR 16
#define SW_PCAP_MAX_CAPLEN (1u << 20)
#define SW_PCAP_RELEASE_STEP (1u << 20)

static uint32_t sw_rd32(const uint8_t *p, bool swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

bool sw_pcap_map_open(struct sw_pcap_map *m, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	memset(m, 0, sizeof(*m));
	if (fd < 0)
		return false;
	ok = sw_pcap_map_open_fd(m, fd);
	close(fd);
	return ok;
}

bool sw_pcap_map_open_fd(struct sw_pcap_map *m, int fd)
{
	struct stat st;
	uint32_t magic;
	void *base;

	memset(m, 0, sizeof(*m));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < SW_PCAP_FILE_HDR)
		return false;
	base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (base == MAP_FAILED)
		return false;
	memcpy(&magic, base, 4);
	if (magic == SW_PCAP_MAGIC_US || magic == SW_PCAP_MAGIC_NS) {
		m->nsec = magic == SW_PCAP_MAGIC_NS;
	} else if (__builtin_bswap32(magic) == SW_PCAP_MAGIC_US ||
		   __builtin_bswap32(magic) == SW_PCAP_MAGIC_NS) {
		m->swapped = true;
		m->nsec = __builtin_bswap32(magic) == SW_PCAP_MAGIC_NS;
	} else {
		munmap(base, (size_t)st.st_size); /* pcapng or unknown: libpcap reads it */
		return false;
	}
	madvise(base, (size_t)st.st_size, MADV_SEQUENTIAL);
	m->base = base;
	m->size = (size_t)st.st_size;
	m->off = SW_PCAP_FILE_HDR;
	return true;
}

/*
 * Pages of the file already read still count in the process's RSS: unmap them
 * (the page cache keeps them) so that memory figures show the flow table, not
 * the file.
 */
void sw_pcap_map_release_read(struct sw_pcap_map *m)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t upto = (m->off / page) * page;

	if (upto > m->released + SW_PCAP_RELEASE_STEP) {
		madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
		m->released = upto;
	}
}

void sw_pcap_map_close(struct sw_pcap_map *m)
{
	if (m->base)
		munmap((void *)m->base, m->size);
	memset(m, 0, sizeof(*m));
}

int sw_pcap_map_next(struct sw_pcap_map *m, struct sw_pcap_rec *rec)
{
	const uint8_t *h = m->base + m->off;
	size_t left = m->size - m->off;
	uint32_t sec, frac;

	if (left == 0)
		return 0;
	if (left < SW_PCAP_REC_HDR)
		return -1;
	sec = sw_rd32(h, m->swapped);
	frac = sw_rd32(h + 4, m->swapped);
	rec->caplen = sw_rd32(h + 8, m->swapped);
	rec->wirelen = sw_rd32(h + 12, m->swapped);
	if (rec->caplen > SW_PCAP_MAX_CAPLEN || rec->caplen > left - SW_PCAP_REC_HDR)
		return -1;
	rec->ts_us = (uint64_t)sec * 1000000 + (m->nsec ? frac / 1000 : frac);
	rec->data = h + SW_PCAP_REC_HDR;
	m->off += SW_PCAP_REC_HDR + rec->caplen;
	m->records++;
	return 1;
}

void sw_pcap_map_describe(const struct sw_pcap_map *m, char *buf, size_t len)
{
	size_t left = m->size - m->off;
	unsigned long long rec = (unsigned long long)m->records + 1;
	uint32_t caplen;

	if (left < SW_PCAP_REC_HDR) {
		snprintf(buf, len, "cut short at byte %zu (record %llu): record header %zu of %d bytes",
			 m->off, rec, left, SW_PCAP_REC_HDR);
		return;
	}
	caplen = sw_rd32(m->base + m->off + 8, m->swapped);
	if (caplen > SW_PCAP_MAX_CAPLEN)
		snprintf(buf, len, "corrupt record at byte %zu (record %llu): captured length %u "
			 "is over %u bytes", m->off, rec, caplen, SW_PCAP_MAX_CAPLEN);
	else
		snprintf(buf, len, "cut short at byte %zu (record %llu): %zu of %u bytes", m->off,
			 rec, left - SW_PCAP_REC_HDR, caplen);
}
