#!/usr/bin/env bash
# Checks that the freestanding core really is freestanding.
#
# usage: check-symbols.sh LIBCOSMOSB-FREESTANDING.A SOURCE_DIR
#
# 1. `nm -u` on the archive: every symbol an object needs must be defined by
#    another object of the archive, or be one of memcpy memset memmove memcmp
#    (the only things a host must supply at link time).
# 2. lib/core/**/*.{c,h} may #include only <stddef.h> <stdint.h> <stdbool.h>
#    <stdalign.h> <stdatomic.h> <limits.h> and quoted project headers (files
#    that exist in lib/core, lib/ or include/).
# The environment variable NM picks the nm program (default: nm).
set -u

lib=${1:?usage: check-symbols.sh LIB.a SOURCE_DIR}
src=${2:?usage: check-symbols.sh LIB.a SOURCE_DIR}
nm=${NM:-nm}
allowed_syms="memcpy memset memmove memcmp"
allowed_inc="stddef.h stdint.h stdbool.h stdalign.h stdatomic.h limits.h"
fails=0

if [ ! -f "$lib" ]; then
    echo "FAIL: $lib does not exist"
    exit 1
fi

# --- 1. undefined symbols --------------------------------------------------
defined=$("$nm" -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u)
undefined=$("$nm" -u "$lib" 2>/dev/null | awk 'NF >= 2 && $1 ~ /^[Uw]$/ { print $2 } NF == 1 && $1 !~ /:$/ { print $1 }' | sort -u)
nobj=$("${AR:-ar}" t "$lib" | grep -cE '\.(o|obj)$' || true)  # CMake names objects *.obj for Generic systems
if [ "$nobj" -eq 0 ]; then
    echo "FAIL: $lib contains no object files"
    fails=$((fails + 1))
fi
external=$(comm -23 <(printf '%s\n' "$undefined" | sed '/^$/d') <(printf '%s\n' "$defined" | sed '/^$/d'))
bad_syms=""
for s in $external; do
    ok=0
    for a in $allowed_syms; do [ "$s" = "$a" ] && ok=1; done
    [ $ok -eq 1 ] || bad_syms="$bad_syms $s"
done
echo "objects in archive: $nobj"
echo "external symbols needed: $(printf '%s ' $external)"
if [ -n "$bad_syms" ]; then
    echo "FAIL: $lib needs symbols a freestanding host does not provide:$bad_syms"
    for s in $bad_syms; do
        # Name the objects that reference it.
        "$nm" -A -u "$lib" 2>/dev/null | awk -v s="$s" '$NF == s { o = $1; sub(/:$/, "", o); sub(/^.*:/, "", o); print "    " o " -> " s }' | head -5
    done
    fails=$((fails + 1))
fi

# --- 2. includes in lib/core -----------------------------------------------
core="$src/lib/core"
if [ ! -d "$core" ]; then
    echo "FAIL: $core does not exist"
    exit 1
fi
nfiles=0
while IFS= read -r -d '' f; do
    nfiles=$((nfiles + 1))
    dir=$(dirname "$f")
    # Lines like: #  include <x.h>  or  #include "x.h" (comments after are fine).
    while IFS= read -r hit; do
        lineno=${hit%%:*}
        line=${hit#*:}
        if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^>]+)\> ]]; then
            name=${BASH_REMATCH[1]}
            ok=0
            for a in $allowed_inc; do [ "$name" = "$a" ] && ok=1; done
            # The optional libatomic_ops backend (COSMOSB_ATOMICS=libatomic_ops) is a
            # header-only atomics library for hosted toolchains without C11 atomics;
            # the freestanding archive is always built with C11 atomics (nm checks it).
            if [ "$name" = "atomic_ops.h" ] && [ "${f#"$src"/}" = "lib/core/atomic.h" ]; then ok=1; fi
            if [ $ok -ne 1 ]; then
                echo "FAIL: ${f#"$src"/}:$lineno includes <$name> (not a freestanding header)"
                fails=$((fails + 1))
            fi
        elif [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
            name=${BASH_REMATCH[1]}
            if [ ! -f "$dir/$name" ] && [ ! -f "$core/$name" ] && [ ! -f "$src/lib/$name" ] \
               && [ ! -f "$src/include/$name" ]; then
                echo "FAIL: ${f#"$src"/}:$lineno includes \"$name\", which is not a project header"
                fails=$((fails + 1))
            else
                # A project header outside lib/core (e.g. lib/os/...) would drag hosted code in.
                resolved=""
                for cand in "$dir/$name" "$core/$name" "$src/lib/$name" "$src/include/$name"; do
                    if [ -f "$cand" ]; then resolved=$(cd "$(dirname "$cand")" && pwd)/$(basename "$cand"); break; fi
                done
                case "$resolved" in
                    "$(cd "$core" && pwd)"/*|"$(cd "$src/include" && pwd)"/*) ;;
                    *)
                        echo "FAIL: ${f#"$src"/}:$lineno includes \"$name\" from outside lib/core and include/ ($resolved)"
                        fails=$((fails + 1)) ;;
                esac
            fi
        else
            echo "FAIL: ${f#"$src"/}:$lineno: unrecognised include: $line"
            fails=$((fails + 1))
        fi
    done < <(grep -n -E '^[[:space:]]*#[[:space:]]*include' "$f")
done < <(find "$core" -type f \( -name '*.c' -o -name '*.h' \) -print0)
echo "lib/core files checked: $nfiles"
if [ "$nfiles" -eq 0 ]; then
    echo "FAIL: no sources in $core"
    fails=$((fails + 1))
fi

if [ $fails -ne 0 ]; then
    echo "freestanding check: $fails problem(s)"
    exit 1
fi
echo "freestanding check: OK"
