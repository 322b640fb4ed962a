"""`qmoe-host`: the command line. Each command parses options and calls one function of the API.

common.py          the group, dataset options, helpers
train_cmds.py      data, train, eval, demo (the main job)
device_cmds.py     export, boards, build, flash, measure
analysis_cmds.py   compare, report
"""

from __future__ import annotations

import sys

import click

from qmoe.cli import analysis_cmds, device_cmds, train_cmds  # noqa: F401  (register the commands)
from qmoe.cli.common import cli
from qmoe.errors import QmoeError
from qmoe_codegen.errors import CodegenError

__all__ = ["cli", "main"]


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (QmoeError, CodegenError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
