"""Celery entry points only: take ids, call a service. `run_job` is the body every Job's task shares."""

import datetime
import logging
import random
import threading

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils.translation import gettext as _

from vendor_portal.models import Job
from vendor_portal.services.exports import export_run
from vendor_portal.services.idempotency import idempotency_records_expire
from vendor_portal.services.jobs import (
    JOB_HEARTBEAT_SECONDS,
    JobMustWait,
    job_fail,
    job_heartbeat,
    job_requeue,
    job_sweep_stale,
    jobs_fail_stale_queued,
)
from vendor_portal.tasks_lock import single_run

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
JOB_WAIT_SECONDS = (5, 15)  # a job over its vendor's limit is tried again after a random pause in this range


class JobHeartbeat(threading.Thread):
    """Says every JOB_HEARTBEAT_SECONDS that the job's worker is alive, whatever the job is busy with (one
    long PDF render reports no progress for a while). It dies with its process, so a killed worker's job
    goes quiet and the sweep notices within a minute, long before the broker gives the message back."""

    def __init__(self, job_id):
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.job_id = job_id
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(JOB_HEARTBEAT_SECONDS):
                try:
                    job_heartbeat(job_id=self.job_id)
                except TRANSIENT_ERRORS:
                    logger.warning("heartbeat of job %s not written", self.job_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self):
        self.stopped.set()
        self.join(timeout=JOB_HEARTBEAT_SECONDS)


def run_job(task, job_id: str, work):
    """Run `work(job_id=..., redelivered=...)` for a Job from inside its bound task.

    A worker that dies mid-job leaves the message unacknowledged (the tasks are acks_late), so it is
    redelivered (at once when a pool process dies, through reject_on_worker_lost; after the broker's
    visibility timeout when the whole worker goes) and the job restarts from scratch, up to
    services.jobs.JOB_MAX_ATTEMPTS times; meanwhile its heartbeat stops, and the sweep (`sweep_stale_jobs`)
    queues it again after a minute. A job over its vendor's limit of running jobs stays queued and is
    sent again after a pause; a transient error retries with backoff; anything else fails the job with its
    message."""
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    Job.objects.filter(pk=job_id).exclude(task_name=task.name).update(task_name=task.name)  # what the sweep sends again
    heartbeat = JobHeartbeat(job_id)
    heartbeat.start()
    try:
        return work(job_id=job_id, redelivered=redelivered)
    except JobMustWait as waiting:
        if task.request.is_eager:  # no queue to wait in (tests, benches): the job stays queued with its message
            logger.info("job %s waits: %s", job_id, waiting)
            return None
        task.apply_async((job_id,), countdown=random.uniform(*JOB_WAIT_SECONDS))
        return None
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
    finally:
        heartbeat.stop()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
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
