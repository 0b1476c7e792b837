#!/usr/bin/env bash
# Runs cosmosb-zero-copy-file on generated files and checks the receiver's
# CRC-32 and byte count against Python's zlib, computed independently.
# usage: test.sh PATH/TO/cosmosb-zero-copy-file
set -euo pipefail
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # FILE ARGS...
    local f=$1
    shift
    local out got want
    out=$("$exe" "$f" "$@")
    echo "$out"
    got=$(sed -n 's/^crc32 \([0-9a-f]\{8\}\) bytes \([0-9]*\)$/\1 \2/p' <<<"$out")
    want=$(python3 -c 'import sys, zlib; d = open(sys.argv[1], "rb").read(); print("%08x %d" % (zlib.crc32(d), len(d)))' "$f")
    if [ "$got" != "$want" ]; then
        echo "FAIL: $f $*: the receiver reports '$got', zlib says '$want'" >&2
        exit 1
    fi
    echo "ok: $f $* -> $got"
    echo
}

# 5 MiB + a tail; 256 KiB chunks in a 1 MiB ring: the ring wraps about 20 times.
head -c $((5 * 1024 * 1024 + 12345)) /dev/urandom >"$tmp/random.bin"
check "$tmp/random.bin" --chunk 256K --ring 1M
# The defaults (1 MiB chunks, 16 MiB ring).
check "$tmp/random.bin"
# An exact multiple of the chunk (the last read returns 0), and an empty file.
head -c $((3 * 65536)) /dev/urandom >"$tmp/exact.bin"
check "$tmp/exact.bin" --chunk 64K --ring 128K
: >"$tmp/empty.bin"
check "$tmp/empty.bin"
echo "all checksums match"
