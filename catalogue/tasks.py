"""Celery entry points only: take ids, call a service."""

from vendor_portal.job_tasks import job_task, run_job


@job_task
def propose_uploaded_items(self, job_id: str) -> int | None:
    """A confirmed new-items file's Job: every item proposed, all or none; returns the upload's id."""
    from .services.item_uploads import item_proposal_upload_run

    job = run_job(self, job_id, item_proposal_upload_run)
    return int(job.target_id) if job is not None else None
