#!/usr/bin/env bash
# l2guard_unguarded.sh SEGWATCH - a container port whose name nft cannot take
# (a quote, a backslash, a byte outside printable ASCII: names the kernel
# allows) is left out of the L2 guard, and said so: `policy compile` and
# `policy apply` warn once per port, naming the port and the workload escaped
# for the terminal, and apply counts them (text and --json, docs/policy.md
# "L2 guard"). As root, apply runs in a network namespace of its own and the
# kernel's l2_ports set must hold the good port only.
set -u
SEGWATCH=${1:?usage: l2guard_unguarded.sh SEGWATCH}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/sw-l2ung.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 - "$tmp/inv.json" <<'PY'
import json, sys
def wl(name, app, ip, mac, iface):
    return {"name": name, "labels": {"app": app}, "ips": [ip], "macs": [mac], "interface": iface}
json.dump({"version": 1, "workloads": [
    wl("shop/web-1", "web", "10.77.0.10", "02:42:0a:4d:00:0a", "veth-web1"),
    wl("shop/quote", "web", "10.77.0.12", "02:42:0a:4d:00:0c", 'veth"q'),
    wl("shop/\u00e9t\u00e9", "db", "10.77.0.14", "02:42:0a:4d:00:0e", "veth-\u00e9"),
    wl("shop/bs", "db", "10.77.0.15", "02:42:0a:4d:00:0f", "veth\\b"),
    wl("shop/\u202eevil", "db", "10.77.0.16", "02:42:0a:4d:00:10", "v\u202e1")]},
    open(sys.argv[1], "w"))
PY
pol=$here/l2guard.json
args=(--no-engine --no-kernel --inventory "$tmp/inv.json")

# compile: the script binds the good port only, one warning per unguarded port
if "$SEGWATCH" policy compile "$pol" "${args[@]}" >"$tmp/script" 2>"$tmp/err"; then ok; else bad "compile exited $?"; fi
grep -A2 'set l2_ports' "$tmp/script" | grep -q 'elements = { "veth-web1" }' && ok ||
	bad "l2_ports is not just veth-web1: $(grep -A2 'set l2_ports' "$tmp/script")"
[ "$(grep -c 'warning: L2 guard: port' "$tmp/err")" = 4 ] && ok || { bad "not 4 warnings:"; cat "$tmp/err"; }
for want in 'port "veth\"q" of workload "shop/quote"' 'port "veth\\b" of workload "shop/bs"' \
	'port "veth-é" of workload "shop/été"' 'port "v\xe2\x80\xae1" of workload "shop/\xe2\x80\xaeevil"'; do
	grep -qF "$want" "$tmp/err" && ok || { bad "no warning with: $want"; cat "$tmp/err"; }
done
# nothing that reorders or hides text reaches the terminal (U+202E escaped above)
if grep -q $'\u202e' "$tmp/err"; then bad "a raw U+202E on stderr"; else ok; fi

if [ "$(id -u)" -ne 0 ] || ! command -v nft >/dev/null; then
	echo "l2guard_unguarded: $passes passed, $fails failed (apply not tried: needs root and nft)"
	[ "$fails" -eq 0 ]; exit
fi
# apply, in a namespace of its own: text, then --json, then what the kernel holds
unshare -n bash -c '
	"$1" policy apply "$2" "${@:4}" >"$3/apply.txt" 2>"$3/apply.err" || exit 10
	"$1" policy apply "$2" "${@:4}" --json >"$3/apply.json" 2>/dev/null || exit 11
	nft list set bridge segwatch l2_ports >"$3/ports.nft" || exit 12
' _ "$SEGWATCH" "$pol" "$tmp" "${args[@]}"
rc=$?
[ "$rc" = 0 ] && ok || bad "apply in a namespace failed ($rc): $(cat "$tmp/apply.err" 2>/dev/null)"
grep -q '^L2 guard (enforce): table bridge segwatch, 1 port guarded, 4 unguarded' "$tmp/apply.txt" && ok ||
	{ bad "apply's report:"; cat "$tmp/apply.txt"; }
[ "$(grep -c 'warning: L2 guard: port' "$tmp/apply.err")" = 4 ] && ok || bad "apply: not 4 warnings"
python3 - "$tmp/apply.json" <<'PY' && ok || bad "apply --json: $(cat "$tmp/apply.json")"
import json, sys
d = json.load(open(sys.argv[1]))
g = d["l2_guard"]
assert d["type"] == "policy_apply" and d["version"] == 1, d
assert g["ports"] == 1 and g["unguarded_ports"] == 4, g
assert {(u["port"], u["workload"]) for u in g["unguarded"]} == {
    ('veth"q', "shop/quote"), ("veth\\b", "shop/bs"), ("veth-\u00e9", "shop/\u00e9t\u00e9"),
    ("v\u202e1", "shop/\u202eevil")}, g["unguarded"]
PY
grep -q 'elements = { "veth-web1" }' "$tmp/ports.nft" && ok || { bad "the kernel's l2_ports:"; cat "$tmp/ports.nft"; }
# --json goes with neither --watch nor --cut (their lines would follow the document)
"$SEGWATCH" policy apply "$pol" "${args[@]}" --json --watch >/dev/null 2>&1
[ $? = 2 ] && ok || bad "apply --json --watch: not exit 2"
echo "l2guard_unguarded: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
