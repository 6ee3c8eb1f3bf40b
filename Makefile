# Two commands for a new user: `make run` and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

# The settings default to the production profile (DEBUG off, no built-in key). `make run`,
# `make test` and the other targets here are development: say so explicitly, unless the
# caller's environment already chose a profile.
export DJANGO_ENV ?= development
export DJANGO_DEBUG ?= true

.PHONY: install messages migrate seed run serve worker test lint format bench loadtest clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Translations (ru, kk) are compiled from locale/*.po; needs gettext's msgfmt.
messages: install
	@command -v msgfmt >/dev/null || { echo "msgfmt missing: apt-get install gettext"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --verbosity=0

migrate: messages
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Web server, Celery worker and beat together on http://127.0.0.1:8000; Ctrl-C (or a SIGINT
# or SIGTERM to make) stops all three within seconds (homeshop_privacy/.../run_all.py).
# The demo lets staff in without the second factor (seed_demo says so); set
# STAFF_OTP_REQUIRED=true to try the enrolment. Everywhere else it is on by default.
run: export STAFF_OTP_REQUIRED ?= false
run: seed
	$(BIN)/python manage.py run_all --port $(PORT) --make-pid $$PPID

test: messages
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Issue 14: figures at scale against raw SQL, written to docs/benchmarks.md. SCALE=1 is a
# million customers (a kept database of its own, generated in SQL on first use, some GB);
# the default 0.01 is ten thousand. Needs DATABASE_URL on PostgreSQL.
SCALE ?= 0.01
bench: migrate
	$(BIN)/python manage.py bench --scale $(SCALE)
	$(BIN)/python manage.py bench_breach

# A bounded load test on loopback: gunicorn on the bench database, locust headless.
LOAD_USERS ?= 20
LOAD_SECONDS ?= 60
loadtest: migrate
	$(BIN)/python -m pip install --quiet -r requirements-load.txt
	$(BIN)/python manage.py bench_load --scale $(SCALE) --users $(LOAD_USERS) --seconds $(LOAD_SECONDS)

# Serving for real (README, "Serve it for real"): gunicorn, a worker per queue, one beat.
# The environment names the production settings (DJANGO_SECRET_KEY, DATABASE_URL, ...).
serve: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity=0
	$(BIN)/honcho start -f Procfile.production

clean:
	rm -rf var/test .pytest_cache
