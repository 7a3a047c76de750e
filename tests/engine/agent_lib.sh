# shellcheck shell=bash
# agent_lib.sh - what the agent tests against real engines share (sourced
# after podman_lib.sh or docker_lib.sh, which set TMP).

# agent_files NAME SOCKET NFLOG_GROUP - $TMP/policy.json (a label policy: web
# may reach api on tcp 80, nothing reaches db) and $TMP/agent.json (that
# engine, that policy enforced, alerts and history in $TMP, log on stderr)
agent_files() {
	cat >"$TMP/policy.json" <<-EOF
	{
	  "version": 1, "name": "$1", "mode": "enforce", "default": "deny",
	  "intra_group": "allow",
	  "groups": {
	    "web": { "labels": { "app": "web" } },
	    "api": { "labels": { "app": "api" } },
	    "db":  { "labels": { "app": "db" } }
	  },
	  "rules": [
	    { "name": "web-to-api", "from": "web", "to": "api", "proto": "tcp", "ports": [80], "action": "allow" }
	  ]
	}
	EOF
	cat >"$TMP/agent.json" <<-EOF
	{
	  "identity": { "engine": "$2" },
	  "policy": { "file": "policy.json", "mode": "enforce", "on_stop": "keep", "nflog_group": $3 },
	  "alerts": { "output": "alerts.jsonl" },
	  "history": { "dir": "history", "compress": true },
	  "capture": { "timeouts": { "tcp": "15s", "tcp_closed": "1s", "udp": "3s", "icmp": "3s" } },
	  "log": { "target": "stderr", "level": "info" }
	}
	EOF
}
