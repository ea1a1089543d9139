import logging

from celery import shared_task

from vendor_portal.services.audit import Actor

from .models import Invoice
from .services.pdf import invoice_document_render

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_invoice_document(invoice_id: int) -> int | None:
    """The PDF/A of a submitted invoice; idempotent (same key, the old file replaced)."""
    invoice = Invoice.objects.filter(pk=invoice_id).select_related("vendor", "marketplace").first()
    if invoice is None:
        return None
    return invoice_document_render(invoice=invoice, actor=Actor.system()).pk


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
