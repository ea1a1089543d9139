"""Transactions of the Amazon-compatible door: stored by the POST, applied once by a Celery worker.

A handler per kind applies one payload item (one PO's acknowledgement, one shipment, one invoice)
through the portal's services and returns that item's errors in Amazon's shape. Shipments and
invoicing add their kinds with `register_transaction_handler`.

Applying is exactly-once: the worker claims the row by compare-and-set on `Processing`, holds its lock
while it works (a second worker skips it), and writes the outcome in the same database transaction as
the items' changes. A worker that dies leaves the row Processing and nothing applied; the beat sweep
`transactions_requeue_stale` queues it again, and after MAX_ATTEMPTS it fails with a clear error.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction as db_transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.models import Channel
from vendor_portal.services.audit import Actor, audit_record
from vendor_portal.tenancy import scope_for_token, scope_for_user

from .models import Transaction, TransactionStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # more than one run of Celery retries: the sweep gets its turns too
STALE_AFTER = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class TransactionHandler:
    kind: str
    items_key: str  # the payload's list of items, e.g. "acknowledgements", "shipmentConfirmations", "invoices"
    # apply_item(*, item, index, scope, actor) -> list of Amazon errors ({"code", "message", "details"}) for that item.
    # It must change nothing when it returns errors (the portal's services are atomic).
    apply_item: Callable[..., list[dict]]
    read_action: str | None = None  # who may read such a transaction's status (Action), besides being the vendor


_HANDLERS: dict[str, TransactionHandler] = {}


def register_transaction_handler(kind: str, fn: Callable[..., list[dict]], *, items_key: str, read_action: str | None = None) -> None:
    _HANDLERS[kind] = TransactionHandler(kind=kind, items_key=items_key, apply_item=fn, read_action=read_action)


def transaction_handler(kind: str) -> TransactionHandler | None:
    return _HANDLERS.get(kind)


def transaction_submit(*, scope, kind: str, payload: dict, actor: Actor) -> Transaction:
    """Store a validated request and queue it for a worker once the row is committed."""
    handler = _HANDLERS[kind]
    with db_transaction.atomic():
        txn = Transaction.objects.create(
            vendor=scope.vendor,
            token=actor.token,
            submitted_by=actor.user,
            request_id=actor.request_id,
            kind=kind,
            payload=payload,
        )
        audit_record(
            actor=actor,
            action="transaction.submit",
            obj=txn,
            after={"kind": kind, "status": txn.status, "items": len(payload.get(handler.items_key) or [])},
        )
        # robust: a broker that is down must not fail the request; the stale sweep queues the row later.
        db_transaction.on_commit(functools.partial(_enqueue, txn.pk), robust=True)
    return txn


def _enqueue(transaction_id) -> None:
    from .tasks import apply_transaction

    apply_transaction.delay(str(transaction_id))


def transaction_actor(txn: Transaction) -> Actor:
    return Actor(user=txn.submitted_by, token=txn.token, channel=Channel.API, request_id=txn.request_id)


def transaction_scope(txn: Transaction):
    if txn.token_id:
        return scope_for_token(txn.token)
    if txn.submitted_by_id:
        return scope_for_user(txn.submitted_by, txn.vendor_id)
    return None


def _failure(code: str, message: str) -> list[dict]:
    return [{"code": code, "message": message}]


def _apply_items(txn: Transaction) -> list[dict]:
    handler = _HANDLERS.get(txn.kind)
    if handler is None:
        return _failure("InternalFailure", _("Transactions of kind %(kind)s cannot be applied.") % {"kind": txn.kind})
    scope = transaction_scope(txn)
    if scope is None or scope.vendor_id != txn.vendor_id:
        return _failure("Unauthorized", _("The credential that submitted this transaction no longer belongs to the vendor."))
    actor = transaction_actor(txn)
    errors = []
    for index, item in enumerate(txn.payload.get(handler.items_key) or []):
        errors.extend(handler.apply_item(item=item, index=index, scope=scope, actor=actor))
    return errors


def transaction_apply(*, transaction_id) -> str | None:
    """Apply a Processing transaction. Returns its final status, or None when there was nothing to do
    (already finished, or another worker holds it)."""
    # Compare-and-set: a finished transaction is never claimed again, so a redelivered task is a no-op.
    claimed = Transaction.objects.filter(pk=transaction_id, status=TransactionStatus.PROCESSING).update(
        attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return None
    with db_transaction.atomic():
        txn = (
            Transaction.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("vendor", "token__vendor", "submitted_by")
            .filter(pk=transaction_id, status=TransactionStatus.PROCESSING)
            .first()
        )
        if txn is None:
            return None
        if txn.attempts > MAX_ATTEMPTS:
            errors = _failure(
                "InternalFailure",
                _("The transaction could not be applied after %(n)s attempts; nothing of it was saved. Please submit it again.")
                % {"n": MAX_ATTEMPTS},
            )
        else:
            errors = _apply_items(txn)
        status = TransactionStatus.FAILURE if errors else TransactionStatus.SUCCESS
        now = timezone.now()
        Transaction.objects.filter(pk=txn.pk, status=TransactionStatus.PROCESSING).update(
            status=status, errors=errors, finished_at=now, updated_at=now
        )
    logger.info("transaction %s (%s) finished: %s with %s errors", transaction_id, txn.kind, status, len(errors))
    return status


def transactions_requeue_stale(*, older_than: datetime.timedelta = STALE_AFTER, now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Queue again every transaction still Processing after `older_than` (its worker crashed, or the
    broker lost the message). Each row is claimed by compare-and-set, so two sweeps never double it."""
    now = now or timezone.now()
    cutoff = now - older_than
    stale = Transaction.objects.filter(status=TransactionStatus.PROCESSING, updated_at__lt=cutoff).order_by("updated_at")
    queued = 0
    for transaction_id in stale.values_list("pk", flat=True)[:batch]:
        if Transaction.objects.filter(pk=transaction_id, status=TransactionStatus.PROCESSING, updated_at__lt=cutoff).update(updated_at=now):
            _enqueue(transaction_id)
            queued += 1
    if queued:
        logger.warning("requeued %s stale transactions", queued)
    return queued
