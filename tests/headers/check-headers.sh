#!/usr/bin/env bash
# Compiles every public header on its own.
#
# usage: check-headers.sh c|c++ COMPILER INCLUDE_DIR
#
#   c    : each include/cosmosb/*.h alone, as C11, with -Wall -Wextra -Wpedantic
#          -Werror -Wundef -Wstrict-prototypes, included twice (include guards); the core headers (defs.h
#          version.h error.h platform.h pipe.h, and cosmosb.h with
#          COSMOSB_FREESTANDING) also with -ffreestanding; the core headers may
#          include only freestanding C headers and other cosmosb headers; every
#          header has a Doxygen @file block (so the docs test covers it).
#   c++  : each header alone as C++11 and C++17 with the same warnings, and
#          checked for extern "C" linkage. Exits 77 (skipped) if COMPILER is empty
#          or missing.
set -u

lang=${1:?usage: check-headers.sh c|c++ COMPILER INCLUDE_DIR}
cc=${2-}
inc=${3:?include dir}

# Hosted (Linux-only) headers; every other header is a core header and must
# compile freestanding.
hosted_headers="region.h fdpass.h waitset.h"  # and every *_linux.h
freestanding_std="stddef.h stdint.h stdbool.h stdalign.h stdatomic.h limits.h"
warn="-Wall -Wextra -Wpedantic -Werror -Wundef"
cwarn="-Wstrict-prototypes"

if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
    if [ "$lang" = "c++" ]; then
        echo "SKIP: no C++ compiler found"
        exit 77
    fi
    echo "FAIL: C compiler '$cc' not found"
    exit 1
fi

shopt -s nullglob
headers=("$inc"/cosmosb/*.h)
if [ ${#headers[@]} -eq 0 ]; then
    echo "FAIL: no headers in $inc/cosmosb"
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0

# compile NAME LANGFLAGS... : compiles $tmp/src.* (already written) and reports.
compile() {
    local what=$1 src=$2; shift 2
    checks=$((checks + 1))
    if ! "$cc" "$@" -I"$inc" -fsyntax-only "$src" >"$tmp/out" 2>&1; then
        echo "FAIL: $what"
        sed 's/^/    /' "$tmp/out"
        fails=$((fails + 1))
    elif [ -s "$tmp/out" ]; then
        echo "FAIL: $what (diagnostics)"
        sed 's/^/    /' "$tmp/out"
        fails=$((fails + 1))
    fi
}

is_core() {
    local h
    case "$1" in *_linux.h) return 1 ;; esac
    for h in $hosted_headers; do [ "$1" = "$h" ] && return 1; done
    return 0
}

for path in "${headers[@]}"; do
    h=$(basename "$path")
    if [ "$lang" = "c" ]; then
        # Doxygen checks the members of documented files only: each header
        # needs its @file block, or the docs test would silently skip it.
        checks=$((checks + 1))
        if ! grep -q -E '^[[:space:]/*]*[@\\]file([[:space:]]|$)' "$path"; then
            echo "FAIL: $h has no @file comment (Doxygen would not check it)"
            fails=$((fails + 1))
        fi
        printf '#include <cosmosb/%s>\n#include <cosmosb/%s>\nint cosmosb_header_check_dummy;\n' "$h" "$h" >"$tmp/t.c"
        compile "$h as C11" "$tmp/t.c" -x c -std=c11 $warn $cwarn
        if is_core "$h" || [ "$h" = cosmosb.h ]; then
            compile "$h as freestanding C11" "$tmp/t.c" -x c -std=c11 $warn $cwarn \
                -ffreestanding -DCOSMOSB_FREESTANDING=1 -DCOSMOSB_STATIC=1
        fi
        if is_core "$h"; then
            # Only freestanding standard headers and other cosmosb headers.
            while IFS= read -r line; do
                name=$(printf '%s\n' "$line" | sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/')
                ok=0
                case "$name" in
                    cosmosb/*) ok=1 ;;
                    *) for s in $freestanding_std; do [ "$name" = "$s" ] && ok=1; done ;;
                esac
                checks=$((checks + 1))
                if [ $ok -ne 1 ]; then
                    echo "FAIL: core header $h includes <$name> (not freestanding)"
                    fails=$((fails + 1))
                fi
            done < <(grep -E '^[[:space:]]*#[[:space:]]*include' "$path")
        fi
    else
        printf '#include <cosmosb/%s>\n#include <cosmosb/%s>\nint cosmosb_header_check_dummy;\n' "$h" "$h" >"$tmp/t.cpp"
        compile "$h as C++11" "$tmp/t.cpp" -x c++ -std=c++11 $warn
        compile "$h as C++17" "$tmp/t.cpp" -x c++ -std=c++17 $warn
    fi
done

if [ "$lang" = "c++" ]; then
    # Every exported function must have C linkage when declared from C++:
    # take the address of one function per header family and check the
    # mangled name is absent from the object.
    cat >"$tmp/link.cpp" <<'CPP'
#include <cosmosb/cosmosb.h>
extern "C" const void *cosmosb_header_check_addr(void);
extern "C" const void *cosmosb_header_check_addr(void)
{
    return reinterpret_cast<const void *>(&cosmosb_pipe_send);
}
CPP
    checks=$((checks + 1))
    if "$cc" -x c++ -std=c++11 $warn -I"$inc" -c "$tmp/link.cpp" -o "$tmp/link.o" >"$tmp/out" 2>&1; then
        if nm "$tmp/link.o" 2>/dev/null | grep -q '_Z.*cosmosb_pipe_send'; then
            echo "FAIL: cosmosb_pipe_send has C++ linkage (missing COSMOSB_BEGIN_DECLS?)"
            fails=$((fails + 1))
        fi
    else
        echo "FAIL: cosmosb.h with C linkage check"
        sed 's/^/    /' "$tmp/out"
        fails=$((fails + 1))
    fi
fi

echo "$lang header check with $cc: $checks checks, $fails failed (${#headers[@]} headers)"
[ $fails -eq 0 ]
