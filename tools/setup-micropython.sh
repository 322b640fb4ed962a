#!/usr/bin/env bash
# Install what the MicroPython boards (mpy-*, docs/micropython.md) need beyond
# tools/setup-toolchains.sh, if missing:
#   libnewlib-dev   C library headers (0.9 MB, headers only) that MicroPython's bare-metal QEMU
#                   port includes; it links with -nostdlib, so no C library itself is needed (the
#                   libnewlib-arm-none-eabi and picolibc packages, 0.36-1 GB each, are not)
#   make            MicroPython builds with GNU make
#   cmake           configures the ESP32 recipe's CMake module file in the tests (no ESP-IDF here)
# Idempotent: prints what it finds and installs only what is missing (apt-get, needs root or sudo).
# Usage: tools/setup-micropython.sh [--check]   (--check: report only, exit 1 if something is missing)
set -euo pipefail

# package:file pairs: the file proves the package is installed.
REQUIRED=(
  "libnewlib-dev:/usr/include/newlib/string.h"
  "make:/usr/bin/make"
  "cmake:/usr/bin/cmake"
)

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

missing=()
for pair in "${REQUIRED[@]}"; do
  pkg=${pair%%:*}
  file=${pair##*:}
  if [ -e "$file" ]; then
    echo "found   $pkg: $file"
  else
    echo "missing $pkg: no $file"
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "MicroPython build dependencies present"
  exit 0
fi
if [ "$check_only" -eq 1 ]; then
  exit 1
fi
bash "$(dirname "$0")/apt-install.sh" "${missing[@]}"
for pair in "${REQUIRED[@]}"; do
  if [ ! -e "${pair##*:}" ]; then
    echo "error: ${pair%%:*} installed but ${pair##*:} is still missing" >&2
    exit 1
  fi
done
echo "MicroPython build dependencies present"
