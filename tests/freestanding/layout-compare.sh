#!/usr/bin/env bash
# Checks that the shared-memory layout is the same for every bitness and
# compiler: compiles tests/freestanding/layout.c (a table of sizes and of
# every field's offset and size) for each target at hand, extracts the table
# with objcopy and compares the bytes with the first target's.
#
# usage: layout-compare.sh SOURCE_DIR WORK_DIR
#
# Targets: gcc and clang with -m64 and -m32 (when they can), riscv64-unknown-elf
# (rv64gc) and arm-none-eabi (Cortex-M4). Missing ones are listed as SKIP.
# Exit status: 0 if at least a 64-bit and a 32-bit target agree and none
# disagrees; 77 (ctest: skipped) if fewer than that could be built; 1 otherwise.
set -u

src=${1:?usage: layout-compare.sh SOURCE_DIR WORK_DIR}
work=${2:?usage: layout-compare.sh SOURCE_DIR WORK_DIR}
mkdir -p "$work"
cflags=(-std=c11 -ffreestanding -O0 -Wall -Wextra -Wpedantic -Werror -DCOSMOSB_STATIC=1 -DCOSMOSB_FREESTANDING=1
        -I"$src/lib" -I"$src/include")

# name | compiler | objcopy | bits | flags
targets=(
    "gcc-64|gcc|objcopy|64|-m64"
    "gcc-32|gcc|objcopy|32|-m32"
    "clang-64|clang|objcopy|64|-m64"
    "clang-32|clang|objcopy|32|-m32"
    "riscv64|riscv64-unknown-elf-gcc|riscv64-unknown-elf-objcopy|64|-march=rv64gc -mabi=lp64d -mcmodel=medany"
    "cortex-m4|arm-none-eabi-gcc|arm-none-eabi-objcopy|32|-mcpu=cortex-m4 -mthumb"
)

ref=""
ref_name=""
have32=0
have64=0
fails=0
for t in "${targets[@]}"; do
    IFS='|' read -r name cc objcopy bits flags <<<"$t"
    read -r -a fl <<<"$flags"
    obj="$work/layout-$name.o"
    bin="$work/layout-$name.bin"
    if ! command -v "$cc" >/dev/null 2>&1 || ! command -v "$objcopy" >/dev/null 2>&1; then
        echo "SKIP $name: $cc or $objcopy not installed"
        continue
    fi
    if ! "$cc" "${fl[@]}" "${cflags[@]}" -c "$src/tests/freestanding/layout.c" -o "$obj" 2>"$work/layout-$name.log"; then
        if [ "$bits" = 32 ] && { [ "$cc" = gcc ] || [ "$cc" = clang ]; }; then
            # -m32 without gcc-multilib: the compiler exists but cannot target i386.
            echo "SKIP $name: $cc ${fl[*]} cannot compile here:"
            head -3 "$work/layout-$name.log" | sed 's/^/    /'
            continue
        fi
        echo "FAIL $name: does not compile:"
        head -20 "$work/layout-$name.log"
        fails=$((fails + 1))
        continue
    fi
    if ! "$objcopy" -O binary --only-section=.cosmosb_layout "$obj" "$bin" || [ ! -s "$bin" ]; then
        echo "FAIL $name: no layout table in $obj"
        fails=$((fails + 1))
        continue
    fi
    if [ -z "$ref" ]; then
        ref=$bin
        ref_name=$name
        echo "ref  $name: $(($(wc -c <"$bin") / 4)) values"
    elif cmp -s "$ref" "$bin"; then
        echo "same $name"
    else
        echo "FAIL $name: the layout differs from $ref_name (value index: $ref_name | $name):"
        diff <(od -An -v -tu4 -w4 "$ref" | awk '{ print NR - 1 ": " $1 }') \
             <(od -An -v -tu4 -w4 "$bin" | awk '{ print NR - 1 ": " $1 }') | head -20
        fails=$((fails + 1))
        continue
    fi
    [ "$bits" = 32 ] && have32=1
    [ "$bits" = 64 ] && have64=1
done

if [ $fails -ne 0 ]; then
    echo "layout check: $fails target(s) differ or fail"
    exit 1
fi
if [ $have32 -eq 0 ] || [ $have64 -eq 0 ]; then
    echo "layout check: skipped (needs a 32-bit and a 64-bit target)"
    exit 77
fi
echo "layout check: OK (identical on every target above)"
