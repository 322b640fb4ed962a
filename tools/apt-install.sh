#!/usr/bin/env bash
# Install Debian packages with apt-get (as root, or through sudo), --no-install-recommends:
# the install step shared by tools/setup-toolchains.sh and tools/setup-micropython.sh.
# Usage: tools/apt-install.sh PACKAGE...   Exit status 1, with the reason, when it cannot.
set -euo pipefail
[ $# -gt 0 ] || exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: apt-get not found; install these packages with your system's package manager:" \
       "$*" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "error: installing $* needs root, and sudo is not available; rerun as root" >&2
  exit 1
fi
echo "installing: $*"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "$@"
