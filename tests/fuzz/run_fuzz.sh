#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# run_fuzz.sh - run a libFuzzer target over a private copy of a seed corpus.
#
#   run_fuzz.sh [--seconds N] FUZZER CORPUS_DIR WORK_DIR   fuzz for N s (default 60)
#   run_fuzz.sh --replay FUZZER CORPUS_DIR WORK_DIR        run each seed once
#
# The committed corpus is never written to: libFuzzer adds the inputs it finds
# to WORK_DIR/corpus. A crash leaves WORK_DIR/crash-* (or leak-, timeout-,
# oom-) and fails the run; reproduce with `FUZZER WORK_DIR/crash-...`.
set -eu

seconds=60
replay=0
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) seconds=$2; shift 2 ;;
	--replay) replay=1; shift ;;
	*) break ;;
	esac
done
if [ $# -ne 3 ]; then
	echo "usage: $0 [--seconds N | --replay] FUZZER CORPUS_DIR WORK_DIR" >&2
	exit 2
fi
fuzzer=$1 seeds=$2 work=$3

if [ ! -x "$fuzzer" ]; then
	echo "run_fuzz.sh: $fuzzer is not built; skipping" >&2
	exit 77
fi
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"

if [ "$replay" = 1 ]; then
	# Given files rather than a directory, libFuzzer runs each once and exits.
	# libFuzzer's own failure code is 77, which ctest would read as "skipped"
	exec "$fuzzer" -error_exitcode=1 -timeout_exitcode=1 -rss_limit_mb=2048 -timeout=5 \
		"$work"/corpus/*
fi
# -print_final_stats shows how far it got; -detect_leaks stays on (a leak in
# the flow table is a bug too).
status=0
"$fuzzer" -error_exitcode=1 -timeout_exitcode=1 -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
	-artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" || status=$?
if [ "$status" -ne 0 ]; then
	echo "run_fuzz.sh: fuzzer failed (exit $status); artifacts:" >&2
	ls -l "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2 || true
fi
exit "$status"
