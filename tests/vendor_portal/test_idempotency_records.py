"""Idempotency-Key records keep no secret for a replay, and go after IDEMPOTENCY_RETENTION_HOURS."""

import datetime
import json
from unittest import mock

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.audit_check import audit_exempt
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


def _age_in_flight(key, seconds):
    """The record as a request left it whose server died before answering, `seconds` ago."""
    with audit_exempt():
        IdempotencyRecord.objects.filter(key=key).update(
            response_status=None, response_body=None, created_at=timezone.now() - datetime.timedelta(seconds=seconds)
        )


def test_a_request_that_never_answered_frees_its_key_after_the_in_flight_limit(admin_client, settings):
    settings.IDEMPOTENCY_IN_FLIGHT_SECONDS = 300
    admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="died")
    WebhookSubscription.objects.all().delete()  # the dead request's work was rolled back with its transaction

    _age_in_flight("died", 299)
    still_running = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="died")
    assert still_running.status_code == 409 and "still being processed" in still_running.json()["errors"][0]["message"]

    _age_in_flight("died", 301)
    retried = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="died")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert WebhookSubscription.objects.count() == 1
    record = IdempotencyRecord.objects.get(key="died")
    assert record.response_status == 201 and record.created_at > timezone.now() - datetime.timedelta(minutes=1)
    replay = admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="died")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == retried.json()["id"]


def test_an_abandoned_key_still_refuses_a_different_request(admin_client):
    admin_client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="died-2")
    _age_in_flight("died-2", 3600)
    other = admin_client.post("/api/v1/webhooks/", {**NEW, "url": "https://erp.example.com/other"}, format="json", HTTP_IDEMPOTENCY_KEY="died-2")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_crash_the_api_does_not_answer_frees_the_key_at_once(vendor):
    """An exception no handler turns into an answer (a bug: the server's 500 page) must not leave the key
    answering "still being processed": the client's retry runs."""
    client = APIClient(raise_request_exception=False)
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    with mock.patch("webhooks.services.webhook_subscription_create", side_effect=RuntimeError("disk on fire")):
        crashed = client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="crash-1")
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.filter(key="crash-1").exists()
    retried = client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="crash-1")
    assert retried.status_code == 201 and WebhookSubscription.objects.count() == 1


def test_work_and_its_recorded_answer_commit_together(vendor, settings):
    """A process that dies after the work but before its answer is stored (here: storing the answer fails) must
    leave nothing done, so the retry that takes the key over does the work once, not twice."""
    settings.IDEMPOTENCY_IN_FLIGHT_SECONDS = 300
    client = APIClient(raise_request_exception=False)
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    with mock.patch("vendor_portal.api.base.without_secrets", side_effect=RuntimeError("killed before the answer was stored")):
        died = client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="late-death")
    assert died.status_code == 500
    assert WebhookSubscription.objects.count() == 0  # rolled back with the answer

    retried = client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="late-death")
    assert retried.status_code == 201 and WebhookSubscription.objects.count() == 1
    replay = client.post("/api/v1/webhooks/", NEW, format="json", HTTP_IDEMPOTENCY_KEY="late-death")
    assert replay["Idempotent-Replayed"] == "true" and WebhookSubscription.objects.count() == 1
