# The two commands a user needs: `make run` (build the demo warehouse) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
SCALE ?= demo
SEED ?= 42
DATA ?= data
WAREHOUSE ?= $(DATA)/warehouse.duckdb

export DBT_PROFILES_DIR := $(CURDIR)
export SERVICE_OUTCOMES_DB := $(WAREHOUSE)
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: help setup browser run generate load build docs coverage report metrics bench test lint format lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

setup: $(VENV)/.installed  ## create the virtual environment from the pinned requirements
	@mkdir -p $(dir $(WAREHOUSE))

# Headless Chromium for the docs-page browser test, from Debian apt only (nothing downloads at test
# time). Skipped when the packages are installed; as root in CI, through `sudo -n` otherwise.
BROWSER_PACKAGES := chromium chromium-driver fonts-liberation

browser:  ## install Debian's chromium, chromium-driver and a font when missing (for the browser tests)
	@missing=""; for package in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null || { echo "browser: no apt-get; install$$missing by hand" >&2; exit 1; }; \
	  apt="env DEBIAN_FRONTEND=noninteractive apt-get"; \
	  if [ "$$(id -u)" -ne 0 ]; then apt="sudo -n $$apt"; fi; \
	  echo "Installing from Debian apt:$$missing"; \
	  $$apt update -qq >/dev/null; \
	  $$apt install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 $$missing >/dev/null; \
	fi

run: setup generate load build docs report  ## generate the demo data, check and load it, build and document the warehouse
	@echo
	@echo "Warehouse:   $(WAREHOUSE)  (schemas raw_*, staging, intermediate, reference, marts_customer)"
	@echo "Docs:        $(CURDIR)/target/static_index.html  (open in a browser; no server needed)"
	@echo "Landing:     $(DATA)/landing   Quarantine: $(DATA)/quarantine   Ground truth: $(DATA)/truth"

generate: setup  ## write the simulated exports (SCALE=ci|100k|demo|1m|10m, SEED=n)
	$(BIN)/service-outcomes generate --scale $(SCALE) --seed $(SEED) --landing $(DATA)/landing --truth $(DATA)/truth

load: setup  ## check the landed files and load them into DuckDB
	$(BIN)/service-outcomes load --landing $(DATA)/landing --quarantine $(DATA)/quarantine --database $(WAREHOUSE)

build: setup  ## dbt source freshness, then dbt build: seeds, snapshots, models, data tests and unit tests
	$(BIN)/dbt source freshness --quiet --no-use-colors
	$(BIN)/dbt build --no-use-colors

docs: setup  ## generate the dbt docs as one self-contained page
	$(BIN)/dbt docs generate --static --quiet --no-use-colors

coverage: setup  ## documentation and test coverage of every mart column (dbt-coverage; after build)
	$(BIN)/dbt docs generate --quiet --no-use-colors
	$(BIN)/dbt-coverage compute doc --model-path-filter models/marts/ --cov-report target/coverage-doc.json
	$(BIN)/dbt-coverage compute test --model-path-filter models/marts/ --cov-report target/coverage-test.json

report: setup  ## print the headline outcomes from the marts
	$(BIN)/service-outcomes report --database $(WAREHOUSE)

metrics: setup  ## the board's saved query through the MetricFlow semantic layer (after build)
	$(BIN)/mf query --saved-query board_customer_outcomes_monthly

BENCH_SCALES ?= 100k

bench: setup  ## time generate, load and dbt build per scale against a SQL baseline (BENCH_SCALES="100k 1m")
	$(BIN)/service-outcomes bench --scale $(BENCH_SCALES) --root $(DATA)/bench

lint: setup  ## ruff and sqlfluff (sqlfluff compiles against a scratch DuckDB file, not the warehouse)
	$(BIN)/ruff check src tests/python
	$(BIN)/ruff format --check src tests/python
	mkdir -p target
	SERVICE_OUTCOMES_DB=target/lint.duckdb $(BIN)/sqlfluff lint models tests/integrity analyses

format: setup  ## apply ruff and sqlfluff fixes
	$(BIN)/ruff format src tests/python
	$(BIN)/ruff check --fix src tests/python
	mkdir -p target
	SERVICE_OUTCOMES_DB=target/lint.duckdb $(BIN)/sqlfluff fix models tests/integrity analyses

test: setup browser lint  ## everything that proves the project works (unit, integration, end-to-end vs ground truth)
	$(BIN)/python -m pytest

lock:  ## re-resolve requirements.txt from requirements.in
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Pinned from requirements.in with 'make lock' (python 3.11)."; .venv-lock/bin/pip freeze; } > requirements.txt
	rm -rf .venv-lock

clean:  ## remove generated data, dbt artefacts and the environment
	rm -rf $(DATA) target logs artifacts $(VENV)
