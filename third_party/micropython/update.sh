#!/usr/bin/env bash
# Re-create the vendored subset of MicroPython in this folder from the pinned release tag.
#
# Usage: third_party/micropython/update.sh [MICROPYTHON_GIT_DIR]
#   MICROPYTHON_GIT_DIR: a clone (or bare git dir) of the MicroPython repository that has the tag
#   below; default: $MICROPYTHON_GIT, else /work/.mirror/micropython+micropython/repo.
# The files are taken from `git archive TAG PATHS` unmodified; README.md, update.sh and .gitignore
# are ours and are kept. Run it after changing TAG or PATHS, then commit the result.
set -euo pipefail

TAG=v1.28.0
# What the builds here need (docs/micropython.md): the core, the shared helpers, the extension
# modules the ports compile, the libraries they use, the unix and bare-metal QEMU ports, the cross
# compiler for frozen modules, and the tools the build calls.
PATHS=(
  LICENSE
  py
  shared
  extmod
  lib/libm
  lib/libm_dbl
  lib/uzlib
  lib/re1.5
  lib/crypto-algorithms
  lib/littlefs
  lib/oofatfs
  mpy-cross
  ports/unix
  ports/qemu
  tools/makemanifest.py
  tools/manifestfile.py
  tools/mpy-tool.py
)

here=$(cd "$(dirname "$0")" && pwd)
git_dir=${1:-${MICROPYTHON_GIT:-/work/.mirror/micropython+micropython/repo}}
if ! git --git-dir="$git_dir" rev-parse --verify --quiet "$TAG^{commit}" >/dev/null; then
  if ! git -C "$git_dir" rev-parse --verify --quiet "$TAG^{commit}" >/dev/null; then
    echo "error: $git_dir has no tag $TAG (give a MicroPython clone as the first argument)" >&2
    exit 2
  fi
  git_dir=$(git -C "$git_dir" rev-parse --absolute-git-dir)
fi
commit=$(git --git-dir="$git_dir" rev-parse "$TAG^{commit}")

# Remove everything but our own files, then extract the subset.
find "$here" -mindepth 1 -maxdepth 1 ! -name README.md ! -name update.sh ! -name .gitignore \
  -exec rm -rf {} +
git --git-dir="$git_dir" archive "$TAG" "${PATHS[@]}" | tar -x -C "$here"
echo "$TAG $commit" > "$here/VERSION"
echo "extracted MicroPython $TAG ($commit): $(find "$here" -type f | wc -l) files," \
  "$(du -sh "$here" | cut -f1)"
