#!/usr/bin/env bash
# Installs the Debian packages libcosmosb needs to build and test.
#
# usage: bash scripts/deps.sh [EXTRA_PACKAGE...]
#
# Quick when everything is there: each package is checked with dpkg first, and
# `apt-get update` runs only if something is missing. Works as root (no sudo
# needed); as another user it uses sudo if there is one.
set -euo pipefail

packages=(
    build-essential   # gcc, make, libc headers
    gcc g++           # C compiler; C++ for the header check
    clang             # second compiler, TSan
    libclang-rt-14-dev # clang's sanitizer runtimes (TSan): only a Recommends of clang, which we do not install
    cmake
    pkg-config
    binutils          # nm, readelf, ar
    libcriterion-dev  # test framework
    libatomic-ops-dev # optional atomics backend (COSMOSB_ATOMICS=libatomic_ops)
    doxygen           # API docs, warnings as errors
    qemu-system-x86   # boots examples/kernel (test kernel_qemu_x86_64)
    gcc-multilib      # -m32: i686 freestanding archive, 32-bit peer test
    gcc-riscv64-unknown-elf   # cross build of the freestanding archive
    gcc-arm-none-eabi         # cross build of the freestanding archive (Cortex-M4)
    qemu-system-misc  # qemu-system-riscv64: boots examples/kernel on riscv64 (test kernel_qemu_riscv64)
    qemu-user         # qemu-i386: runs the 32-bit peer (tests/peer32) on kernels that cannot run i386 programs
)
packages+=("$@")

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
for p in "${packages[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#packages[@]} packages present"
    exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "deps: need root to install ${missing[*]} (run as root, or install them)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
    installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
    echo "deps: could not install ${still[*]}" >&2
    exit 1
fi
echo "deps: done"
