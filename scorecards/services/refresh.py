"""The current week's scorecard refreshed on demand, as a job with progress (the page's button, the API).

- `scorecard_refresh_request(*, scope, actor, vendor=None)`: queue the job for the scope's vendor (retailer staff:
  the vendor given, or everyone); while one is queued or running for the same vendor, that one is handed back.
- `scorecard_refresh_run(*, job_id, redelivered=False)`: the job's work (scorecards.tasks.refresh_scorecard_job).
- `scorecard_refresh_latest(*, scope)`: the latest refresh job the scope's vendor (or everyone's) has, to follow it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import ForbiddenError
from vendor_portal.models import Job, JobStatus
from vendor_portal.roles import Action
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.services.jobs import JOB_QUEUED_FRESH, job_claim, job_enqueue_on_commit, job_progress, job_succeed

from ..metrics import week_start
from .weeks import scorecard_store_week

REFRESH_JOB_KIND = "scorecard_refresh"


def _target_vendor(scope, vendor):
    if scope is None or not scope.can(Action.REFRESH_SCORECARD):
        raise ForbiddenError()
    if scope.is_retailer:
        return vendor  # None: every vendor
    if scope.vendor is None:
        raise ForbiddenError()
    return scope.vendor


def _unfinished(vendor):
    now = timezone.now()
    return (
        Job.objects.filter(kind=REFRESH_JOB_KIND, vendor=vendor)
        .filter(Q(status=JobStatus.QUEUED, created_at__gte=now - JOB_QUEUED_FRESH) | Q(status=JobStatus.RUNNING))
        .order_by("created_at")
    )


def scorecard_refresh_request(*, scope, actor: Actor, vendor=None) -> Job:
    """Queue the refresh of the current week (Monday 00:00 UTC to now) for the vendor; `already_running` on the
    answer says whether an earlier request's job was handed back instead."""
    from ..tasks import refresh_scorecard_job

    vendor = _target_vendor(scope, vendor)
    week = week_start(timezone.now())
    with transaction.atomic():
        running = _unfinished(vendor).select_for_update().first()
        if running is not None:
            running.already_running = True
            return running
        job = Job.objects.create(
            vendor=vendor,
            kind=REFRESH_JOB_KIND,
            progress_total=2,
            params={"week": week.isoformat(), "vendor_ids": None if vendor is None else [vendor.pk]},
            created_by=actor.user,
        )
        audit_record(actor=actor, action="scorecard.refresh", obj=job, vendor=vendor, after={"job": str(job.pk), "week": week.isoformat()})
        job_enqueue_on_commit(job_id=job.pk, task=refresh_scorecard_job)
    job.already_running = False
    return job


def scorecard_refresh_run(*, job_id, redelivered: bool = False) -> Job | None:
    """The job's work: the week computed and its rows replaced (idempotent, so a redelivery just does it again)."""
    job = job_claim(job_id=job_id, redelivered=redelivered)
    if job is None:
        return None
    job_progress(job_id=job_id, done=1, total=2)
    rows = scorecard_store_week(week=week_start(timezone.now()), vendor_ids=job.params.get("vendor_ids"))
    Job.objects.filter(pk=job_id).update(message=_("%(n)s scorecard rows stored for the week.") % {"n": rows})
    job_succeed(job_id=job_id, result=None, done=2)
    return Job.objects.get(pk=job_id)


def scorecard_refresh_latest(*, scope, vendor=None) -> Job | None:
    if scope is None:
        return None
    if not scope.is_retailer:
        vendor = scope.vendor
    return Job.objects.visible_to(scope).filter(kind=REFRESH_JOB_KIND, vendor=vendor).order_by("-created_at").first()
