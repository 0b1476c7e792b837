#!/usr/bin/env bash
# Builds libcosmosb-freestanding.a for every 32-bit and bare-metal target whose
# compiler is installed, with the CMake toolchain files in cmake/toolchains/,
# and checks each archive as tests/freestanding/check-symbols.sh does for the
# host (nothing undefined but memcpy memset memmove memcmp, no TLS).
#
# usage: cross-build.sh SOURCE_DIR WORK_DIR [TARGET...]
#
# Targets (default: all):
#   i686       gcc -m32 (gcc-multilib); COSMOSB_I686_CC picks the compiler
#   riscv64    riscv64-unknown-elf-gcc, rv64gc lp64d medany
#   cortex-m4  arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
#   cortex-m33 arm-none-eabi-gcc -mcpu=cortex-m33 -mthumb
#   cortex-m3  arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb (ARMv7-M, the oldest supported)
#   cortex-m0  arm-none-eabi-gcc -mcpu=cortex-m0 (ARMv6-M): a core source must
#              FAIL to compile, because ARMv6-M has no 32-bit atomic
#              read-modify-write (the core never falls back to a lock)
# Two targets are built at a time; their logs are printed in order.
#
# A target whose compiler is missing is reported as SKIP. Exit status: 0 if
# every available target passed, 77 if no target was available (ctest:
# skipped), 1 otherwise.
set -u

src=${1:?usage: cross-build.sh SOURCE_DIR WORK_DIR [TARGET...]}
work=${2:?usage: cross-build.sh SOURCE_DIR WORK_DIR [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(i686 riscv64 cortex-m4 cortex-m33 cortex-m3 cortex-m0)
cmake=${CMAKE_COMMAND:-cmake}
i686_cc=${COSMOSB_I686_CC:-gcc}
mkdir -p "$work"

# Can this compiler build a freestanding object with these flags?
probe() {
    local cc=$1
    shift
    command -v "$cc" >/dev/null 2>&1 || return 1
    printf '#include <stdint.h>\n#include <stdatomic.h>\nint f(_Atomic uint32_t *p) { return (int)atomic_load(p); }\n' \
        >"$work/probe.c"
    "$cc" "$@" -ffreestanding -c "$work/probe.c" -o "$work/probe.o" >/dev/null 2>&1
}

# build NAME TOOLCHAIN MACHINE CLASS [cmake -D args...]
build() {
    local name=$1 toolchain=$2 machine=$3 class=$4
    shift 4
    local dir="$work/$name" log="$work/$name.log" nm lib obj
    rm -rf "$dir"
    if ! "$cmake" -S "$src" -B "$dir" --toolchain "$src/cmake/toolchains/$toolchain.cmake" \
            -DCMAKE_BUILD_TYPE=Release -DCOSMOSB_WERROR=ON "$@" >"$log" 2>&1; then
        tail -20 "$log"
        return 1
    fi
    if ! "$cmake" --build "$dir" --target cosmosb_freestanding -j 2 >>"$log" 2>&1; then
        grep -E -A5 'error|Error' "$log" | head -30
        return 1
    fi
    lib="$dir/libcosmosb-freestanding.a"
    nm=$(sed -n 's/^CMAKE_NM:[A-Z]*=//p' "$dir/CMakeCache.txt")
    # The objects really are for the target.
    obj=$(readelf -h "$lib" 2>/dev/null)
    if ! grep -q "Machine: *$machine" <<<"$obj" || ! grep -q "Class: *$class" <<<"$obj" \
       || grep "Machine:" <<<"$obj" | grep -qv "$machine"; then
        echo "FAIL: $lib does not hold $class $machine objects:"
        grep -E 'Class|Machine' <<<"$obj" | sort | uniq -c
        return 1
    fi
    # No thread-local storage in the core (a kernel may have none).
    if readelf -S -W "$lib" 2>/dev/null | grep -qE '\.t(data|bss)'; then
        echo "FAIL: $lib has thread-local storage (.tdata/.tbss)"
        return 1
    fi
    NM=${nm:-nm} bash "$src/tests/freestanding/check-symbols.sh" "$lib" "$src" | grep -v '^lib/core files checked'
    return "${PIPESTATUS[0]}"
}

# Builds and checks one target; prints its log and writes one line, starting
# with PASS, FAIL or SKIP, to $work/$t.result.
one_target() {
    local t=$1 res
    case $t in
        i686)
            if ! probe "$i686_cc" -m32; then
                res="SKIP $t ($i686_cc -m32 does not work: install gcc-multilib)"
            elif COSMOSB_I686_CC=$i686_cc build "$t" i686-freestanding "Intel 80386" ELF32; then
                res="PASS $t ($i686_cc -m32 -march=i686 -mgeneral-regs-only)"
            else
                res="FAIL $t"
            fi ;;
        riscv64)
            if ! probe riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d; then
                res="SKIP $t (riscv64-unknown-elf-gcc missing: gcc-riscv64-unknown-elf)"
            elif build "$t" riscv64-unknown-elf "RISC-V" ELF64; then
                res="PASS $t (rv64gc lp64d, -mcmodel=medany)"
            else
                res="FAIL $t"
            fi ;;
        cortex-m4 | cortex-m33 | cortex-m3)
            if ! probe arm-none-eabi-gcc -mcpu="$t" -mthumb; then
                res="SKIP $t (arm-none-eabi-gcc missing: gcc-arm-none-eabi)"
            elif build "$t" arm-none-eabi "ARM" ELF32 "-DCOSMOSB_ARM_FLAGS=-mcpu=$t -mthumb -mfloat-abi=soft"; then
                res="PASS $t (Thumb-2, soft-float ABI)"
            else
                res="FAIL $t"
            fi ;;
        cortex-m0)
            # The expected failure: a core source must be refused at compile time.
            if ! command -v arm-none-eabi-gcc >/dev/null 2>&1; then
                res="SKIP $t (arm-none-eabi-gcc missing)"
            elif arm-none-eabi-gcc -mcpu=cortex-m0 -mthumb -std=c11 -ffreestanding -DCOSMOSB_STATIC=1 \
                    -DCOSMOSB_FREESTANDING=1 -I"$src/include" -I"$src/lib" -c "$src/lib/core/pipe_open.c" \
                    -o "$work/$t.o" >"$work/$t.log" 2>&1; then
                res="FAIL $t (compiled, but ARMv6-M has no lock-free 32-bit read-modify-write)"
            elif grep -q "ATOMIC_INT_LOCK_FREE" "$work/$t.log"; then
                res="PASS $t (refused at compile time: no lock-free 32-bit atomics, as intended)"
            else
                cat "$work/$t.log"
                res="FAIL $t (failed for another reason than the atomics check)"
            fi ;;
        *)
            res="FAIL $t (unknown target)" ;;
    esac
    echo "$res" >"$work/$t.result"
}

# Two targets at a time (configuring is mostly one CPU); logs printed in order.
running=0
for t in "${targets[@]}"; do
    rm -f "$work/$t.result" "$work/$t.out"
    one_target "$t" >"$work/$t.out" 2>&1 &
    running=$((running + 1))
    if [ $running -ge 2 ]; then
        wait -n
        running=$((running - 1))
    fi
done
wait

ran=0
failed=0
results=()
for t in "${targets[@]}"; do
    echo "=== $t"
    cat "$work/$t.out"
    res=$(cat "$work/$t.result" 2>/dev/null || echo "FAIL $t (no result)")
    results+=("$res")
    case $res in
        PASS*) ran=$((ran + 1)) ;;
        FAIL*) ran=$((ran + 1)); failed=$((failed + 1)) ;;
    esac
done

echo "=== summary"
printf '%s\n' "${results[@]}"
if [ $failed -ne 0 ]; then
    exit 1
fi
if [ $ran -eq 0 ]; then
    echo "no cross compiler available: skipped"
    exit 77
fi
exit 0
