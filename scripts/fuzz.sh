#!/usr/bin/env bash
# A fuzzing campaign over the harnesses of fuzz/ (docs/fuzzing.md): builds
# them with clang and libFuzzer (COSMOSB_BUILD_FUZZ=ON) in build-fuzz/, then
# runs each one after the other (one fuzzer process at a time) for SECONDS
# seconds, with the committed seeds and a working corpus in
# build-fuzz/corpus/<harness>/; crashes, hangs (-timeout=5) and leaks go to
# build-fuzz/artifacts/<harness>/. Prints each harness's final statistics.
#
# usage: bash scripts/fuzz.sh [HARNESS...]   (default: all; see fuzz/CMakeLists.txt)
# environment: SECONDS_EACH (default 600), BUILD_DIR (default build-fuzz), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-build-fuzz}
seconds=${SECONDS_EACH:-600}
all=(pipe receiver arena bufmgr schema schema_json)
if [ $# -gt 0 ]; then harnesses=("$@"); else harnesses=("${all[@]}"); fi

CC=clang cmake -S "$root" -B "$build" -DCOSMOSB_BUILD_FUZZ=ON -DCOSMOSB_BUILD_TESTS=OFF \
    -DCOSMOSB_BUILD_BENCH=OFF -DCOSMOSB_BUILD_EXAMPLES=OFF -DCOSMOSB_BUILD_TOOLS=OFF \
    -DCOSMOSB_BUILD_DOCS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}"

for h in "${harnesses[@]}"; do
    mkdir -p "$build/corpus/$h" "$build/artifacts/$h"
    echo "== $h: ${seconds}s"
    set +e
    "$build/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=5 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$h/" "$build/corpus/$h" "fuzz/corpus/$h" \
        >"$build/fuzz_$h.log" 2>&1
    rc=$?
    set -e
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec)' "$build/fuzz_$h.log" || true
    grep -E '^#[0-9]+.*cov:' "$build/fuzz_$h.log" | tail -1 || true
    if [ $rc -ne 0 ]; then
        echo "   finding (exit $rc): see $build/fuzz_$h.log and $build/artifacts/$h/"
    fi
done
