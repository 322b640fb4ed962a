"""MicroPython boards: MicroPython with the qmoe user C module (micropython/ at the top of the
repository) over the C runtime, built from the vendored third_party/micropython
(docs/micropython.md).

qmoe.boards.micropython reads a profile's `[micropython]` table; here `firmware` runs
MicroPython's make, `build` is what `qmoe-host build --board mpy-...` calls, `repl` speaks the raw
REPL and starts the frozen protocol server `qmoe_serve` so that `qmoe-host measure` works as with
every board.
"""
