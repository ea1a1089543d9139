import datetime
import logging

from celery import shared_task
from django.conf import settings

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.services.audit import Actor
from vendor_portal.tasks_lock import single_run

from .models import SENT_STATES, Invoice
from .services.pdf import invoice_document_render

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_invoice_document(invoice_id: int) -> int | None:
    """The PDF/A of a submitted invoice; idempotent (same key, the old file replaced). A sent invoice's
    Factur-X follows in its own task."""
    invoice = Invoice.objects.filter(pk=invoice_id).select_related("vendor", "marketplace").first()
    if invoice is None:
        return None
    stored = invoice_document_render(invoice=invoice, actor=Actor.system()).pk
    if invoice.state in SENT_STATES:
        render_invoice_facturx.delay(invoice_id)
    return stored


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_invoice_ubl(invoice_id: int) -> int | None:
    """The UBL (Peppol BIS Billing 3.0) of a submitted invoice, checked against the rules once and stored;
    idempotent (same key). A document that breaks a rule is not stored: the download then says which rules."""
    from .services.ubl import EInvoiceRefused, invoice_ubl_render

    invoice = Invoice.objects.filter(pk=invoice_id).select_related("vendor", "marketplace").first()
    if invoice is None:
        return None
    try:
        return invoice_ubl_render(invoice=invoice, actor=Actor.system()).pk
    except EInvoiceRefused as refused:
        logger.warning("invoice %s not issued as UBL: %s", invoice_id, [error.field for error in refused.errors])
        return None


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_invoice_facturx(invoice_id: int) -> int | None:
    """The Factur-X PDF/A-3 of a sent invoice, its XML validated once (schema and schematron); idempotent."""
    from .services.facturx import invoice_facturx_render

    invoice = Invoice.objects.filter(pk=invoice_id, state__in=SENT_STATES).select_related("vendor", "marketplace").first()
    if invoice is None:
        return None
    return invoice_facturx_render(invoice=invoice, actor=Actor.system()).pk


@job_task
def receive_einvoice(self, job_id: str) -> int | None:
    """An uploaded e-invoice's Job: validated, read and submitted as its uploader; returns the receipt id."""
    from .services.einvoices import einvoice_receive_run

    job = run_job(self, job_id, einvoice_receive_run)
    return int(job.target_id) if job is not None else None


@shared_task(acks_late=True)
@single_run(ttl=30 * 60)
def purge_refused_einvoice_files() -> int:
    """Refused e-invoices refused more than UPLOAD_RETENTION_DAYS ago lose their bytes (CELERY_BEAT_SCHEDULE, daily)."""
    from .services.einvoices import einvoice_receipts_purge

    return einvoice_receipts_purge(older_than=datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS))
