"""Celery entry points (schedule: settings.CELERY_BEAT_SCHEDULE). Idempotent: a week's rows are replaced whole."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.tasks_lock import single_run

from .metrics import week_start
from .services.weeks import scorecard_store_week, scorecard_store_weeks, scorecard_weeks_unknown

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}
# Late receipts, matches and disputes still change the weeks just closed: the weekly run recomputes these too.
WEEKS_REOPENED = 4


@shared_task(**RETRY)
@single_run(ttl=60 * 60)
def store_scorecard_weeks() -> int:
    """Weekly: the week just closed, the few before it, and the current one; and any older week stored before a
    measure counted what it counts now (label compliance in cartons), so the page shows its figure again."""
    this_week = week_start(timezone.now())
    first_reopened = this_week - datetime.timedelta(weeks=WEEKS_REOPENED)
    stored = sum(scorecard_store_week(week=week) for week in scorecard_weeks_unknown() if week < first_reopened)
    return stored + scorecard_store_weeks(first_week=first_reopened, last_week=this_week)


@shared_task(**RETRY)
@single_run(ttl=30 * 60)
def refresh_current_scorecard_week(vendor_id: int | None = None) -> int:
    """The current week so far, for one vendor (on demand) or everyone (hourly)."""
    return scorecard_store_week(week=week_start(timezone.now()), vendor_ids=None if vendor_id is None else [vendor_id])


@job_task
def refresh_scorecard_job(self, job_id: str) -> int | None:
    """The current week's refresh someone asked for (page or API), as its Job; redelivery and retries as run_job says."""
    from .services.refresh import scorecard_refresh_run

    job = run_job(self, job_id, scorecard_refresh_run)
    return job.progress_done if job is not None else None
