#!/usr/bin/env bash
# Builds libcosmosb (Release, in build/) and runs the demo: two processes
# exchanging messages through a pipe, with a side-by-side table against
# pipe(2) and a UNIX socket.
#
# usage: bash scripts/demo.sh [DEMO ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
    -DCOSMOSB_BUILD_EXAMPLES=ON -DCOSMOSB_BUILD_TESTS=OFF \
    -DCOSMOSB_BUILD_BENCH=OFF -DCOSMOSB_BUILD_DOCS=OFF
cmake --build build -j "$jobs"

demo=build/examples/demo/cosmosb-demo
if [ ! -x "$demo" ]; then
    echo "demo: $demo was not built" >&2
    exit 1
fi
echo
exec "$demo" "$@"
