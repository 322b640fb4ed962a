# Frozen into every MicroPython build of qmoe (FROZEN_MANIFEST=micropython/frozen/manifest.py):
# the protocol server `qmoe_serve` that `qmoe-host measure` talks to (docs/micropython.md).
# A port whose build needs its own frozen modules includes its manifest before this one
# (the ESP32 recipe does: include("$(PORT_DIR)/boards/manifest.py")).
module("qmoe_serve.py")
