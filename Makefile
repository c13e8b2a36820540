# Two commands for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench demo documents clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	.ci/system-packages
	$(BIN)/vanthu run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/vanthu demo --out out/demo

# Page 1 and the last page of each kind of the demo's documents as PNG (see docs/documents/).
documents: $(STAMP)
	$(BIN)/python -m service.documents.screenshots --out docs/documents

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var out
