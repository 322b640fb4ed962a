#!/usr/bin/env bash
# Check that our C sources follow .clang-format (clang-format-14); run by `make lint` and
# `make test`. Lists every file that differs and exits 1; exits 0 when all match.
# Usage: tools/check-c-format.sh [FILE...]   (default: every tracked .c/.h/.cpp outside
# third_party/). Fix a file with `clang-format-14 -i FILE`. Exit 2 if clang-format-14 is missing
# (tools/setup-toolchains.sh installs it).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
clang_format=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-c-format: $clang_format not found (run tools/setup-toolchains.sh)" >&2
  exit 2
fi

if [ $# -gt 0 ]; then
  files=("$@")
else
  cd "$root"
  mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' | grep -v '^third_party/')
fi

differ=()
for f in "${files[@]}"; do
  if ! "$clang_format" --style="file:$root/.clang-format" "$f" | cmp -s - "$f"; then
    differ+=("$f")
  fi
done

if [ ${#differ[@]} -gt 0 ]; then
  echo "check-c-format: ${#differ[@]} of ${#files[@]} C files differ from .clang-format" \
    "(fix: $clang_format -i FILE):" >&2
  printf '  %s\n' "${differ[@]}" >&2
  exit 1
fi
echo "check-c-format: ${#files[@]} C files match .clang-format"
