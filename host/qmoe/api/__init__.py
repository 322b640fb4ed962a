"""The Python API of qmoe: one typed function per `qmoe-host` command, which the CLI
(qmoe.cli) calls and prints the result of. docs/api.md lists them with an example.

- data builtin, embeddings, info, manifest, speech: `data_builtin`, `data_embeddings`,
  `data_info`, `data_manifest`, `data_speech` (qmoe.api.data)
- train, eval: `train` (with `load_features`, `parse_variant`), `evaluate_model`
  (qmoe.api.training)
- demo: `demo`; its settings `DemoSettings`, its training half `train_demo` (qmoe.api.demo)
- export, boards, build, flash, measure: `export`, `boards`, `build`, `flash` (then `serve` for a
  board that runs here), `measure` (qmoe.api.device)
- compare, report: `compare`, `report` (qmoe.api.analysis)
- router-study: `router_study` (qmoe.router_study)
- interop ei-export, ei-import, tflite-export, tflite-import, tflite-check: `ei_export`,
  `ei_import`, `tflite_export`, `tflite_import`, `tflite_check` (qmoe.api.interop)

Each returns a typed result (a dataclass of what the command made) that the CLI prints.
"""

from qmoe.api.analysis import compare, report
from qmoe.api.data import (
    EmbeddingsReport,
    data_builtin,
    data_embeddings,
    data_info,
    data_manifest,
    data_speech,
)
from qmoe.api.demo import DEMO_VARIANTS, DemoSettings, demo, train_demo
from qmoe.api.device import (
    BoardsReport,
    ExportReport,
    boards,
    build,
    export,
    flash,
    format_size_report,
    measure,
    serve,
)
from qmoe.api.interop import (
    TfliteCheckReport,
    ei_export,
    ei_import,
    tflite_check,
    tflite_export,
    tflite_import,
)
from qmoe.api.training import (
    EvalReport,
    TrainReport,
    evaluate_model,
    load_features,
    parse_variant,
    train,
)
from qmoe.router_study import RouterStudyResult, router_study

__all__ = [
    "DEMO_VARIANTS",
    "BoardsReport",
    "DemoSettings",
    "EmbeddingsReport",
    "EvalReport",
    "ExportReport",
    "TfliteCheckReport",
    "RouterStudyResult",
    "TrainReport",
    "boards",
    "build",
    "compare",
    "data_builtin",
    "data_embeddings",
    "data_info",
    "data_manifest",
    "data_speech",
    "demo",
    "ei_export",
    "ei_import",
    "evaluate_model",
    "export",
    "flash",
    "format_size_report",
    "load_features",
    "measure",
    "parse_variant",
    "report",
    "router_study",
    "serve",
    "tflite_check",
    "tflite_export",
    "tflite_import",
    "train",
    "train_demo",
]
