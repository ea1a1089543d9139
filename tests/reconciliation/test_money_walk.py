"""The issue's "done means": one PO from match to remittance, every number exact."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import InvoiceState
from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
from reconciliation.engine import match_invoices
from reconciliation.models import (
    Deduction,
    DeductionKind,
    DeductionReason,
    DeductionStatus,
    MatchResult,
    MatchStatus,
    PaymentRunStatus,
    RemittanceLineKind,
    VarianceType,
)
from reconciliation.selectors import payment_summary
from reconciliation.services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from tests.factories import retailer_user
from tests.reconciliation.factories import accepted_invoice, ap_user, finance_user
from vendor_portal.errors import SelfApprovalError
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


def claims(invoice):
    return {d.kind: d for d in Deduction.objects.filter(invoice=invoice).exclude(kind=DeductionKind.REVERSAL)}


def test_match_raises_exact_shortage_and_price_claims_with_evidence(vendor):
    invoice, po = accepted_invoice(vendor)
    summary = match_invoices(invoice_ids=[invoice.pk])

    found = claims(invoice)
    assert found[DeductionKind.SHORTAGE_CLAIM].amount == Decimal("42.00")  # 4 x 10.50
    assert found[DeductionKind.PRICE_CLAIM].amount == Decimal("50.00")  # 0.50 x 100
    assert found[DeductionKind.SHORTAGE_CLAIM].variance_type == VarianceType.PQV
    assert found[DeductionKind.PRICE_CLAIM].variance_type == VarianceType.PPV
    assert found[DeductionKind.PRICE_CLAIM].reason == DeductionReason.PRODUCT_COST_NOT_REGISTERED
    assert found[DeductionKind.SHORTAGE_CLAIM].dispute_deadline is not None
    result = MatchResult.objects.get(invoice=invoice)
    assert result.status == MatchStatus.OVER_TOLERANCE
    assert (result.po_cost, result.invoiced_cost, result.ordered_quantity, result.received_quantity, result.invoiced_quantity) == (
        Decimal("10.00"),
        Decimal("10.50"),
        100,
        96,
        100,
    )
    assert result.evidence["shortage_units"] == 4 and result.evidence["price_claim"] == "50.00"
    assert result.evidence["tolerance"]["over_absolute"] == "0" and "computed_at" in result.evidence
    assert {r["variance_type"] for r in result.variance_reasons} == {"PQV", "PPV"}
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT
    assert summary.as_dict()["claims_raised"] == 2


def test_rerunning_the_match_raises_nothing_twice(vendor):
    invoice, _po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    second = match_invoices(invoice_ids=[invoice.pk])
    match_invoices()
    assert Deduction.objects.filter(invoice=invoice).count() == 2
    assert second.as_dict()["claims_raised"] == 0 and second.as_dict()["reversals"] == 0


def test_late_receipt_reverses_the_shortage_claim(vendor):
    invoice, po = accepted_invoice(vendor)
    match_invoices(invoice_ids=[invoice.pk])
    line = po.lines.get()
    purchase_order_lines_record_receipt(quantities={line.pk: (4, 0)}, actor=Actor.system())
    match_invoices()

    shortage = claims(invoice)[DeductionKind.SHORTAGE_CLAIM]
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL, reverses=shortage)
    assert reversal.amount == Decimal("42.00") and reversal.reason == DeductionReason.LATE_RECEIPT
    shortage.refresh_from_db()
    assert shortage.status == DeductionStatus.REVERSED
    assert claims(invoice)[DeductionKind.PRICE_CLAIM].status == DeductionStatus.OPEN
    match_invoices()
    assert Deduction.objects.filter(kind=DeductionKind.REVERSAL).count() == 1


def test_payment_run_pays_the_invoice_net_of_the_price_claim_and_the_summary_agrees(vendor):
    invoice, po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    match_invoices()
    maker, checker = ap_user("ap-maker"), retailer_user(Role.ACCOUNTS_PAYABLE, username="ap-checker")
    pay_date = timezone.localdate() + datetime.timedelta(days=30)

    run = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
    assert run.status == PaymentRunStatus.PENDING_APPROVAL
    with pytest.raises(SelfApprovalError):
        payment_run_decide(scope=scope_for_user(maker), run_id=run.pk, approve=True, actor=Actor(user=maker))
    run = payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    assert run.status == PaymentRunStatus.APPROVED
    run = payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))

    remittance = run.remittances.get()
    lines = list(remittance.lines.order_by("sequence"))
    assert remittance.gross_paid == Decimal("1050.00")
    assert remittance.net_amount == Decimal("1000.00")
    assert sum(line.amount for line in lines) == remittance.net_amount
    assert [(line.kind, line.reference[:2], line.amount) for line in lines] == [
        (RemittanceLineKind.INVOICE_PAID, invoice.number[:2], Decimal("1050.00")),
        (RemittanceLineKind.DEDUCTION, "PC", Decimal("-50.00")),
        (RemittanceLineKind.DEDUCTION, "SC", Decimal("-42.00")),
        (RemittanceLineKind.REVERSAL, "RV", Decimal("42.00")),
    ]
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert not Deduction.objects.filter(vendor=vendor, settled_at__isnull=True).exists()

    summary = payment_summary(scope=scope_for_user(finance_user(vendor)), period_end=pay_date)
    paid = summary["paid"][0]
    assert (paid["currency"], paid["gross_paid"], paid["deductions_total"], paid["reversals_total"], paid["net_amount"]) == (
        "USD",
        remittance.gross_paid,
        remittance.deductions_total,
        remittance.reversals_total,
        remittance.net_amount,
    )
    assert paid["net_amount"] == Decimal("1000.00")
    kinds = {(r["kind"], r["amount"]) for r in summary["deductions_by_kind"]}
    assert (DeductionKind.PRICE_CLAIM, Decimal("50.00")) in kinds and (DeductionKind.SHORTAGE_CLAIM, Decimal("42.00")) in kinds
    assert not [r for r in summary["open_invoices"] if r["state"] != InvoiceState.PAID]


def test_money_walk_with_a_credit_note_nets_it_and_every_view_of_the_payment_agrees(vendor, api_client):
    """The walk above, and then the vendor credits 10 returned units at the PO cost (100.00) before the run:
    1050.00 - 50.00 price claim - 42.00 shortage claim + 42.00 reversal - 100.00 credit note = 900.00."""
    from reconciliation.selectors import payment_run_preview
    from tests.reconciliation.factories import accepted_credit_note

    invoice, po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    match_invoices()
    credit_note = accepted_credit_note(vendor, invoice, quantity=10, unit_cost="10.00")
    assert credit_note.grand_total == Decimal("100.00")
    maker, checker = ap_user("ap-maker"), retailer_user(Role.ACCOUNTS_PAYABLE, username="ap-checker")
    pay_date = timezone.localdate() + datetime.timedelta(days=30)

    [previewed] = payment_run_preview(scope=scope_for_user(maker), pay_date=pay_date)["remittances"]
    run = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    run = payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))

    remittance = run.remittances.get()
    lines = list(remittance.lines.order_by("sequence"))
    assert [(line.kind, line.reference[:2], line.amount) for line in lines] == [
        (RemittanceLineKind.INVOICE_PAID, invoice.number[:2], Decimal("1050.00")),
        (RemittanceLineKind.DEDUCTION, "PC", Decimal("-50.00")),
        (RemittanceLineKind.DEDUCTION, "SC", Decimal("-42.00")),
        (RemittanceLineKind.REVERSAL, "RV", Decimal("42.00")),
        (RemittanceLineKind.CREDIT_NOTE, "CN", Decimal("-100.00")),
    ]
    assert sum(line.amount for line in lines) == remittance.net_amount == Decimal("900.00")
    assert (remittance.gross_paid, remittance.deductions_total, remittance.reversals_total, remittance.credit_notes_total) == (
        Decimal("1050.00"),
        Decimal("92.00"),
        Decimal("42.00"),
        Decimal("100.00"),
    )
    assert [(entry["kind"], entry["reference"], entry["amount"]) for entry in previewed["lines"]] == [
        (entry.kind, entry.reference, entry.amount) for entry in lines
    ]
    invoice.refresh_from_db(), credit_note.refresh_from_db()
    assert invoice.state == InvoiceState.PAID and credit_note.state == InvoiceState.PAID

    finance = finance_user(vendor)
    summary = payment_summary(scope=scope_for_user(finance), period_end=pay_date)
    paid = summary["paid"][0]
    assert (paid["gross_paid"], paid["deductions_total"], paid["reversals_total"], paid["credit_notes_total"], paid["net_amount"]) == (
        remittance.gross_paid,
        remittance.deductions_total,
        remittance.reversals_total,
        remittance.credit_notes_total,
        remittance.net_amount,
    )
    assert summary["open_credit_notes"] == []
    api_client.force_authenticate(finance)
    [api_remittance] = api_client.get("/api/v1/payments/").json()["results"]
    assert api_remittance["net_amount"] == "900.00" and api_remittance["credit_notes_total"] == "100.00"
    assert sum(Decimal(line["amount"]) for line in api_remittance["lines"]) == Decimal("900.00")
    assert api_client.get("/api/v1/payment-summary", {"period_end": pay_date.isoformat()}).json()["paid"][0]["net_amount"] == "900.00"
