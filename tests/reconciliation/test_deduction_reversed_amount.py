"""Deduction.reversed_amount: what a deduction's reversals gave back, kept by every writer of a reversal (the
match engine's SQL after late receipts, a dispute's answer) so lists read it without a self-join."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind, DeductionStatus, DisputeStatus
from tests.audit_check import audit_exempt
from tests.reconciliation.factories import accepted_invoice, deduction
from tests.reconciliation.test_disputes import answer, dispute

pytestmark = pytest.mark.django_db


def reversed_by_its_reversals(claim: Deduction) -> Decimal:
    return claim.reversals.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def receive(po, units, django_capture_on_commit_callbacks):
    from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
    from vendor_portal.services.audit import Actor

    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (units, 0)}, actor=Actor.system())


def test_late_receipts_reverse_a_shortage_claim_in_part_then_in_full(vendor, django_capture_on_commit_callbacks):
    invoice, po = accepted_invoice(vendor, quantity=100, received=96)  # 4 units short at 10.50
    match_invoices(invoice_ids=[invoice.pk])
    claim = Deduction.objects.get(kind=DeductionKind.SHORTAGE_CLAIM)
    assert (claim.amount, claim.reversed_amount, claim.remaining_amount) == (Decimal("42.00"), Decimal("0.00"), Decimal("42.00"))

    receive(po, 2, django_capture_on_commit_callbacks)  # half the missing units turn up: half the claim back
    claim.refresh_from_db()
    assert claim.status == DeductionStatus.PARTLY_REVERSED
    assert claim.reversed_amount == Decimal("21.00") == reversed_by_its_reversals(claim)

    receive(po, 2, django_capture_on_commit_callbacks)
    claim.refresh_from_db()
    assert claim.status == DeductionStatus.REVERSED
    assert claim.reversed_amount == Decimal("42.00") == reversed_by_its_reversals(claim)
    assert claim.remaining_amount == Decimal("0.00")
    assert set(Deduction.objects.filter(kind=DeductionKind.REVERSAL).values_list("reversed_amount", flat=True)) == {Decimal("0.00")}

    match_invoices(invoice_ids=[invoice.pk])  # a re-run changes nothing
    claim.refresh_from_db()
    assert claim.reversed_amount == Decimal("42.00") and claim.reversals.count() == 2


def test_a_dispute_reverses_in_part_then_a_second_one_the_rest(vendor):
    claim = deduction(vendor, amount="100.00")
    answer(dispute(vendor, claim.pk), DisputeStatus.PARTLY_REVERSED, amount="30.00", note="Part of the delay was the carrier's")
    claim.refresh_from_db()
    assert (claim.status, claim.reversed_amount, claim.remaining_amount) == (DeductionStatus.PARTLY_REVERSED, Decimal("30.00"), Decimal("70.00"))

    answer(dispute(vendor, claim.pk, reason="The rest: the gate log attached"), DisputeStatus.REVERSED)
    claim.refresh_from_db()
    assert (claim.status, claim.reversed_amount, claim.remaining_amount) == (DeductionStatus.REVERSED, Decimal("100.00"), Decimal("0.00"))
    assert claim.reversed_amount == reversed_by_its_reversals(claim)


def test_an_upheld_dispute_gives_nothing_back(vendor):
    claim = deduction(vendor, amount="25.00")
    answer(dispute(vendor, claim.pk), DisputeStatus.UPHELD, note="The ASN was late")
    claim.refresh_from_db()
    assert claim.reversed_amount == Decimal("0.00") and not claim.reversals.exists()


def test_the_list_and_the_api_show_what_was_given_back(vendor, client, django_capture_on_commit_callbacks):
    from tests.reconciliation.factories import finance_user

    invoice, po = accepted_invoice(vendor, quantity=100, received=96)
    match_invoices(invoice_ids=[invoice.pk])
    receive(po, 2, django_capture_on_commit_callbacks)
    claim = Deduction.objects.get(kind=DeductionKind.SHORTAGE_CLAIM)
    client.force_login(finance_user(vendor))
    body = client.get(f"/api/v1/deductions/{claim.pk}/").json()
    assert (body["reversed_amount"], body["remaining_amount"]) == ("21.00", "21.00")
    listed = {row["id"]: row for row in client.get("/api/v1/deductions/").json()["results"]}
    assert listed[claim.pk]["reversed_amount"] == "21.00"
    page = client.get(f"/payments/deductions/{claim.pk}/").content.decode()
    assert "21.00 USD reversed" in page


def test_the_migration_fills_the_column_from_the_reversals(vendor):
    claim = deduction(vendor, amount="100.00")
    answer(dispute(vendor, claim.pk), DisputeStatus.PARTLY_REVERSED, amount="40.00", note="Partly")
    with audit_exempt():
        Deduction.objects.update(reversed_amount=Decimal("0.00"))
    migration = importlib.import_module("reconciliation.migrations.0007_deduction_reversed_amount_and_list_indexes")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_REVERSED_AMOUNT)
    claim.refresh_from_db()
    assert claim.reversed_amount == Decimal("40.00")
