# The two set-up commands are `make demo` and `make test`; everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/lms
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0

.PHONY: demo test install system-deps frontend lint bench messages serve worker beat clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# ffmpeg for transcoding, chromium for the browser tests, gettext for translations.
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing from Debian:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install these Debian packages first: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

frontend: node_modules/.installed
	npm run --silent build

demo: install system-deps frontend
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (cabinet: /cabinet/, Wagtail: /cms/, API docs: /api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install system-deps frontend
	@mkdir -p var; $(PY) -m lms.testenv > var/test.env || exit 1; \
	set -a; source var/test.env; set +a; \
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

bench: install system-deps frontend
	@mkdir -p var; $(PY) -m lms.testenv --require > var/bench.env || exit 1; \
	set -a; source var/bench.env; set +a; \
	$(PY) -m bench

messages: install
	for app in lms cms media courses live assessments; do \
	  (cd $$app && ../$(PY) ../manage.py makemessages -l ru -l en --no-obsolete >/dev/null); done
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

worker: install
	$(VENV)/bin/celery -A lms worker -Q default,transcode --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A lms beat --loglevel=INFO

clean:
	rm -rf var/db.sqlite3 var/media var/static
