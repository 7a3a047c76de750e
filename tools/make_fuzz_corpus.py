#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""make_fuzz_corpus - write the seed corpus of tests/fuzz/fuzz_dissect.c.

Usage: make_fuzz_corpus.py [OUTDIR]   (default: tests/fuzz/corpus/dissect)

Seeds come from the golden fixtures (tools/gen_fixtures.py), so the fuzzer
starts from every frame kind the decoder is known to meet:
  <fixture>-<n>   one frame: selector byte (link type index, 0x40 when the
                  fixture was cut by a snap length) + frame bytes
  <fixture>-seq   the whole fixture in the multi-frame form (selector | 0x80,
                  then [len be16][dt][frame] records), so that the flow table
                  sees handshakes, fragments and ICMP errors together.
  <fixture>-seqb  the same through the batch API with a 4-flow table.
Old seeds are removed first; other files (crash reproducers, crash-<sha1>)
are kept.
"""

import math
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402

# Same order as sw_fuzz_dlts[] in tests/fuzz/fuzz_dissect.c.
DLT_INDEX = {
    gf.LINKTYPE_ETHERNET: 0,
    12: 1,  # DLT_RAW, what libpcap reports for LINKTYPE_RAW on Linux
    gf.LINKTYPE_RAW: 2,
    gf.LINKTYPE_LINUX_SLL: 3,
    gf.LINKTYPE_IPV4: 4,
    gf.LINKTYPE_IPV6: 5,
    gf.LINKTYPE_LINUX_SLL2: 6,
    gf.LINKTYPE_USER0: 7,
}
TIGHT = 0x08  # 4-flow table, timeouts of seconds
BATCH = 0x20  # sw_flow_table_update_batch()
SNAP_CUT = 0x40  # frames were cut by a snap length (wirelen > caplen)
MODE_SEQ = 0x80
FRAMES_PER_FIXTURE = 6  # keeps the corpus small; the -seq seed has the rest


def dt_byte(delta_us):
    """Inverse of the target's clock step (dt * dt * 10 ms)."""
    if delta_us <= 0:
        return 0
    return min(255, max(1, round(math.sqrt(delta_us / 10000))))


def seeds_for(name, cap):
    sel = DLT_INDEX[cap.linktype]
    if any(len(frame) < orig for _, frame, orig in cap.frames):
        sel |= SNAP_CUT
    out, seen = [], set()
    for _, frame, _ in cap.frames:
        if frame in seen or len(seen) >= FRAMES_PER_FIXTURE:
            continue
        seen.add(frame)
        out.append(("%s-%d" % (name, len(seen)), bytes([sel]) + frame))
    if len(cap.frames) > 1:
        seq, prev = [bytes([sel | MODE_SEQ])], cap.frames[0][0]
        for ts, frame, _ in cap.frames:
            seq.append(struct.pack("!HB", len(frame), dt_byte(ts - prev)) + frame)
            prev = ts
        out.append((name + "-seq", b"".join(seq)))
        # the same through the batch API and a table small enough to evict
        out.append((name + "-seqb", bytes([seq[0][0] | TIGHT | BATCH]) + b"".join(seq[1:])))
    return out


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outdir = argv[1] if len(argv) > 1 else os.path.join(root, "tests", "fuzz", "corpus", "dissect")
    os.makedirs(outdir, exist_ok=True)
    # Remove old seeds, but keep crash reproducers copied in by hand (crash-*).
    for old in os.listdir(outdir):
        if old.rpartition("-")[0] in gf.FIXTURES:
            os.unlink(os.path.join(outdir, old))
    count = 0
    for name in sorted(gf.FIXTURES):
        for fname, data in seeds_for(name, gf.FIXTURES[name]()):
            with open(os.path.join(outdir, fname), "wb") as f:
                f.write(data)
            count += 1
    print("make_fuzz_corpus: %d seeds in %s" % (count, outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
