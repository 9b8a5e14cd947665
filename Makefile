# revops: `make demo` runs the whole job end to end; `make test` runs every gate.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Lint compiles models through dbt: keep its database out of the way.
LINT_DB := target/lint.duckdb

.PHONY: install install-spark install-metricflow demo test lint unit integration test-postgres test-spark test-metricflow format clean bench

# The package's bytecode is written once (this sandbox sets PYTHONDONTWRITEBYTECODE): a
# cold `revops query` is then about importing DuckDB and one query.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q revops_cli
	touch $(STAMP)

install: $(STAMP)

SPARK_STAMP := $(VENV)/.installed-spark
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

install-spark: $(SPARK_STAMP)

MF_STAMP := $(VENV)/.installed-metricflow
$(MF_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,metricflow]'
	touch $(MF_STAMP)

install-metricflow: $(MF_STAMP)

demo: install
	$(BIN)/revops demo

lint: install
	$(BIN)/ruff check revops_cli tests
	$(BIN)/ruff format --check revops_cli tests
	$(BIN)/mypy
	# REVOPS_LINT_ALL_ADAPTERS: compile (and lint) every adapter, not only the configured ones
	mkdir -p target && REVOPS_LINT_ALL_ADAPTERS=1 REVOPS_DUCKDB_PATH=$(LINT_DB) $(BIN)/sqlfluff lint models tests/dbt

# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
# REVOPS_TEST_POSTGRES=1 and REVOPS_TEST_SPARK=1 (both set by .ci/run) add the engine lanes.
test: lint
	$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc
	if [ "$${REVOPS_TEST_POSTGRES:-0}" = 1 ]; then $(MAKE) --no-print-directory test-postgres; fi
	if [ "$${REVOPS_TEST_SPARK:-0}" = 1 ]; then $(MAKE) --no-print-directory test-spark; fi
	if [ "$${REVOPS_TEST_METRICFLOW:-0}" = 1 ]; then $(MAKE) --no-print-directory test-metricflow; fi

unit: install
	$(BIN)/python -m pytest tests/unit

integration: install
	$(BIN)/python -m pytest tests/integration

# The same project on PostgreSQL, compared with DuckDB: installs PostgreSQL (Debian) when
# absent, starts a throwaway cluster, builds, compares, stops it (scripts/pg_lane.sh).
# REVOPS_ENGINE_SELECT narrows the builds to a dbt selection.
test-postgres: install
	bash scripts/pg_lane.sh run --durations=5

# The same project on a local Spark (dbt-spark session method, PySpark 4, Java 17),
# compared with DuckDB. Spark writes its metastore and tables under a temporary folder.
test-spark: install-spark
	TZ=UTC REVOPS_TEST_SPARK=1 $(BIN)/python -m pytest tests/engines/test_spark.py --durations=5

# MetricFlow on the Semantic Layer export of the demo (seed 7), metric by metric and by a
# dimension, equal to revops query; mf validate-configs with warehouse checks first.
MF_DB := target/metricflow_lane.duckdb
test-metricflow: install-metricflow
	rm -f $(MF_DB)
	$(BIN)/revops generate --seed 7 --scale 1 --database $(MF_DB) > /dev/null
	$(BIN)/revops build --database $(MF_DB) --skip-checks --format json > /dev/null
	$(BIN)/python scripts/metricflow_lane.py --database $(MF_DB)

format: install
	$(BIN)/ruff format revops_cli tests
	$(BIN)/ruff check --fix revops_cli tests

# Speed and memory of generate + build, and the metric engine's targets (not a test):
# SCALES=1,20 is 5,000 then 100,000 leads.
bench: install
	$(BIN)/python -m revops_cli.bench --scales $${SCALES:-1,20}

clean:
	rm -rf $(VENV) target logs revops.duckdb .pytest_cache .mypy_cache .ruff_cache
