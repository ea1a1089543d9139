"""The life of a Job row (labels, exports, documents): a worker claims it, reports progress, and finishes
it with its document or fails it with a message the UI shows.

- `job_in_progress(*, vendor, kind, target)` — the target's queued or running job of that kind, if any, to hand
  back instead of starting a second one.
- `job_claim(*, job_id, redelivered=False)` — compare-and-set queued -> running (or a takeover); None if not ours;
  raises `JobMustWait` when the vendor already has settings.JOBS_RUNNING_PER_VENDOR jobs running.
- `job_heartbeat(*, job_id)` — the worker is alive (vendor_portal.tasks.JobHeartbeat calls it every few seconds).
- `job_progress(*, job_id, done, total=None)` — rows or pages done so far.
- `job_progress_seen(*, job_id, done, total=None)` — the same from inside a long transaction, seen at once.
- `job_succeed(*, job_id, result, done)` — the document is stored: done, 100%.
- `job_requeue(*, job_id, message)` / `job_fail(*, job_id, message)` — a retry is coming / it gave up.
- `job_sweep_stale(*, now=None)` — running jobs whose heartbeat stopped are queued again (or failed).
- `job_enqueue_on_commit(*, job_id, task)` — send the job's task once the row is committed; a broker that
  refuses it (Redis down) fails the job at once instead of leaving it queued.
- `jobs_fail_stale_queued(*, older_than)` — the periodic sweep: jobs no worker took in time fail, saying why.
"""

from __future__ import annotations

import datetime
import importlib
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.models import Job, JobStatus

logger = logging.getLogger(__name__)

JOB_MAX_ATTEMPTS = 5  # a job whose worker dies every time (say, killed for memory) fails instead of looping
JOB_HEARTBEAT_SECONDS = 10  # how often a running job's worker says it is alive
# A running job not heard of for this long lost its worker: well before the broker's visibility timeout
# (15 minutes) gives its message back.
JOB_HEARTBEAT_STALE = datetime.timedelta(seconds=60)
# A queued job older than this is no longer handed back to a second request for the same target: its
# message may have been lost, and a fresh request must not wait on it forever.
JOB_QUEUED_FRESH = datetime.timedelta(minutes=15)


class JobMustWait(Exception):
    """The job's vendor has its share of running jobs: the job stays queued and its task tries again later."""

    def __init__(self, running: int):
        self.running = running
        super().__init__(f"{running} jobs of this vendor are running")


def _last_sign_of_life():
    return Coalesce("heartbeat_at", "started_at")


def _alive(now) -> Q:
    return Q(status=JobStatus.RUNNING, heartbeat_at__gte=now - JOB_HEARTBEAT_STALE)


def job_in_progress(*, vendor, kind: str, target) -> Job | None:
    """The target's job of this kind that is queued (recently) or running with a live worker."""
    now = timezone.now()
    return (
        Job.objects.filter(vendor=vendor, kind=kind, target_type=target._meta.label_lower, target_id=str(target.pk))
        .filter(Q(status=JobStatus.QUEUED, created_at__gte=now - JOB_QUEUED_FRESH) | _alive(now))
        .order_by("created_at")
        .first()
    )


def _lock_vendor_slots(vendor_id) -> None:
    """Serialise the claims of one vendor's jobs (held until the transaction ends), so two workers cannot
    both see a free slot and both take it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"job-slots:{vendor_id}"])


def job_claim(*, job_id, redelivered: bool = False) -> Job | None:
    """Compare-and-set queued -> running; None when another worker has it or it is finished.

    A redelivered message (its worker died) or a running job whose heartbeat stopped may be taken over:
    the work restarts from scratch and only a finished file is ever stored. After JOB_MAX_ATTEMPTS the
    job is failed instead. A vendor runs at most settings.JOBS_RUNNING_PER_VENDOR jobs at a time (the
    retailer's own jobs, without a vendor, count as one more vendor): beyond that the job stays queued,
    says why, and `JobMustWait` is raised for its task to try again later."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING:
            last_seen = job.heartbeat_at or job.started_at
            if not (redelivered or last_seen is None or last_seen < now - JOB_HEARTBEAT_STALE):
                return None  # its worker is alive
            if job.attempts >= JOB_MAX_ATTEMPTS:
                _fail_after_attempts(job, now)
                return None
        _lock_vendor_slots(job.vendor_id)
        running = Job.objects.filter(_alive(now), vendor_id=job.vendor_id).exclude(pk=job.pk).count()
        must_wait = running >= settings.JOBS_RUNNING_PER_VENDOR
        if must_wait:
            if job.status == JobStatus.QUEUED:
                job.message = _("Waiting: %(n)s other jobs of yours are running; this one starts when one of them ends.") % {"n": running}
                job.heartbeat_at = now  # for a queued job: when a worker last looked at it (the queued sweep reads it)
                job.save(update_fields=["message", "heartbeat_at"])
        else:
            job.status, job.started_at, job.heartbeat_at, job.progress_done, job.message = JobStatus.RUNNING, now, now, 0, ""
            job.attempts = F("attempts") + 1
            job.save(update_fields=["status", "started_at", "heartbeat_at", "progress_done", "message", "attempts"])
    if must_wait:
        raise JobMustWait(running)
    return Job.objects.get(pk=job_id)


def _fail_after_attempts(job: Job, now) -> None:
    job.status, job.finished_at = JobStatus.FAILED, now
    job.message = _("Stopped after %(n)s attempts: the worker died while working on this job each time.") % {"n": JOB_MAX_ATTEMPTS}
    job.save(update_fields=["status", "finished_at", "message"])


def job_heartbeat(*, job_id) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(heartbeat_at=timezone.now())


def job_progress(*, job_id, done: int, total: int | None = None) -> None:
    fields = {"progress_done": done} if total is None else {"progress_done": done, "progress_total": total}
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**fields, heartbeat_at=timezone.now())


def job_progress_seen(*, job_id, done: int, total: int | None = None) -> None:
    """`job_progress` for work done in one transaction (all or nothing, so a redelivered job starts clean), whose
    writes nobody sees until it commits: the progress goes through a connection of its own, in autocommit.
    Outside a transaction it is plain `job_progress`."""
    if not connection.in_atomic_block:
        job_progress(job_id=job_id, done=done, total=total)
        return
    sets, values = ["progress_done = %s", "heartbeat_at = now()"], [done]
    if total is not None:
        sets.append("progress_total = %s")
        values.append(total)
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with side.cursor() as cursor:
            # Should anything in the transaction ever lock the job row, skip this report rather than wait on ourselves.
            cursor.execute("SET lock_timeout = '1s'")
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET {', '.join(sets)} WHERE id = %s AND status = %s", [*values, str(job_id), JobStatus.RUNNING]
            )
    except OperationalError:
        logger.warning("job %s: progress %s not reported (the job row is locked)", job_id, done)
    finally:
        side.close()


def job_succeed(*, job_id, result, done: int) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, progress_done=done, progress_total=done, result=result, finished_at=timezone.now()
    )


def job_requeue(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, message=message[:2000], heartbeat_at=timezone.now())


def job_fail(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )


SWEEP_BATCH = 200


def job_sweep_stale(*, now=None) -> list:
    """Running jobs whose heartbeat stopped (their worker died or was killed) go back to the queue and their
    task is sent again; a job out of attempts, or whose task is unknown, fails with a message. Returns
    the ids of the jobs queued again. Rows another transaction holds (a claim) are left for the next run."""
    now = now or timezone.now()
    requeued = []
    with transaction.atomic():
        stale = (
            Job.objects.filter(status=JobStatus.RUNNING)
            .alias(last_seen=_last_sign_of_life())
            .filter(last_seen__lt=now - JOB_HEARTBEAT_STALE)
            .select_for_update(skip_locked=True)
            .order_by("pk")[:SWEEP_BATCH]
        )
        for job in stale:
            if job.attempts >= JOB_MAX_ATTEMPTS:
                _fail_after_attempts(job, now)
                continue
            task = _job_task(job.task_name)
            if task is None:
                job.status, job.finished_at = JobStatus.FAILED, now
                job.message = _("The worker running this job stopped, and the job cannot be restarted: start it again.")
                job.save(update_fields=["status", "finished_at", "message"])
                continue
            job.status, job.heartbeat_at = JobStatus.QUEUED, now
            job.message = _("The worker running this job stopped; the job was queued again.")
            job.save(update_fields=["status", "message", "heartbeat_at"])
            logger.warning("job %s (%s): no heartbeat since %s, queued again", job.pk, job.kind, job.heartbeat_at or job.started_at)
            requeued.append(job.pk)
            transaction.on_commit(lambda task=task, job_id=str(job.pk): task.delay(job_id))
    return requeued


def _job_task(task_name: str):
    """The Celery task registered under `task_name` (its module imported first), or None."""
    from vendor_portal.celery import app

    if not task_name or "." not in task_name:
        return None
    try:
        importlib.import_module(task_name.rsplit(".", 1)[0])
    except ImportError:
        return None
    return app.tasks.get(task_name)


def job_enqueue_on_commit(*, job_id, task) -> None:
    """Queue `task(job_id)` once the transaction that created the job commits (a worker never looks for a row
    not yet there). If the broker cannot take the message, the job fails with a message saying so: the person
    sees it and may start it again, instead of watching a job that will never run."""
    job_id = str(job_id)

    def send():
        try:
            task.delay(job_id)
        except Exception:  # noqa: BLE001 - whatever the broker's client raises (connection refused, timeout, ...)
            logger.exception("job %s could not be queued", job_id)
            job_fail(job_id=job_id, message=str(_("The job could not be queued: the job queue is unavailable. Please start it again.")))

    transaction.on_commit(send)


def jobs_fail_stale_queued(*, older_than: datetime.timedelta | None = None, now: datetime.datetime | None = None) -> int:
    """Jobs still queued `older_than` after they were created or last queued again or told to wait (their
    heartbeat_at; PORTAL_JOB_QUEUED_TIMEOUT minutes by default):
    their message was lost (a broker restarted without persistence, a send that failed unnoticed). Each is
    failed with a message the person reads; a worker that gets the message later finds it no longer queued
    (job_claim's compare-and-set) and leaves it. The number failed."""
    older_than = older_than or datetime.timedelta(minutes=settings.PORTAL_JOB_QUEUED_TIMEOUT)
    cutoff = (now or timezone.now()) - older_than
    minutes = int(older_than.total_seconds() // 60)
    message = _("No worker started this job within %(n)s minutes, so it was stopped. Please start it again.") % {"n": minutes}
    stale = Job.objects.filter(status=JobStatus.QUEUED).alias(queued_since=Coalesce("heartbeat_at", "created_at")).filter(queued_since__lt=cutoff)
    return stale.update(status=JobStatus.FAILED, message=message, finished_at=timezone.now())
