"""The life of a Job row (labels, exports, documents): a worker claims it, reports progress, and finishes
it with its document or fails it with a message the UI shows.

- `job_claim(*, job_id, redelivered=False)` — compare-and-set queued -> running (or a takeover); None if not ours.
- `job_progress(*, job_id, done, total=None)` — rows or pages done so far.
- `job_succeed(*, job_id, result, done)` — the document is stored: done, 100%.
- `job_requeue(*, job_id, message)` / `job_fail(*, job_id, message)` — a retry is coming / it gave up.
"""

from __future__ import annotations

import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.models import Job, JobStatus

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
