#!/usr/bin/env bash
# The systemd unit (tools/systemd/segwatch-agent.service) as systemd 252
# reads it: `systemd-analyze verify` must say nothing about it, its
# capabilities must be the ones src/service/caps.c keeps, and its exposure
# (`systemd-analyze security --offline`) must not grow past 4.0.
#   usage: unit_verify.sh UNIT SEGWATCH_BINARY
# verify checks that ExecStart's binary exists, so a copy runs the one just
# built instead of /usr/local/bin/segwatch. Exit 77 without systemd-analyze.
set -u
unit=$1
bin=$(realpath "$2")
name=$(basename "$unit")
command -v systemd-analyze >/dev/null || { echo "skipped: no systemd-analyze"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }

tmp=$(mktemp -d /tmp/sw-unit-XXXXXX)
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# verify FILE: prints what systemd-analyze says about FILE; fails when it says anything
verify() {
	local out rc
	out=$(systemd-analyze verify --man=no "$1" 2>&1)
	rc=$?
	out=$(printf '%s\n' "$out" | grep -F -e "$(basename "$1")" -e "$1")
	[ -n "$out" ] && printf '%s\n' "$out"
	[ "$rc" -eq 0 ] && [ -z "$out" ]
}

# 1. what it starts
exec_line='ExecStart=/usr/local/bin/segwatch agent --config /etc/segwatch/agent.json'
grep -qxF "$exec_line" "$unit" || fail "no line '$exec_line'"
sed "s#^ExecStart=/usr/local/bin/segwatch #ExecStart=$bin #" "$unit" > "$tmp/$name"
grep -qF "ExecStart=$bin agent" "$tmp/$name" || fail "ExecStart not replaced"

# 2. systemd has nothing to say about it
verify "$tmp/$name" || fail "systemd-analyze verify complained about $name"

# 3. and the check can fail: a misspelt key is caught
mkdir "$tmp/bad"
sed 's/^WatchdogSec=/WatchDogSec=/' "$tmp/$name" > "$tmp/bad/$name"
if verify "$tmp/bad/$name" >/dev/null; then
	fail "a misspelt key went unnoticed"
fi

# 4. what caps.c keeps (sw_service_caps_agent), and the lines the agent relies on
for line in \
	'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_SYS_ADMIN CAP_SYS_PTRACE' \
	'Type=notify' 'NotifyAccess=main' 'WatchdogSec=30s' 'Restart=on-failure' \
	'ExecReload=/bin/kill -HUP $MAINPID' 'KillSignal=SIGTERM' \
	'StateDirectory=segwatch' 'ConfigurationDirectory=segwatch' 'NoNewPrivileges=yes' \
	'RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_PACKET AF_INET AF_INET6' \
	'RestrictNamespaces=net' 'ReadOnlyPaths=/etc/segwatch' 'SystemCallFilter=@system-service'; do
	grep -qxF "$line" "$unit" || fail "no line '$line'"
done
# settings that would break it: no network to watch, no /proc/PID to read, no setns
for key in PrivateNetwork ProtectProc ProcSubset PrivateUsers AmbientCapabilities User DynamicUser; do
	grep -q "^$key=" "$unit" && fail "$key= would break the agent (docs/service.md)"
done

# 5. hardening does not regress: exposure at most 4.0 (shown as 3.5 today)
if ! systemd-analyze security --offline=true --threshold=40 "$tmp/$name" > "$tmp/security" 2>&1; then
	tail -n 3 "$tmp/security"
	fail "exposure above 4.0"
fi
grep -o 'Overall exposure level.*' "$tmp/security"

if [ "$failed" -gt 0 ]; then
	echo "$failed failed"
	exit 1
fi
echo "unit $name: verified"
