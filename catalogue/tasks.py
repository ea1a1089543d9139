"""Celery entry points only: take ids, call a service."""

import datetime

from celery import shared_task
from django.conf import settings

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.tasks_lock import single_run


@job_task
def propose_uploaded_items(self, job_id: str) -> int | None:
    """A confirmed new-items file's Job: every item proposed, all or none; returns the upload's id."""
    from .services.item_uploads import item_proposal_upload_run

    job = run_job(self, job_id, item_proposal_upload_run)
    return int(job.target_id) if job is not None else None


@shared_task(acks_late=True)
@single_run(ttl=30 * 60)
def purge_item_upload_files() -> int:
    """New-items files processed more than UPLOAD_RETENTION_DAYS ago lose their bytes (CELERY_BEAT_SCHEDULE, daily)."""
    from .services.item_uploads import item_uploads_purge

    return item_uploads_purge(older_than=datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS))
