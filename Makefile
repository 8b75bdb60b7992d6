# Two commands on a fresh machine: `make run` (demo) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 3
export DEBUG ?= 1

.PHONY: install run serve test lint migrations-check clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# What production runs needs requirements.txt alone.
$(VENV)/.installed-app: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# Runs a command in a session of its own (setsid(1) without util-linux, so macOS has it too).
export OWN_SESSION := import os, sys; os.setsid(); os.execv(sys.executable, [sys.executable, *sys.argv[1:]])

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_schedules
	$(MANAGE) seed_demo --url http://127.0.0.1:$(PORT)/
	$(MANAGE) train_recommender --unless-serving
	$(MANAGE) recompute
	$(MANAGE) scan_quality
	$(MANAGE) metrics_snapshot --baseline-days 90
	@echo ""
	@echo "  Talent platform: http://127.0.0.1:$(PORT)/   (web server and task worker; Ctrl-C stops both)"
	@echo ""
	@# qcluster runs in a session of its own, so Ctrl-C reaches only runserver; the trap then asks
	@# qcluster's sentinel to stop (it stops its workers, ~3 s) and kills whatever is left after 8 s
	@# (a task cut short is retried: the broker is at-least-once).
	@trap 'trap - INT TERM EXIT; kill -TERM $$Q 2>/dev/null; (sleep 8; kill -KILL -$$Q 2>/dev/null) & wait $$Q; kill 0' \
	  INT TERM EXIT; $(BIN)/python -c "$$OWN_SESSION" manage.py qcluster & Q=$$!; $(MANAGE) runserver 127.0.0.1:$(PORT)

# Production: DEBUG off, settings from the environment (SECRET_KEY, DATABASE_URL, ALLOWED_HOSTS...),
# static files collected for whitenoise (without them every page is a server error), gunicorn
# for the web and qcluster for the tasks.
serve: export DEBUG := 0
serve: $(VENV)/.installed-app
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) setup_schedules
	@trap 'kill 0' INT TERM EXIT; $(MANAGE) qcluster & \
	  $(BIN)/gunicorn talent.wsgi --bind $(HOST):$(PORT) --workers $(WEB_WORKERS) --access-logfile -

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Every benchmark at one size, into one folder of JSON files of one shape (core/bench.py), then a
# table of the figures. On PostgreSQL (DATABASE_URL) for figures worth comparing; the database
# keeps the demo organisation between runs (seeded once per size). Learning-record import at ten
# rows per employee (1,000,000 at 100,000) unless BENCH_IMPORT_ROWS says otherwise; BENCH_REQUESTS
# requests per page and BENCH_USERS people signed in for bench_web.
EMPLOYEES ?= 2000
BENCH_IMPORT_ROWS ?= $(shell echo $$(( $(EMPLOYEES) * 10 )))
BENCH_DIR ?= var/bench
BENCH_REQUESTS ?= 2000
BENCH_USERS ?= 500
bench: install
	$(MANAGE) migrate --noinput
	@mkdir -p $(BENCH_DIR)
	$(MANAGE) bench --employees $(EMPLOYEES) --json $(BENCH_DIR)/recompute.json
	$(MANAGE) bench_metrics --employees $(EMPLOYEES) --json $(BENCH_DIR)/metrics.json
	$(MANAGE) bench_import --rows $(BENCH_IMPORT_ROWS) --json $(BENCH_DIR)/import.json
	$(MANAGE) bench_web --employees $(EMPLOYEES) --requests $(BENCH_REQUESTS) --users $(BENCH_USERS) --json $(BENCH_DIR)/web.json
	@$(BIN)/python -c "import sys; from core.bench import folder_table; print(folder_table(sys.argv[1]))" $(BENCH_DIR)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3*
