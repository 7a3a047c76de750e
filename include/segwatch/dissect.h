/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SEGWATCH_DISSECT_H
#define SEGWATCH_DISSECT_H

/*
 * dissect - turn one captured frame into the fields the flow table needs.
 *
 * Every byte is read through a bounds-checked cursor (see src/dissect/cursor.h);
 * nothing here allocates, prints or aborts. A frame that cannot be used is
 * classified by a named reason so that the caller can count it.
 */

#include <stdbool.h>
#include <stdint.h>

enum sw_result {
	SW_OK = 0,	 /* an IP packet, fields filled in */
	SW_TRUNC,	 /* shorter than its headers say */
	SW_INVALID,	 /* headers contradict themselves */
	SW_UNSUPPORTED,	 /* well formed but not something we track (ARP, LLDP, ...) */
};

/*
 * Why a frame did not become a flow update. Names are part of the counters
 * interface (docs/flows.md): add new ones at the end, never rename.
 */
enum sw_reason {
	SW_R_NONE = 0,
	/* not malformed, just not tracked */
	SW_R_ARP,
	SW_R_NON_IP,
	SW_R_UNSUPPORTED_LINKTYPE,
	/* malformed: truncated or invalid, per layer */
	SW_R_LINK_TRUNCATED,
	SW_R_VLAN_TRUNCATED,
	SW_R_VLAN_TOO_DEEP,
	SW_R_IPV4_TRUNCATED,
	SW_R_IPV4_BAD_VERSION,
	SW_R_IPV4_BAD_IHL,
	SW_R_IPV4_BAD_TOTAL_LENGTH,
	SW_R_IPV4_BAD_FRAGMENT,
	SW_R_IPV6_TRUNCATED,
	SW_R_IPV6_BAD_VERSION,
	SW_R_IPV6_BAD_PAYLOAD_LENGTH,
	SW_R_IPV6_EXT_TRUNCATED,
	SW_R_IPV6_EXT_TOO_MANY,
	SW_R_IPV6_BAD_FRAGMENT,
	SW_R_TCP_TRUNCATED,
	SW_R_TCP_BAD_OFFSET,
	SW_R_UDP_TRUNCATED,
	SW_R_UDP_BAD_LENGTH,
	SW_R_ICMP_TRUNCATED,
	SW_R_IP_TRUNCATED_BY_CAPTURE,
	SW_R_MAX
};

/* Maximum number of 802.1Q/802.1ad tags we walk before calling it hostile. */
#define SW_VLAN_MAX_DEPTH 4
/* Maximum number of IPv6 extension headers before calling it hostile. */
#define SW_IPV6_MAX_EXT 8

/* Link types we decode; values are the pcap DLT_ numbers. */
#define SW_DLT_EN10MB 1
#define SW_DLT_RAW 12	      /* OpenBSD-style raw IP */
#define SW_DLT_RAW_LINUX 101  /* LINKTYPE_RAW */
#define SW_DLT_LINUX_SLL 113
#define SW_DLT_IPV4 228
#define SW_DLT_IPV6 229
#define SW_DLT_LINUX_SLL2 276

/* Fragment position, for the fragment tracker in src/flow. */
enum sw_frag {
	SW_FRAG_NONE = 0,  /* not a fragment */
	SW_FRAG_FIRST,	   /* offset 0 with more fragments: carries the ports */
	SW_FRAG_LATER,	   /* offset > 0: no transport header */
};

/* The transport header quoted inside an ICMP/ICMPv6 error message. */
struct sw_pkt_inner {
	bool present;
	uint8_t proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

/*
 * One decoded IP packet. Addresses are 16 bytes: IPv4 is stored as an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) so that one key fits both.
 */
struct sw_pkt {
	uint8_t family;	     /* 4 or 6 */
	uint8_t proto;	     /* IPPROTO_* of the transport (after IPv6 extensions) */
	uint8_t tcp_flags;   /* FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10 URG=0x20 ECE=0x40 CWR=0x80 */
	uint8_t frag;	     /* enum sw_frag */
	bool has_ports;	     /* sport/dport are valid (TCP, UDP, SCTP, UDP-Lite) */
	uint8_t icmp_type;   /* ICMP or ICMPv6 */
	uint8_t icmp_code;
	uint16_t icmp_id;    /* echo identifier */
	uint16_t sport, dport;
	uint32_t ip_len;     /* bytes this packet counts for: IPv4 total length or 40 + IPv6 payload length */
	uint32_t frag_id;    /* IPv4 identification or IPv6 fragment identification */
	uint32_t tcp_seq, tcp_ack;
	uint16_t l4_csum;    /* transport checksum, part of the duplicate signature */
	uint16_t ip_id;	     /* IPv4 identification (0 for IPv6) */
	uint32_t ifindex;    /* from Linux cooked v2 headers, else 0 */
	bool has_mac;	     /* Ethernet framing: src_mac is the sender's MAC */
	uint8_t src_mac[6];
	uint8_t src[16], dst[16];
	struct sw_pkt_inner inner; /* for ICMP errors */
};

/**
 * sw_dissect_packet - decode one frame
 * @dlt: pcap link type (SW_DLT_*)
 * @data: captured bytes
 * @caplen: number of captured bytes available at @data
 * @wirelen: length of the frame on the wire (pcap's len); caplen < wirelen means
 *	the capture's snap length cut it, which is not an error
 * @pkt: filled in when SW_OK is returned (and partly otherwise)
 * @why: set to the reason whenever the result is not SW_OK
 *
 * Never reads outside [data, data + caplen). Never allocates.
 */
enum sw_result sw_dissect_packet(int dlt, const uint8_t *data, uint32_t caplen,
				 uint32_t wirelen, struct sw_pkt *pkt, enum sw_reason *why);

/* sw_dissect_reason_name - stable snake_case name of a reason ("ipv4_bad_ihl"). */
const char *sw_dissect_reason_name(enum sw_reason why);

/* sw_dissect_reason_is_malformed - true for reasons that mean a broken packet. */
bool sw_dissect_reason_is_malformed(enum sw_reason why);

/* sw_dissect_dlt_ok - true when @dlt is a link type we can decode. */
bool sw_dissect_dlt_ok(int dlt);

#endif
