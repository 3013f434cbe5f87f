# The two commands: `make run` (set up, then run the main job) and `make test` (set up, then test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstalled when pyproject.toml or the lock changes. The lock pins every package (`make lock`
# makes it again from pyproject.toml); pyproject.toml keeps the ranges, with upper bounds where
# dondoc relies on a package's internals.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements.lock | cksum | cut -d' ' -f1)
AS_OF ?=

.PHONY: setup run demo stop test lint lock bench bench-scale docs reliability clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# The main job: a real Prefect server (var/prefect, its own SQLite), the plan, the portal and the
# served deployments in the background with the alert automations, one sweep now (or AS_OF), the
# board, and every body's check (overdue work red in the Prefect UI). `make stop` ends them.
# The plans are followed up from today (or AS_OF's day): what fell due before is shown, not sent.
run: export PREFECT_HOME := $(CURDIR)/var/prefect
run: export PREFECT_API_URL := http://127.0.0.1:4200/api
run: export DONDOC_PORTAL_URL ?= http://127.0.0.1:8080
run: setup
	$(BIN)/dondoc local server
	$(BIN)/dondoc init $(if $(AS_OF),--notify-since $(firstword $(subst T, ,$(AS_OF))))
	$(BIN)/dondoc directory import config/directory.example.csv
	$(BIN)/dondoc directory import config/directory.successors.example.csv
	$(BIN)/dondoc schedule
	$(BIN)/dondoc sweep $(if $(AS_OF),--as-of $(AS_OF))
	$(BIN)/dondoc status $(if $(AS_OF),--as-of $(AS_OF))
	$(BIN)/dondoc local apps
	$(BIN)/dondoc check $(if $(AS_OF),--as-of $(AS_OF))
	@$(BIN)/dondoc local summary

# A replayed half-year (the second half of 2025, or FROM=YYYY-MM-DD TO=YYYY-MM-DD) on a home of its
# own, made afresh (var/demo), then the portal and the served deployments on it, as `make run`, and
# the body checks of the last day replayed (the Prefect UI's red runs).
demo: FROM ?= 2025-07-01
demo: TO ?= 2025-12-31
demo: export DONDOC_HOME := $(CURDIR)/var/demo
demo: export PREFECT_HOME := $(CURDIR)/var/demo/prefect
demo: export PREFECT_API_URL := http://127.0.0.1:4200/api
demo: export DONDOC_PORTAL_URL ?= http://127.0.0.1:8080
demo: setup stop
	rm -rf var/demo
	$(BIN)/dondoc local server
	$(BIN)/dondoc demo --from $(FROM) --to $(TO)
	$(BIN)/dondoc local apps
	$(BIN)/dondoc check --as-of $(TO)
	@$(BIN)/dondoc local summary

# Whatever `make run` or `make demo` started.
stop:
	test ! -x $(BIN)/dondoc || DONDOC_HOME=var $(BIN)/dondoc local stop
	test ! -d var/demo || DONDOC_HOME=var/demo $(BIN)/dondoc local stop

test: setup
	$(BIN)/python -m pytest

# The quality gate CI runs before the tests: lint rules, formatting, types, the import rule.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

lock: setup
	$(BIN)/pip-compile --quiet --no-emit-index-url --no-emit-find-links --extra test --extra dev --strip-extras -o requirements.lock pyproject.toml

bench: setup
	$(BIN)/python -m tools.bench

# Every province's plans on PostgreSQL (DONDOC_BENCH_POSTGRES_URL, default the local server),
# sharded over Prefect workers: SIZE=national (34 provinces, about an hour) or SIZE=ci (3, minutes).
bench-scale: setup
	$(BIN)/python -m tools.bench.scale --size $(or $(SIZE),national) $(if $(ADVISORY),--advisory)

docs: setup
	$(BIN)/python -m tools.docs

# The fault suite's ledger (messages expected, delivered, duplicated, lost) into docs/RELIABILITY.md.
reliability: setup
	DONDOC_RELIABILITY_REPORT=docs/RELIABILITY.md $(BIN)/python -m pytest -q tests/test_faults_delivery.py

clean: stop
	rm -rf $(VENV) var .pytest_cache
