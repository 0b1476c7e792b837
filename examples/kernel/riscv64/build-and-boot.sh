#!/usr/bin/env bash
# Builds the example kernel for RISC-V 64 and boots it under
# qemu-system-riscv64 -machine virt -bios none, with the same checks as on
# x86_64 (run-qemu.sh).
#
# usage: build-and-boot.sh SOURCE_DIR WORK_DIR
#
# 1. libcosmosb-freestanding.a for rv64gc/lp64d/medany, with CMake and
#    cmake/toolchains/riscv64-unknown-elf.cmake;
# 2. the kernel, compiled and linked by hand, the way a kernel's own build
#    would do it: the same flags, -nostdlib, the archive and nothing else;
# 3. run-qemu.sh riscv64.
# Exit 77 (ctest: skipped) if riscv64-unknown-elf-gcc or qemu-system-riscv64
# is missing.
set -u

src=${1:?usage: build-and-boot.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: build-and-boot.sh SOURCE_DIR WORK_DIR}
cc=${COSMOSB_RISCV_PREFIX:-riscv64-unknown-elf-}gcc
qemu=${QEMU:-qemu-system-riscv64}
cmake=${CMAKE_COMMAND:-cmake}
for tool in "$cc" "$qemu"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (Debian packages gcc-riscv64-unknown-elf, qemu-system-misc)"
        exit 77
    fi
done
kdir="$src/examples/kernel"
mkdir -p "$work"

echo "--- libcosmosb-freestanding.a for riscv64"
if ! "$cmake" -S "$src" -B "$work/lib" --toolchain "$src/cmake/toolchains/riscv64-unknown-elf.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DCOSMOSB_WERROR=ON >"$work/lib.log" 2>&1 ||
   ! "$cmake" --build "$work/lib" --target cosmosb_freestanding -j 2 >>"$work/lib.log" 2>&1; then
    tail -30 "$work/lib.log"
    echo "FAIL: building the riscv64 archive"
    exit 1
fi

echo "--- the kernel"
flags=(-march=rv64gc -mabi=lp64d -mcmodel=medany -std=c11 -O2 -g
       -ffreestanding -fno-stack-protector -fno-pic -fno-asynchronous-unwind-tables
       -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
       -DCOSMOSB_STATIC=1 -DCOSMOSB_FREESTANDING=1 -I"$src/include" -I"$kdir")
objs=()
for f in riscv64/boot.S riscv64/arch.c kernel.c ipc_demo.c; do
    o="$work/$(basename "${f%.*}").o"
    if ! "$cc" "${flags[@]}" -c "$kdir/$f" -o "$o"; then
        echo "FAIL: compiling $f"
        exit 1
    fi
    objs+=("$o")
done
if ! "$cc" "${flags[@]}" -nostdlib -static -Wl,-T,"$kdir/riscv64/kernel.ld" -Wl,--build-id=none \
        -o "$work/cosmosb-kernel-riscv64.elf" "${objs[@]}" "$work/lib/libcosmosb-freestanding.a"; then
    echo "FAIL: linking the kernel"
    exit 1
fi

QEMU=$qemu exec bash "$kdir/run-qemu.sh" riscv64 "$work/cosmosb-kernel-riscv64.elf"
