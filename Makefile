# cpanalysis: two commands do everything.
#   make report  -> set up, generate the demo authority, run every notebook, write reports/
#   make test    -> set up, run every test (library, notebooks via nbval, hygiene checks)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := data/raw/demo
# Rule parity with DfE's validator: issue 12's target is 95%; measured 100% (493 of 493) again on
# 5 December 2026 with the floor at 100 (docs/validation_rules.md). CI fails below this floor, so
# any DfE finding lost (outside the documented DfE defects) fails it.
CONFORMANCE_FLOOR ?= 100

.DEFAULT_GOAL := help
.PHONY: help setup report test test-fast lint clean demo bench conformance

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "} {printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv and install the package with its dev extra

demo: $(STAMP) ## Generate the synthetic demo authority into data/raw/demo
	$(BIN)/cpanalysis demo --out $(DEMO)

report: demo ## Set up, generate the demo authority, run all notebooks, write reports/
	$(BIN)/cpanalysis run --data $(DEMO)/903 --out reports

test: $(STAMP) ## Run every test, including the notebooks (nbval) and nbstripout --verify
	$(if $(wildcard notebooks/*.ipynb),$(BIN)/nbstripout --verify $(wildcard notebooks/*.ipynb))
	$(BIN)/python -m pytest tests notebooks cpanalysis --doctest-modules --nbval-lax --nbval-current-env -p no:cacheprovider

test-fast: $(STAMP) ## Library tests and doctests, without notebooks and the tests marked slow (report packs, browser)
	$(BIN)/python -m pytest tests cpanalysis --doctest-modules -x -q -m "not slow" -p no:cacheprovider

lint: $(STAMP) ## ruff over the package and tests
	$(BIN)/ruff check cpanalysis tests benchmarks

bench: $(STAMP) ## Benchmarks (seconds and peak memory; not part of make test)
	$(BIN)/python benchmarks/bench_indicators.py
	$(BIN)/python benchmarks/bench_pipeline.py
	$(BIN)/python benchmarks/bench_cli.py

conformance: $(STAMP) ## Rule parity with DfE's validator, and the demo within 1% of its issues (installs it into .venv-dfe-validator/; needs PyPI)
	$(BIN)/python benchmarks/dfe_validator_conformance.py --target $(CONFORMANCE_FLOOR)
	$(BIN)/python benchmarks/dfe_rule_fields.py
	$(BIN)/python benchmarks/demo_dfe_validity.py --seeds 1 2

clean: ## Remove the venv, generated data and reports
	rm -rf $(VENV) data/processed/* data/raw/demo reports/* .pytest_cache
	@touch data/processed/.gitkeep reports/.gitkeep
