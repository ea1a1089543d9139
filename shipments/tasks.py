"""Celery entry points only: take ids, call a service."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from .services.labels import job_fail, job_requeue, shipment_labels_render
from .services.packing_list import shipment_packing_list_build

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def render_shipment_labels(self, job_id: str) -> str | None:
    """Labels for a shipment's Job. A worker that dies mid-job leaves the message unacknowledged, so
    it is redelivered (at once when a pool process dies, through reject_on_worker_lost; after the
    broker's visibility timeout when the whole worker goes) and the job restarts from scratch, up to
    services.labels.JOB_MAX_ATTEMPTS times; a transient error retries with backoff."""
    return _run_job(self, job_id, shipment_labels_render, "label")


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=3)
def render_shipment_packing_list(self, job_id: str) -> str | None:
    """The packing list of a shipment's Job, in a worker like the labels (same redelivery and retries)."""
    return _run_job(self, job_id, shipment_packing_list_build, "packing list")


def _run_job(task, job_id: str, work, what: str) -> str | None:
    redelivered = bool((task.request.delivery_info or {}).get("redelivered"))
    try:
        job = work(job_id=job_id, redelivered=redelivered)
    except TRANSIENT_ERRORS as error:
        if task.request.retries >= task.max_retries:
            job_fail(job_id=job_id, message=_("Gave up after %(n)s attempts: %(error)s") % {"n": task.request.retries + 1, "error": error})
            raise
        job_requeue(job_id=job_id, message=_("Retrying after: %(error)s") % {"error": error})
        raise task.retry(exc=error, countdown=2 ** (task.request.retries + 1)) from error
    except Exception as error:
        logger.exception("%s job %s failed", what, job_id)
        job_fail(job_id=job_id, message=str(error) or error.__class__.__name__)
        raise
    return str(job.result_id) if job is not None and job.result_id else None
