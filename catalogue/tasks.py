"""Celery entry points only: take ids, call a service."""

from celery import shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def propose_uploaded_items(self, job_id: str) -> int | None:
    """A confirmed new-items file's Job: every item proposed, all or none; returns the upload's id."""
    from vendor_portal.tasks import run_job

    from .services.item_uploads import item_proposal_upload_run

    job = run_job(self, job_id, item_proposal_upload_run)
    return int(job.target_id) if job is not None else None
