"""C code generation: deterministic bytes, generated banner, compiles cleanly, refuses bad names."""

from __future__ import annotations

from pathlib import Path

import pytest

from qmoe.modelfile import save_model
from qmoe.train.config import TrainConfig
from qmoe.train.cv import fit_fold
from qmoe_codegen.cgen import assert_valid_identifier, c_array
from qmoe_codegen.emit import emit_model, write_model_sources
from qmoe_codegen.errors import CodegenError
from qmoe_codegen.lower import lower_file

from support import cc

ROOT = Path(__file__).resolve().parents[1]
INCLUDES = [ROOT / "firmware/include"]
CFG = TrainConfig(
    experts=["ternary", "4", "1"],
    router="curiosity",
    policy="curiosity",
    epochs=6,
    qat_epochs=3,
    router_epochs=3,
)


@pytest.fixture(scope="module")
def ir(builtin_features, tmp_path_factory):
    fd, fe = builtin_features
    model, _ = fit_fold(fd, CFG, 2, fe)
    return lower_file(save_model(model, tmp_path_factory.mktemp("m") / "moe.qmoe"))


def test_same_ir_same_bytes(ir, tmp_path):
    a = emit_model(ir)
    b = emit_model(lower_file_again(ir, tmp_path))
    assert a == b
    for name, text in a.items():
        first = text.splitlines()[0]
        assert "GENERATED" in first and ir.hash in first and "DO NOT EDIT" in first, name


def lower_file_again(ir, tmp_path):
    """A second, independent emission path: save and reload the IR."""
    from qmoe_codegen.ir import load_ir, save_ir

    return load_ir(save_ir(ir, tmp_path / "again.qir"))


@pytest.mark.parametrize("board,flags", [("native", []), ("qemu-m0", ["-Os"])])
def test_generated_c_compiles(ir, tmp_path, board, flags):
    target = cc.need(board)
    paths = write_model_sources(ir, tmp_path / "gen")
    src = [p for p in paths if p.suffix == ".c"][0]
    cc.build([src], tmp_path / "m.o", target=target, includes=INCLUDES, flags=flags, link=False)


def test_features_model_compiles_without_front_end(ir, tmp_path):
    feat = replace_frontend(ir)
    paths = write_model_sources(feat, tmp_path / "gen")
    cc.build([paths[0]], tmp_path / "m.o", includes=INCLUDES, link=False)
    assert "qmoe_frontend" not in paths[0].read_text()


def replace_frontend(ir):
    from dataclasses import replace

    from qmoe_codegen.ir import InputQuantizer

    inp = InputQuantizer(kind="features", n_features=ir.n_features, scale=ir.input.scale)
    return replace(ir, frontend=None, input=inp)


def test_identifiers_are_checked():
    for bad in ("1abc", "a-b", "int", "", "x y"):
        with pytest.raises(CodegenError):
            assert_valid_identifier(bad)
    with pytest.raises(CodegenError, match="does not fit int8_t"):
        c_array("ok_name", "int8_t", [1, 200])
    with pytest.raises(CodegenError):
        emit_model({**replace_frontend_stub(), "hash": "00" * 32}, prefix="bad-prefix")


def replace_frontend_stub():
    return {"model": {"class_names": ["a", "b"], "name": "m", "source": {}}, "frontend": None}
