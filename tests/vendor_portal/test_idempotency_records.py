"""Idempotency-Key records keep no secret for a replay, and go after IDEMPOTENCY_RETENTION_HOURS."""

import datetime
import json

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import api_token, vendor_user
from vendor_portal.models import IdempotencyRecord
from vendor_portal.roles import Role
from vendor_portal.tasks import expire_idempotency_records
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db

NEW = {"url": "https://erp.example.com/hooks", "events": ["purchase_order.created"], "description": "SAP"}


@pytest.fixture
def admin_client(vendor):
    client = APIClient()
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    return client


def test_a_replayed_webhook_creation_answers_without_the_secret_and_none_is_stored(admin_client):
    first = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    secret = first.json()["secret"]
    assert first.status_code == 201 and secret
    again = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and "secret" not in again.json()
    assert WebhookSubscription.objects.count() == 1
    assert secret not in json.dumps(list(IdempotencyRecord.objects.values_list("response_body", flat=True)))


def test_a_replayed_secret_rotation_keeps_no_secret_either(vendor):
    _token, raw = api_token(vendor, scopes=["webhooks"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    hook = client.post("/api/v1/webhooks/", NEW, format="json").json()
    rotated = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", {}, format="json", HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert rotated.status_code == 200 and rotated.json()["secret"]
    replay = client.post(f"/api/v1/webhooks/{hook['id']}/rotate-secret", {}, format="json", HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert replay["Idempotent-Replayed"] == "true" and "secret" not in replay.json()
    assert rotated.json()["secret"] not in json.dumps(list(IdempotencyRecord.objects.values_list("response_body", flat=True)))


def test_records_older_than_the_retention_are_deleted_and_the_key_is_free_again(admin_client, settings):
    settings.IDEMPOTENCY_RETENTION_HOURS = 24
    admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="old-key")
    admin_client.post("/api/v1/webhooks/", {**NEW, "url": "https://erp.example.com/other"}, format="json", HTTP_IDEMPOTENCY_KEY="new-key")
    IdempotencyRecord.objects.filter(key="old-key").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert expire_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]
    reused = admin_client.post("/api/v1/webhooks/", {**NEW, "url": "https://erp.example.com/third"}, format="json", HTTP_IDEMPOTENCY_KEY="old-key")
    assert reused.status_code == 201 and "Idempotent-Replayed" not in reused


def test_the_expiry_runs_hourly_one_run_at_a_time():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-expire-records"]
    assert entry["task"] == "vendor_portal.tasks.expire_idempotency_records" and entry["schedule"] == 60 * 60
    assert expire_idempotency_records.run.single_run_ttl > 0  # test_tasks_lock checks every beat entry the same way
