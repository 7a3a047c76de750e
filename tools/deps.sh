#!/usr/bin/env bash
# Install what segwatch needs to build and test on Debian 12 (as root).
# Only missing packages are installed, so a second run costs a second.
set -euo pipefail

packages=(
	# build. libcurl, libmicrohttpd, libfixbuf and libcrypto are opened at run
	# time by SONAME (include/segwatch/dynlib.h): their -dev packages give the
	# headers and bring the runtime libraries (libcurl4, libmicrohttpd12,
	# libfixbuf9, libssl3) that segwatch finds then

	build-essential cmake pkg-config clang libclang-rt-14-dev
	libpcap-dev libjansson-dev libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev
	libcurl4-openssl-dev
	# the man pages, made from the --help texts at build time (tools/man)
	scdoc
	# Community IDs on flows and alerts (SHA-1, base64)
	libssl-dev
	# IPFIX export (docs/ipfix.md): libfixbuf encodes templates, reverse (RFC 5103)
	# and enterprise elements with RFC 5610 type records, so we write no IPFIX codec
	libfixbuf-dev
	# the agent: compressed history, systemd notify and journal, capabilities
	libzstd-dev zstd libsystemd-dev libcap-ng-dev systemd
	# the agent's /metrics: a small embeddable HTTP server with its own thread
	libmicrohttpd-dev
	# the agent's unit booted under a real systemd (tests/service/unit_boot.sh)
	systemd-container
	# Kubernetes NetworkPolicy in and out (policy import/export): YAML as kubectl
	# writes it, multi-document, read and emitted by the reference C library
	libyaml-dev
	# the NetworkPolicy tests read and check YAML independently of segwatch
	python3-yaml
	# tests
	libcmocka-dev python3 iproute2 nftables tcpdump iputils-ping netcat-openbsd socat procps kmod
	# the real container engine test (tests/engine)
	podman runc busybox-static netavark catatonit iptables curl
	# the Docker engine tests (tests/engine/docker_*.sh)
	docker.io
	# the real Prometheus server that scrapes the agent (tests/ns/agent_metrics.sh)
	prometheus
	# the IPFIX tests: real collectors (nfdump's nfcapd, pmacct's nfacctd) and
	# libfixbuf's ipfixDump, which names enterprise elements from RFC 5610 records
	nfdump pmacct libfixbuf-tools
	# the HTML graph view test (headless Chromium)
	chromium
	# the live graph test (tests/ns/agent_web.sh) drives Chromium over the
	# DevTools protocol: timing a new edge, the page's requests and console
	python3-websocket
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: run as root (apt-get install needs it)" >&2
		exit 3
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}" >/dev/null
fi
