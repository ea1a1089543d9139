"""A receipt queues one match for all its PO lines (not one per line), and that one match leaves what
matching line by line left."""

from decimal import Decimal

import pytest
from django.db import transaction

from invoicing.models import Invoice, InvoiceState
from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
from reconciliation import tasks
from reconciliation.engine import match_invoices, match_purchase_order_lines
from reconciliation.models import Deduction, DeductionKind, MatchResult
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import ReceivedLine, receipt_create
from tests.reconciliation.factories import accepted_invoice
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


class QueuedMatches:
    """Stands in for match_receipt_task: records each queued call, then runs the real task."""

    task = tasks.match_receipt_task
    name = task.name

    def __init__(self):
        self.calls = []

    def delay(self, po_line_ids):
        self.calls.append(po_line_ids)
        return self.task(po_line_ids)


@pytest.fixture
def queued(monkeypatch):
    recorder = QueuedMatches()
    monkeypatch.setattr(tasks, "match_receipt_task", recorder)
    return recorder


def test_a_receipt_of_many_lines_queues_one_match_for_all_its_po_lines(vendor, queued, django_capture_on_commit_callbacks):
    po = confirmed_purchase_order(vendor, lines=5, quantity=12)
    ship_from(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    shipment = shipment_create(scope=scope, data=plan(po), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    receiving = Scope(roles=frozenset({Role.RECEIVING}), is_retailer=True)

    with django_capture_on_commit_callbacks(execute=True):
        receipt_create(
            scope=receiving,
            shipment_id=shipment.pk,
            actor=Actor.system(),
            lines=[ReceivedLine(line.pk, 12) for line in shipment.lines.all()],
            complete=True,
        )

    po_line_ids = sorted(po.lines.values_list("pk", flat=True))
    assert AuditEvent.objects.filter(action="purchase_order_line.receive").count() == 5
    assert queued.calls == [po_line_ids]


def test_one_match_for_the_receipt_leaves_what_matching_line_by_line_left(vendor, other_vendor, queued, django_capture_on_commit_callbacks):
    short, short_po = accepted_invoice(vendor, number="SHORT-1", lines=2)  # 96 of 100 received per line, billed 100 @ 10.50
    waiting, waiting_po = accepted_invoice(other_vendor, number="WAIT-1", received=0, invoiced_cost="10.00")
    match_invoices(invoice_ids=[short.pk, waiting.pk])
    assert Invoice.objects.get(pk=waiting.pk).state == InvoiceState.ON_HOLD
    receipt = {line.pk: (4, 0) for line in short_po.lines.all()} | {waiting_po.lines.get().pk: (100, 0)}
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    with django_capture_on_commit_callbacks() as callbacks:
        purchase_order_lines_record_receipt(quantities=receipt, actor=Actor.system())
    assert len([callback for callback in callbacks if isinstance(callback, tasks._QueuedAfterCommit)]) == 1

    with transaction.atomic():  # what one task per PO line (the old hook) leaves, then rolled back
        for po_line_id in sorted(receipt):
            match_purchase_order_lines(po_line_ids=[po_line_id])
        line_by_line = _outcome(mark)
        transaction.set_rollback(True)
    for callback in callbacks:
        callback()

    assert queued.calls == [sorted(receipt)]
    assert _outcome(mark) == line_by_line
    reversals = Deduction.objects.filter(kind=DeductionKind.REVERSAL)
    assert sorted(reversals.values_list("amount", flat=True)) == [Decimal("42.00"), Decimal("42.00")]
    assert Invoice.objects.get(pk=waiting.pk).state == InvoiceState.APPROVED_FOR_PAYMENT


def test_a_rolled_back_receipt_queues_nothing(vendor, queued, django_capture_on_commit_callbacks):
    _invoice, po = accepted_invoice(vendor, lines=2)
    first, second = po.lines.order_by("pk")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                purchase_order_lines_record_receipt(quantities={second.pk: (1, 0)}, actor=Actor.system())
                raise RuntimeError("the dock cancels")
        except RuntimeError:
            pass
        with transaction.atomic():
            purchase_order_lines_record_receipt(quantities={first.pk: (1, 0)}, actor=Actor.system())
    assert queued.calls == [[first.pk]]


def test_match_tasks_acknowledge_late():
    assert tasks.match_receipt_task.acks_late and tasks.match_invoices_task.acks_late


def _outcome(after_audit_pk) -> dict:
    """Everything a match leaves, without ids of new rows and clock times (the two runs differ there)."""
    results = sorted(
        ({k: v for k, v in row.items() if k not in ("id", "computed_at", "evidence")} for row in MatchResult.objects.values()),
        key=lambda row: row["invoice_line_id"],
    )
    deductions = sorted(
        ({k: v for k, v in row.items() if k not in ("id", "created_at", "updated_at", "evidence")} for row in Deduction.objects.values()),
        key=repr,
    )
    audits = sorted(
        repr((row["action"], row["object_type"], row["before"], row["after"]))
        for row in AuditEvent.objects.filter(pk__gt=after_audit_pk, object_type__in=["invoicing.invoice", "reconciliation.deduction"]).values(
            "action", "object_type", "before", "after"
        )
    )
    invoices = list(Invoice.objects.order_by("pk").values_list("pk", "state", "due_date"))
    return {"results": results, "deductions": deductions, "audits": audits, "invoices": invoices}
