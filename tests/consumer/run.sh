#!/usr/bin/env bash
# Proves that an installed libcosmosb is usable from outside the tree.
#
# usage: tests/consumer/run.sh BUILD_DIR
#
#  1. cmake --install BUILD_DIR into a temporary prefix; check the layout
#     (headers, SONAME and symlinks, exported dynamic symbols, .pc and CMake files).
#  2. Build tests/consumer with find_package(cosmosb CONFIG): the shared and
#     the static library; run both (LD_LIBRARY_PATH for the shared one).
#  3. Build main.c with `cc main.c $(pkg-config --cflags --libs cosmosb)`
#     (PKG_CONFIG_PATH at the prefix) and run it; also link it statically
#     with `pkg-config --static`.
#     Also extract the C example under "## Using it" in README.md, build it the
#     same way and run it.
#  4. Compile freestanding.c with `pkg-config --cflags cosmosb-freestanding`
#     and -ffreestanding, link it with -nostdlib against
#     `pkg-config --libs cosmosb-freestanding`, and run it (x86_64 Linux).
#
# Environment: CC (compiler, default cc), COSMOSB_CONSUMER_CFLAGS (extra flags
# for hosted programs, e.g. sanitizers matching the library's), CMAKE_COMMAND,
# KEEP_TMP=1 to keep the temporary directory.
set -u

build=${1:?usage: run.sh BUILD_DIR}
build=$(cd "$build" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-cc}
cmake=${CMAKE_COMMAND:-cmake}
extra=${COSMOSB_CONSUMER_CFLAGS:-}
warn="-std=c11 -Wall -Wextra -Wpedantic -Werror"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cosmosb-consumer.XXXXXX")
if [ "${KEEP_TMP:-0}" != 1 ]; then
    trap 'rm -rf "$tmp"' EXIT
else
    echo "keeping $tmp"
fi
prefix=$tmp/prefix
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
step() { echo; echo "=== $*"; }

# run_logged NAME CMD...: runs CMD with output to a log, prints it on failure.
run_logged() {
    local name=$1; shift
    if "$@" >"$tmp/log" 2>&1; then
        pass "$name"
        return 0
    fi
    fail "$name"
    sed 's/^/    /' "$tmp/log" | tail -60
    return 1
}

# --- 1. install --------------------------------------------------------------
step "install into $prefix"
if ! run_logged "cmake --install" "$cmake" --install "$build" --prefix "$prefix"; then
    echo "install_consumer: cannot continue"
    exit 1
fi
pc=$(find "$prefix" -name cosmosb.pc -print -quit)
fpc=$(find "$prefix" -name cosmosb-freestanding.pc -print -quit)
cfg=$(find "$prefix" -name cosmosbConfig.cmake -print -quit)
[ -n "$pc" ] && pass "cosmosb.pc installed (${pc#"$prefix"/})" || fail "cosmosb.pc not installed"
[ -n "$cfg" ] && pass "cosmosbConfig.cmake installed (${cfg#"$prefix"/})" || fail "cosmosbConfig.cmake not installed"
[ -f "$(dirname "$cfg")/cosmosbConfigVersion.cmake" ] && pass "cosmosbConfigVersion.cmake installed" \
    || fail "cosmosbConfigVersion.cmake not installed"
libdir=$(dirname "$(dirname "${pc:-$prefix/lib/pkgconfig/x}")")

src_headers=$(cd "$here/../../include/cosmosb" && ls ./*.h | sed 's|^\./||' | sort)
inst_headers=$(cd "$prefix/include/cosmosb" 2>/dev/null && ls ./*.h | sed 's|^\./||' | sort)
if [ -n "$src_headers" ] && [ "$src_headers" = "$inst_headers" ]; then
    pass "all $(echo "$src_headers" | wc -l) public headers installed"
else
    fail "installed headers differ from include/cosmosb: $(diff <(echo "$src_headers") <(echo "$inst_headers") | tr '\n' ' ')"
fi

have_shared=0; have_static=0; have_fs=0
[ -e "$libdir/libcosmosb.so" ] && have_shared=1
[ -e "$libdir/libcosmosb.a" ] && have_static=1
[ -e "$libdir/libcosmosb-freestanding.a" ] && have_fs=1
echo "installed: shared=$have_shared static=$have_static freestanding=$have_fs in ${libdir#"$prefix"/}"
[ $((have_shared + have_static)) -gt 0 ] || fail "neither libcosmosb.so nor libcosmosb.a installed"

if [ $have_shared = 1 ]; then
    soname=$(readelf -d "$libdir/libcosmosb.so" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
    real=$(readlink -f "$libdir/libcosmosb.so")
    if [[ "$soname" =~ ^libcosmosb\.so\.[0-9]+$ ]] && [ -e "$libdir/$soname" ] \
       && [[ "$(basename "$real")" =~ ^libcosmosb\.so\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        pass "SONAME $soname, $(basename "$real") with symlinks"
    else
        fail "versioned SONAME: soname='$soname' real='$real'"
        ls -l "$libdir" | sed 's/^/    /'
    fi
    # -fvisibility=hidden: only cosmosb_* functions are exported.
    exported=$(nm -D --defined-only "$libdir/libcosmosb.so" | awk '{ print $NF }' \
               | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$' | sort -u)
    foreign=$(echo "$exported" | grep -v '^cosmosb_' || true)
    if [ -z "$foreign" ] && [ -n "$exported" ]; then
        pass "$(echo "$exported" | wc -l) exported symbols, all cosmosb_*"
    else
        fail "exported symbols without the cosmosb_ prefix: $(echo "$foreign" | tr '\n' ' ')"
    fi
fi

# --- 2. CMake find_package ----------------------------------------------------
step "CMake consumer (find_package(cosmosb CONFIG))"
cb=$tmp/cmake-build
if run_logged "configure consumer" "$cmake" -S "$here" -B "$cb" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCOSMOSB_EXPECTED_PREFIX="$prefix" \
        -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$extra" -DCMAKE_BUILD_TYPE=Debug \
   && run_logged "build consumer" "$cmake" --build "$cb"; then
    grep -h 'cosmosb .* from' "$tmp/log" 2>/dev/null || true
    if [ $have_shared = 1 ]; then
        run_logged "run consumer_shared (cosmosb::cosmosb)" env LD_LIBRARY_PATH="$libdir" "$cb/consumer_shared" \
            && sed 's/^/    /' "$tmp/log"
        if ldd "$cb/consumer_shared" 2>/dev/null | grep -q "libcosmosb.so.* => $libdir/"; then
            pass "consumer_shared loads libcosmosb from the install prefix"
        else
            fail "consumer_shared does not load the installed libcosmosb: $(env LD_LIBRARY_PATH="$libdir" ldd "$cb/consumer_shared" | grep cosmosb)"
        fi
    fi
    if [ $have_static = 1 ]; then
        run_logged "run consumer_static (cosmosb::cosmosb_static)" "$cb/consumer_static" \
            && sed 's/^/    /' "$tmp/log"
        if ldd "$cb/consumer_static" 2>/dev/null | grep -q libcosmosb; then
            fail "consumer_static depends on libcosmosb.so"
        fi
    fi
fi

# --- 3. pkg-config ----------------------------------------------------------
step "pkg-config consumer"
export PKG_CONFIG_PATH="$(dirname "${pc:-$prefix/lib/pkgconfig/x}")"
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
if ! command -v pkg-config >/dev/null 2>&1; then
    fail "pkg-config not found"
elif run_logged "pkg-config --exists cosmosb" pkg-config --exists --print-errors cosmosb; then
    echo "    pkg-config --modversion cosmosb: $(pkg-config --modversion cosmosb)"
    echo "    pkg-config --cflags --libs cosmosb: $(pkg-config --cflags --libs cosmosb)"
    if [ $have_shared = 1 ]; then
        # shellcheck disable=SC2046,SC2086
        run_logged "cc main.c \$(pkg-config --cflags --libs cosmosb)" \
            "$CC" $warn $extra "$here/main.c" -o "$tmp/consumer_pc" $(pkg-config --cflags --libs cosmosb) \
        && run_logged "run consumer_pc" env LD_LIBRARY_PATH="$libdir" "$tmp/consumer_pc"
    fi
    if [ $have_static = 1 ]; then
        # Static: libcosmosb.a plus Libs.private (pkg-config --static).
        # shellcheck disable=SC2046,SC2086
        run_logged "cc main.c libcosmosb.a \$(pkg-config --static --libs cosmosb)" \
            "$CC" $warn $extra "$here/main.c" -o "$tmp/consumer_pc_static" $(pkg-config --cflags cosmosb) \
            -Wl,-Bstatic -lcosmosb -Wl,-Bdynamic \
            $(pkg-config --static --libs cosmosb | sed -E 's/(^| )-lcosmosb( |$)/ /g') \
        && run_logged "run consumer_pc_static" "$tmp/consumer_pc_static"
    fi
fi

# --- 3b. the README's example ------------------------------------------------
readme="$here/../../README.md"
if [ $have_shared = 1 ] && [ -f "$readme" ] && command -v pkg-config >/dev/null 2>&1; then
    step "README example (## Using it), built with pkg-config"
    awk '/^## Using it/ { u = 1; next } u && /^## / { exit } u && /^```c$/ { c = 1; next } c && /^```/ { exit } c { print }' \
        "$readme" >"$tmp/readme_example.c"
    if [ ! -s "$tmp/readme_example.c" ]; then
        fail "no \`\`\`c block under '## Using it' in README.md"
    else
        # shellcheck disable=SC2046,SC2086
        run_logged "cc -std=c11 readme_example.c \$(pkg-config --cflags --libs cosmosb)" \
            "$CC" $warn $extra "$tmp/readme_example.c" -o "$tmp/readme_example" $(pkg-config --cflags --libs cosmosb) \
        && run_logged "run the README example" env LD_LIBRARY_PATH="$libdir" "$tmp/readme_example" \
        && sed 's/^/    /' "$tmp/log"
    fi
fi

# --- 4. freestanding ----------------------------------------------------------
step "freestanding program (pkg-config cosmosb-freestanding, no libc)"
if [ $have_fs = 0 ]; then
    echo "SKIP: libcosmosb-freestanding.a not installed"
elif [ -z "$fpc" ]; then
    fail "cosmosb-freestanding.pc not installed"
elif run_logged "pkg-config --exists cosmosb-freestanding" pkg-config --exists --print-errors cosmosb-freestanding; then
    fcflags=$(pkg-config --cflags cosmosb-freestanding)
    echo "    pkg-config --cflags --libs cosmosb-freestanding: $fcflags $(pkg-config --libs cosmosb-freestanding)"
    if [[ " $fcflags " == *" -DCOSMOSB_STATIC=1 "* && " $fcflags " == *" -DCOSMOSB_FREESTANDING=1 "* ]]; then
        pass "Cflags define COSMOSB_STATIC=1 and COSMOSB_FREESTANDING=1"
    else
        fail "Cflags lack -DCOSMOSB_STATIC=1 -DCOSMOSB_FREESTANDING=1: $fcflags"
    fi
    # shellcheck disable=SC2086
    if run_logged "cc -ffreestanding -c freestanding.c \$(pkg-config --cflags cosmosb-freestanding)" \
            "$CC" $warn -O1 -ffreestanding -fno-stack-protector -fno-pic -fno-builtin \
            -c "$here/freestanding.c" -o "$tmp/freestanding.o" $fcflags; then
        # shellcheck disable=SC2046
        if run_logged "cc -nostdlib -static freestanding.o \$(pkg-config --libs cosmosb-freestanding)" \
                "$CC" -nostdlib -static -no-pie -o "$tmp/freestanding" "$tmp/freestanding.o" \
                $(pkg-config --libs cosmosb-freestanding); then
            if [ "$(uname -m)" = x86_64 ] && [ "$(uname -s)" = Linux ]; then
                "$tmp/freestanding"
                st=$?
                if [ $st -eq 0 ]; then
                    pass "freestanding program ran: pipe send/recv without libc"
                else
                    fail "freestanding program exited with $st (see the return codes in freestanding.c)"
                fi
            else
                echo "SKIP: running the freestanding program (x86_64 Linux only)"
            fi
        fi
    fi
fi

echo
if [ $fails -ne 0 ]; then
    echo "install_consumer: $fails check(s) FAILED"
    exit 1
fi
echo "install_consumer: all checks passed"
