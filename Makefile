# Two commands for newcomers: `make run` and `make test`. Everything else is here for operators.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin
PY = $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= vendor_portal.settings.local

.PHONY: install run serve worker beat test test-fast migrate seed messages bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web server, Celery worker and beat together; Ctrl-C stops them all.
run: seed
	@echo ""
	@echo "  Vendor Portal: http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo "  Sign in as acme-ops, acme-finance, acme-admin, retail-buyer, ... with password 'demo'."
	@echo ""
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(BIN)/celery -A vendor_portal worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A vendor_portal beat --loglevel=INFO

# The whole suite. DATABASE_URL / REDIS_URL select PostgreSQL / Redis (CI sets both).
test: install
	DJANGO_SETTINGS_MODULE=vendor_portal.settings.test $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install
	DJANGO_SETTINGS_MODULE=vendor_portal.settings.test $(PY) -m pytest -m "not browser and not celery_worker" $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l zh_Hans --ignore "static/*" --ignore ".venv/*" && $(PY) manage.py compilemessages --ignore ".venv"

clean:
	rm -rf var/ $(VENV)
