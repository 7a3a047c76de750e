#!/usr/bin/env python3
# text-noraw.py - read what segwatch printed on stdin; print "clean" and exit 0
# when nothing a terminal could act on is in it (C0 but LF, DEL, C1, bytes
# that are not UTF-8, bidirectional and invisible format characters); else
# name the first one and exit 1. --tabs: TAB is allowed (an nft script).
import sys

BAD = set(range(0x00, 0x20)) - {0x0a}
BAD |= set(range(0x7f, 0xa0)) | {0xad, 0x61c, 0x180e, 0xfeff}
BAD |= set(range(0x200b, 0x2010)) | set(range(0x2028, 0x202f)) | set(range(0x2060, 0x2070))
BAD |= set(range(0xfff9, 0xfffc))
if "--tabs" in sys.argv[1:]:
    BAD.discard(0x09)
data = sys.stdin.buffer.read()
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    print(f"RAW: not UTF-8 at byte {e.start}: {data[max(0, e.start - 20):e.start + 4]!r}")
    sys.exit(1)
for i, ch in enumerate(text):
    if ord(ch) in BAD:
        print(f"RAW: U+{ord(ch):04X} at {i}: {text[max(0, i - 20):i + 4]!r}")
        sys.exit(1)
if not text.strip():
    print("RAW: no output at all")
    sys.exit(1)
print("clean")
