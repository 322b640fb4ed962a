#!/usr/bin/env bash
# Install the cross toolchains and emulators that the boards running here need, if missing:
#   gcc-arm-none-eabi, gcc-riscv64-unknown-elf   (firmware for qemu-m4/qemu-m0 and qemu-rv32)
#   qemu-system-arm, qemu-system-misc            (qemu-system-arm, qemu-system-riscv32)
#   clang-14, libclang-rt-14-dev                 (the libFuzzer harnesses: tools/fuzz.py)
#   valgrind                                     (bench/kernels_callgrind.py, tests/test_bench.py)
#   chromium                                     (headless: bench/report_screenshot.py, tests/test_report.py)
#   espeak-ng                                    (`qmoe-host data speech`, bench/accuracy_ablation.py)
#   clang-format-14                              (the C style check: tools/check-c-format.sh)
# Idempotent: prints what it finds, runs `apt-get update` once and installs only what is missing,
# with --no-install-recommends (the firmware links with -nostdlib + libgcc, so neither the
# picolibc nor the newlib packages, over 1 GB together, are needed).
# Usage: tools/setup-toolchains.sh [--check]   (--check: report only, exit 1 if something is
# missing). Needs root or sudo, and apt-get.
set -euo pipefail

# package:proof pairs: the command on PATH (or, for a path starting with /, a file matching it) proves the
# package is installed.
REQUIRED=(
  "gcc-arm-none-eabi:arm-none-eabi-gcc"
  "gcc-riscv64-unknown-elf:riscv64-unknown-elf-gcc"
  "qemu-system-arm:qemu-system-arm"
  "qemu-system-misc:qemu-system-riscv32"
  "clang-14:clang-14"
  "libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a"
  "valgrind:valgrind"
  "chromium:chromium"
  "espeak-ng:espeak-ng"
  "clang-format-14:clang-format-14"
)

# True when the proof of a package is there. File proofs are looked up under $QMOE_SETUP_ROOT
# (empty: the real file system; the tests point it at a scratch folder).
present() {
  case "$1" in
    /*) compgen -G "${QMOE_SETUP_ROOT:-}$1" >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=()
for pair in "${REQUIRED[@]}"; do
  pkg=${pair%%:*}
  cmd=${pair##*:}
  if [[ "$cmd" == /* ]] && present "$cmd"; then
    echo "found   $pkg: $cmd"
  elif path=$(command -v "$cmd"); then
    version=$("$cmd" --version 2>/dev/null | head -n 1 || true)
    echo "found   $pkg: $path ($version)"
  else
    echo "missing $pkg: no $cmd"
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "all toolchains present"
  exit 0
fi
if [ "$check_only" -eq 1 ]; then
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: apt-get not found; install these packages with your system's package manager:" \
       "${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "error: installing ${missing[*]} needs root, and sudo is not available;" \
       "rerun as root" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

for pair in "${REQUIRED[@]}"; do
  if ! present "${pair##*:}"; then
    echo "error: ${pair%%:*} installed but ${pair##*:} is still missing" >&2
    exit 1
  fi
done
echo "all toolchains present"
