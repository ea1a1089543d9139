"""The life of a Job row (labels, exports, documents): a worker claims it, reports progress, and finishes
it with its document or fails it with a message the UI shows.

- `job_claim(*, job_id, redelivered=False)` — compare-and-set queued -> running (or a takeover); None if not ours.
- `job_progress(*, job_id, done, total=None)` — rows or pages done so far.
- `job_succeed(*, job_id, result, done)` — the document is stored: done, 100%.
- `job_requeue(*, job_id, message)` / `job_fail(*, job_id, message)` — a retry is coming / it gave up.
- `job_enqueue_on_commit(*, job_id, task)` — send the job's task once the row is committed; a broker that
  refuses it (Redis down) fails the job at once instead of leaving it queued.
- `jobs_fail_stale_queued(*, older_than)` — the periodic sweep: jobs no worker took in time fail, saying why.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.models import Job, JobStatus

logger = logging.getLogger(__name__)

JOB_STALE_AFTER = datetime.timedelta(minutes=10)
JOB_MAX_ATTEMPTS = 5  # a job whose worker dies every time (say, killed for memory) fails instead of looping


def job_claim(*, job_id, redelivered: bool = False) -> Job | None:
    """Compare-and-set queued -> running; None when another worker has it or it is finished.

    A redelivered message (its worker died) or a job running far too long may be taken over:
    the work restarts from scratch and only a finished file is ever stored. After
    JOB_MAX_ATTEMPTS the job is failed instead."""
    now = timezone.now()
    takeover = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING)
    if not redelivered:
        takeover = takeover.filter(started_at__lt=now - JOB_STALE_AFTER)
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, progress_done=0, attempts=F("attempts") + 1, message=""
    ) or takeover.filter(attempts__lt=JOB_MAX_ATTEMPTS).update(
        status=JobStatus.RUNNING, started_at=now, progress_done=0, attempts=F("attempts") + 1, message=""
    )
    if not claimed:
        takeover.filter(attempts__gte=JOB_MAX_ATTEMPTS).update(
            status=JobStatus.FAILED,
            finished_at=now,
            message=_("Stopped after %(n)s attempts: the worker died while working on this job each time.") % {"n": JOB_MAX_ATTEMPTS},
        )
    return Job.objects.get(pk=job_id) if claimed else None


def job_progress(*, job_id, done: int, total: int | None = None) -> None:
    fields = {"progress_done": done} if total is None else {"progress_done": done, "progress_total": total}
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(**fields)


def job_succeed(*, job_id, result, done: int) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        status=JobStatus.SUCCEEDED, progress_done=done, progress_total=done, result=result, finished_at=timezone.now()
    )


def job_requeue(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(status=JobStatus.QUEUED, message=message[:2000])


def job_fail(*, job_id, message: str) -> None:
    Job.objects.filter(pk=job_id).exclude(status=JobStatus.SUCCEEDED).update(
        status=JobStatus.FAILED, message=message[:2000], finished_at=timezone.now()
    )


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
    """Jobs still queued `older_than` after they were created (PORTAL_JOB_QUEUED_TIMEOUT minutes by default):
    their message was lost (a broker restarted without persistence, a send that failed unnoticed). Each is
    failed with a message the person reads; a worker that gets the message later finds it no longer queued
    (job_claim's compare-and-set) and leaves it. The number failed."""
    older_than = older_than or datetime.timedelta(minutes=settings.PORTAL_JOB_QUEUED_TIMEOUT)
    cutoff = (now or timezone.now()) - older_than
    minutes = int(older_than.total_seconds() // 60)
    message = _("No worker started this job within %(n)s minutes, so it was stopped. Please start it again.") % {"n": minutes}
    return Job.objects.filter(status=JobStatus.QUEUED, created_at__lt=cutoff).update(
        status=JobStatus.FAILED, message=message, finished_at=timezone.now()
    )
