# The two commands a user needs: `make run` (build the demo warehouse) and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
SCALE ?= demo
SEED ?=
DATA ?= data
WAREHOUSE ?= $(DATA)/warehouse.duckdb

export DBT_PROFILES_DIR := $(CURDIR)
export SERVICE_OUTCOMES_DB := $(WAREHOUSE)
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: help setup browser java test-spark run generate load build docs coverage report site site-deps metrics bench test lint format lock clean

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

# Java for the Spark engine test (PySpark runs Spark in a local JVM; Spark 4 needs Java 17 or
# later), from Debian apt only when no `java` is on the PATH; as root, or through `sudo -n`.
java:  ## install Debian's openjdk-17-jre-headless when java is missing (for the Spark engine test)
	@if ! command -v java >/dev/null; then \
	  command -v apt-get >/dev/null || { echo "java: no apt-get; install Java 17 by hand" >&2; exit 1; }; \
	  apt="env DEBIAN_FRONTEND=noninteractive apt-get"; \
	  if [ "$$(id -u)" -ne 0 ]; then apt="sudo -n $$apt"; fi; \
	  echo "Installing from Debian apt: openjdk-17-jre-headless"; \
	  $$apt update -qq >/dev/null; \
	  $$apt install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 openjdk-17-jre-headless >/dev/null; \
	fi

run: setup generate load build docs site report  ## generate the demo data, check and load it, build and document the warehouse, build the report site
	@echo
	@echo "Warehouse:   $(WAREHOUSE)  (schemas raw_*, staging, intermediate, reference, marts_*, snapshots)"
	@echo "Docs:        $(CURDIR)/target/static_index.html  (open in a browser; no server needed)"
	@echo "Report site: cd $(REPORTS) && NO_UPDATE_CHECK=1 npx serve build -l $(SITE_PORT)   then http://localhost:$(SITE_PORT)/"
	@echo "Landing:     $(DATA)/landing   Quarantine: $(DATA)/quarantine   Ground truth: $(DATA)/truth"

generate: setup  ## write the simulated exports (SCALE=ci|100k|demo|1m|10m, SEED=n)
	$(BIN)/service-outcomes generate --scale $(SCALE) $(if $(SEED),--seed $(SEED)) --landing $(DATA)/landing --truth $(DATA)/truth

load: setup  ## check the landed files and load them into DuckDB
	$(BIN)/service-outcomes load --landing $(DATA)/landing --quarantine $(DATA)/quarantine --database $(WAREHOUSE)

build: setup  ## dbt source freshness of the feeds loaded so far, then dbt build: seeds, snapshots, models, data tests and unit tests
	sources="$$($(BIN)/service-outcomes loaded-sources --database $(WAREHOUSE))"; \
	if [ -n "$$sources" ]; then $(BIN)/dbt source freshness --quiet --no-use-colors --select $$sources; \
	else echo "dbt source freshness: nothing loaded yet"; fi
	$(BIN)/dbt build --no-use-colors

docs: setup  ## generate the dbt docs as one self-contained page
	$(BIN)/dbt docs generate --static --quiet --no-use-colors

coverage: setup  ## documentation and test coverage of every mart column (dbt-coverage; after build)
	$(BIN)/dbt docs generate --quiet --no-use-colors
	$(BIN)/dbt-coverage compute doc --model-path-filter models/marts/ --cov-report target/coverage-doc.json
	$(BIN)/dbt-coverage compute test --model-path-filter models/marts/ --cov-report target/coverage-test.json

report: setup  ## print the headline outcomes from the marts
	$(BIN)/service-outcomes report --database $(WAREHOUSE)

# The board report site (Evidence, reports/). Node.js and npm come from Debian apt when missing
# (Debian 12 ships Node 18.20, which Evidence 40 supports); the npm install is the only step using the
# network (the npm registry), and reruns only when the lock file or a patch changes. Sources and
# build then run offline: the figures are exported from the marts into reports/data/site.duckdb
# (the site's DuckDB 1.x cannot open the warehouse file written by DuckDB 2.x).
REPORTS := reports
SITE_DATA := $(REPORTS)/data/site.duckdb
SITE_PORT ?= 3000

$(REPORTS)/node_modules/.installed: $(REPORTS)/package.json $(REPORTS)/package-lock.json $(wildcard $(REPORTS)/patches/*.patch)
	@if ! command -v npm >/dev/null; then \
	  command -v apt-get >/dev/null || { echo "site: no npm and no apt-get; install Node.js 18+ and npm" >&2; exit 1; }; \
	  apt="env DEBIAN_FRONTEND=noninteractive apt-get"; \
	  if [ "$$(id -u)" -ne 0 ]; then apt="sudo -n $$apt"; fi; \
	  echo "Installing from Debian apt: nodejs npm"; \
	  $$apt update -qq >/dev/null; \
	  $$apt install -y -qq --no-install-recommends -o Dpkg::Use-Pty=0 nodejs npm >/dev/null; \
	fi
	@# not `npm ci`: the registry reachable here lacks the other platforms' optional DuckDB
	@# bindings, so the lock cannot list them and npm ci's strict sync check refuses it;
	@# `install --no-save` installs the locked versions and leaves the lock file untouched.
	cd $(REPORTS) && npm install --no-save --no-audit --no-fund --loglevel=error
	touch $@

site-deps: $(REPORTS)/node_modules/.installed  ## install Node.js/npm (apt) and the report site's locked npm packages when missing

site: setup $(REPORTS)/node_modules/.installed  ## build the board report site (Evidence) from the warehouse into reports/build (after build)
	$(BIN)/service-outcomes site-data --database $(WAREHOUSE) --output $(SITE_DATA)
	cd $(REPORTS) && rm -rf .evidence/meta && NO_UPDATE_CHECK=1 npm run --silent sources
	cd $(REPORTS) && NO_UPDATE_CHECK=1 npm run --silent build
	@echo
	@echo "Site:        $(CURDIR)/$(REPORTS)/build  (static files; serve them over HTTP: opened as file:// it shows tables but no charts or links)"
	@echo "Open it:     cd $(REPORTS) && NO_UPDATE_CHECK=1 npx serve build -l $(SITE_PORT)   then http://localhost:$(SITE_PORT)/"
	@echo "             (serve is installed in reports/node_modules, so this works offline;"
	@echo "              or: python3 -m http.server -d $(REPORTS)/build $(SITE_PORT))"

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

test: setup browser site-deps java lint  ## everything that proves the project works (unit, integration, end-to-end vs ground truth)
	$(BIN)/python -m pytest

test-spark: setup java  ## the end-to-end engine tests with every data test and unit test also run on Spark (about an hour)
	SPARK_ALL_TESTS=1 $(BIN)/python -m pytest tests/python/e2e/test_engine_parity.py

lock:  ## re-resolve requirements.txt from requirements.in
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -r requirements.in
	{ echo "# Pinned from requirements.in with 'make lock' (python 3.11)."; .venv-lock/bin/pip freeze; } > requirements.txt
	rm -rf .venv-lock

clean:  ## remove generated data, dbt artefacts and the environment
	rm -rf $(DATA) target logs artifacts $(VENV)
