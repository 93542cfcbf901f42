# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test processes; 2 cores on our machines.
TEST_WORKERS ?= auto

.PHONY: run test setup lint typecheck pytest clean bench

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the locked dependencies into $(VENV) ..."
	@$(BIN)/python -m pip install --disable-pip-version-check -q --require-hashes --no-deps -r requirements.lock
	@$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	STINT_DEBUG=1 STINT_BASE_URL=http://$(HOST):$(PORT) $(BIN)/stint demo
	STINT_DEBUG=1 STINT_BASE_URL=http://$(HOST):$(PORT) $(BIN)/stint serve --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: setup
	$(BIN)/mypy

# Tests use their own data folder and their own databases (created and dropped by pytest-django).
pytest: setup
	@mkdir -p var/test
	STINT_DEBUG=1 STINT_DATA_DIR=$(CURDIR)/var/test $(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) var/test .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (not tests): generate the 1M-record databases once (var/bench/ and PostgreSQL `stint_bench`), then
# measure on both. BENCH_ARGS passes options to bench/run.py (e.g. BENCH_ARGS="--runs 10 --profile"); see bench/RESULTS.md.
BENCH_DBS ?= sqlite postgres
bench: setup
	@for db in $(BENCH_DBS); do \
		$(BIN)/python bench/generate.py --db $$db --if-missing && \
		$(BIN)/python bench/run.py --db $$db $(BENCH_ARGS) || exit 1; \
	done
