# MicroPython unix port, variant "qmoe" (make VARIANT_DIR=<this folder>): the standard variant
# without libffi, berkeley-db, TLS and the littlefs/FAT file systems, whose sources are git
# submodules not vendored in third_party/micropython. The frozen manifest comes from the build
# (FROZEN_MANIFEST=micropython/frozen/manifest.py).
MICROPY_PY_FFI = 0
MICROPY_PY_BTREE = 0
MICROPY_PY_SSL = 0
MICROPY_SSL_MBEDTLS = 0
MICROPY_VFS_FAT = 0
MICROPY_VFS_LFS1 = 0
MICROPY_VFS_LFS2 = 0
