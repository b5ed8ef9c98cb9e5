# Otinish Desk. `make run` and `make test` work on a fresh machine with Python 3.11+ and make.

SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# `make run PORT=8080` (or HOST=0.0.0.0 to listen beyond this machine).
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist): one per core by default; PYTEST_WORKERS=0 runs in this process.
PYTEST_WORKERS ?= auto

.PHONY: help install run migrate seed seed-national test test-browser lint format bench load messages clean

help:
	@echo "make run     - install, migrate, load the demo once, run the web server and a Celery worker (PORT=8000)"
	@echo "make test    - run the test suite (SQLite and the embedded broker unless DATABASE_URL/CELERY_BROKER_URL say otherwise)"
	@echo "make lint    - ruff"
	@echo "make bench   - benchmarks against PostgreSQL (see BENCHMARKS.md); BENCH_APPEALS=100000 for a smaller dataset"
	@echo "make seed-national - load the national dataset (a million appeals) into DATABASE_URL (PostgreSQL)"
	@echo "make load    - 50 employees for 60 s against gunicorn on loopback (DATABASE_URL=postgres://..., see BENCHMARKS.md)"
	@echo "make messages - rebuild the translation catalogues (needs gettext)"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12… or python3)."; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --no-input

seed: migrate
	$(PY) manage.py seed_demo --if-empty

run: seed
	$(PY) manage.py rundev $(HOST):$(PORT)

# --dist loadgroup: the tests of one xdist_group share a worker (the scratch streaming replica starts once).
test: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-browser: $(STAMP)
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -m browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(VENV)/bin/ruff format .

load: $(STAMP)
	PY=$(PY) benchmarks/load.sh

messages: $(STAMP)
	$(PY) manage.py makemessages -l kk -l ru --ignore=.venv --ignore=var --ignore=staticfiles --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/otinish_bench
BENCH_APPEALS ?= 1000000

bench: $(STAMP)
	@psql "$(BENCH_DATABASE_URL)" -c "select 1" >/dev/null 2>&1 || createdb "$$(basename $(BENCH_DATABASE_URL))" \
		-h 127.0.0.1 -U postgres 2>/dev/null || true
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} $(PY) benchmarks/run.py --appeals $(BENCH_APPEALS)

seed-national: migrate
	$(PY) manage.py seed_demo --national --appeals $(BENCH_APPEALS)

clean:
	rm -rf var staticfiles .pytest_cache .ruff_cache
