#!/usr/bin/env bash
# Builds libcosmosb and its benchmark (Release, in build-bench/) and runs
# cosmosb-bench: libcosmosb side by side with the limits of the machine (raw
# shared-memory ping-pong, raw futex ping-pong, an ideal bare SPSC ring,
# memcpy), the kernel's IPC (pipe(2), UNIX stream and seqpacket sockets, an
# eventfd-signalled slot, POSIX message queues) and the peer libraries
# (Concurrency Kit ck_ring, DPDK rte_ring, liburcu wfcqueue, Eclipse iceoryx
# with its RouDi daemon, which the benchmark starts and stops itself), all in
# the same run. It installs the peers from Debian's packages first (they are
# optional at build time: a peer that is missing is left out and named).
# Progress goes to stderr; the markdown table to stdout, also saved in
# build-bench/bench-results.md; the plots (gnuplot PNGs) go to
# build-bench/plots/ unless --plots DIR is given.
#
# usage: bash scripts/bench.sh [--quick] [--repeat N] [--capacity N]
#                              [--only rt|stream|bulk|arena|peers|opcount] [--plots DIR]
#        (no argument: the default run, a few minutes on 2 cores, with the
#        callgrind instruction counts; COSMOSB_BENCH_NO_INSTALL=1 skips apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

# The benchmark needs a C compiler and CMake; the peers, gnuplot and valgrind
# are optional (left out and named when missing). Check with dpkg first;
# apt-get runs only when something is missing.
packages=(build-essential cmake pkg-config
          libck-dev liburcu-dev libdpdk-dev
          libiceoryx-binding-c-dev iceoryx
          gnuplot-nox valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ] && [ "${COSMOSB_BENCH_NO_INSTALL:-0}" != 1 ]; then
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

# Plots into build-bench/plots unless the caller chose a directory; the
# instruction counts (valgrind, a few seconds) in every run but --quick.
args=("$@")
case " $* " in *" --plots "*) ;; *) args+=(--plots build-bench/plots) ;; esac
case " $* " in *" --quick "*|*" --only "*) ;; *) args+=(--opcount) ;; esac
echo "bench: running build-bench/bench/cosmosb-bench ${args[*]}" >&2
build-bench/bench/cosmosb-bench "${args[@]}" | tee build-bench/bench-results.md
