"""Celery entry points only: take ids, call a service."""

from celery import shared_task

from vendor_portal.tasks import run_job

from .services.labels import shipment_labels_render


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def render_shipment_labels(self, job_id: str) -> str | None:
    """Labels for a shipment's Job; redelivery, retries and failure as `vendor_portal.tasks.run_job` says."""
    job = run_job(self, job_id, shipment_labels_render)
    return str(job.result_id) if job is not None and job.result_id else None
