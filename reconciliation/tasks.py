"""Celery entry points of reconciliation: take ids, call the engine or a service.

Beat entries the settings need (see the report):
    "reconciliation-nightly-sweep": {"task": "reconciliation.tasks.reconciliation_nightly_sweep",
                                     "schedule": crontab(hour=2, minute=30)}
"""
from celery import shared_task
from django.db import OperationalError

from vendor_portal.services.audit import Actor


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_invoices_task(invoice_ids: list[int]) -> dict:
    """An invoice was submitted or accepted: match its lines (idempotent)."""
    from .engine import match_invoices

    return match_invoices(invoice_ids=invoice_ids, actor=Actor.system()).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_receipt_task(po_line_ids: list[int]) -> dict:
    """Units were received on these PO lines: match the invoices that bill them (late receipts reverse claims)."""
    from .engine import match_purchase_order_lines

    return match_purchase_order_lines(po_line_ids=po_line_ids, actor=Actor.system()).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def reconciliation_nightly_sweep() -> dict:
    """Every matchable invoice again (late receipts turn shortage claims into reversals), then chargebacks."""
    from .engine import chargebacks_raise, match_invoices

    actor = Actor.system()
    summary = match_invoices(actor=actor).as_dict()
    summary["chargebacks"] = len(chargebacks_raise(actor=actor))
    return summary


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def render_remittance_document(remittance_id: int) -> int | None:
    """The remittance advice PDF/A; idempotent (same key, the old file replaced)."""
    from .models import Remittance
    from .services import remittance_document_render

    remittance = Remittance.objects.filter(pk=remittance_id).select_related("vendor", "marketplace").first()
    if remittance is None:
        return None
    return remittance_document_render(remittance=remittance, actor=Actor.system()).pk
