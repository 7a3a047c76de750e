#!/bin/bash
# scan_fixtures.sh GEN SEGWATCH EXPECT_DIR [SCENARIO...] - the scan detectors
# against the fixtures of tests/alert/scan (issue 15). For each scenario:
# GEN writes its pcap (twice: the bytes must not change); segwatch's flows in it must have the states the
# generator meant (a wrong fixture would make every other check worthless);
# `segwatch capture -r` with the default alert config must raise exactly the
# scan and fan_out alerts of NAME.expect (kind, method, source), the first
# trw alert within the failures bound given there; then the same flows
# replayed from the history (`segwatch flows DIR --alerts`) must raise the
# same alerts. That half is skipped, with a message, while `segwatch flows`
# has no --alerts. Prints a table; exits 1 on any mismatch, 2 on bad usage.
set -u
GEN=${1:?usage: scan_fixtures.sh GEN SEGWATCH EXPECT_DIR [SCENARIO...]}
SEGWATCH=${2:?usage: scan_fixtures.sh GEN SEGWATCH EXPECT_DIR [SCENARIO...]}
EXPECT=${3:?usage: scan_fixtures.sh GEN SEGWATCH EXPECT_DIR [SCENARIO...]}
shift 3
TMP=$(mktemp -d /tmp/sw-scanfix.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'rm -rf "$TMP"; exit 130' INT TERM

if [ $# -eq 0 ]; then
	mapfile -t SCENARIOS < <("$GEN" --list) || { echo "FAIL: $GEN --list"; exit 2; }
else
	SCENARIOS=("$@")
fi
for s in "${SCENARIOS[@]}"; do
	[ -f "$EXPECT/$s.expect" ] || { echo "FAIL: $s: no $EXPECT/$s.expect"; exit 2; }
done
"$GEN" -o "$TMP" "${SCENARIOS[@]}" >"$TMP/gen.out" 2>"$TMP/gen.err" ||
	{ echo "FAIL: generator: $(cat "$TMP/gen.err")"; exit 2; }
# fixtures are deterministic: a second run writes the same bytes
mkdir "$TMP/again"
"$GEN" -o "$TMP/again" "${SCENARIOS[@]}" >/dev/null 2>&1 || { echo "FAIL: generator, second run"; exit 2; }
for s in "${SCENARIOS[@]}"; do
	cmp -s "$TMP/$s.pcap" "$TMP/again/$s.pcap" || { echo "FAIL: $s: generator output differs between runs"; exit 1; }
done
rm -rf "$TMP/again"

# the replay half: flows --alerts reading the records capture -w wrote (the
# same reader as the agent's history directory)
REPLAY=0
if "$SEGWATCH" flows --help 2>/dev/null | grep -q -- '--alerts'; then
	REPLAY=1
else
	echo "note: 'segwatch flows' has no --alerts yet: the history replay half is skipped"
fi

rc=0
for s in "${SCENARIOS[@]}"; do
	d="$TMP/$s.d"
	mkdir -p "$d/hist"
	if ! "$SEGWATCH" capture -r "$TMP/$s.pcap" -q --alerts "$d/capture.jsonl" \
		-w "$d/hist/flows.jsonl" >/dev/null 2>"$d/capture.err"; then
		echo "FAIL: $s: segwatch capture -r: $(head -3 "$d/capture.err")"
		rc=1
		continue
	fi
	touch "$d/capture.jsonl"
	if [ "$REPLAY" = 1 ]; then
		"$SEGWATCH" flows "$d/hist/flows.jsonl" --alerts "$d/replay.jsonl" >/dev/null 2>"$d/replay.err" ||
			{ echo "FAIL: $s: segwatch flows --alerts: $(head -3 "$d/replay.err")"; rc=1; }
		touch "$d/replay.jsonl"
	fi
done

python3 - "$TMP" "$EXPECT" "$REPLAY" "${SCENARIOS[@]}" <<'PY' || rc=1
import json, re, sys
tmp, expdir, replay, names = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4:]
gen = {}
for line in open(f"{tmp}/gen.out"):
    f = line.split()
    gen[f[0]] = {k: int(v) for k, v in (x.split("=") for x in f[1:])}

def expected(name):
    want, bounds = set(), {}
    for n, line in enumerate(open(f"{expdir}/{name}.expect"), 1):
        line = line.split("#")[0].strip()
        if not line or line == "none":
            continue
        f = line.split()
        if len(f) < 3 or f[0] not in ("scan", "fan_out") or len(f) > 4:
            sys.exit(f"{name}.expect:{n}: want 'scan METHOD SOURCE [failures<=N]' or 'fan_out - SOURCE'")
        key = (f[0], f[1], f[2])
        want.add(key)
        if len(f) == 4:
            m = re.fullmatch(r"failures<=(\d+)", f[3])
            if not m:
                sys.exit(f"{name}.expect:{n}: bad bound {f[3]!r}")
            bounds[key] = int(m.group(1))
    return want, bounds

def evidence(a, key):
    ev = a.get("evidence")
    if isinstance(ev, dict) and key in ev:
        return ev[key]
    return a.get(key)

def got(path):
    keys, first = set(), {}
    for n, line in enumerate(open(path), 1):
        if not line.strip():
            continue
        a = json.loads(line)
        if a.get("kind") not in ("scan", "fan_out"):
            continue
        src = (a.get("src") or {}).get("address", "?")
        method = evidence(a, "method") if a["kind"] == "scan" else "-"
        key = (a["kind"], str(method), src)
        keys.add(key)
        first.setdefault(key, a)
    return keys, first

def states(path):
    c = {"closed": 0, "refused": 0, "attempted": 0, "established": 0}
    for line in open(path):
        r = json.loads(line)
        if r.get("type", "flow") == "flow" and r.get("proto") in ("tcp", "udp"):
            c[r["state"]] = c.get(r["state"], 0) + 1
    return c

fmt = "{:<24} {:<8} {:<34} {:<34} {:<9} {}"
print(fmt.format("scenario", "source", "expected", "got", "failures", "result"))
bad = 0
for name in names:
    want, bounds = expected(name)
    problems = []
    d = f"{tmp}/{name}.d"
    try:
        st = states(f"{d}/hist/flows.jsonl")
        meant = {k: gen[name][k] for k in ("closed", "refused", "attempted", "established")}
        if st != meant:
            problems.append(f"fixture: flow states {st}, generator meant {meant}")
        have, first = got(f"{d}/capture.jsonl")
    except (OSError, ValueError, KeyError) as e:
        print(fmt.format(name, "capture", "-", "-", "-", f"FAIL ({e})"))
        bad += 1
        continue
    runs = [("capture", have, first)]
    if replay:
        try:
            rh, rf = got(f"{d}/replay.jsonl")
            runs.append(("replay", rh, rf))
        except (OSError, ValueError) as e:
            problems.append(f"replay: {e}")
    for src, have, first in runs:
        p = list(problems) if src == "capture" else []
        if have != want:
            if want - have:
                p.append("missing " + ", ".join(" ".join(k) for k in sorted(want - have)))
            if have - want:
                p.append("unexpected " + ", ".join(" ".join(k) for k in sorted(have - want)))
        fails = []
        for key, limit in sorted(bounds.items()):
            if key in first:
                f = evidence(first[key], "failures")
                fails.append(str(f))
                if not isinstance(f, int) or f > limit:
                    p.append(f"{key[1]}: failures at alert {f}, want <= {limit}")
        show = lambda ks: ",".join(f"{k[0]}:{k[1]}" for k in sorted(ks)) or "none"
        print(fmt.format(name, src, show(want), show(have), ",".join(fails) or "-",
                         "ok" if not p else "FAIL"))
        for x in p:
            print(f"    {name} ({src}): {x}")
        bad += bool(p)
print(f"{len(names)} scenarios, {bad} failed" + ("" if replay else " (history replay skipped: no 'flows --alerts')"))
sys.exit(1 if bad else 0)
PY
exit $rc
