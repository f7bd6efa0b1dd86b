# Two commands do all set-up: `make run` (demo on SQLite) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test lint install clean bench

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Every benchmark of docs/performance.md (needs PostgreSQL and Redis; takes a few minutes).
bench: install
	$(BIN)/python bench/run_all.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache test-artifacts
