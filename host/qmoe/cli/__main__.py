"""`python -m qmoe.cli` is `qmoe-host`."""

from qmoe.cli import main

main()
