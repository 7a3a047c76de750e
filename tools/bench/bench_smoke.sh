#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench_smoke.sh GEN READLOOP SEGWATCH - quick ctest check of the benchmark
# input: the generator is deterministic, readloop reads every packet, and
# segwatch finds exactly the flows the generator wrote, with every packet
# decoded and none malformed. Small (100,000 packets) so that it runs in CI;
# the full benchmark is capture_bench.sh.
set -eu
GEN=$1 READLOOP=$2 SEGWATCH=$3
DIR=$(mktemp -d /tmp/sw-bench-smoke.XXXXXX)
cleanup() { rm -rf "$DIR"; }
trap cleanup EXIT INT TERM

"$GEN" -o "$DIR/a.pcap" --packets 100000 --flows 10000 >"$DIR/a.meta"
"$GEN" -o "$DIR/b.pcap" --packets 100000 --flows 10000 >/dev/null
cmp -s "$DIR/a.pcap" "$DIR/b.pcap" || { echo "FAIL: generator output differs between runs"; exit 1; }

meta() { sed -n "s/^$1=//p" "$DIR/a.meta"; }
[ "$(meta packets)" = 100000 ] && [ "$(meta flows)" = 10000 ] || { echo "FAIL: generator summary"; cat "$DIR/a.meta"; exit 1; }

got=$("$READLOOP" "$DIR/a.pcap" | sed -n 's/^packets=//p')
[ "$got" = 100000 ] || { echo "FAIL: readloop read $got packets, want 100000"; exit 1; }

"$SEGWATCH" capture -r "$DIR/a.pcap" -q --json -w "$DIR/flows.jsonl" >"$DIR/out.json"
num() { grep -o "\"$1\": *[0-9]*" "$DIR/out.json" | head -1 | grep -o '[0-9]*$'; }
flows=$(grep -o '"flow": *{[^}]*}' "$DIR/out.json" | grep -o '"flows": *[0-9]*' | grep -o '[0-9]*$')
lines=$(grep -c '"type": *"flow"' "$DIR/flows.jsonl")
echo "segwatch: flows=$flows lines=$lines decoded=$(num decoded) malformed=$(num malformed)"
[ "$flows" = 10000 ] && [ "$lines" = 10000 ] || { echo "FAIL: want exactly 10000 flows"; exit 1; }
[ "$(num decoded)" = 100000 ] && [ "$(num malformed)" = 0 ] || { echo "FAIL: want 100000 decoded, 0 malformed"; exit 1; }
# Unanswered SYNs are the only "attempted" flows; every other TCP flow is closed or refused.
att=$(grep -c '"state": *"attempted"' "$DIR/flows.jsonl" || true)
[ "$att" = "$(meta tcp_unanswered)" ] || { echo "FAIL: $att attempted flows, generator wrote $(meta tcp_unanswered) unanswered SYN flows"; exit 1; }
echo "bench_smoke: ok"
