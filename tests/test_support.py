"""tests/support and qmoe.ctoolchain: the C checks compile with the boards' own flags, and a failed
compile fails the test with the compiler's message."""

from __future__ import annotations

import pytest

from qmoe.boards import list_boards
from qmoe.ctoolchain import PEDANTIC, STRICT, board_target, machine_flags

from support import bench_module, cc


@pytest.mark.parametrize("board", [b.name for b in list_boards()])
def test_targets_come_from_board_toml(board):
    """The firmware builds are as strict as the checks, and a check's machine flags are exactly
    the board's -m options."""
    b = next(x for x in list_boards() if x.name == board)
    t = board_target(board)
    assert set(STRICT) <= set(b.toolchain.cflags), f"{board}: board.toml drops a strict flag"
    assert t.cc == b.toolchain.cc and t.machine == machine_flags(b.toolchain.cflags)
    assert all(f.startswith("-m") for f in t.machine)
    assert t.tool("size") == b.toolchain.size, "binutils prefix differs from board.toml's"


def test_machine_flags_keep_only_m_options():
    flags = ["-mcpu=cortex-m0", "-std=c99", "-Os", "-mthumb", "-Wall", "-DX=1"]
    assert machine_flags(flags) == ("-mcpu=cortex-m0", "-mthumb")
    assert PEDANTIC[: len(STRICT)] == STRICT and PEDANTIC[-1] == "-pedantic"


def test_build_compiles_and_a_warning_fails_the_test(tmp_path):
    cc.host()
    good = tmp_path / "good.c"
    good.write_text("int main(void) { return 0; }\n")
    assert cc.build([good], tmp_path / "good").is_file()
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { int unused; return 0; }\n")  # -Wall -Werror refuses it
    with pytest.raises(pytest.fail.Exception, match="unused"):
        cc.build([bad], tmp_path / "bad")


@pytest.mark.parametrize("board", ["qemu-m0", "qemu-rv32"])
def test_cross_build_uses_the_board_machine(tmp_path, board):
    target = cc.need(board)
    src = tmp_path / "f.c"
    src.write_text("int f(int a, int b) { return a * b; }\n")
    obj = cc.build([src], tmp_path / "f.o", target=target, flags=cc.FREESTANDING, link=False)
    assert obj.stat().st_size > 0


def test_bench_module_imports_a_bench_script_by_name():
    kb = bench_module("kernels_callgrind")
    assert kb.__name__ == "kernels_callgrind" and kb is bench_module("kernels_callgrind")
    assert set(kb.CROSS_BOARDS.values()) <= {b.name for b in list_boards()}
