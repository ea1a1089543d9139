from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoicing.models import InvoiceState
from reconciliation.engine import chargebacks_raise, match_invoices
from reconciliation.models import ChargebackRate, Deduction, DeductionKind, MatchResult, MatchStatus, MatchTolerance
from shipments.models import ComplianceEvent, ComplianceEventKind
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.invoicing.factories import shipped_po
from tests.reconciliation.factories import accept, accepted_invoice, submitted_invoice

pytestmark = pytest.mark.django_db


def test_engine_issues_the_same_number_of_queries_for_5_and_50_lines(vendor, other_vendor):
    small, _ = accepted_invoice(vendor, lines=5, number="SMALL-1", quantity=10, received=8)
    large, _ = accepted_invoice(other_vendor, lines=50, number="LARGE-1", quantity=10, received=8)
    with CaptureQueriesContext(connection) as five:
        match_invoices(invoice_ids=[small.pk])
    with CaptureQueriesContext(connection) as fifty:
        match_invoices(invoice_ids=[large.pk])
    assert Deduction.objects.filter(invoice=large).count() == 100
    assert len(five) == len(fifty), [q["sql"][:80] for q in fifty.captured_queries]
    assert len(fifty) <= 20


def test_over_billing_within_tolerance_matches_and_raises_no_claim(vendor):
    with audit_exempt():
        MatchTolerance.objects.create(vendor=vendor, marketplace=None, over_percent=Decimal("1"), over_absolute=Decimal("20.00"))
    invoice, _ = accepted_invoice(vendor, received=100, invoiced_cost="10.05")  # 5.00 over on 1000.00: 0.5%
    match_invoices(invoice_ids=[invoice.pk])
    assert MatchResult.objects.get(invoice=invoice).status == MatchStatus.MATCHED
    assert not Deduction.objects.filter(invoice=invoice).exists()
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT


def test_tolerance_is_both_percent_and_absolute(vendor):
    with audit_exempt():
        MatchTolerance.objects.create(vendor=None, marketplace=None, over_percent=Decimal("10"), over_absolute=Decimal("20.00"))
    invoice, _ = accepted_invoice(vendor, received=100, invoiced_cost="10.50")  # 50.00 over: within 10% but above 20.00
    match_invoices(invoice_ids=[invoice.pk])
    assert MatchResult.objects.get(invoice=invoice).status == MatchStatus.OVER_TOLERANCE


def test_under_billing_only_warns(vendor):
    invoice, _ = accepted_invoice(vendor, received=100, invoiced_cost="9.00")
    match_invoices(invoice_ids=[invoice.pk])
    assert MatchResult.objects.get(invoice=invoice).status == MatchStatus.UNDER_BILLED
    assert not Deduction.objects.filter(invoice=invoice).exists()
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT


def test_nothing_received_puts_the_invoice_on_hold_until_the_goods_arrive(vendor):
    from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
    from vendor_portal.services.audit import Actor

    invoice, po = accepted_invoice(vendor, received=0, invoiced_cost="10.00")
    match_invoices(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ON_HOLD
    assert MatchResult.objects.get(invoice=invoice).status == MatchStatus.PENDING_RECEIPT
    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (100, 0)}, actor=Actor.system())
    match_invoices()
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT
    assert not Deduction.objects.filter(invoice=invoice).exists()


def test_submitted_invoice_gets_results_but_no_claims_until_accepted(vendor):
    po = shipped_po(vendor, quantity=100, received=96)
    invoice = submitted_invoice(vendor, po, number="SUB-1", quantity=100, cost="10.50")
    match_invoices(invoice_ids=[invoice.pk])
    assert MatchResult.objects.get(invoice=invoice).price_claim == Decimal("50.00")
    assert not Deduction.objects.filter(invoice=invoice).exists()
    accept(invoice)
    match_invoices(invoice_ids=[invoice.pk])
    assert Deduction.objects.filter(invoice=invoice).count() == 2


def test_units_taken_by_an_earlier_invoice_count_as_invoiced(vendor):
    po = shipped_po(vendor, quantity=100, received=50)
    line = po.lines.get()

    def rows(qty):
        return [{"purchase_order_number": po.number, "po_line_sequence": line.sequence, "quantity": qty, "unit_cost": "10.00"}]

    first = accept(submitted_invoice(vendor, po, number="PART-1", quantity=50, cost="10.00", lines=rows(50)))
    second = accept(submitted_invoice(vendor, po, number="PART-2", quantity=50, cost="10.00", lines=rows(50)))
    match_invoices(invoice_ids=[second.pk, first.pk])
    assert not Deduction.objects.filter(invoice=first).exists()
    shortage = Deduction.objects.get(invoice=second, kind=DeductionKind.SHORTAGE_CLAIM)
    assert shortage.amount == Decimal("500.00")
    assert MatchResult.objects.get(invoice=second).previously_invoiced_quantity == 50


def test_accepting_an_invoice_queues_the_match(vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=100, received=96)
    invoice = submitted_invoice(vendor, po, number="AUTO-1", quantity=100, cost="10.50")
    with django_capture_on_commit_callbacks(execute=True):
        accept(invoice)
    assert Deduction.objects.filter(invoice=invoice).count() == 2


def test_chargebacks_from_compliance_events_are_raised_once(vendor):
    from shipments.models import Shipment

    us = marketplace("US")
    with audit_exempt():
        ChargebackRate.objects.create(marketplace=us, category="asn_late", amount=Decimal("75.00"), currency="USD")
        from tests.shipments.factories import warehouse

        shipment = Shipment.objects.create(
            vendor=vendor, marketplace=us, ship_to=warehouse(), shipment_identifier="ACME-SHIP-9", ship_date="2026-11-01"
        )
        ComplianceEvent.objects.create(vendor=vendor, shipment=shipment, kind=ComplianceEventKind.ASN_LATE, occurred_at="2026-11-02T10:00:00Z")
        ComplianceEvent.objects.create(vendor=vendor, shipment=shipment, kind=ComplianceEventKind.SHORT_SHIPPED, occurred_at="2026-11-02T10:00:00Z")
    created = chargebacks_raise()
    assert [(d.kind, d.reason, d.amount) for d in created] == [(DeductionKind.CHARGEBACK, "asn_late", Decimal("75.00"))]
    assert chargebacks_raise() == []
    assert Deduction.objects.filter(kind=DeductionKind.CHARGEBACK).count() == 1


def test_a_receipt_booked_later_queues_the_match_that_reverses_the_shortage(vendor, django_capture_on_commit_callbacks):
    from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
    from vendor_portal.services.audit import Actor

    invoice, po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL)
    assert reversal.amount == Decimal("42.00") and reversal.reverses.kind == DeductionKind.SHORTAGE_CLAIM
