# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint docs clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Seed a demo network into an empty store (CASELEDGER_DATA_DIR, default ./var) and print its stats.
run: $(STAMP)
	$(BIN)/caseledger demo --if-empty
	$(BIN)/caseledger stats

## Lint, type-check, check the layers, and run the whole suite (slow drills included).
test: $(STAMP) lint
	$(BIN)/pytest

## The suite without the slow drills, for the edit-test loop.
test-fast: $(STAMP) lint
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Regenerate the generated parts of docs/ (a test fails when they are stale).
docs: $(STAMP)
	$(BIN)/python -m api.catalog > docs/events.md

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
