"""Celery entry points only: take ids, call a service."""

from vendor_portal.job_tasks import job_task, run_job

from .services.labels import shipment_labels_render
from .services.packing_list import shipment_packing_list_build


@job_task
def render_shipment_labels(self, job_id: str) -> str | None:
    """Labels for a shipment's Job; redelivery, retries and failure as `vendor_portal.tasks.run_job` says."""
    job = run_job(self, job_id, shipment_labels_render)
    return str(job.result_id) if job is not None and job.result_id else None


@job_task
def render_shipment_packing_list(self, job_id: str) -> str | None:
    """The packing list of a shipment's Job, in a worker like the labels (same redelivery and retries)."""
    job = run_job(self, job_id, shipment_packing_list_build)
    return str(job.result_id) if job is not None and job.result_id else None
