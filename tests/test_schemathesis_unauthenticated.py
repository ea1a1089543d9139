"""Every answer is documented, even to a caller without credentials: schemathesis' own CLI (`st run`) with its
default phases (examples, coverage, fuzzing, stateful) and all its default checks, over the portal's
/api/schema/, against a live gunicorn serving the app under the local settings (DEBUG on, as `make serve`) and
under the production settings (DEBUG off, HTTPS behind a proxy). No credentials on purpose: every operation
must answer its declared 401 (or 400/404/405 where routing or the query says so first), with a JSON body.

Each run gets a database of its own, copied from the test database (migrated, empty), so what it writes stays
out of the other tests. Deterministic (schemathesis' --generation-deterministic); the number of fuzzed cases per
operation is bounded, the coverage phase is not (it sends every case the schema defines).
tests/test_schemathesis.py fuzzes in-process with a vendor's token and a retailer's session over the demo data.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = 5  # per operation in the fuzzing phase; the coverage phase sends every case the schema defines
RUN_TIMEOUT = 40 * 60  # a loaded machine; alone on two cores a run takes about five minutes
# Production sits behind a TLS-terminating proxy that says so (SECURE_PROXY_SSL_HEADER); without the header
# every request is a redirect to https.
PROXY_HEADER = "X-Forwarded-Proto: https"
SETTINGS = {
    "local": {},
    "production": {
        # A random key of production's length (never the published example), this host only.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
    },
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _disconnect_leftovers(cursor, database: str, patience: float = 10):
    """An earlier test on this worker (a live server's thread, a worker process) may still be closing its
    connection to the test database; tests on one worker run one at a time, so whoever is left is done."""
    deadline = time.monotonic() + patience
    while True:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
        if cursor.fetchone()[0] == 0:
            return
        if time.monotonic() > deadline:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
            time.sleep(0.5)
            return
        time.sleep(0.2)


@pytest.fixture
def live_database(transactional_db, request):
    """A database URL of this run's own: a copy of the (migrated, empty) test database, dropped afterwards.
    transactional_db: the test's connection is the test database's, and no transaction holds it open."""
    with connection.cursor() as cursor:  # the test database's name, whatever pytest-django and xdist made of it
        cursor.execute("SELECT current_database()")
        (template,) = cursor.fetchone()
    name = f"{template}_st_{request.node.callspec.id}"
    connections.close_all()  # a template must have no one connected while it is copied
    with connection._nodb_cursor() as cursor:
        _disconnect_leftovers(cursor, template)
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "localhost", safe="")  # the checkout's own PostgreSQL listens on a socket folder
    credentials = quote(settings["USER"] or "", safe="") + (f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else "")
    yield f"postgres://{credentials + '@' if credentials else ''}{host}:{settings['PORT'] or 5432}/{name}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until_up(url: str, server: subprocess.Popen, log: Path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn stopped ({server.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=dict([PROXY_HEADER.split(": ")])), timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer {url} within a minute:\n{log.read_text()[-4000:]}")


@pytest.fixture
def live_server_url(live_database, tmp_path, request):
    """gunicorn, with the portal's gunicorn settings, serving the app under the settings of the test's parameter."""
    settings_name = request.node.callspec.params["settings_name"]
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        **SETTINGS[settings_name],
        "DJANGO_SETTINGS_MODULE": f"vendor_portal.settings.{settings_name}",
        "DATABASE_URL": live_database,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "STATIC_ROOT": str(tmp_path / "static"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EDI_INBOX_DIR": str(tmp_path / "edi"),
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    if settings_name == "production":  # the manifest storage serves only what collectstatic hashed (the error pages' CSS too)
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:vendor_portal.gunicorn", "--access-logfile", "/dev/null"]
    with log.open("w") as log_file:
        server = subprocess.Popen([*gunicorn, "vendor_portal.wsgi:application"], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{url}/healthz", server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _summary(report_dir: Path) -> str:
    """Operations, cases and failures of the run, from schemathesis' NDJSON event stream."""
    cases, failures, phases = 0, 0, Counter()
    operations = 0
    for line in next(report_dir.glob("*.ndjson")).read_text().splitlines():
        event = json.loads(line)
        if "LoadingFinished" in event:
            operations = event["LoadingFinished"]["statistic"]["operations"]["selected"]
        if "PhaseFinished" in event:
            phases[event["PhaseFinished"]["phase"]["name"]] = event["PhaseFinished"]["status"]
        if "ScenarioFinished" in event:
            recorder = event["ScenarioFinished"].get("recorder") or {}
            cases += len(recorder.get("cases", {}))
            failures += sum(1 for checks in recorder.get("checks", {}).values() for check in checks if check.get("status") == "failure")
    return f"{operations} operations, {cases} cases, {failures} failed checks; phases: {dict(phases)}"


@pytest.mark.parametrize("settings_name", sorted(SETTINGS))
def test_every_answer_to_a_caller_without_credentials_is_documented(settings_name, live_server_url, tmp_path):
    report_dir = tmp_path / "report"
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{live_server_url}/api/schema/?format=json",
        "--generation-deterministic",
        f"--max-examples={MAX_EXAMPLES}",
        "--workers=2",
        f"--header={PROXY_HEADER}",
        "--report=ndjson,junit",
        f"--report-dir={report_dir}",
        "--output-truncate=false",
        "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks", "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "150"}
    started = time.monotonic()
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    seconds = time.monotonic() - started
    output = run.stdout + run.stderr
    (tmp_path / "st-run.txt").write_text(output)
    summary = _summary(report_dir) if any(report_dir.glob("*.ndjson")) else "no report"
    print(f"schemathesis under {settings_name} settings: {summary}, {seconds:.0f} s")
    assert run.returncode == 0, f"schemathesis found undocumented answers ({summary}):\n{output[-20000:]}"
