# The two commands: `make run` (set up, then run the main job) and `make test` (set up, then test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
AS_OF ?=

.PHONY: setup run test bench docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

run: setup
	$(BIN)/dondoc init
	$(BIN)/dondoc directory import config/directory.example.csv
	$(BIN)/dondoc schedule
	$(BIN)/dondoc sweep $(if $(AS_OF),--as-of $(AS_OF))
	$(BIN)/dondoc status $(if $(AS_OF),--as-of $(AS_OF))

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m tests.bench

docs: setup
	$(BIN)/python -m tests.docs

clean:
	rm -rf $(VENV) var .pytest_cache
