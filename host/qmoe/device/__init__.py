"""Firmware for a board, from a model to a running device. One meaning per name:

- `sources`: the app's C sources, the kernel variant of the board's core, include folders, defines
- `toolchain`: `compile_firmware()` with the board's compiler and flags; `section_sizes()` of an ELF
- `fit`: a model or a linked image against the board's flash and RAM (`DoesNotFit`)
- `result`: `BuildResult` (build.json) and reading build.json's paths back
- `build`: `build()`, what `qmoe-host build` does: lower, generate C, check the fit, compile
- `projects`: the PlatformIO / ESP-IDF / Pico SDK projects of boards that do not run here
- `micropython`: MicroPython with the qmoe module for the `[micropython]` boards
- `run`: `start()` an image on a board that runs here (native, QEMU), `start_build()` a build
  folder's image, `serve()` it until Ctrl-C
- `flash`: `flash_board()` programs a real chip (esptool, UF2, PlatformIO upload)
- `errors`: `BoardError` and `DoesNotFit`

Board facts (board.toml) are qmoe.boards'; this package reads them and never branches on a
board's name. Import the modules themselves (`from qmoe.device.build import build`): this file
imports none of them.
"""
