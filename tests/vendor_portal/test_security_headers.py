"""What every answer carries for the browser: a self-only content security policy, no caching of signed-in
pages and API answers, sessions that end when idle; and what production refuses to start with."""

import os
import pathlib
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from tests.factories import vendor_user
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


def test_pages_may_load_only_what_the_portal_serves_itself(client):
    policy = _policy(client.get("/accounts/login/"))
    for directive in ("default-src", "script-src", "style-src", "font-src", "connect-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_signed_in_pages_and_api_answers_are_never_stored(client, vendor, token_client):
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    page = client.get("/purchase-orders/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    answer = token_client.get("/api/v1/purchase-orders/")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]


def test_an_idle_session_ends_and_an_active_one_is_renewed(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert django_settings.SESSION_COOKIE_AGE == django_settings.SESSION_IDLE_MINUTES * 60 <= 8 * 3600
    client.get("/purchase-orders/")
    session = client.session
    first_seen = session["seen"]
    assert session.get_expiry_age() == django_settings.SESSION_COOKIE_AGE
    session["seen"] = first_seen - 120  # the last renewal two minutes ago
    session.save()
    client.get("/purchase-orders/")
    assert client.session["seen"] >= first_seen


# Rendered to PDF by WeasyPrint, never served to a browser: their <style> blocks are not under the policy.
PDF_TEMPLATES = re.compile(r"(_pdf|packing_list|_label[s]?)\.html$")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def test_no_template_carries_inline_script_style_attributes_or_event_handlers():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or PDF_TEMPLATES.search(template.name):
            continue
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}")
    assert not offenders, f"inline script, style attribute or on* handler (refused by the CSP): {offenders}"


def _production(env: dict) -> subprocess.CompletedProcess:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "vendor_portal.settings.production", "ALLOWED_HOSTS": "portal.example.com", **env}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)


def test_production_refuses_the_published_example_secret_key():
    refused = _production({"SECRET_KEY": "change-me-in-.env-0123456789abcdefghijklmnopqrstuvwxyz"})
    assert refused.returncode != 0 and "SECRET_KEY is the published example" in refused.stderr
    assert _production({"SECRET_KEY": "short"}).returncode != 0


def test_production_sends_hsts_for_a_year_and_refuses_preload_with_less():
    started = _production({"SECRET_KEY": "x" * 50})
    assert started.returncode == 0, started.stderr
    assert int(started.stdout.strip().splitlines()[-1]) >= 31536000
    refused = _production({"SECRET_KEY": "x" * 50, "SECURE_HSTS_SECONDS": "2592000"})
    assert refused.returncode != 0 and "at least a year" in refused.stderr


def test_compose_has_no_default_secret_key():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"SECRET_KEY: \$\{SECRET_KEY:\?", compose)
    assert "change-me" not in compose
