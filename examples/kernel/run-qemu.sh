#!/usr/bin/env bash
# Boots the example kernel under QEMU and checks what it printed.
#
# usage: run-qemu.sh x86_64 KERNEL32.ELF
#        run-qemu.sh x86_64-preempt KERNEL32.ELF   (also requires timer preemptions)
#        run-qemu.sh riscv64 KERNEL.ELF
#
# Passes (exit 0) only if the kernel wrote every expected "check:" line and
# "ALL CHECKS PASSED" to the serial port, printed no "FAIL", and ended QEMU
# with status 33: on x86_64 through the isa-debug-exit device (it writes
# 0x10; QEMU exits with (value << 1) | 1), on riscv64 through the virt
# machine's SiFive test device. Exit 77 (ctest: skipped) if the QEMU for the
# architecture is not installed; any other failure exits 1. The QEMU
# environment variable overrides the emulator.
set -u

arch=${1:?usage: run-qemu.sh x86_64|x86_64-preempt|riscv64 KERNEL}
kernel=${2:?usage: run-qemu.sh x86_64|x86_64-preempt|riscv64 KERNEL}
case $arch in
    x86_64 | x86_64-preempt)
        qemu=${QEMU:-qemu-system-x86_64}; package=qemu-system-x86
        # -nodefaults: no VGA or NIC; the only devices are COM1 (our console)
        # and the debug exit port. -no-reboot turns a triple fault into an
        # exit with status 0.
        args=(-m 64 -nodefaults -device isa-debug-exit,iobase=0xf4,iosize=0x04) ;;
    riscv64)
        qemu=${QEMU:-qemu-system-riscv64}; package=qemu-system-misc
        # -bios none: no OpenSBI; QEMU jumps to the kernel in machine mode.
        args=(-machine virt -bios none -m 64) ;;
    *)
        echo "FAIL: unknown architecture $arch"; exit 1 ;;
esac

if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "SKIP: $qemu is not installed (Debian package $package)"
    exit 77
fi
if [ ! -f "$kernel" ]; then
    echo "FAIL: $kernel does not exist"
    exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout 100 "$qemu" "${args[@]}" -kernel "$kernel" -display none -no-reboot \
    -serial stdio -monitor none </dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log"
echo "--- qemu exit status: $rc"

fails=0
if [ "$rc" -ne 33 ]; then
    case $rc in
        35) why="the kernel reported a failed check" ;;
        124) why="timed out" ;;
        0) why="no exit through the test device (fault, reset or power-off?)" ;;
        *) why="QEMU failed" ;;
    esac
    echo "FAIL: exit status $rc, expected 33 ($why)"
    fails=$((fails + 1))
fi
wants=(
    "kernel: libcosmosb "
    "check: spsc: 500 typed readings received in order"
    "check: mpsc: 2 producers x 200 typed events, FIFO per producer and lane"
    "check: schema: 905 messages validated before delivery"
    "check: arena: frozen table of 64 entries shared by reference"
    "check: window: read-only 1024-byte window"
    "check: ack: the sensor got back the checksums rx computed"
    "check: arena empty: no live object"
    "check: default platform: with no scheduler"
    "kernel: ALL CHECKS PASSED"
)
[ "$arch" = x86_64-preempt ] && wants+=("check: preemption: ")
for want in "${wants[@]}"; do
    if ! grep -qF -- "$want" "$log"; then
        echo "FAIL: the serial output lacks: $want"
        fails=$((fails + 1))
    fi
done
if grep -q "FAIL" "$log"; then
    echo "FAIL: the kernel reported failures (above)"
    fails=$((fails + 1))
fi
if [ $fails -ne 0 ]; then
    exit 1
fi
echo "kernel boot test ($arch): OK"
