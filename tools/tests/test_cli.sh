#!/bin/sh
# ctest schema_tool_cli: the cosmosb-schema command line.
#   test_cli.sh TOOL EXPORTER FIXTURE_DIR EXAMPLE_DIR
# TOOL is cosmosb-schema; EXPORTER writes the JSON of the types of
# examples/schemas/demo_types.h (test_schema_json --export FILE).
# Checks exit statuses (0 compatible, 1 incompatible, 2 bad input; never a
# signal) and the lines that explain them.
tool=$1
exporter=$2
fx=$3
ex=$4
tmp=${TMPDIR:-/tmp}/cosmosb-schema-cli.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
fails=0

# run EXPECTED_STATUS NAME ARGS...: runs the tool; output in $tmp/out, $tmp/err.
run() {
    want=$1
    name=$2
    shift 2
    "$tool" "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit $got, expected $want"
        cat "$tmp/out" "$tmp/err"
        fails=$((fails + 1))
    else
        echo "ok   $name (exit $got)"
    fi
}

# expect NAME PATTERN FILE: the file has a line matching PATTERN (grep -E).
expect() {
    if ! grep -Eq "$2" "$3"; then
        echo "FAIL $1: no line matches: $2"
        cat "$3"
        fails=$((fails + 1))
    fi
}

"$exporter" --export "$tmp/current.json" || { echo "FAIL: export"; exit 1; }

# Type ids: the documented test vectors.
run 0 "id" id demo.Order "" a
expect "id demo.Order" '^0xa51d3c6020aac280  demo\.Order$' "$tmp/out"
expect "id empty" '^0xcbf29ce484222325  $' "$tmp/out"
expect "id a" '^0xaf63dc4c8601ec8c  a$' "$tmp/out"
run 2 "id without a name" id

# The JSON committed at release 1 against the current types: compatible.
run 0 "check release 1 -> current" check "$ex/demo_types.v1.json" "$tmp/current.json"
expect "verdict Order" '^compatible +demo\.Order v1 -> v2$' "$tmp/out"
expect "verdict Quote" '^compatible +demo\.Quote v1 -> v1 \(unchanged version\)$' "$tmp/out"
expect "new LimitOrder" '^new +demo\.LimitOrder v1$' "$tmp/out"
expect "summary" '^3 compatible, 0 incompatible, 2 new: NEW can replace OLD$' "$tmp/out"
run 0 "check current -> itself" check "$tmp/current.json" "$tmp/current.json"

# A narrowed enum: incompatible, with the reason.
run 1 "check release 1 -> narrowed enum" check "$ex/demo_types.v1.json" "$fx/incompatible.json"
expect "reason" '^INCOMPATIBLE +demo\.Order v1 -> v2: demo\.Order\.side: enum range narrowed' "$tmp/out"
expect "summary" 'NEW cannot replace OLD$' "$tmp/out"

# Going back to release 1: types removed and a version that went down.
run 1 "check current -> release 1" check "$tmp/current.json" "$ex/demo_types.v1.json"
expect "removed" '^INCOMPATIBLE +demo\.LimitOrder v1: missing from' "$tmp/out"
expect "downgrade" '^INCOMPATIBLE +demo\.Order v2 -> v1: demo\.Order: version went down$' "$tmp/out"

# Bad input: exit 2 with a message, never a crash.
for bad in bad_truncated bad_syntax bad_layout; do
    run 2 "check $bad" check "$fx/$bad.json" "$tmp/current.json"
    expect "message $bad" "cosmosb-schema: .*$bad\.json: " "$tmp/err"
    run 2 "check new $bad" check "$tmp/current.json" "$fx/$bad.json"
    run 2 "show $bad" show "$fx/$bad.json"
done
expect "layout message" 'C layout' "$tmp/err"
run 2 "missing file" check "$tmp/nothing.json" "$tmp/current.json"
: >"$tmp/empty.json"
run 2 "empty file" show "$tmp/empty.json"
head -c 3000 /dev/urandom >"$tmp/random.json" 2>/dev/null && run 2 "random bytes" show "$tmp/random.json"
run 2 "unknown command" frobnicate
run 2 "no command"

# show: every type and a few rules.
run 0 "show" show "$tmp/current.json"
expect "show Order" '^demo\.Order  version 2  id 0xa51d3c6020aac280$' "$tmp/out"
expect "show enum rule" 'side +1  0 <= value <= 1$' "$tmp/out"
expect "show derived" '^  derives from demo\.Order' "$tmp/out"
expect "show struct array" 'demo\.Point\[4\] +path' "$tmp/out"
run 0 "show from stdin" show - <"$tmp/current.json"

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
