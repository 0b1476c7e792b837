#!/usr/bin/env bash
# Builds libcosmosb and its benchmark (Release, in build-bench/) and runs
# cosmosb-bench: libcosmosb side by side with the limits of the machine (raw
# shared-memory ping-pong, raw futex ping-pong, an ideal bare SPSC ring) and
# with pipe(2), a UNIX stream socket and an eventfd-signalled slot, all in the
# same run. Progress goes to stderr; the markdown table to stdout, and is also
# saved in build-bench/bench-results.md.
#
# usage: bash scripts/bench.sh [--quick] [--repeat N] [--capacity N] [--only rt|stream]
#        (no argument: the default run, about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark needs only a C compiler and CMake. Check with dpkg first;
# apt-get runs only when something is missing.
packages=(build-essential cmake)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
    echo "bench: installing ${missing[*]}" >&2
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "bench: need root to install ${missing[*]}" >&2; exit 1; }
        as_root=(sudo)
    fi
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release \
    -DCOSMOSB_BUILD_BENCH=ON -DCOSMOSB_BUILD_TESTS=OFF \
    -DCOSMOSB_BUILD_EXAMPLES=OFF -DCOSMOSB_BUILD_DOCS=OFF >/dev/null
cmake --build build-bench -j "$jobs" --target cosmosb-bench >/dev/null

# Timing needs both CPUs: say so if something else is busy.
if [ -r /proc/loadavg ]; then
    read -r load1 _ </proc/loadavg
    if awk -v l="$load1" -v n="$jobs" 'BEGIN { exit !(l > n / 2) }'; then
        echo "bench: warning: load average $load1 on $jobs CPUs; figures will be disturbed" >&2
    fi
fi

echo "bench: running build-bench/bench/cosmosb-bench $*" >&2
build-bench/bench/cosmosb-bench "$@" | tee build-bench/bench-results.md
