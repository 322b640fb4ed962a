"""qmoe.runfolder: the run-folder schema, its version field, the typed loaders and their errors
(docs/runs.md). Folders are written with the module's own writers."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from qmoe import runfolder
from qmoe.errors import DataError
from qmoe.report import load_runs as report_runs
from qmoe.stats import load_runs as stats_runs

CLASSES = ["a", "b", "c"]


def device_folder(folder: Path, n: int = 4, **meta) -> Path:
    folder.mkdir(parents=True)
    runfolder.write_device_meta(
        folder,
        {
            "board": {"name": "native", "core": "host", "clock_hz": None, "emulated": False,
                      "counter": {"kind": "monotonic", "unit": "ns", "per_tick": 1}},
            "model": {"name": "m", "hash": "ab" * 32, "router": "none", "experts": ["4-bit"],
                      "label_set": "t", "class_names": CLASSES, "flash_bytes": 100},
            **meta,
        },
    )  # fmt: skip
    recs = [
        {"i": i, "sample": f"s{i}", "label": i % 3, "pred": i % 3, "expert": 0,
         "counters": {"frontend": 0, "total": 100 + i},
         "golden": {"pred": i % 3, "expert": 0, "match": True}}
        for i in range(n)
    ]  # fmt: skip
    runfolder.write_records(folder / runfolder.INFERENCES, recs)
    return folder


def variant_folder(vdir: Path, name: str = "4") -> Path:
    vdir.mkdir(parents=True)
    runfolder.write_results(
        vdir,
        {"variant": name, "label_set": "t", "class_names": CLASSES,
         "train_config": {"experts": [name], "router": "none"},
         "summary": {"accuracy": {"mean": 0.5, "std": 0.1}, "macro_f1": {"mean": 0.4, "std": 0.1}},
         "folds": [{"fold": 1, "accuracy": 0.5, "macro_f1": 0.4, "confusion": [[1, 0, 0]] * 3}]},
    )  # fmt: skip
    return vdir


def _edit(path: Path, change) -> None:
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj))


def test_writers_stamp_the_format_and_loaders_read_it(tmp_path):
    dev = device_folder(tmp_path / "d")
    meta = json.loads((dev / runfolder.RUN_JSON).read_text())
    assert meta["run_format"] == runfolder.RUN_FORMAT and meta["kind"] == "device"
    run = runfolder.load_device_run(dev)
    assert run.run_format == runfolder.RUN_FORMAT and run.unit == "ns"
    assert [r.counters.total for r in run.inferences] == [100.0, 101.0, 102.0, 103.0]
    assert run.column("label").tolist() == [0, 1, 2, 0] and run.model.flash_bytes == 100
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.path = tmp_path  # type: ignore[misc]
    v = runfolder.load_cv_variant(variant_folder(tmp_path / "v"))
    assert v.run_format == runfolder.RUN_FORMAT and v.confusion().sum() == 3
    assert json.loads((tmp_path / "v" / runfolder.RESULTS_JSON).read_text())["run_format"] == 1


def test_a_folder_without_the_field_is_format_1(tmp_path):
    """Folders written before run_format existed read as format 1, unchanged."""
    dev = device_folder(tmp_path / "d")
    _edit(dev / runfolder.RUN_JSON, lambda m: m.pop("run_format"))
    vdir = variant_folder(tmp_path / "v")
    _edit(vdir / runfolder.RESULTS_JSON, lambda m: m.pop("run_format"))
    assert runfolder.load_device_run(dev).run_format == 1
    assert runfolder.load_cv_variant(vdir).run_format == 1
    assert stats_runs(dev)[0].labels.tolist() == [0, 1, 2, 0]
    assert report_runs([vdir])[0].macro_f1 == 0.4


@pytest.mark.parametrize("file", [runfolder.RUN_JSON, runfolder.RESULTS_JSON])
@pytest.mark.parametrize(
    "value, expected",
    [(2, "field 'run_format' is 2; this qmoe reads run format(s) 1 (written by a newer qmoe"),
     ("1", "field 'run_format' is '1'; expected an integer >= 1"),
     (0, "field 'run_format' is 0; expected an integer >= 1")],
)  # fmt: skip
def test_an_unknown_format_is_refused_naming_file_and_field(tmp_path, file, value, expected):
    folder = (
        device_folder(tmp_path / "d")
        if file == runfolder.RUN_JSON
        else variant_folder(tmp_path / "v")
    )
    _edit(folder / file, lambda m: m.update(run_format=value))
    for read in (runfolder.load_folder, stats_runs, lambda p: report_runs([p])):
        with pytest.raises(DataError) as exc:
            read(folder)
        assert str(folder / file) in str(exc.value) and expected in str(exc.value)


def test_a_training_run_refuses_a_newer_run_json(tmp_path):
    run = tmp_path / "run"
    variant_folder(run / "4")
    runfolder.write_run_json(run, {"variants": ["4"], "run_format": 7})
    assert json.loads((run / runfolder.RUN_JSON).read_text())["run_format"] == 1  # the writer's
    _edit(run / runfolder.RUN_JSON, lambda m: m.update(run_format=7))
    with pytest.raises(DataError, match=r"run.json: field 'run_format' is 7"):
        runfolder.load_folder(run)


@pytest.mark.parametrize(
    "change, expected",
    [(lambda r: r.update(label="x"), "jsonl:2: field 'label' is 'x'; expected an integer"),
     (lambda r: r["counters"].pop("total"), "inferences.jsonl:2: missing field 'counters.total'"),
     (lambda r: r.update(label=7), "inference 1 has label 7 and pred 1; expected class"),
     (lambda r: r["golden"].update(match=1), "inferences.jsonl:2: field 'golden.match' is 1"),
     (lambda r: r.update(counters=[]), "inferences.jsonl:2: missing field 'counters.total'")],
)  # fmt: skip
def test_a_bad_inference_names_file_line_and_field(tmp_path, change, expected):
    dev = device_folder(tmp_path / "d")
    path = dev / runfolder.INFERENCES
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    change(rows[1])
    runfolder.write_records(path, rows)
    with pytest.raises(DataError) as exc:
        runfolder.load_device_run(dev)
    assert expected in str(exc.value) and str(path) in str(exc.value)


def test_bad_run_json_fields_and_summary_are_named(tmp_path):
    dev = device_folder(tmp_path / "d")
    _edit(dev / runfolder.RUN_JSON, lambda m: m["model"].update(class_names="abc"))
    with pytest.raises(
        DataError, match=r"run.json: field 'model.class_names' is 'abc'; expected a list"
    ):
        runfolder.load_device_run(dev)
    dev = device_folder(tmp_path / "e")
    (dev / runfolder.SUMMARY_JSON).write_text("[1, 2]")
    with pytest.raises(DataError, match=r"summary.json: expected a JSON object, found list"):
        runfolder.load_device_run(dev)
    runfolder.write_device_summary(dev, {"energy": {"uj_per_inference": "lots"}})
    with pytest.raises(DataError, match=r"summary.json: field 'energy.uj_per_inference' is 'lots'"):
        runfolder.load_device_run(dev)


def test_bad_results_fields_are_named(tmp_path):
    vdir = variant_folder(tmp_path / "v")
    _edit(vdir / runfolder.RESULTS_JSON, lambda m: m["folds"][0].update(confusion=[[1, 2]]))
    with pytest.raises(DataError, match=r"results.json: folds\[0\]: field 'confusion' has shape"):
        runfolder.load_cv_variant(vdir)
    vdir = variant_folder(tmp_path / "w")
    _edit(vdir / runfolder.RESULTS_JSON, lambda m: m["folds"][0].pop("macro_f1"))
    with pytest.raises(DataError, match=r"results.json: folds\[0\]: missing field 'macro_f1'"):
        stats_runs(vdir)


def test_folder_kinds(tmp_path):
    run = tmp_path / "run"
    variant_folder(run / "b", "b")
    variant_folder(run / "a", "a")
    runfolder.write_run_json(run, {"variants": ["b", "a"]})
    assert runfolder.folder_kind(run) == runfolder.TRAIN_RUN
    assert runfolder.folder_kind(run / "a") == runfolder.CV_VARIANT
    assert [r.variant for r in runfolder.load_folder(run)] == ["b", "a"]  # run.json's order
    assert runfolder.load_folder(run / "a")[0].run_meta["variants"] == ["b", "a"]
    assert runfolder.folder_kind(device_folder(tmp_path / "d")) == runfolder.DEVICE
    (tmp_path / "empty").mkdir()
    with pytest.raises(runfolder.NotARunFolder, match="empty: not a run folder: expected"):
        runfolder.folder_kind(tmp_path / "empty")
    with pytest.raises(runfolder.NotARunFolder, match="none: no such run folder"):
        runfolder.load_folder(tmp_path / "none")
