# The two commands of the README:
#   make demo   set up the runtime and generate music from a shipped model and seed
#   make test   set up everything the tests need and run the whole test suite
#   make plugin build the LV2 plugin (packaging/lv2/build/lv2/rnnmusic.lv2; `make -C packaging/lv2 install` copies it to ~/.lv2)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: demo test lint plugin setup-runtime setup-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# The one torch release the test suite is run with (here and in CI, which runs `make test`); it must
# lie in the supported range of pyproject.toml's train extra (tests/unit/core/test_torch_pin.py checks).
# It is installed on its own first, pinned, so pip takes the CPU build found on the development
# machines instead of pulling a multi-GB CUDA build.
TORCH_TESTED := 2.13.0

setup-dev: $(BIN)/python
	$(BIN)/python -m pip install -q torch==$(TORCH_TESTED)
	$(BIN)/python -m pip install -q -e '.[dev]'

setup-runtime: $(BIN)/python
	$(BIN)/python -m pip install -q -e .

demo: setup-runtime
	@mkdir -p $(OUT)
	$(BIN)/rnnmusic generate examples/seed_folk.mid --model folk --bars 16 --seed 1 -o $(OUT)/folk.mid --plot $(OUT)/folk.png
	$(BIN)/rnnmusic generate examples/seed_chorale.mid --model chorale --bars 8 --seed 1 -o $(OUT)/chorale.mid --plot $(OUT)/chorale.png

plugin:
	$(MAKE) -C packaging/lv2

# ruff (style and likely bugs) and mypy (types), both configured in pyproject.toml; CI runs this first
lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup-dev plugin
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info packaging/lv2/build
