"""Celery entry points of reconciliation: take ids, call the engine or a service.

Beat entries the settings need (see the report):
    "reconciliation-nightly-sweep": {"task": "reconciliation.tasks.reconciliation_nightly_sweep",
                                     "schedule": crontab(hour=2, minute=30)}
"""

from celery import shared_task
from django.db import OperationalError, transaction

from vendor_portal.job_tasks import job_task, run_job
from vendor_portal.services.audit import Actor
from vendor_portal.tasks_lock import single_run


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_invoices_task(invoice_ids: list[int]) -> dict:
    """An invoice was submitted or accepted: match its lines (idempotent)."""
    from .engine import match_invoices

    return match_invoices(invoice_ids=invoice_ids, actor=Actor.system()).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def match_receipt_task(po_line_ids: list[int]) -> dict:
    """Units were received on these PO lines (a whole receipt): match, in one run, every invoice that bills
    them (late receipts reverse claims). Idempotent: a second delivery finds nothing left to do."""
    from .engine import match_purchase_order_lines

    return match_purchase_order_lines(po_line_ids=po_line_ids, actor=Actor.system()).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
@single_run(ttl=3 * 60 * 60)
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
    from .services.remittance_advice import remittance_document_render

    remittance = Remittance.objects.filter(pk=remittance_id).select_related("vendor", "marketplace").first()
    if remittance is None:
        return None
    return remittance_document_render(remittance=remittance, actor=Actor.system()).pk


def queue_invoice_match(batch) -> None:
    """InvoiceSubmitted / InvoiceAccepted, after the commit: match the invoices of the batch."""
    match_invoices_task.delay(sorted({event.invoice_id for event in batch}))


def queue_receipt_match(batch) -> None:
    """PurchaseOrderLinesReceived (subscribed in the publishing transaction): one match for every PO line the
    transaction received units on, queued for after its commit."""
    queue_after_commit(match_receipt_task, [line_id for event in batch for line_id in event.purchase_order_line_ids])


class _QueuedAfterCommit:
    """The ids one transaction collected for `task`, sent in one call once it commits."""

    def __init__(self, task):
        self.task, self.ids, self.sent = task, set(), False

    def __call__(self):
        self.sent = True
        self.task.delay(sorted(self.ids))


def queue_after_commit(task, ids) -> None:
    """Queue `task(sorted ids)` once the current transaction commits, one call per transaction whatever
    the number of calls here: a transaction that books receipts on 40 PO lines in several steps queues
    one match for the 40. A rolled-back transaction queues nothing (ids added in a
    savepoint that rolls back while the transaction's call was already waiting stay in it: harmless, the
    match is idempotent)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        task.delay(sorted(set(ids)))
        return
    pending = connection.__dict__.setdefault("reconciliation_queued_after_commit", {})
    batch = pending.get(task.name)
    # A new batch unless this transaction already has one waiting: the last one was sent, or was dropped
    # with the (savepoint) rollback that discarded its on_commit callback.
    if batch is None or batch.sent or not any(entry[1] is batch for entry in connection.run_on_commit):
        batch = pending[task.name] = _QueuedAfterCommit(task)
        transaction.on_commit(batch)
    batch.ids.update(ids)


@job_task
def render_dispute_packet(self, job_id: str) -> str | None:
    """A deduction's dispute packet (PDF/A) for its Job; redelivery, retries and failure as run_job says."""
    from .services.dispute_packets import dispute_packet_build

    job = run_job(self, job_id, dispute_packet_build)
    return str(job.result_id) if job is not None and job.result_id else None
