"""Liveness answers without touching anything; readiness says which dependency fails, with a 503."""

import pytest
from django.db import connections

from vendor_portal import health


def test_healthz_answers_without_the_database(client):
    # No db fixture: pytest-django refuses any query, so this passes only if liveness touches no database.
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_migrations_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_failure(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(health, "_migrated", True)
    monkeypatch.setattr(connections["default"], "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "error: ConnectionError"
    assert response.json()["checks"]["cache"] == "ok"
