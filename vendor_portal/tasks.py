"""Celery entry points only: take ids, call a service. A Job's task is declared with `job_task` and runs `run_job`
(vendor_portal/job_tasks.py)."""

import datetime
import logging

from celery import shared_task
from django.conf import settings

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.services.exports import export_run
from vendor_portal.services.idempotency import idempotency_records_expire
from vendor_portal.services.jobs import (
    job_sweep_stale,
    jobs_fail_stale_queued,
)
from vendor_portal.tasks_lock import single_run

logger = logging.getLogger(__name__)


@job_task
def run_export(self, job_id: str) -> str | None:
    """A list export's Job: the file written and stored as a Document; returns the document's id."""
    job = run_job(self, job_id, export_run)
    return str(job.result_id) if job is not None and job.result_id else None


@shared_task(acks_late=True)
@single_run(ttl=60)
def sweep_stale_jobs() -> int:
    """Running jobs whose worker died are queued again (beat: every 30 seconds)."""
    return len(job_sweep_stale())


@shared_task
@single_run(ttl=5 * 60)
def fail_stale_queued_jobs() -> int:
    """Periodic: jobs no worker started in time fail with a message, instead of showing "queued" forever."""
    return jobs_fail_stale_queued()


@shared_task(acks_late=True)
@single_run(ttl=30 * 60)
def expire_idempotency_records() -> int:
    """Idempotency-Key records older than IDEMPOTENCY_RETENTION_HOURS go (CELERY_BEAT_SCHEDULE, hourly)."""
    return idempotency_records_expire(older_than=datetime.timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS))
