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


# The payment summary's months -------------------------------------------------------------------------
def live_by_month(vendor) -> list[tuple]:
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    rows = (
        Deduction.objects.filter(vendor=vendor)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "kind", "currency")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("month", "kind", "currency")
    )
    return [(row["month"].date(), row["kind"], row["currency"], row["n"], row["total"]) for row in rows]


def summary_by_month(vendor, **period) -> list[tuple]:
    from reconciliation.selectors import payment_summary
    from tests.reconciliation.factories import finance_user
    from vendor_portal.tenancy import scope_for_user

    summary = payment_summary(scope=scope_for_user(finance_user(vendor)), **period)
    return [(r["month"], r["kind"], r["currency"], r["count"], r["amount"]) for r in summary["deductions_by_month"]]


def test_the_summary_months_come_from_the_monthly_rows_and_stay_right_through_every_write(vendor, other_vendor):
    import datetime

    from django.utils import timezone

    from reconciliation.models import DeductionMonth

    for days_ago, amount in ((3, "10.00"), (45, "20.00"), (75, "30.00"), (75, "5.00"), (140, "40.00")):
        deduction(vendor, amount=amount, days_ago=days_ago)
    deduction(other_vendor, amount="99.00", days_ago=45)
    grown = deduction(vendor, kind=DeductionKind.PRICE_CLAIM, reason="OVERBILLING", amount="8.00", days_ago=75)
    with audit_exempt():
        Deduction.objects.filter(pk=grown.pk).update(amount=Decimal("12.00"))  # as the match engine grows a claim
        moved = deduction(vendor, amount="7.00", days_ago=45)
        Deduction.objects.filter(pk=moved.pk).update(created_at=timezone.now() - datetime.timedelta(days=140))
        Deduction.objects.filter(pk=deduction(vendor, amount="1.00", days_ago=45).pk).delete()
    claim = deduction(vendor, amount="50.00", days_ago=10)
    rows_before = DeductionMonth.objects.count()
    answer(dispute(vendor, claim.pk), DisputeStatus.PARTLY_REVERSED, amount="15.00", note="Part")
    # One row: the reversal. The claim's new status and reversed_amount move nothing the months sum.
    assert DeductionMonth.objects.count() == rows_before + 1

    assert summary_by_month(vendor) == live_by_month(vendor)
    # A period starting mid-month: that month's days are read from the deductions (none of the 140-day-old ones).
    mid_month = timezone.localdate() - datetime.timedelta(days=100)
    mid_month += datetime.timedelta(days=1 if mid_month.day == 1 else 0)
    expected = [row for row in live_by_month(vendor) if row[0] >= mid_month.replace(day=1)]
    assert summary_by_month(vendor, period_start=mid_month) == expected


def test_the_migration_fills_the_monthly_rows_from_the_deductions(vendor):
    from reconciliation.models import DeductionMonth

    for days_ago in (5, 50, 50):
        deduction(vendor, amount="10.00", days_ago=days_ago)
    before = summary_by_month(vendor)
    DeductionMonth.objects.all().delete()
    migration = importlib.import_module("reconciliation.migrations.0008_deduction_months")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)
    assert summary_by_month(vendor) == before == live_by_month(vendor)
