#!/usr/bin/env bash
# The unit for real: boot systemd 252 in a container (systemd-nspawn over the
# host's /usr, a tmpfs root, a network namespace of its own) with
# tools/systemd/segwatch-agent.service, whose ExecStart runs agent_probe (a
# stand-in for `segwatch agent` built on segwatch_service). A driver unit
# in the container reloads it, lets its watchdog fire, stops it, and copies
# out the probe's report and the journal. Then we check:
#   - Type=notify: active only after READY=1; STATUS= shown; reload works
#   - the watchdog: pings at half of WatchdogSec keep it alive; when they
#     stop, systemd kills and restarts it (Restart=on-failure)
#   - the sandbox leaves what the agent needs (AF_PACKET, nftables, the state
#     directory, /proc/PID/ns/net and setns(CLONE_NEWNET)) and takes the rest
#     (writes to /etc and /usr, other namespace calls)
#   - capabilities: exactly the four, under the unit's bounding set
#   - logging: the journal target is picked, fields and escaping arrive
# And the real binary under the same sandbox (units derived from the agent's
# with another ExecStart): a live capture on lo with the kernel view (libpcap's
# ring, netlink, /proc), and a policy applied as one nftables batch, then read back.
#   usage: unit_boot.sh UNIT AGENT_PROBE SEGWATCH  (root; exit 77 without systemd-nspawn)
set -u
unit=$1
probe=$(realpath "$2")
segwatch=$(realpath "$3")
policy=$(dirname "$(realpath "$unit")")/../../policy/examples/shop.json
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }
command -v systemd-nspawn >/dev/null || { echo "skipped: no systemd-nspawn (apt-get install systemd-container)"; exit 77; }
[ -d /usr/lib/systemd ] && [ -x /usr/lib/systemd/systemd ] || { echo "skipped: no systemd"; exit 77; }

tmp=$(mktemp -d /tmp/sw-boot-XXXXXX)
machine=swboot$$
# nspawn leaves its "supervisor" and "payload" cgroups (and the container's
# init.scope) beside itself when no systemd runs the host: give it cgroups of
# its own, in the v2 and the name=systemd hierarchies, and remove them after
cgroups=()
cgroup_dirs() { # the mount point + our path in each hierarchy nspawn uses
	local mnt path
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	path=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	[ -n "$mnt" ] && [ -n "$path" ] && echo "$mnt${path%/}/sw-boot-$$"
	mnt=$(awk '$9 == "cgroup" && $NF ~ /name=systemd/ { print $5; exit }' /proc/self/mountinfo)
	path=$(awk -F: '$2 == "name=systemd" { print $3 }' /proc/self/cgroup)
	[ -n "$mnt" ] && [ -n "$path" ] && echo "$mnt${path%/}/sw-boot-$$"
}
cleanup() {
	local cg
	for cg in "${cgroups[@]}"; do
		# back to the parent, then the tree, innermost first
		[ -d "$cg" ] && cat "$cg/cgroup.procs" 2>/dev/null | while read -r p; do
			echo "$p" > "$(dirname "$cg")/cgroup.procs" 2>/dev/null
		done
		[ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$tmp"
	rm -rf "/run/systemd/nspawn/propagate/$machine"
}
trap cleanup EXIT
while read -r cg; do
	mkdir -p "$cg" && cgroups+=("$cg")
done < <(cgroup_dirs)
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

mkdir -p "$tmp/system/multi-user.target.wants" "$tmp/system/segwatch-agent.service.d" \
	"$tmp/probe" "$tmp/out"
install -m 0755 "$probe" "$tmp/probe/agent_probe"
install -m 0755 "$segwatch" "$tmp/probe/segwatch"
install -m 0644 "$policy" "$tmp/probe/shop.json"
sed 's#^ExecStart=/usr/local/bin/segwatch #ExecStart=/probe/agent_probe #' "$unit" \
	> "$tmp/system/segwatch-agent.service"
grep -q '^ExecStart=/probe/agent_probe ' "$tmp/system/segwatch-agent.service" || { echo "FAIL: ExecStart"; exit 1; }
# quicker than 30 s and 5 s; no core dump on the watchdog's SIGABRT; ASan's leak
# check would need to ptrace from inside the sandbox
cat > "$tmp/system/segwatch-agent.service.d/test.conf" <<'EOT'
[Service]
WatchdogSec=2s
RestartSec=1s
LimitCORE=0
Environment=ASAN_OPTIONS=detect_leaks=0
EOT
# derive NAME EXEC...: the agent's unit, sandbox and all, as a oneshot running EXEC lines
derive() {
	local name=$1 i
	shift
	sed -e 's/^Type=notify$/Type=oneshot/' -e '/^\(NotifyAccess\|WatchdogSec\|ExecReload\|Restart\|RestartSec\)=/d' \
	    -e '/^ExecStart=/d' "$unit" > "$tmp/system/$name"
	for ((i = $#; i >= 1; i--)); do	# each goes right after [Service]: last first
		sed -i "/^\[Service\]/a ExecStart=${!i}" "$tmp/system/$name"
	done
	# a sanitizer build: LeakSanitizer needs ptrace, which the sandbox refuses
	sed -i "/^\[Service\]/a Environment=ASAN_OPTIONS=detect_leaks=0" "$tmp/system/$name"
}
derive sw-capture.service \
	"/probe/segwatch capture -i lo --duration 3 --no-engine -q -w /var/lib/segwatch/cap.jsonl"
derive sw-policy.service "/probe/segwatch policy apply /probe/shop.json --no-engine" \
	"/bin/sh -c '/probe/segwatch policy status > /var/lib/segwatch/status.txt'"
cat > "$tmp/system/sw-drive.service" <<'EOT'
[Unit]
Wants=segwatch-agent.service
After=segwatch-agent.service
[Service]
Type=oneshot
ExecStart=/probe/drive.sh
EOT
ln -s ../sw-drive.service "$tmp/system/multi-user.target.wants/sw-drive.service"
cat > "$tmp/probe/drive.sh" <<'EOT'
#!/bin/bash
u=segwatch-agent.service
show() { systemctl show -p "$1" --value "$u"; }
{
	echo "active1 $(systemctl is-active "$u")"
	echo "status $(show StatusText)"
	sleep 5		# more than twice WatchdogSec: only the pings keep it alive
	echo "restarts1 $(show NRestarts)"
	systemctl reload "$u"
	echo "reload_rc $?"
	echo "active2 $(systemctl is-active "$u")"
	systemctl kill --kill-who=main -s SIGUSR1 "$u"	# the probe stops pinging
	for _ in $(seq 80); do [ "$(show NRestarts)" -ge 1 ] && break; sleep 0.1; done
	echo "restarts2 $(show NRestarts)"
	for _ in $(seq 80); do [ "$(systemctl is-active "$u")" = active ] && break; sleep 0.1; done
	echo "active3 $(systemctl is-active "$u")"
	systemctl stop "$u"
	echo "result $(show Result)"
	echo "active4 $(systemctl is-active "$u")"
	# the real binary in the same sandbox
	systemctl start --no-block sw-capture.service
	sleep 0.5
	ping -c 8 -i 0.25 127.0.0.1 > /dev/null	# 2 s of it, inside the 3 s capture
	for _ in $(seq 100); do
		case $(systemctl is-active sw-capture.service) in inactive|failed) break ;; esac
		sleep 0.1
	done
	echo "capture_result $(systemctl show -p Result --value sw-capture.service)"
	systemctl start sw-policy.service
	echo "policy_result $(systemctl show -p Result --value sw-policy.service)"
} > /out/drive 2>&1
cp /var/lib/segwatch/cap.jsonl /var/lib/segwatch/status.txt /out/
ls -la /var/lib/segwatch > /out/ls.txt 2>&1
journalctl -u sw-capture.service -u sw-policy.service -o short > /out/real.txt
cp /var/lib/segwatch/report /out/report
journalctl -u "$u" -o json > /out/journal.json
journalctl -u "$u" -o short > /out/journal.txt
systemctl poweroff
EOT
chmod 0755 "$tmp/probe/drive.sh"

(
	for cg in "${cgroups[@]}"; do echo "$BASHPID" > "$cg/cgroup.procs"; done
	exec timeout 120 systemd-nspawn -D / --volatile=yes -b --register=no --keep-unit -q --console=pipe \
	--private-network --machine="$machine" \
	--bind="$tmp/out:/out" --bind-ro="$tmp/system:/etc/systemd/system" --bind-ro="$tmp/probe:/probe" \
	systemd.firstboot=off </dev/null > "$tmp/boot.log" 2>&1
)
rc=$?
if [ ! -s "$tmp/out/drive" ]; then
	sed 's/\x1b\[[0-9;]*m//g' "$tmp/boot.log" | tail -40
	if grep -q "Failed to create\|Failed to mount\|not supported" "$tmp/boot.log" && [ "$rc" -ne 0 ]; then
		echo "skipped: systemd did not boot in a container here (rc $rc)"
		exit 77
	fi
	echo "FAIL: the driver left no report (nspawn rc $rc)"
	exit 1
fi

# key FILE: the value after "key " in FILE (first match)
val() { awk -v k="$1" '$1 == k { sub("^[^ ]+ ", ""); print; exit }' "$2"; }
want() { # FILE KEY VALUE
	local got
	got=$(val "$2" "$1")
	[ "$got" = "$3" ] || fail "$2: got '$got', want '$3'"
}
d=$tmp/out/drive
r=$tmp/out/report
cat "$d" "$r"

want "$d" active1 active
want "$d" status "probe: checks done"
want "$d" restarts1 0
want "$d" reload_rc 0
want "$d" active2 active
want "$d" restarts2 1
want "$d" active3 active
want "$d" active4 inactive
want "$d" result success
want "$d" capture_result success
want "$d" policy_result success
grep -q '"proto":"icmp"' "$tmp/out/cap.jsonl" 2>/dev/null || fail "capture under the sandbox: no ICMP flow on lo"
grep -q '^policy "shop"' "$tmp/out/status.txt" 2>/dev/null || fail "policy under the sandbox: status does not show it"

want "$r" target journal
want "$r" notify 1
want "$r" watchdog_usec 2000000
want "$r" drop ok
want "$r" CapEff 0000000000283000
want "$r" CapPrm 0000000000283000
want "$r" CapBnd 0000000000283000
want "$r" CapAmb 0000000000000000
want "$r" NoNewPrivs 1
want "$r" packet 0
want "$r" nft 0
want "$r" write_state 0
want "$r" write_etc 30		# EROFS
want "$r" write_usr 30
want "$r" unshare_mnt 1		# EPERM: RestrictNamespaces=net
want "$r" nsopen 0
want "$r" setns0 1
want "$r" setns 0
[ "$(grep -c '^start$' "$r")" -eq 2 ] || fail "report: want 2 starts (the restart after the watchdog)"
grep -q '^reload$' "$r" || fail "report: no reload"
[ "$(grep -c '^stopped$' "$r")" -eq 1 ] || fail "report: want 1 clean stop"

j=$tmp/out/journal.json
python3 - "$j" <<'EOT' || fail "journal: the probe's first message is not as sent"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
hit = [r for r in recs if r.get("SEGWATCH_EVENT") == "probe-start"]
assert hit, "no SEGWATCH_EVENT=probe-start"
r = hit[0]
assert r["MESSAGE"] == "probe starting \\x1b[31m red", r["MESSAGE"]
assert r["PRIORITY"] == "5" and r["SYSLOG_IDENTIFIER"] == "segwatch", r
assert any(x.get("MESSAGE") == "reloaded" for x in recs), "no 'reloaded'"
print("journal: %d records, probe-start as sent" % len(recs))
EOT
grep -i "watchdog" "$tmp/out/journal.txt" | head -3

if [ "$failed" -gt 0 ]; then
	sed 's/\x1b\[[0-9;]*m//g' "$tmp/out/journal.txt" | tail -20
	cat "$tmp/out/real.txt" "$tmp/out/ls.txt" "$tmp/out/status.txt"
	echo "$failed failed"
	exit 1
fi
echo "unit booted under systemd: notify, watchdog, reload, sandbox, capabilities and journal as documented"
