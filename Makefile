# The two commands of the README: `make run` and `make test`. Each sets up what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test test-fast lint docs screenshots bench bench-quick fuzz clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Seed a demo network into an empty store (CASELEDGER_DATA_DIR, default ./var), print its stats and a one-time
## sign-in link for the north coordinator's web pages, then serve the HTTP API and the pages on 127.0.0.1:8000
## (HOST/PORT to change) with an administrator token.
HOST ?= 127.0.0.1
PORT ?= 8000
run: $(STAMP)
	$(BIN)/caseledger demo --if-empty
	$(BIN)/caseledger stats
	@echo "web pages: http://$(HOST):$(PORT)/ - the north coordinator's sign-in link (one use, 15 minutes):"
	@$(BIN)/caseledger token link --role coordinator --region north --subject coord-north --host $(HOST) --port $(PORT)
	$(BIN)/caseledger serve --host $(HOST) --port $(PORT)

## Lint, type-check, check the layers, and run the whole suite (slow drills included) on SQLite and on a
## throw-away PostgreSQL cluster (its server packages are installed when missing and possible). A missing
## component skips its tests with the reason; under CI=true (`.ci/run`) it fails the run in one line.
test: $(STAMP) lint
	@scripts/install-postgres || echo "PostgreSQL's server packages could not be installed: its runs skip (under CI=true: the run fails)" >&2
	@scripts/install-chromium || echo "chromium could not be installed: the browser tests skip (under CI=true: the run fails)" >&2
	$(BIN)/pytest -n 2 --dist loadfile

## The suite without the slow drills, for the edit-test loop.
test-fast: $(STAMP) lint
	$(BIN)/pytest -n 2 --dist loadfile -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Regenerate the generated parts of docs/ (a test fails when they are stale).
docs: $(STAMP)
	$(BIN)/python -m api.catalog > docs/events.md
	$(BIN)/python -m api.route_catalog > docs/api-routes.md
	$(BIN)/python -m api.event_schemas > /dev/null

## PNG screenshots of the main web pages, from a demo store, into docs/screenshots/ (the README shows the dashboard).
screenshots: $(STAMP)
	@scripts/install-chromium
	$(BIN)/python -m tests.browser.screenshots

## Benchmarks, each figure against its baseline in the same run: one table, printed, written to
## benchmarks/results/latest.json and into docs/performance.md. bench-quick: small sizes, under 2 minutes.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.suite

bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks.suite --quick

## Fuzz the OpenAPI document with schemathesis, as an administrator and as the north coordinator, on a demo
## store served from a temporary directory: no 5xx, no response outside its schema, no undocumented status.
FUZZ_ARGS ?=
fuzz: $(STAMP)
	$(BIN)/python -m tests.e2e.openapi_fuzz $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .hypothesis
