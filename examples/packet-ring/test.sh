#!/usr/bin/env bash
# Runs cosmosb-packet-ring and checks its exit status and its report: 11
# "check:" lines, all ok, and the two refusals it must show.
# usage: test.sh PATH/TO/cosmosb-packet-ring
set -euo pipefail
exe=$1
for frames in 1 5000 30000; do
    out=$("$exe" --frames "$frames")
    echo "$out"
    n_ok=$(grep -c '^check: .* ok$' <<<"$out" || true)
    if [ "$n_ok" -ne 11 ] || grep -q '^check: .*FAILED$' <<<"$out"; then
        echo "FAIL ($frames frames): $n_ok of 11 checks ok" >&2
        exit 1
    fi
    grep -q '^\[headers \] a payload window .* not mapped in this process at all$' <<<"$out"
    grep -q '^\[payloads\] a header window .* not mapped in this process at all$' <<<"$out"
    grep -q "^\[driver  \] $frames frames" <<<"$out"
    echo "ok: $frames frames"
done
