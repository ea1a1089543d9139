"""A job is never left "queued" forever: one whose message the broker refused fails at once with a message,
and the periodic sweep fails jobs no worker started in time."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from vendor_portal.models import Job, JobStatus
from vendor_portal.roles import Role
from vendor_portal.tasks import fail_stale_queued_jobs
from vendor_portal.tasks_lock import SKIPPED

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:1/0"


def _drop_connection_pools(app):
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def broker_down(settings, tmp_path):
    """Celery sending for real (not eagerly) to a Redis nobody listens on."""
    from vendor_portal.celery import app

    settings.MEDIA_ROOT = str(tmp_path / "media")
    overrides = {
        "task_always_eager": False,
        "broker_url": CLOSED_PORT,
        "broker_transport_options": {},
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1},
    }
    saved = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _drop_connection_pools(app)
    yield
    app.conf.update(saved)
    _drop_connection_pools(app)


def test_a_job_the_broker_cannot_take_fails_at_once_saying_so(client, vendor, broker_down):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/purchase-orders/export.xlsx")
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "could not be queued" in job.message and job.finished_at is not None
    assert "could not be queued" in client.get(response.url).content.decode()


def _job(vendor, *, minutes_ago: int, status=JobStatus.QUEUED) -> Job:
    with audit_exempt():
        job = Job.objects.create(vendor=vendor, kind="export", status=status)
        Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
    return job


def test_the_sweep_fails_jobs_queued_too_long_and_leaves_the_rest(vendor, settings):
    settings.PORTAL_JOB_QUEUED_TIMEOUT = 30
    lost = _job(vendor, minutes_ago=31)
    waiting = _job(vendor, minutes_ago=5)
    running = _job(vendor, minutes_ago=90, status=JobStatus.RUNNING)

    assert fail_stale_queued_jobs() == 1

    lost.refresh_from_db()
    assert lost.status == JobStatus.FAILED and lost.finished_at is not None
    assert lost.message == "No worker started this job within 30 minutes, so it was stopped. Please start it again."
    assert Job.objects.get(pk=waiting.pk).status == JobStatus.QUEUED
    assert Job.objects.get(pk=running.pk).status == JobStatus.RUNNING


def test_a_worker_that_gets_a_swept_jobs_message_later_leaves_it(vendor):
    from vendor_portal.services.jobs import job_claim

    lost = _job(vendor, minutes_ago=60)
    fail_stale_queued_jobs()
    assert job_claim(job_id=lost.pk) is None
    assert Job.objects.get(pk=lost.pk).status == JobStatus.FAILED


def test_the_sweep_is_scheduled_and_runs_once_at_a_time(settings):
    from django.core.cache import cache

    assert settings.CELERY_BEAT_SCHEDULE["jobs-fail-stale-queued"]["task"] == "vendor_portal.tasks.fail_stale_queued_jobs"
    cache.add(fail_stale_queued_jobs.run.single_run_key, "another run", 60)
    try:
        assert fail_stale_queued_jobs() == SKIPPED
    finally:
        cache.delete(fail_stale_queued_jobs.run.single_run_key)
