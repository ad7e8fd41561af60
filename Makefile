# costline: the two commands of the README are `make run` and `make test`.
# Each creates .venv from requirements.lock on first use (Python >= 3.11 needed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
INPUT ?= data/sample
OUTPUT ?= out
# One Dagster instance for `make run` and `make dev` (run history, schedule and sensor state),
# configured by the project's dagster.yaml. A plain assignment: an exported DAGSTER_HOME of the
# shell does not redirect it (and never gets its dagster.yaml overwritten); pass
# `make run DAGSTER_HOME=/path` to use another folder.
DAGSTER_HOME := $(CURDIR)/.dagster_home
DAGSTER_HOST ?= 127.0.0.1
DAGSTER_PORT ?= 3000

.PHONY: install dagster-home check-defs run test lint fmt dev lock sample validate-sample benchmark clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "costline needs Python >= 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

dagster-home:  ## the instance folder with the project's dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

run: install dagster-home  ## the main job on data/sample (or INPUT=... OUTPUT=...), recorded in the instance
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/costline run --input $(INPUT) --output $(OUTPUT)

test: install  ## lint, then every test (the official FOCUS validator gets its own venv)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint sql/ --processes 0
	$(MAKE) --no-print-directory check-defs
	bash scripts/focus_validator_env.sh
	bash scripts/ensure_chromium.sh
	$(BIN)/pytest

lint: install  ## ruff on the Python, sqlfluff (.sqlfluff) on the SQL models, the definitions load
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint sql/ --processes 0
	$(MAKE) --no-print-directory check-defs

# The load check `dg check defs` makes. dagster-dg-cli has no release for our dagster (1.13.28;
# its newest pins 1.13.27 and would move dagster and protobuf back), so the same check runs
# through the installed dagster: every definition loads and validates.
check-defs: install dagster-home
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster definitions validate -m pipelines.definitions

fmt: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# `exec`: the shell make starts becomes `dagster dev` itself, so Ctrl-C and SIGTERM (which make
# passes on to its child) reach it directly and it stops the webserver, daemon and code server it
# started. It runs in $(DAGSTER_HOME), the folder of the dagster.yaml it uses (from the project
# folder Dagster warns that ./dagster.yaml is not read); -d loads the code from the project.
dev: install dagster-home  ## Dagster UI and daemon on the same instance as `make run`
	cd $(DAGSTER_HOME) && exec env DAGSTER_HOME=$(DAGSTER_HOME) \
		$(CURDIR)/$(BIN)/dagster dev -m pipelines.definitions -d $(CURDIR) \
		--host $(DAGSTER_HOST) --port $(DAGSTER_PORT)

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

sample: install  ## regenerate data/sample: logs and catalog, then invoices from the priced logs
	$(BIN)/costline generate --output data/sample --force
	$(BIN)/costline run --input data/sample --output $(OUTPUT)
	$(BIN)/python -m pipelines.lib.sample.invoices --warehouse $(OUTPUT)/warehouse.duckdb --input data/sample

benchmark: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(OUTPUT) $(DAGSTER_HOME)
