# The set-up commands are `make demo` and `make test` (and `make stack`, the production processes on
# this machine); everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/lms
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
TEST_PROCESSES ?= 2
# The servers, the worker and beat default to production settings (lms/wsgi.py, lms/celery.py);
# the targets here are for a developer's machine and say so. Override: make worker SETTINGS=...
SETTINGS ?= lms.settings.dev

.PHONY: demo test install system-deps frontend lint bench load messages serve worker beat clean stack stack-stop backup restore

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev,stack]'
	touch $@

install: $(VENV)/.installed

# ffmpeg for transcoding, chromium for the browser tests, gettext for translations, pango and DejaVu
# fonts for the PDFs (WeasyPrint, lms/pdf.py); nginx, openssl and
# redis-server for `make stack` (its own nginx with a self-signed certificate, its own Redis).
system-deps:
	@missing=""; \
	command -v ffmpeg >/dev/null || missing="$$missing ffmpeg"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	ldconfig -p | grep -q libpangoft2-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf || missing="$$missing fonts-dejavu-core"; \
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

demo: export DJANGO_SETTINGS_MODULE = $(SETTINGS)
demo: install system-deps frontend
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/  (cabinet: /cabinet/, Wagtail: /cms/, API docs: /api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

serve: install
	DJANGO_SETTINGS_MODULE=$(SETTINGS) $(PY) manage.py runserver $(HOST):$(PORT)

# Two passes: the suite in two processes (pytest-xdist, a file to a process), then the stack's own
# tests in one (they start the one stack on fixed ports; with CI=true or STACK_TESTS=1 only).
test: install system-deps frontend
	@mkdir -p var; $(PY) -m lms.testenv > var/test.env || exit 1; \
	set -a; source var/test.env; set +a; \
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --dist loadfile -m "not stack" $(PYTEST_ARGS) || exit 1; \
	if [ "$$CI" = true ] || [ "$$STACK_TESTS" = 1 ]; then $(VENV)/bin/pytest -m stack $(PYTEST_ARGS); fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

bench: install system-deps frontend
	@mkdir -p var; $(PY) -m lms.testenv --require > var/bench.env || exit 1; \
	set -a; source var/bench.env; set +a; \
	$(PY) -m bench

messages: export DJANGO_SETTINGS_MODULE = $(SETTINGS)
messages: install
	for app in lms cms media courses live assessments; do \
	  (cd $$app && ../$(PY) ../manage.py makemessages -l ru -l en --no-obsolete >/dev/null); done
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

worker: install
	DJANGO_SETTINGS_MODULE=$(SETTINGS) $(VENV)/bin/celery -A lms worker -Q default,transcode --loglevel=INFO

beat: install
	DJANGO_SETTINGS_MODULE=$(SETTINGS) $(VENV)/bin/celery -A lms beat --loglevel=INFO

# The service as production runs it, on this machine: nginx (TLS) → gunicorn, Celery workers per queue,
# beat, an SMTP sink, a Redis of its own with AOF, moto's S3, the machine's PostgreSQL (lms/stack/).
# NODES=2 (up to 4): more web nodes (gunicorn on 8102, …, behind the same nginx) and default workers.
NODES ?= 1
stack: install system-deps frontend
	STACK_NODES=$(NODES) $(PY) -m lms.stack start

stack-stop:
	$(PY) -m lms.stack stop

# The stack under load for a minute (bench/load/, figures in docs/deploy/capacity.md): 2,000 viewers
# beating every 10 s and 20 pages/s through nginx, with locust; the run's CPU per process, p50/p99 per
# endpoint, the beats' check; var/load/last.md. Uses the running stack, or starts one (and stops it).
# Exits non-zero when a target is missed. LOAD_ARGS="--viewers 500 --run-time 30" for a shorter run.
load: install system-deps frontend
	STACK_NODES=$(NODES) $(PY) -m bench.load $(LOAD_ARGS)

# The running stack's database (pg_dump) and bucket into var/backups/<time>/; `make restore` loads the
# latest (or BACKUP=var/backups/<time>) back into the running stack (docs/deploy/README.md).
backup:
	$(PY) -m lms.stack backup

restore:
	$(PY) -m lms.stack restore $(BACKUP)

clean:
	rm -rf var/db.sqlite3 var/media var/static
