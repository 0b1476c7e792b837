#!/usr/bin/env bash
# The whole libcosmosb test suite: installs the Debian packages it needs, then
# configures, builds and runs ctest in five configurations, each in its own
# build directory under build-ci/:
#
#   gcc        gcc, C11 atomics, full test counts, benchmarks and docs built
#   clang      clang, C11 atomics                          (COSMOSB_TEST_QUICK=1)
#   gcc-ao     gcc, COSMOSB_ATOMICS=libatomic_ops          (COSMOSB_TEST_QUICK=1)
#   asan-ubsan gcc, COSMOSB_SANITIZE=address,undefined     (COSMOSB_TEST_QUICK=1)
#   tsan       clang, COSMOSB_SANITIZE=thread              (COSMOSB_TEST_QUICK=1)
#
# and builds the `docs` target (Doxygen, warnings are errors) once.
# Prints a summary with ctest's result line and the time of each
# configuration; exits non-zero if anything failed.
#
# usage: bash scripts/test.sh [CONFIG...]     (default: all five, in the order above)
# environment: COSMOSB_CI_FRESH=1 (or CI=true) removes each build directory first;
#              JOBS (default 2) for the build and for ctest -j.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

t_start=$(date +%s)
jobs=${JOBS:-2}
all_configs=(gcc clang gcc-ao asan-ubsan tsan)
if [ $# -gt 0 ]; then configs=("$@"); else configs=("${all_configs[@]}"); fi

hr() { printf '%s\n' "=============================================================================="; }
banner() { echo; hr; echo "== $*"; hr; }
fmt_time() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

banner "dependencies"
if ! bash scripts/deps.sh; then
    echo "test.sh: installing dependencies failed" >&2
    exit 1
fi

mkdir -p build-ci
declare -A status elapsed summary

# sanitizer_prefix CC FLAG: prints the command prefix a sanitized program needs
# here ("" or "setarch <arch> -R"), or fails if even that does not work. On
# some 6.x kernels TSan dies with "unexpected memory mapping" unless address
# space randomisation is off for the process tree.
sanitizer_prefix() {
    local cc=$1 flag=$2 dir
    dir=$(mktemp -d)
    cat >"$dir/probe.c" <<'C'
#include <pthread.h>
#include <stdio.h>
static void *run(void *arg) { return arg; }
int main(void) { pthread_t t; if (pthread_create(&t, NULL, run, NULL)) return 1; pthread_join(t, NULL); puts("ok"); return 0; }
C
    if ! "$cc" -fsanitize="$flag" -g "$dir/probe.c" -o "$dir/probe" -pthread >"$dir/log" 2>&1; then
        cat "$dir/log" >&2; rm -rf "$dir"; return 1
    fi
    if "$dir/probe" >"$dir/log" 2>&1; then
        rm -rf "$dir"; echo ""; return 0
    fi
    echo "sanitizer probe ($cc -fsanitize=$flag) failed without setarch:" >&2
    sed 's/^/    /' "$dir/log" | head -5 >&2
    if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R "$dir/probe" >"$dir/log" 2>&1; then
        rm -rf "$dir"; echo "setarch $(uname -m) -R"; return 0
    fi
    sed 's/^/    /' "$dir/log" | head -5 >&2
    rm -rf "$dir"; return 1
}

run_config() {
    local name=$1 cc atomics=c11 sanitize="" quick=1 extra=() prefix=() t0 dir log rc line ttime
    case "$name" in
        gcc)        cc=gcc;   quick=0; extra=(-DCOSMOSB_BUILD_BENCH=ON -DCOSMOSB_BUILD_DOCS=ON) ;;
        clang)      cc=clang; extra=(-DCOSMOSB_BUILD_BENCH=ON -DCOSMOSB_BUILD_DOCS=OFF) ;;
        gcc-ao)     cc=gcc;   atomics=libatomic_ops; extra=(-DCOSMOSB_BUILD_BENCH=OFF -DCOSMOSB_BUILD_DOCS=OFF) ;;
        asan-ubsan) cc=gcc;   sanitize=address,undefined; extra=(-DCOSMOSB_BUILD_BENCH=OFF -DCOSMOSB_BUILD_DOCS=OFF) ;;
        tsan)       cc=clang; sanitize=thread; extra=(-DCOSMOSB_BUILD_BENCH=OFF -DCOSMOSB_BUILD_DOCS=OFF) ;;
        *) echo "unknown configuration '$name' (known: ${all_configs[*]})"; status[$name]=UNKNOWN; return 1 ;;
    esac
    dir=build-ci/$name
    log=build-ci/$name.log
    t0=$(date +%s)
    banner "[$name] $cc, atomics=$atomics${sanitize:+, sanitize=$sanitize}$([ $quick = 1 ] && echo ', COSMOSB_TEST_QUICK=1')"
    : >"$log"

    if [ "${COSMOSB_CI_FRESH:-0}" = 1 ] || [ "${CI:-}" = true ]; then
        rm -rf "$dir"
    elif [ -f "$dir/CMakeCache.txt" ] && ! grep -q "^CMAKE_C_COMPILER:[A-Z]*=.*$cc\$" "$dir/CMakeCache.txt"; then
        rm -rf "$dir"   # made with another compiler
    fi

    if [ -n "$sanitize" ]; then
        if ! prefix_str=$(sanitizer_prefix "$cc" "$sanitize" 2>>"$log"); then
            cat "$log"
            status[$name]="FAIL (sanitizer runtime missing or unusable; see the log)"
            elapsed[$name]=$(( $(date +%s) - t0 ))
            return 1
        fi
        if [ -n "$prefix_str" ]; then
            read -r -a prefix <<<"$prefix_str"
            echo "[$name] running tests under: $prefix_str" | tee -a "$log"
        fi
    fi

    echo "[$name] configure" | tee -a "$log"
    if ! cmake -S "$root" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCOSMOSB_WERROR=ON -DCOSMOSB_ATOMICS="$atomics" -DCOSMOSB_SANITIZE="$sanitize" \
            -DCOSMOSB_BUILD_TESTS=ON -DCOSMOSB_BUILD_EXAMPLES=ON "${extra[@]}" >>"$log" 2>&1; then
        tail -40 "$log"
        status[$name]="FAIL (configure)"
        elapsed[$name]=$(( $(date +%s) - t0 ))
        return 1
    fi

    echo "[$name] build" | tee -a "$log"
    if ! cmake --build "$dir" -j "$jobs" >>"$log" 2>&1; then
        grep -E -B2 -A8 'error|Error' "$log" | tail -60
        status[$name]="FAIL (build)"
        elapsed[$name]=$(( $(date +%s) - t0 ))
        return 1
    fi

    echo "[$name] ctest" | tee -a "$log"
    (
        cd "$dir" || exit 1
        if [ $quick = 1 ]; then export COSMOSB_TEST_QUICK=1; else unset COSMOSB_TEST_QUICK; fi
        export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
        export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
        "${prefix[@]}" ctest --output-on-failure -j "$jobs" --timeout 900
    ) 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    ttime=$(grep -E 'Total Test time \(real\)' "$log" | tail -1 | sed -E 's/.*= *//')
    summary[$name]="${line:-"(no ctest summary line)"}${ttime:+ (ctest: $ttime)}"
    if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
        status[$name]=PASS
    else
        status[$name]="FAIL (tests)"
    fi
    elapsed[$name]=$(( $(date +%s) - t0 ))
    echo "[$name] ${status[$name]} in $(fmt_time "${elapsed[$name]}"): ${summary[$name]}"
    [ "${status[$name]}" = PASS ]
}

failed=0
for c in "${configs[@]}"; do
    run_config "$c" || failed=1
done

# The docs target once (Doxygen over include/cosmosb, warnings are errors).
docs_status="not run (no gcc build)"
if [ -f build-ci/gcc/CMakeCache.txt ]; then
    banner "docs (Doxygen, warnings are errors)"
    t0=$(date +%s)
    if cmake --build build-ci/gcc --target docs 2>&1 | tee build-ci/docs.log; [ "${PIPESTATUS[0]}" -eq 0 ]; then
        docs_status="PASS, build-ci/gcc/docs/html/index.html"
    else
        docs_status="FAIL (see build-ci/docs.log)"
        failed=1
    fi
    docs_time=$(( $(date +%s) - t0 ))
    docs_status="$docs_status in $(fmt_time $docs_time)"
fi

banner "summary"
for c in "${configs[@]}"; do
    printf '%-11s %-26s %8s  %s\n' "$c" "${status[$c]:-not run}" \
        "$(fmt_time "${elapsed[$c]:-0}")" "${summary[$c]:-}"
    if [ -f "build-ci/$c.log" ]; then # skipped tests (exit 77: what this machine cannot do), named
        sed -n '/The following tests did not run/,/^$/p' "build-ci/$c.log" | sed '/^$/d; s/^/            /'
    fi
    if [ "${status[$c]:-}" != PASS ] && [ -f "build-ci/$c.log" ]; then
        sed -n '/The following tests FAILED/,/^Errors while running/p' "build-ci/$c.log" | sed 's/^/            /'
    fi
done
printf '%-11s %s\n' docs "$docs_status"
echo "logs: build-ci/<config>.log"
echo "total time: $(fmt_time $(( $(date +%s) - t_start )))"
if [ $failed -ne 0 ]; then
    echo "RESULT: FAILED"
    exit 1
fi
echo "RESULT: all passed"
