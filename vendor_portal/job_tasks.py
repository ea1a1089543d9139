"""Running a Job's Celery task: `job_task` declares one, `run_job` is the body every one shares. Imports nothing
of the apps, so each app's tasks module can use them at import time."""

import logging
import random
import threading

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.utils.translation import gettext as _

from vendor_portal.models import Job
from vendor_portal.services.jobs import JOB_HEARTBEAT_SECONDS, JobMustWait, job_fail, job_heartbeat, job_requeue

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


def job_task(function):
    """The task of a Job kind, its body calling `run_job`: acknowledged late and given back if its process dies,
    retried on transient errors, and stopped once it runs longer than JOB_TIME_LIMIT_SECONDS (a job that hangs
    but whose process lives would otherwise keep beating and hold its vendor's job slot for ever). The soft
    limit fails the job with a message; the hard one, a minute later, ends a job deaf to the soft one with its
    process, and the sweep then gives it its remaining attempts."""
    limit = settings.JOB_TIME_LIMIT_SECONDS
    return shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3, soft_time_limit=limit, time_limit=limit + 60)(function)


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
    except SoftTimeLimitExceeded:
        logger.error("%s for job %s stopped: over its time limit", task.name, job_id)
        minutes = max(1, round(settings.JOB_TIME_LIMIT_SECONDS / 60))
        job_fail(job_id=job_id, message=_("Stopped after %(n)s minutes: the job took far longer than it should. Start it again.") % {"n": minutes})
        return None
    except Exception as error:
        logger.exception("%s for job %s failed", task.name, job_id)
        job_fail(job_id=job_id, message=str(error) or error.__class__.__name__)
        raise
    finally:
        heartbeat.stop()
