# planflow: `make run` starts the embedded default, `make test` runs the suite on SQLite and on
# PostgreSQL + Redis. Each target creates .venv with $(PYTHON) when it is missing and reinstalls
# the pinned requirements only when the requirements file is newer than its stamp in .venv.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --no-input
ARGS   ?=

RUNTIME_STAMP := $(VENV)/.stamp-requirements
DEV_STAMP     := $(VENV)/.stamp-requirements-dev

.DEFAULT_GOAL := help
.PHONY: help run test lint format bench venv venv-dev

help:
	@echo "make run     start web + Celery worker + Celery beat on the embedded default (SQLite, no servers)"
	@echo "make test    pytest on SQLite, then on PostgreSQL + Redis (ARGS=\"-k foo\" goes to pytest)"
	@echo "make lint    ruff check + makemigrations --check --dry-run"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make bench   every bench/*.py against PostgreSQL"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt $(RUNTIME_STAMP)
	$(PIP) install -r requirements-dev.txt
	@touch $@

venv: $(RUNTIME_STAMP)
venv-dev: $(DEV_STAMP)

run: $(RUNTIME_STAMP)
	$(PY) scripts/run.py

test: $(DEV_STAMP)
	bash scripts/test.sh $(ARGS)

lint: $(DEV_STAMP)
	@status=0; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "ruff check ."; $(VENV)/bin/ruff check . || status=1; \
	echo "manage.py makemigrations --check --dry-run"; \
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL PLANFLOW_VAR_DIR=$$tmp \
	  DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run || status=1; \
	exit $$status

format: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(RUNTIME_STAMP)
	bash scripts/bench.sh $(ARGS)
