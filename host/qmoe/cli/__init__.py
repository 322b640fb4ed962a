"""`qmoe-host`: the command line. Each command parses options and calls one function of the API.

common.py          the group, dataset options, helpers
train_cmds.py      data, train, eval, demo (the main job)
device_cmds.py     export, boards, build, flash, measure
analysis_cmds.py   compare, report, router-study
interop_cmds.py    interop (Edge Impulse, TensorFlow Lite), data manifest
"""

from __future__ import annotations

import sys

import click

from qmoe.cli import (  # noqa: F401  (register the commands)
    analysis_cmds,
    device_cmds,
    interop_cmds,
    train_cmds,
)
from qmoe.cli.common import cli
from qmoe.errors import QmoeError
from qmoe.train.determinism import prepare_process

__all__ = ["cli", "main", "run"]


def run(argv: list[str] | None = None) -> int:
    """Run `qmoe-host` with `argv` (default: the process's arguments); return the exit status.

    Bad input (any QmoeError, the one root of qmoe's and qmoe_codegen's errors; click's usage
    errors) prints `error: ...` and returns 2; a file the system refuses to read or write
    (permissions, a full disk) is said the same way, naming the file, rather than as a traceback.
    Torch and MKL are asked for their portable kernels first (qmoe.train.determinism).
    """
    prepare_process()
    try:
        rv = cli.main(args=argv, prog_name="qmoe-host", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except QmoeError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except OSError as exc:
        if exc.filename is None:
            raise
        click.echo(f"error: {exc.filename}: {exc.strerror or exc}", err=True)
        return 2
    return rv if isinstance(rv, int) else 0


def main() -> None:
    sys.exit(run())
