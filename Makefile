# Siaga — the two commands: `make run` (demo on this machine) and `make test` (the whole suite).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin

# Django 6 needs Python 3.12 or newer: take the first one found.
PYTHON ?= $(shell for c in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3 python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; break; fi; done)

.PHONY: install run test lint test-python test-browser messages openapi clean

$(BIN)/.installed: pyproject.toml requirements/lock.txt
	@if [ -z "$(PYTHON)" ]; then echo "Siaga needs Python 3.12 or newer (Django 6); none was found. Set PYTHON=/path/to/python3.12." >&2; exit 1; fi
	@echo "Using $(PYTHON)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/lock.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/siaga migrate --noinput
	$(BIN)/siaga load_demo
	$(BIN)/siaga run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy siaga
	$(BIN)/siaga makemigrations --check --dry-run

# One test process per core (pytest-xdist); each has its own database, folders and Redis database
# (see TEST_WORKER in siaga/settings.py). sys.monitoring makes coverage cheap on Python 3.12+.
TEST_WORKERS ?= auto
test-python: install
	COVERAGE_CORE=sysmon $(BIN)/pytest -n $(TEST_WORKERS) --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

test: lint test-python

test-browser: install
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# Rebuild the Indonesian catalogue after changing strings (needs GNU gettext's xgettext).
messages: install
	cd siaga && ../$(BIN)/siaga makemessages --locale id --ignore "*/tests/*"
	$(BIN)/python -m siaga.core.i18n compile  # from the top: in siaga/, siaga/celery.py hides Celery

openapi: install
	$(BIN)/siaga export_openapi > docs/openapi.json

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .coverage
