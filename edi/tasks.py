import logging

from celery import shared_task

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.tasks_lock import single_run

from .services.inbox import edi_inbox_poll
from .services.outbound import edi_purchase_order_850
from .services.uploads import edi_upload_run

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def send_850(purchase_order_id: int) -> int | None:
    from purchase_orders.models import PurchaseOrder

    purchase_order = PurchaseOrder.objects.filter(pk=purchase_order_id).first()
    if purchase_order is None:
        return None
    try:
        interchange = edi_purchase_order_850(purchase_order=purchase_order)
    except ValueError:
        # Data X12 cannot carry (a delimiter inside an id): retrying will not help.
        logger.exception("EDI 850 for PO %s cannot be written", purchase_order_id)
        return None
    return interchange.pk if interchange else None


@shared_task(acks_late=True)
@single_run(ttl=10 * 60)
def edi_poll_inbox() -> dict:
    result = edi_inbox_poll()
    return {"processed": result.processed, "failed": result.failed}


@job_task
def receive_interchange(self, job_id: str) -> int | None:
    """An uploaded interchange's Job: read and applied as its uploader; returns the number of sets."""
    job = run_job(self, job_id, edi_upload_run)
    return job.progress_done if job is not None else None
