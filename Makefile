# qmoe: `make demo` runs the main job on the built-in data, `make test` runs the test suite.
# Both set up a virtual environment in .venv first (once; again when pyproject.toml changes).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup toolchains demo test lint bench fuzz clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,tflite]'
	touch $(STAMP)

setup: $(STAMP)

# Cross compilers and QEMU for the boards that run here (apt-get, needs root or sudo). Where they
# cannot be installed the board tests skip and say why.
toolchains:
	@bash tools/setup-toolchains.sh || echo "warning: cross toolchains/QEMU not installed; board tests will skip"
	@bash tools/setup-micropython.sh || echo "warning: MicroPython build dependencies not installed"

demo: setup toolchains
	$(BIN)/qmoe-host demo --out runs/demo --data-dir data/builtin

test: setup toolchains
	$(BIN)/ruff check host codegen tests bench tools
	bash tools/check-c-format.sh
	$(BIN)/python -m pytest -q

# ruff for Python; .clang-format (clang-format-14) for our C, not third_party/.
lint: setup
	$(BIN)/ruff check host codegen tests bench tools
	bash tools/check-c-format.sh

bench: setup
	$(BIN)/python bench/cv_variants.py

# libFuzzer harnesses of the firmware's protocol and app (tests/fuzz/, docs/reliability.md): 60 s
# per target; `bench/fuzz_protocol.py` is the 10^7-execution run.
fuzz: setup toolchains
	$(BIN)/python tools/fuzz.py --seconds 60

clean:
	rm -rf runs data/builtin build .pytest_cache
