# newsroom — `make run` serves the demo site, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

# The first Python >= 3.12 on the PATH (Django 6.1 needs it). With pyenv, the
# .python-version file in this folder selects 3.13.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	echo $$p; break; fi; done)

.PHONY: help run test test-postgres bench bench-scale lint setup demo clean

help:
	@echo "make run    set up and serve the demo site at http://127.0.0.1:$(PORT)"
	@echo "make test   set up and run every test"
	@echo "make lint   ruff and a check for missing migrations"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "newsroom needs Python 3.12 or newer, and none was found on the PATH."; \
		echo "Install Python 3.13 (e.g. 'pyenv install 3.13', or your system's python3.13 package) and run make again."; \
		exit 1; fi
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The HTML checker (vnu-jar) and axe-core for the validity and accessibility tests,
# pinned in package-lock.json; only `make test` needs them (Node's npm, Java 17).
# --ignore-scripts: vnu-jar's install script would fetch a Java runtime of its own.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

setup: $(BIN)/.installed

demo: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_demo_wire
	$(BIN)/python manage.py load_demo_comments

run: demo
	@echo "Serving newsroom at http://127.0.0.1:$(PORT)/  (admin: /admin/, demo accounts editor / writer / moderator, password newsroom-demo)"
	PORT=$(PORT) $(BIN)/gunicorn -c newsroom/gunicorn.conf.py newsroom.wsgi

test: setup node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var .pytest_cache

# The reader's pages, comment storm, breaking news and worker memory on 10,000 stories
# (newsroom/bench/); e.g. BENCH_ARGS="--quick" or "--scenario storm".
bench: setup
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m newsroom.bench $(BENCH_ARGS)

# Lists and search at a million stories on PostgreSQL (127.0.0.1:5432; see newsroom/bench_scale.py).
bench-scale: setup
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m newsroom.bench_scale
