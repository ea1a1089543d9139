"""The match engine step by step, with the numbers worked out by hand: results, evidence, claims and reversals,
invoice states, audit rows and webhooks, through credit notes, late receipts, replaced ASNs and payment."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from invoicing.models import Invoice, InvoiceState
from purchase_orders.models import PurchaseOrderLine
from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind, DeductionReason, DeductionStatus, MatchResult, MatchStatus, MatchTolerance
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.invoicing.factories import shipped_po
from tests.reconciliation.factories import accept, accepted_credit_note, accepted_invoice, submitted_invoice
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


def subscribe(vendor):
    with audit_exempt():
        WebhookSubscription.objects.create(
            vendor=vendor,
            url="https://erp.example.com/hooks",
            secret="s" * 32,
            secret_set_at=timezone.now(),
            events=["deduction.raised", "invoice.state_changed"],
        )


def last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def outcome(invoice_ids=None) -> dict:
    """Runs the match; what it did: its summary, the results, and the audit rows and webhooks it wrote."""
    marks = {model: last_pk(model) for model in (AuditEvent, WebhookDelivery)}
    summary = match_invoices(invoice_ids=invoice_ids)
    return {
        "summary": summary.as_dict(),
        "results": list(MatchResult.objects.values("invoice_id", "status", "shipped_quantity")),
        "audits": list(AuditEvent.objects.filter(pk__gt=marks[AuditEvent]).values("action", "object_type", "object_id")),
        "webhooks": list(WebhookDelivery.objects.filter(pk__gt=marks[WebhookDelivery]).values_list("event", "vendor_id", "payload")),
    }


def test_the_match_step_by_step(vendor, other_vendor):
    us = marketplace("US")
    with audit_exempt():
        MatchTolerance.objects.create(vendor=None, marketplace=None, over_absolute=Decimal("1.00"), under_percent=Decimal("5"))
        MatchTolerance.objects.create(vendor=other_vendor, marketplace=None, over_percent=Decimal("1"), over_absolute=Decimal("20.00"))
        MatchTolerance.objects.create(vendor=other_vendor, marketplace=us, over_percent=Decimal("1"), over_absolute=Decimal("6.00"))
    subscribe(vendor)
    walk, walk_po = accepted_invoice(vendor, number="WALK-1")  # shortage 42.00, price 50.00
    rounding, _po = accepted_invoice(vendor, number="ROUND-1", quantity=3, received=3, invoiced_cost="10.01")  # 0.03 over
    waiting, waiting_po = accepted_invoice(vendor, number="WAIT-1", received=0, invoiced_cost="10.00", lines=2)
    under, _po = accepted_invoice(vendor, number="UNDER-1", received=100, invoiced_cost="9.00")
    within, _po = accepted_invoice(other_vendor, number="TOL-1", received=100, invoiced_cost="10.05")  # 5.00 over: within 6.00 and 1%
    beyond, _po = accepted_invoice(other_vendor, number="TOL-2", received=100, invoiced_cost="10.07")  # 7.00 over: beyond 6.00
    split_po = shipped_po(vendor, quantity=100, received=50)
    rows = lambda qty: [{"purchase_order_number": split_po.number, "po_line_sequence": 1, "quantity": qty, "unit_cost": "10.20"}]  # noqa: E731
    first = accept(submitted_invoice(vendor, split_po, number="PART-1", quantity=50, cost="10.20", lines=rows(50)))
    second = accept(submitted_invoice(vendor, split_po, number="PART-2", quantity=50, cost="10.20", lines=rows(50)))
    pending = submitted_invoice(vendor, shipped_po(vendor, quantity=10, received=10), number="SUB-1", quantity=10, cost="10.50")

    step = outcome()
    # walk 2, rounding 1 (the default tolerance has no percent), beyond 1, PART-1 price, PART-2 price and shortage
    assert step["summary"]["claims_raised"] == 7 and step["summary"]["on_hold"] == 1
    # the subscribed vendor's webhooks came from the audit rows written in SQL (no post_save), other_vendor has none
    assert Counter(event for event, _vendor, _data in step["webhooks"]) == {"deduction.raised": 6, "invoice.state_changed": 6}
    assert {vendor_id for _event, vendor_id, _data in step["webhooks"]} == {vendor.pk}
    assert Deduction.objects.get(invoice=rounding).reason == DeductionReason.ROUNDING_ISSUES
    statuses = {r["invoice_id"]: r["status"] for r in step["results"]}
    assert statuses[within.pk] == MatchStatus.MATCHED and statuses[beyond.pk] == MatchStatus.OVER_TOLERANCE
    assert statuses[under.pk] == MatchStatus.UNDER_BILLED and statuses[waiting.pk] == MatchStatus.PENDING_RECEIPT
    assert statuses[pending.pk] == MatchStatus.OVER_TOLERANCE and not Deduction.objects.filter(invoice=pending).exists()

    # Late receipts reverse the walk's shortage and release the invoice the engine held; AP accepts the pending one.
    purchase_order_lines_record_receipt(quantities={walk_po.lines.get().pk: (4, 0)}, actor=Actor.system())
    purchase_order_lines_record_receipt(quantities={line.pk: (100, 0) for line in waiting_po.lines.all()}, actor=Actor.system())
    accept(pending)
    step = outcome([walk.pk, waiting.pk, pending.pk, rounding.pk])
    assert step["summary"]["reversals"] == 1 and step["summary"]["claims_raised"] == 1 and step["summary"]["approved_for_payment"] == 2
    assert Invoice.objects.get(pk=waiting.pk).state == InvoiceState.APPROVED_FOR_PAYMENT

    # A corrected PO cost shrinks the split invoices' price claims: reversals.
    with audit_exempt():
        split_po.lines.update(net_cost=Decimal("10.10"))
    step = outcome([first.pk, second.pk])
    assert step["summary"]["reversals"] == 2

    step = outcome()  # nothing changed since: everything is left alone
    assert step["summary"]["claims_raised"] == step["summary"]["reversals"] == 0 and step["audits"] == []

    # Credit notes: 5.00 of TOL-2's 7.00 over-billing credited leaves 2.00, within its tolerance: the claim is reversed in
    # full; PART-2's 50 units credited back take its shortage (510.00) and what is left of its price claim (5.00) back;
    # returned goods are not a correction of the invoice: UNDER-1 is left alone.
    accepted_credit_note(other_vendor, beyond, quantity=1, unit_cost="5.00", reason="price_correction", number="CN-TOL-2")
    accepted_credit_note(vendor, second, quantity=50, unit_cost="10.20", reason="quantity_correction", number="CN-PART-2")
    accepted_credit_note(vendor, under, quantity=2, unit_cost="9.00", reason="return", number="CN-UNDER-1")  # not a correction
    step = outcome()
    assert step["summary"]["reversals"] == 3 and step["summary"]["claims_raised"] == 0
    reversals = Deduction.objects.filter(kind=DeductionKind.REVERSAL, reason=DeductionReason.CREDITED)
    assert sorted((d.invoice_id, d.amount) for d in reversals) == sorted(
        [(beyond.pk, Decimal("7.00")), (second.pk, Decimal("5.00")), (second.pk, Decimal("510.00"))]
    )
    step = outcome()
    assert step["audits"] == []

    # A replaced ASN ships less of WALK-1's PO line: nothing to claim differently, but the result's numbers (and the
    # shortage reason derived from them) are rewritten.
    with audit_exempt():
        walk_po.lines.update(shipped_quantity=F("shipped_quantity") - 10)
    step = outcome([walk.pk])
    assert [r["shipped_quantity"] for r in step["results"] if r["invoice_id"] == walk.pk] == [90]

    # Paid invoices, matched again when targeted, only give back: WALK-1's PO cost corrected up shrinks its price
    # claim (a reversal); UNDER-1's corrected down would now over-bill, but nothing new is claimed after payment.
    with audit_exempt():
        Invoice.objects.filter(pk__in=[walk.pk, under.pk]).update(state=InvoiceState.PAID)
        walk_po.lines.update(net_cost=Decimal("10.20"))
        PurchaseOrderLine.objects.filter(pk=under.lines.get().purchase_order_line_id).update(net_cost=Decimal("8.50"))
    step = outcome([walk.pk, under.pk])
    assert (step["summary"]["reversals"], step["summary"]["claims_raised"], step["summary"]["approved_for_payment"]) == (1, 0, 0)
    assert Deduction.objects.get(invoice=walk, kind=DeductionKind.REVERSAL, reason=DeductionReason.PRICE_CORRECTED).amount == Decimal("20.00")
    assert not Deduction.objects.filter(invoice=under).exists()
    assert set(Invoice.objects.filter(pk__in=[walk.pk, under.pk]).values_list("state", flat=True)) == {InvoiceState.PAID}
    assert outcome()["audits"] == []  # the nightly sweep leaves paid invoices alone


def test_a_second_run_finds_nothing_left_to_do(vendor):
    invoice, po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    again = outcome([invoice.pk])
    assert again["audits"] == [] and again["summary"]["claims_raised"] == 0
    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    match_invoices(invoice_ids=[invoice.pk])
    again = outcome([invoice.pk])
    assert again["audits"] == [] and again["summary"]["reversals"] == 0


def test_the_money_walk_numbers(vendor):
    """PO 100 @ 10.00, 96 received, invoiced 100 @ 10.50: shortage 4 x 10.50 = 42.00, price 0.50 x 100 = 50.00.
    No tolerance anywhere: the evidence says so with zeros."""
    invoice, po = accepted_invoice(vendor)
    now = timezone.now()
    summary = match_invoices(invoice_ids=[invoice.pk], now=now)

    assert summary.as_dict() == {
        "lines": 1,
        "by_status": {"over_tolerance": 1},
        "claims_raised": 2,
        "claims_updated": 0,
        "reversals": 0,
        "approved_for_payment": 1,
        "on_hold": 0,
    }
    result = MatchResult.objects.get(invoice=invoice)
    assert (
        result.status,
        result.currency,
        result.po_cost,
        result.invoiced_cost,
        result.ordered_quantity,
        result.received_quantity,
        result.invoiced_quantity,
        result.previously_invoiced_quantity,
        result.shortage_units,
        result.price_claim,
        result.shortage_claim,
        result.computed_at,
    ) == (MatchStatus.OVER_TOLERANCE, "USD", Decimal("10.00"), Decimal("10.50"), 100, 96, 100, 0, 4, Decimal("50.00"), Decimal("42.00"), now)
    assert result.variance_reasons == [
        {"variance_type": "PQV", "defect_types": ["SHORTAGES_IN_TRANSIT"]},
        {"variance_type": "PPV", "defect_types": ["PRODUCT_COST_NOT_REGISTERED"]},
    ]
    assert result.evidence == {
        "po_cost": "10.00",
        "invoiced_cost": "10.50",
        "price_variance": "0.50",
        "ordered_quantity": 100,
        "shipped_quantity": 100,
        "received_quantity": 96,
        "invoiced_quantity": 100,
        "previously_invoiced_quantity": 0,
        "credited_quantity": 0,
        "credited_amount": "0.00",
        "shortage_units": 4,
        "price_claim": "50.00",
        "shortage_claim": "42.00",
        "tolerance": {"id": None, "over_percent": "0", "over_absolute": "0", "under_percent": "0", "under_absolute": "0"},
        "currency": "USD",
        "computed_at": now.isoformat(),
    }
    claims = {d.kind: d for d in Deduction.objects.filter(invoice=invoice)}
    shortage, price = claims[DeductionKind.SHORTAGE_CLAIM], claims[DeductionKind.PRICE_CLAIM]
    assert (
        price.evidence
        == shortage.evidence
        == {  # a claim keeps its own copy, with the amounts judged against the tolerance
            "po_cost": "10.00",
            "invoiced_cost": "10.50",
            "price_variance": "0.50",
            "ordered_quantity": 100,
            "shipped_quantity": 100,
            "received_quantity": 96,
            "invoiced_quantity": 100,
            "previously_invoiced_quantity": 0,
            "shortage_units": 4,
            "price_claim": "50.00",
            "shortage_claim": "42.00",
            "credited_quantity": 0,
            "credited_amount": "0",
            "over_amount": "92.00",
            "under_amount": "0.00",
            "po_value": "1000.00",
            "tolerance": {"id": None, "over_percent": "0", "over_absolute": "0", "under_percent": "0", "under_absolute": "0"},
            "currency": "USD",
            "computed_at": now.isoformat(),
        }
    )
    assert (shortage.amount, shortage.reason, shortage.description) == (
        Decimal("42.00"),
        DeductionReason.SHORTAGES_IN_TRANSIT,
        "4 units invoiced beyond those received, at 10.50",
    )
    assert (price.amount, price.reason, price.description) == (
        Decimal("50.00"),
        DeductionReason.PRODUCT_COST_NOT_REGISTERED,
        "Invoiced at 10.50, PO cost 10.00, 100 units",
    )
    assert price.created_at == now
    match = AuditEvent.objects.get(action="invoice.match", object_id=str(invoice.pk))
    line_id = str(invoice.lines.get().pk)
    assert match.after == {"lines": {line_id: {"status": "over_tolerance", "price_claim": "50.00", "shortage_claim": "42.00"}}}
    raised = AuditEvent.objects.get(action="deduction.raise", object_id=str(shortage.pk))
    assert raised.after["amount"] == "42.00" and raised.object_repr == shortage.reference
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT and invoice.due_date is not None

    assert match_invoices(invoice_ids=[invoice.pk]).as_dict()["claims_raised"] == 0
    assert MatchResult.objects.get(invoice=invoice).computed_at == now  # unchanged numbers: the result is left alone

    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    later = now + datetime.timedelta(hours=1)
    summary = match_invoices(now=later)
    assert summary.as_dict()["reversals"] == 1
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL)
    assert (reversal.amount, reversal.reason, reversal.reverses_id) == (Decimal("42.00"), DeductionReason.LATE_RECEIPT, shortage.pk)
    shortage.refresh_from_db()
    assert shortage.status == DeductionStatus.REVERSED
    result.refresh_from_db()
    assert (result.received_quantity, result.shortage_units, result.shortage_claim, result.computed_at) == (100, 0, Decimal("0.00"), later)
    assert result.variance_reasons == [{"variance_type": "PPV", "defect_types": ["PRODUCT_COST_NOT_REGISTERED"]}]
    match = AuditEvent.objects.filter(action="invoice.match", object_id=str(invoice.pk)).order_by("-pk").first()
    assert match.after == {"lines": {line_id: {"status": "over_tolerance", "price_claim": "50.00", "shortage_claim": "0.00"}}}


def test_credit_note_for_the_short_units_reverses_the_shortage_claim_so_the_vendor_pays_for_them_once(vendor):
    """The money walk's invoice (4 units short: 42.00 claimed) then the vendor's credit note for those 4 units at 10.50:
    the claim is reversed (reason `credited`), the price claim stays, and the evidence shows the credited units."""
    invoice, _po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    shortage = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)

    credit_note = accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.50", reason="quantity_correction")
    summary = match_invoices(invoice_ids=[credit_note.pk])  # matching the credit note matches what it credits
    assert summary.as_dict()["reversals"] == 2 and summary.as_dict()["claims_raised"] == 0
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL, reverses=shortage)
    assert (reversal.amount, reversal.reason, reversal.reverses_id) == (Decimal("42.00"), DeductionReason.CREDITED, shortage.pk)
    assert reversal.description == f"Reverses {shortage.reference}: credited by a credit note"
    result = MatchResult.objects.get(invoice=invoice)
    assert (result.credited_quantity, result.shortage_units, result.shortage_claim, result.price_claim, result.matched_quantity) == (
        4,
        0,
        Decimal("0.00"),
        Decimal("48.00"),
        96,
    )  # the price claim is on the 96 units still billed
    assert result.evidence["credited_quantity"] == 4
    price = Deduction.objects.get(invoice=invoice, kind=DeductionKind.PRICE_CLAIM)
    assert price.status == DeductionStatus.PARTLY_REVERSED
    assert Deduction.objects.filter(reverses=price).get().amount == Decimal("2.00")
    assert match_invoices(invoice_ids=[invoice.pk]).as_dict()["reversals"] == 0


def test_credit_note_accepted_before_the_match_leaves_nothing_to_claim(vendor):
    """The vendor credits the 4 short units and the 0.50 overcharge on the 96 before AP's match runs: no claim at all."""
    invoice, _po = accepted_invoice(vendor)
    accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.50", reason="quantity_correction", number="CN-Q")
    accepted_credit_note(vendor, invoice, quantity=96, unit_cost="0.50", reason="price_correction", number="CN-P")
    summary = match_invoices(invoice_ids=[invoice.pk])
    assert summary.as_dict()["by_status"] == {"matched": 1} and summary.as_dict()["claims_raised"] == 0
    result = MatchResult.objects.get(invoice=invoice)
    assert (result.credited_quantity, result.credited_amount, result.shortage_units) == (4, Decimal("48.00"), 0)
    assert not Deduction.objects.filter(invoice=invoice).exists()
