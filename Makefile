# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make demo PORT=8080 (or LEDGER_PORT=8080 make demo); STORE= / LEDGER_STORE= likewise.
STORE ?= $(or $(LEDGER_STORE),sqlite:///./ledger.sqlite3)
HOST ?= $(or $(LEDGER_HOST),127.0.0.1)
PORT ?= $(or $(LEDGER_PORT),8000)

.PHONY: demo test install lint schema bench bench-setup mutation screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## make demo: install, load the demo organisation, print tokens, serve GraphQL on :8000
demo: $(STAMP)
	$(BIN)/ledger demo load --store "$(STORE)"
	$(BIN)/ledger demo tokens --store "$(STORE)" --host $(HOST) --port $(PORT)
	$(BIN)/ledger serve --store "$(STORE)" --host $(HOST) --port $(PORT)

## make test: install, lint, check the exported schema, run the tests
test: $(STAMP)
	$(BIN)/ruff check src projections tests bench
	$(BIN)/ruff format --check src projections tests bench
	$(BIN)/ledger schema --check
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src projections tests bench
	$(BIN)/ruff format --check src projections tests bench

schema: $(STAMP)
	$(BIN)/ledger schema

## make mutation (optional): mutation testing of domain/rules against tests/rules, with the score
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,mutation]"
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 || true
	$(BIN)/mutmut results --all true | $(BIN)/python tools/mutation_score.py

## make screenshots: docs/screenshots/*.png of each web page on the demo data (needs chromium)
screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

## make bench-setup: wrk, the load generator of bench/throughput.py (Debian's package)
bench-setup:
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

bench: $(STAMP) bench-setup
	$(BIN)/python bench/commands.py
	$(BIN)/python bench/queries.py
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/rebuild.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache mutants
