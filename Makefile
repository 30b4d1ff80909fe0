# The two commands a new user needs (README, first screen):
#   make demo   - set up, create a sample local workspace and run a real sync on it
#   make test   - set up, then lint, type-check and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= sheetsync-demo

.PHONY: demo test lint typecheck unit bench clean

$(BIN)/sheetsync: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "sheetsync needs Python 3.10 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: $(BIN)/sheetsync
	$(BIN)/sheetsync demo $(DEMO)

test: lint typecheck unit

lint: $(BIN)/sheetsync
	$(BIN)/ruff check sheetsync tests benchmarks

typecheck: $(BIN)/sheetsync
	$(BIN)/mypy

unit: $(BIN)/sheetsync
	$(BIN)/python -m pytest

bench: $(BIN)/sheetsync
	$(BIN)/python benchmarks/sync_benchmark.py

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache .mypy_cache .ruff_cache
