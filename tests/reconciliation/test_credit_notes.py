"""Credit notes in payment runs: netted in the vendor's next run, as their own remittance line, never below zero."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.api.inputs import credit_lines
from invoicing.models import InvoiceState
from invoicing.services.decisions import invoice_decide
from reconciliation import exports
from reconciliation.engine import match_invoices
from reconciliation.models import PaymentRunStatus, RemittanceLine, RemittanceLineKind
from reconciliation.selectors import payment_run_preview, payment_summary, remittance_list
from reconciliation.services.payment_runs import payment_run_cancel, payment_run_create, payment_run_decide, payment_run_pay
from reconciliation.services.remittance_advice import remittance_document
from tests.factories import marketplace
from tests.reconciliation.factories import accepted_credit_note, accepted_invoice, ap_user, deduction, finance_user
from vendor_portal.errors import ConflictError, DomainValidationError
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db
PAY_DATE_DAYS = 31


def pay_date():
    return timezone.localdate() + datetime.timedelta(days=PAY_DATE_DAYS)


def create_run(when=None):
    maker = ap_user("ap-maker")
    return payment_run_create(scope=scope_for_user(maker), pay_date=when or pay_date(), actor=Actor(user=maker))


def approve_and_pay(run):
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    return payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))


def matched_invoice(vendor, **kwargs):
    """An invoice of 100 units at 10.00, all received: it matches and is approved for payment (1000.00, net 30)."""
    invoice, po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net30", **kwargs)
    match_invoices(invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.APPROVED_FOR_PAYMENT
    return invoice


def test_accepted_credit_note_is_netted_in_the_next_run_as_its_own_line(vendor):
    invoice = matched_invoice(vendor)
    credit_note = accepted_credit_note(vendor, invoice, quantity=10)  # 10 returned units: 100.00
    assert credit_note.grand_total == Decimal("100.00") and credit_note.state == InvoiceState.ACCEPTED

    run = approve_and_pay(create_run())
    remittance = run.remittances.get()
    lines = list(remittance.lines.order_by("sequence"))
    assert [(line.kind, line.reference, line.amount) for line in lines] == [
        (RemittanceLineKind.INVOICE_PAID, invoice.number, Decimal("1000.00")),
        (RemittanceLineKind.CREDIT_NOTE, credit_note.number, Decimal("-100.00")),
    ]
    assert lines[1].invoice_id == credit_note.pk and invoice.number in lines[1].description
    assert remittance.credit_notes_total == Decimal("100.00") and remittance.net_amount == Decimal("900.00")
    assert sum(line.amount for line in lines) == remittance.net_amount
    credit_note.refresh_from_db()
    assert credit_note.state == InvoiceState.PAID


def test_credit_note_larger_than_the_payment_nets_to_zero_and_carries_the_rest_forward(vendor):
    invoice = matched_invoice(vendor, quantity=10, number="INV-SMALL")  # 100.00
    big, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net60", number="INV-BIG", po_number="PO-BIG")
    match_invoices(invoice_ids=[big.pk])  # approved, not due for the first run
    credit_note = accepted_credit_note(vendor, big, quantity=15)  # 150.00

    first = approve_and_pay(create_run()).remittances.get()
    assert first.net_amount == Decimal("0.00") and first.credit_notes_total == Decimal("100.00")
    line = first.lines.get(kind=RemittanceLineKind.CREDIT_NOTE)
    assert line.amount == Decimal("-100.00") and "50.00 carried forward" in line.description
    credit_note.refresh_from_db()
    assert credit_note.state == InvoiceState.PAID_PARTLY
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID

    second = approve_and_pay(create_run(timezone.localdate() + datetime.timedelta(days=61))).remittances.get()
    assert [(entry.kind, entry.amount) for entry in second.lines.order_by("sequence")] == [
        (RemittanceLineKind.INVOICE_PAID, Decimal("1000.00")),
        (RemittanceLineKind.CREDIT_NOTE, Decimal("-50.00")),
    ]
    assert second.net_amount == Decimal("950.00")
    credit_note.refresh_from_db()
    assert credit_note.state == InvoiceState.PAID
    assert -sum(RemittanceLine.objects.filter(invoice=credit_note).values_list("amount", flat=True)) == credit_note.grand_total


def test_deductions_are_netted_before_credit_notes_and_neither_makes_the_net_negative(vendor):
    matched_invoice(vendor, quantity=10)  # 100.00
    claim = deduction(vendor, amount="60.00", days_ago=2)
    other, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net60", number="INV-2", po_number="PO-2")
    accepted_credit_note(vendor, other, quantity=8)  # 80.00

    preview = payment_run_preview(scope=scope_for_user(ap_user()), pay_date=pay_date())
    [row] = preview["remittances"]
    assert (row["gross_paid"], row["deductions_total"], row["credit_notes_total"], row["net_amount"], row["credit_carried_forward"]) == (
        Decimal("100.00"),
        Decimal("60.00"),
        Decimal("40.00"),
        Decimal("0.00"),
        Decimal("40.00"),
    )
    assert [d["reference"] for d in row["deductions"]] == [claim.reference]
    remittance = approve_and_pay(create_run()).remittances.get()
    assert remittance.net_amount == Decimal("0.00") and remittance.deductions_total == Decimal("60.00")


def test_only_credit_notes_the_retailer_accepted_are_netted(vendor):
    from invoicing.services.credit_notes import credit_note_create
    from invoicing.services.submission import invoice_submit

    invoice = matched_invoice(vendor)
    finance = finance_user(vendor)
    submitted = credit_note_create(
        scope=scope_for_user(finance),
        reference_invoice_id=invoice.pk,
        actor=Actor(user=finance),
        lines=credit_lines([{"credited_line": invoice.lines.get().pk, "quantity": 5}]),
    )
    invoice_submit(scope=scope_for_user(finance), invoice_id=submitted.pk, actor=Actor(user=finance))
    remittance = create_run().remittances.get()
    assert not remittance.lines.filter(kind=RemittanceLineKind.CREDIT_NOTE).exists()
    assert remittance.net_amount == Decimal("1000.00")


def test_an_unpaid_run_holds_its_credit_note_and_a_cancelled_run_frees_it(vendor):
    invoice = matched_invoice(vendor)
    credit_note = accepted_credit_note(vendor, invoice, quantity=10)
    first = create_run()
    assert first.remittances.get().credit_notes_total == Decimal("100.00")
    second_invoice = matched_invoice(vendor, number="INV-2", po_number="PO-2")
    second = create_run()
    assert second.remittances.get().lines.filter(invoice=second_invoice).exists()
    assert second.remittances.get().credit_notes_total == Decimal("0.00")  # held by the first run
    maker = ap_user("ap-maker")
    payment_run_cancel(scope=scope_for_user(maker), run_id=first.pk, actor=Actor(user=maker))
    payment_run_cancel(scope=scope_for_user(maker), run_id=second.pk, actor=Actor(user=maker))
    third = create_run()
    assert third.remittances.get().lines.get(kind=RemittanceLineKind.CREDIT_NOTE).invoice_id == credit_note.pk


def test_a_credit_note_rejected_after_the_run_was_made_stops_the_payment(vendor):
    invoice = matched_invoice(vendor)
    credit_note = accepted_credit_note(vendor, invoice, quantity=10)
    run = create_run()
    ap = ap_user()
    invoice_decide(scope=scope_for_user(ap), invoice_id=credit_note.pk, state=InvoiceState.REJECTED, actor=Actor(user=ap), reason="Not ours")
    with pytest.raises(ConflictError):
        approve_and_pay(run)
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED  # nothing paid: cancel and run again


def test_credit_notes_are_netted_per_vendor_and_marketplace(vendor, other_vendor):
    invoice = matched_invoice(vendor)
    other_invoice = matched_invoice(other_vendor, number="GLX-1", po_number="PO-GLX")
    accepted_credit_note(other_vendor, other_invoice, quantity=10)
    run = create_run()
    by_vendor = {r.vendor_id: r for r in run.remittances.all()}
    assert by_vendor[vendor.pk].net_amount == Decimal("1000.00") and by_vendor[vendor.pk].credit_notes_total == Decimal("0.00")
    assert by_vendor[other_vendor.pk].credit_notes_total == Decimal("100.00")
    assert invoice.marketplace == marketplace("US")
    preview = payment_run_preview(scope=scope_for_user(ap_user()), pay_date=pay_date(), marketplace=marketplace("CA"))
    assert preview["remittances"] == []


def test_remittance_exports_pdf_summary_and_edi_820_carry_the_credit_note(vendor):
    from edi.models import Interchange
    from edi.services.partners import trading_partner_create
    from edi.x12 import parse_interchange

    trading_partner_create(vendor=vendor, isa_id="ACMEEDI", actor=Actor.system())
    invoice = matched_invoice(vendor)
    credit_note = accepted_credit_note(vendor, invoice, quantity=10)
    remittance = approve_and_pay(create_run()).remittances.get()
    finance = finance_user(vendor)
    scope = scope_for_user(finance)

    rows = list(csv.DictReader(io.StringIO(exports.remittances_csv(remittance_list(scope=scope), "r").getvalue().decode("utf-8-sig"))))
    assert [row["Kind"] for row in rows] == ["Invoice paid", "Credit note"]
    assert sum(Decimal(row["Amount"]) for row in rows) == remittance.net_amount == Decimal("900.00")
    assert exports.remittances_xlsx(remittance_list(scope=scope), "r").content[:2] == b"PK"
    document = remittance_document(scope=scope, remittance_id=remittance.pk, actor=Actor(user=finance))
    assert document.file.open("rb").read(5) == b"%PDF-"

    summary = payment_summary(scope=scope, period_end=remittance.pay_date)
    [paid] = summary["paid"]
    assert (paid["gross_paid"], paid["credit_notes_total"], paid["net_amount"]) == (Decimal("1000.00"), Decimal("100.00"), Decimal("900.00"))
    assert (
        paid["gross_paid"] - paid["deductions_total"] + paid["reversals_total"] - paid["discounts_total"] - paid["credit_notes_total"]
        == paid["net_amount"]
    )
    assert summary["open_credit_notes"] == []

    interchange = Interchange.objects.filter(vendor=vendor, set_ids="820").latest("pk")
    parsed = parse_interchange(interchange.content)
    assert parsed.problems == []
    [x12] = [ts.document for ts in parsed.transaction_sets]
    credit_memo = next(i for i in x12.invoices if i.reference_qualifier == "CM")
    assert credit_memo.invoice_number == credit_note.number and credit_memo.amount_paid == Decimal("-100")
    assert sum(i.amount_paid for i in x12.invoices) + sum(a.amount for a in x12.adjustments) == x12.payment_amount == Decimal("900")


def test_summary_counts_credit_notes_still_to_net(vendor):
    invoice = matched_invoice(vendor, quantity=10)  # 100.00
    big, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="net60", number="INV-BIG", po_number="PO-BIG")
    accepted_credit_note(vendor, big, quantity=15)  # 150.00
    scope = scope_for_user(finance_user(vendor))
    assert [(r["currency"], r["count"], r["amount"]) for r in payment_summary(scope=scope)["open_credit_notes"]] == [("USD", 1, Decimal("150.00"))]
    approve_and_pay(create_run())
    summary = payment_summary(scope=scope, period_end=pay_date())
    assert [(r["count"], r["amount"]) for r in summary["open_credit_notes"]] == [(1, Decimal("50.00"))]
    rows = list(csv.DictReader(io.StringIO(exports.payment_summary_csv(summary).getvalue().decode("utf-8-sig"))))
    assert [(r["currency"], r["count"], r["amount"]) for r in rows if r["section"] == "Credit notes to net"] == [("USD", "1", "50.00")]
    [paid] = [r for r in rows if r["section"] == "Paid"]
    assert paid["amount"] == "0.00"  # 100.00 paid, 100.00 of the credit note netted
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID


def test_a_run_is_not_dated_in_the_past_or_years_ahead(vendor):
    matched_invoice(vendor)
    for when, code in (
        (timezone.localdate() - datetime.timedelta(days=1), "pay_date_past"),
        (timezone.localdate() + datetime.timedelta(days=400), "pay_date_too_far"),
    ):
        with pytest.raises(DomainValidationError) as refused:
            create_run(when)
        assert refused.value.as_error_list()[0]["code"] == code
        with pytest.raises(DomainValidationError):
            payment_run_preview(scope=scope_for_user(ap_user()), pay_date=when)


def test_credit_note_for_short_units_is_not_charged_twice_in_the_payment_run(vendor, django_capture_on_commit_callbacks):
    """The money walk's invoice (100 at 10.50, 96 received: shortage 42.00, price 50.00), then the vendor credits the 4
    short units. Accepting the credit note re-matches the invoice: the shortage claim and the price claim on the 4 units
    are reversed, so the run nets the claim, its reversal and the credit note, and pays 96 units at the PO's 10.00."""
    invoice, _po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    with django_capture_on_commit_callbacks(execute=True):
        credit_note = accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.50", reason="quantity_correction")
    assert credit_note.grand_total == Decimal("42.00")

    remittance = approve_and_pay(create_run()).remittances.get()
    lines = [(line.kind, line.amount) for line in remittance.lines.order_by("sequence")]
    assert sorted(lines) == sorted(
        [
            (RemittanceLineKind.INVOICE_PAID, Decimal("1050.00")),
            (RemittanceLineKind.DEDUCTION, Decimal("-42.00")),
            (RemittanceLineKind.DEDUCTION, Decimal("-50.00")),
            (RemittanceLineKind.REVERSAL, Decimal("42.00")),
            (RemittanceLineKind.REVERSAL, Decimal("2.00")),
            (RemittanceLineKind.CREDIT_NOTE, Decimal("-42.00")),
        ]
    )
    assert remittance.net_amount == Decimal("960.00") == sum(amount for _kind, amount in lines)


def test_units_credited_back_can_be_invoiced_again_when_they_arrive(vendor):
    """100 shipped and invoiced, 96 received: the vendor credits the 4 missing units. When they arrive, a second
    invoice for them passes the over-invoicing check (4 of the 100 were given back) and matches without a claim."""
    from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
    from reconciliation.models import Deduction, DeductionKind, MatchResult
    from tests.reconciliation.factories import accept, submitted_invoice

    invoice, po = accepted_invoice(vendor, invoiced_cost="10.00")
    match_invoices(invoice_ids=[invoice.pk])
    accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.00", reason="quantity_correction")
    match_invoices(invoice_ids=[invoice.pk])
    assert Deduction.objects.get(kind=DeductionKind.REVERSAL).amount == Decimal("40.00")

    purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    again = accept(submitted_invoice(vendor, po, number="INV-LATE", quantity=4, cost="10.00"))
    match_invoices(invoice_ids=[invoice.pk, again.pk])
    result = MatchResult.objects.get(invoice=again)
    assert (result.previously_invoiced_quantity, result.shortage_units, result.status) == (96, 0, "matched")
    assert not Deduction.objects.filter(invoice=again).exists()
    assert Deduction.objects.filter(kind__in=[DeductionKind.SHORTAGE_CLAIM, DeductionKind.PRICE_CLAIM]).count() == 1


def test_late_receipt_after_payment_reverses_the_shortage_claim_and_the_next_run_pays_it(vendor, django_capture_on_commit_callbacks):
    """The money walk's invoice is paid net of both claims (1050.00 - 42.00 - 50.00). The 4 missing units arrive
    afterwards: the receipt re-matches the paid invoice, the shortage claim is reversed, and the next run pays
    the 42.00 back. The paid invoice stays paid and nothing new is claimed from it."""
    from purchase_orders.services.line_quantities import purchase_order_lines_record_receipt
    from reconciliation.models import Deduction, DeductionKind, DeductionReason, DeductionStatus

    invoice, po = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    first = approve_and_pay(create_run()).remittances.get()
    assert first.net_amount == Decimal("958.00")
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID

    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_lines_record_receipt(quantities={po.lines.get().pk: (4, 0)}, actor=Actor.system())
    shortage = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)
    assert shortage.status == DeductionStatus.REVERSED
    reversal = Deduction.objects.get(kind=DeductionKind.REVERSAL)
    assert (reversal.amount, reversal.reason, reversal.reverses_id) == (Decimal("42.00"), DeductionReason.LATE_RECEIPT, shortage.pk)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID

    matched_invoice(vendor, number="INV-2", po_number="PO-2")  # the next run has an invoice to pay too
    second = approve_and_pay(create_run()).remittances.get()
    assert [(line.kind, line.amount) for line in second.lines.order_by("sequence")] == [
        (RemittanceLineKind.INVOICE_PAID, Decimal("1000.00")),
        (RemittanceLineKind.REVERSAL, Decimal("42.00")),
    ]
    assert second.net_amount == Decimal("1042.00")
    assert match_invoices(invoice_ids=[invoice.pk]).as_dict()["claims_raised"] == 0


def test_credit_note_for_short_units_of_an_invoice_already_paid_is_not_charged_twice(vendor, django_capture_on_commit_callbacks):
    """Paid net of the 42.00 shortage claim, then the vendor credits the same 4 units: accepting the credit note
    re-matches the paid invoice and reverses the claim, so the next run nets the credit note against the reversal."""
    invoice, _po = accepted_invoice(vendor, payment_terms="net30", invoiced_cost="10.00")
    match_invoices(invoice_ids=[invoice.pk])
    assert approve_and_pay(create_run()).remittances.get().net_amount == Decimal("960.00")

    with django_capture_on_commit_callbacks(execute=True):
        credit_note = accepted_credit_note(vendor, invoice, quantity=4, unit_cost="10.00", reason="quantity_correction")
    matched_invoice(vendor, number="INV-2", po_number="PO-2")
    second = approve_and_pay(create_run()).remittances.get()
    assert sorted((line.kind, line.amount) for line in second.lines.all()) == sorted(
        [
            (RemittanceLineKind.INVOICE_PAID, Decimal("1000.00")),
            (RemittanceLineKind.REVERSAL, Decimal("40.00")),
            (RemittanceLineKind.CREDIT_NOTE, Decimal("-40.00")),
        ]
    )
    assert second.net_amount == Decimal("1000.00")
    credit_note.refresh_from_db()
    assert credit_note.state == InvoiceState.PAID
