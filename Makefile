# costline: the two commands of the README are `make run` and `make test`.
# Each creates .venv from requirements.lock on first use (Python >= 3.11 needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
INPUT ?= data/sample
OUTPUT ?= out

.PHONY: install run test lint fmt dev lock sample validate-sample benchmark clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "costline needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

run: install  ## the main job on data/sample (or INPUT=... OUTPUT=...)
	$(BIN)/costline run --input $(INPUT) --output $(OUTPUT)

test: install  ## lint, then every test (the official FOCUS validator gets its own venv)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bash scripts/focus_validator_env.sh
	bash scripts/ensure_chromium.sh
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

dev: install  ## Dagster UI with the local instance of dagster.yaml
	mkdir -p .dagster_home && cp dagster.yaml .dagster_home/dagster.yaml
	DAGSTER_HOME=$(CURDIR)/.dagster_home $(BIN)/dagster dev -m pipelines.definitions

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

sample: install  ## regenerate data/sample: logs and catalog, then invoices from the priced logs
	$(BIN)/costline generate --out data/sample
	$(BIN)/costline run --input data/sample --output $(OUTPUT)
	$(BIN)/python -m pipelines.lib.invoices.sample_invoices --warehouse $(OUTPUT)/warehouse.duckdb --input data/sample

benchmark: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(OUTPUT) .dagster_home
