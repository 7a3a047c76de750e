"""What the CLI tests' pcap generators share: the Internet checksum and the
pcap file itself (Ethernet, microsecond stamps one millisecond apart from
2025-12-02 12:00:00 UTC). Imported by scan_pcap.py, infra_pcap.py and
linklocal_pcap.py, which sit beside it."""
import struct

T0 = 1764676800  # the first frame's second


def csum(b):
    """RFC 1071 checksum of @b (padded to an even length)."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def write(path, frames):
    """@frames (Ethernet frames, in order) as a pcap file at @path, 1 ms apart."""
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
    for i, f in enumerate(frames):
        out.append(struct.pack("<IIII", T0, i * 1000, len(f), len(f)) + f)
    with open(path, "wb") as fh:
        fh.write(b"".join(out))
