from celery import shared_task

from vendor_portal.services.audit import Actor

from .models import Invoice
from .services.pdf import invoice_document_render


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_invoice_document(invoice_id: int) -> int | None:
    """The PDF/A of a submitted invoice; idempotent (same key, the old file replaced)."""
    invoice = Invoice.objects.filter(pk=invoice_id).select_related("vendor", "marketplace").first()
    if invoice is None:
        return None
    return invoice_document_render(invoice=invoice, actor=Actor.system()).pk
