# Two commands: `make demo` and `make test`. Each sets up .venv from the registries first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench templates docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/xlmon demo demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_consolidate.py
	$(BIN)/python benchmarks/bench_bureau.py
	$(BIN)/python benchmarks/bench_server.py

templates: $(STAMP)
	$(BIN)/python -m xlmon.templates workbook_templates

docs: $(STAMP)
	$(BIN)/python -m xlmon.docs docs/diagnostics.md

clean:
	rm -rf $(VENV) demo
