# Two commands for newcomers: `make run` and `make test`. Everything else is here for operators.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin
PY = $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist processes for `make test`: one per core (PYTEST_WORKERS=0 runs the suite in one process).
PYTEST_WORKERS ?= auto
# The schemathesis fuzz runs take half the suite's time: `make test` leaves them out, TEST_MARKERS=fuzz runs
# only them, TEST_MARKERS= everything (CI).
TEST_MARKERS ?= not fuzz
export DJANGO_SETTINGS_MODULE ?= vendor_portal.settings.local
# Runs a command that needs the database: DATABASE_URL's server when it is set; otherwise the checkout's own
# PostgreSQL (var/postgres), started if need be and stopped when the last command using it ends.
WITH_DB = $(PY) -P vendor_portal/local_postgres.py run --

.PHONY: install lock run serve worker beat test test-fast lint format migrate seed messages bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Every package comes from requirements-dev.lock, checked against its hashes, as a wheel (nothing to compile);
# the project itself brings only its metadata. requirements.lock is the same without the dev extra (Dockerfile).
$(VENV)/.installed: requirements-dev.lock pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --require-hashes --only-binary :all: -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

# Pins in pyproject.toml -> the lock files, with every package's hashes (after changing a pin).
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command "make lock"
lock: install
	$(UV_COMPILE) -o requirements.lock
	$(UV_COMPILE) --extra dev -o requirements-dev.lock

migrate: install
	$(WITH_DB) $(PY) manage.py migrate --noinput

seed: migrate
	$(WITH_DB) $(PY) manage.py seed_demo

# Web server, Celery worker and beat together; Ctrl-C stops them all (and the checkout's PostgreSQL).
# Exported rather than set on the command line, which would need a shell between make and the launcher:
# make hands SIGTERM to its own child only.
run: export PATH := $(abspath $(BIN)):$(PATH)
run: export HOST := $(HOST)
run: export PORT := $(PORT)
run: seed
	@echo ""
	@echo "  Vendor Portal: http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo "  Sign in as acme-ops, acme-finance, acme-admin, retail-buyer, ... with password 'demo'."
	@echo ""
	$(WITH_DB) $(BIN)/honcho -f Procfile.dev start

serve: install
	$(WITH_DB) $(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(WITH_DB) $(BIN)/celery -A vendor_portal worker --queues=celery,heavy --loglevel=INFO --concurrency=2

beat: install
	$(WITH_DB) $(BIN)/celery -A vendor_portal beat --loglevel=INFO

# The suite, in parallel. DATABASE_URL / REDIS_URL select PostgreSQL / Redis servers (CI sets both).
test: install
	DJANGO_SETTINGS_MODULE=vendor_portal.settings.test $(WITH_DB) $(PY) -m pytest -n $(PYTEST_WORKERS) -m "$(TEST_MARKERS)" $(PYTEST_ARGS)

test-fast: install
	DJANGO_SETTINGS_MODULE=vendor_portal.settings.test $(WITH_DB) $(PY) -m pytest -n $(PYTEST_WORKERS) -m "not browser and not celery_worker and not fuzz" $(PYTEST_ARGS)

# ruff: lint and format check (CI runs it); `make format` rewrites.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(WITH_DB) sh -c '$(PY) manage.py makemessages -l zh_Hans --ignore "static/*" --ignore ".venv/*" && $(PY) manage.py compilemessages --ignore ".venv"'

# Stops the checkout's PostgreSQL first (and refuses while a make target still uses it).
clean:
	if [ -d var/postgres ] && [ -x $(PY) ]; then $(PY) -P vendor_portal/local_postgres.py stop; fi
	rm -rf var/ $(VENV)
