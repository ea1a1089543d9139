"""Celery entry points only: take ids, call a service. `run_job` is the body every Job's task shares."""

import datetime
import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from vendor_portal.services.exports import export_run
from vendor_portal.services.idempotency import idempotency_records_expire
from vendor_portal.services.jobs import job_fail, job_requeue
from vendor_portal.tasks_lock import single_run

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def run_job(task, job_id: str, work):
    """Run `work(job_id=..., redelivered=...)` for a Job from inside its bound task.

    A worker that dies mid-job leaves the message unacknowledged (the tasks are acks_late), so it is
    redelivered (at once when a pool process dies, through reject_on_worker_lost; after the broker's
    visibility timeout when the whole worker goes) and the job restarts from scratch, up to
    services.jobs.JOB_MAX_ATTEMPTS times; a transient error retries with backoff; anything else fails
    the job with its message."""
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    try:
        return work(job_id=job_id, redelivered=redelivered)
    except TRANSIENT_ERRORS as error:
        if task.request.retries >= task.max_retries:
            job_fail(job_id=job_id, message=_("Gave up after %(n)s attempts: %(error)s") % {"n": task.request.retries + 1, "error": error})
            raise
        job_requeue(job_id=job_id, message=_("Retrying after: %(error)s") % {"error": error})
        raise task.retry(exc=error, countdown=2 ** (task.request.retries + 1)) from error
    except Exception as error:
        logger.exception("%s for job %s failed", task.name, job_id)
        job_fail(job_id=job_id, message=str(error) or error.__class__.__name__)
        raise


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def run_export(self, job_id: str) -> str | None:
    """A list export's Job: the file written and stored as a Document; returns the document's id."""
    job = run_job(self, job_id, export_run)
    return str(job.result_id) if job is not None and job.result_id else None


@shared_task(acks_late=True)
@single_run(ttl=30 * 60)
def expire_idempotency_records() -> int:
    """Idempotency-Key records older than IDEMPOTENCY_RETENTION_HOURS go (CELERY_BEAT_SCHEDULE, hourly)."""
    return idempotency_records_expire(older_than=datetime.timedelta(hours=settings.IDEMPOTENCY_RETENTION_HOURS))
