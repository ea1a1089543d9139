import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.api.inputs import credit_lines, invoice_input
from invoicing.models import Invoice, InvoiceLine, InvoiceState, InvoiceType
from invoicing.services.checks import invoice_preflight
from invoicing.services.credit_notes import credit_note_create
from invoicing.services.decisions import invoice_decide
from invoicing.services.drafts import invoice_create, invoice_update
from invoicing.services.flips import invoice_from_purchase_order
from invoicing.services.submission import invoice_return_to_draft, invoice_submit
from tests.audit_check import audit_exempt
from tests.factories import retailer_user, vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError, SelfApprovalError
from vendor_portal.models import ApprovalRequest, AuditEvent
from vendor_portal.roles import Role
from vendor_portal.services.approvals import approval_decide
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


@pytest.fixture
def scope(finance):
    return scope_for_user(finance)


@pytest.fixture
def actor(finance):
    return Actor(user=finance)


def payload(po, *, number="INV-1", quantity=10, cost="10.00", **extra):
    line = po.lines.order_by("sequence").first()
    data = {
        "number": number,
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"purchase_order_number": po.number, "po_line_sequence": line.sequence, "quantity": quantity, "unit_cost": cost}],
    }
    data.update(extra)
    return data


def errors_of(excinfo):
    return {(e["field"], e["code"]) for e in excinfo.value.as_error_list()}


def unchanged(invoice):
    """Nothing saved: state, totals and rows exactly as before."""
    fresh = Invoice.objects.get(pk=invoice.pk)
    return fresh.state == InvoiceState.DRAFT and fresh.submitted_at is None


# Flip from PO ---------------------------------------------------------------------------------------
def test_flip_from_po_prefills_received_units_at_po_cost(vendor, scope, actor):
    po = shipped_po(vendor, lines=2, quantity=100, received=96, cost="10.00")
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    lines = list(invoice.lines.order_by("sequence"))
    assert [(line.quantity, line.unit_cost, line.line_amount) for line in lines] == [(96, Decimal("10.00"), Decimal("960.00"))] * 2
    assert lines[0].purchase_order_number == po.number and lines[0].purchase_order_line.sequence == 1
    assert invoice.grand_total == Decimal("1920.00") and invoice.currency == po.currency
    assert invoice.source == "po" and invoice.purchase_order == po and invoice.state == InvoiceState.DRAFT
    assert AuditEvent.objects.for_object(invoice).get().action == "invoice.create"


def test_flip_uses_shipped_then_accepted_and_subtracts_invoiced(vendor, scope, actor):
    po = shipped_po(vendor, quantity=50)
    with audit_exempt():
        po.lines.update(received_quantity=0, invoiced_quantity=20)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    assert invoice.lines.get().quantity == 30  # 50 shipped - 20 invoiced


def test_flip_of_another_vendors_po_is_not_found(vendor, other_vendor, scope, actor):
    po = shipped_po(other_vendor)
    with pytest.raises(NotFoundError):
        invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    assert not Invoice.objects.exists()


def test_flip_of_german_po_starts_with_vat(vendor, scope, actor):
    from tests.factories import marketplace

    po = shipped_po(vendor, quantity=10, marketplace=marketplace("DE"))
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    assert invoice.currency == "EUR"
    assert invoice.tax_total == Decimal("19.00") and invoice.grand_total == Decimal("119.00")
    assert invoice.taxes.get().rate == Decimal("19")


# Hard checks ----------------------------------------------------------------------------------------
def submit_refused(scope, actor, invoice):
    with pytest.raises(DomainValidationError) as excinfo:
        invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    assert unchanged(invoice)
    assert not AuditEvent.objects.filter(action="invoice.submit", object_id=str(invoice.pk)).exists()
    return errors_of(excinfo)


def test_unknown_po_is_refused_naming_the_line(vendor, scope, actor):
    po = shipped_po(vendor)
    data = payload(po)
    data["lines"].append({"purchase_order_number": "NOPE1234", "quantity": 1, "unit_cost": "1.00", "vendor_sku": "X"})
    data["marketplace"] = "US"
    invoice = invoice_create(scope=scope, data=invoice_input(data), actor=actor)
    assert ("lines[1].purchase_order_number", "not_found") in submit_refused(scope, actor, invoice)


def test_another_vendors_po_is_refused_as_not_found(vendor, other_vendor, scope, actor):
    po = shipped_po(other_vendor)
    invoice = invoice_create(scope=scope, data=invoice_input({**payload(po), "marketplace": "US"}), actor=actor)
    assert ("lines[0].purchase_order_number", "not_found") in submit_refused(scope, actor, invoice)


def test_missing_po_number_on_an_invoice_line_is_refused(vendor, scope, actor):
    from tests.factories import marketplace

    marketplace("US")
    data = {
        "number": "INV-9",
        "marketplace": "US",
        "invoice_date": timezone.localdate().isoformat(),
        "lines": [{"quantity": 1, "unit_cost": "5.00", "vendor_sku": "SKU"}],
    }
    invoice = invoice_create(scope=scope, data=invoice_input(data), actor=actor)
    assert ("lines[0].purchase_order_number", "required") in submit_refused(scope, actor, invoice)


def test_duplicate_invoice_number_is_refused_and_nothing_saved(vendor, scope, actor):
    po = shipped_po(vendor)
    invoice_create(scope=scope, data=invoice_input(payload(po, number="DUP-1")), actor=actor)
    with pytest.raises(DomainValidationError) as excinfo:
        invoice_create(scope=scope, data=invoice_input(payload(po, number="DUP-1")), actor=actor)
    assert ("number", "duplicate") in errors_of(excinfo)
    assert Invoice.objects.filter(number="DUP-1").count() == 1


def test_same_number_is_fine_for_another_vendor(vendor, other_vendor, scope, actor):
    po = shipped_po(vendor)
    invoice_create(scope=scope, data=invoice_input(payload(po, number="SHARED-1")), actor=actor)
    other_po = shipped_po(other_vendor)
    other_user = vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-finance")
    invoice_create(scope=scope_for_user(other_user), data=invoice_input(payload(other_po, number="SHARED-1")), actor=Actor(user=other_user))
    assert Invoice.objects.filter(number="SHARED-1").count() == 2


def test_totals_that_do_not_add_up_are_refused(vendor, scope, actor):
    po = shipped_po(vendor)
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, quantity=10, grand_total="101.00")), actor=actor)
    assert ("grand_total", "arithmetic") in submit_refused(scope, actor, invoice)


def test_line_taxes_must_sum_to_the_header_tax(vendor, scope, actor):
    po = shipped_po(vendor)
    data = payload(po, quantity=10)
    data["lines"][0].update(tax_type="ST", tax_rate="6", tax_amount="6.00")
    data["taxes"] = [{"tax_type": "ST", "rate": "6", "taxable_amount": "100.00", "amount": "7.00"}]
    invoice = invoice_create(scope=scope, data=invoice_input(data), actor=actor)
    assert ("taxes", "tax_mismatch") in submit_refused(scope, actor, invoice)


def test_charges_allowances_and_tax_add_up(vendor, scope, actor):
    po = shipped_po(vendor)
    data = payload(po, quantity=10)
    data["lines"][0].update(tax_type="ST", tax_rate="6")
    data["charges"] = [
        {"kind": "charge", "charge_type": "Freight", "amount": "20.00"},
        {"kind": "allowance", "charge_type": "Discount", "amount": "5.00"},
    ]
    invoice = invoice_create(scope=scope, data=invoice_input(data), actor=actor)
    assert (invoice.items_subtotal, invoice.charges_total, invoice.allowances_total, invoice.tax_total, invoice.grand_total) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("5.00"),
        Decimal("6.00"),
        Decimal("121.00"),
    )
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED


def test_currency_other_than_the_pos_is_refused(vendor, scope, actor):
    po = shipped_po(vendor)
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, currency="EUR")), actor=actor)
    assert ("currency", "currency_mismatch") in submit_refused(scope, actor, invoice)


def test_units_invoiced_twice_across_invoices_are_refused(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100)
    first = invoice_create(scope=scope, data=invoice_input(payload(po, number="A-1", quantity=70)), actor=actor)
    invoice_submit(scope=scope, invoice_id=first.pk, actor=actor)
    assert po.lines.get().invoiced_quantity == 70
    second = invoice_create(scope=scope, data=invoice_input(payload(po, number="A-2", quantity=31)), actor=actor)
    assert ("lines[0].quantity", "over_invoiced") in submit_refused(scope, actor, second)
    assert po.lines.get().invoiced_quantity == 70


def test_zero_total_is_refused(vendor, scope, actor):
    po = shipped_po(vendor)
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, cost="0.00")), actor=actor)
    assert ("grand_total", "zero_total") in submit_refused(scope, actor, invoice)


def test_invoice_date_in_the_future_is_refused(vendor, scope, actor):
    po = shipped_po(vendor)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, invoice_date=future)), actor=actor)
    assert ("invoice_date", "future_date") in submit_refused(scope, actor, invoice)


def test_credit_note_details_only_on_a_credit_note(vendor, scope, actor):
    po = shipped_po(vendor)
    first = invoice_create(scope=scope, data=invoice_input(payload(po, number="A-1")), actor=actor)
    with pytest.raises(DomainValidationError) as excinfo:
        invoice_create(
            scope=scope, data=invoice_input(payload(po, number="A-2", reference_invoice_number="A-1", credit_reason="return")), actor=actor
        )
    assert ("reference_invoice_number", "credit_details_on_invoice") in errors_of(excinfo)
    assert list(Invoice.objects.values_list("number", flat=True)) == [first.number]


def test_refusal_lists_every_problem_at_once(vendor, scope, actor):
    po = shipped_po(vendor)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, invoice_date=future, currency="EUR", grand_total="1.00")), actor=actor)
    fields = {field for field, _ in submit_refused(scope, actor, invoice)}
    assert {"invoice_date", "currency", "grand_total"} <= fields


# Pre-flight -----------------------------------------------------------------------------------------
def test_preflight_shows_price_and_shortage_claims(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100, received=96, cost="10.00")
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, quantity=100, cost="10.50")), actor=actor)
    result = invoice_preflight(scope=scope, invoice=invoice)
    line = result["lines"][0]
    assert (line["po_cost"], line["invoiced_cost"], line["received_quantity"], line["invoiced_quantity"]) == (
        Decimal("10.00"),
        Decimal("10.50"),
        96,
        100,
    )
    assert line["price_claim"] == Decimal("50.00")  # 0.50 x 100
    assert line["shortage_claim"] == Decimal("42.00")  # 4 x 10.50
    assert (result["price_claim_total"], result["shortage_claim_total"], result["claims_total"]) == (
        Decimal("50.00"),
        Decimal("42.00"),
        Decimal("92.00"),
    )
    assert result["expected_payment"] == Decimal("958.00")
    assert result["errors"] == []
    assert len(line["warnings"]) == 2


def test_preflight_of_a_clean_invoice_raises_no_claims(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    result = invoice_preflight(scope=scope, invoice=invoice)
    assert result["claims_total"] == Decimal("0.00") and result["lines"][0]["warnings"] == []


def test_preflight_says_awaiting_receipt_for_goods_not_received_yet(vendor, scope, actor, finance, client):
    """Shipped but not received: the match would hold the invoice, not claim a shortage; so does the pre-flight."""
    po = shipped_po(vendor, quantity=100, received=0, cost="10.00")
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, quantity=100, cost="10.00")), actor=actor)
    result = invoice_preflight(scope=scope, invoice=invoice)
    line = result["lines"][0]
    assert line["awaiting_receipt"] is True and line["awaiting_units"] == 100
    assert line["shortage_claim"] == Decimal("0") and line["shortage_units"] == 0
    assert result["claims_total"] == Decimal("0.00") and result["awaiting_receipt_units"] == 100
    assert result["expected_payment"] == invoice.grand_total
    assert any(warning.startswith("Awaiting receipt") for warning in line["warnings"])
    assert not any("shortage" in warning for warning in line["warnings"])

    client.force_login(finance)
    html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Awaiting receipt: 100 units are not received yet" in html
    assert "every unit was received" not in html and "shortage claim (PQV)" not in html


def test_preflight_still_predicts_a_shortage_once_the_dc_received_fewer(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100, received=90, cost="10.00")
    invoice = invoice_create(scope=scope, data=invoice_input(payload(po, quantity=100, cost="10.00")), actor=actor)
    result = invoice_preflight(scope=scope, invoice=invoice)
    assert result["lines"][0]["awaiting_receipt"] is False and result["shortage_claim_total"] == Decimal("100.00")
    assert result["awaiting_receipt_units"] == 0


def test_preflight_of_an_unsaved_document_saves_nothing(vendor, scope):
    from invoicing.services.payload import build_document

    po = shipped_po(vendor, quantity=100, received=96)
    document, errors = build_document(scope=scope, data=invoice_input(payload(po, quantity=100, cost="10.50")))
    assert errors == []
    assert invoice_preflight(scope=scope, invoice=document)["claims_total"] == Decimal("92.00")
    assert not Invoice.objects.exists()


# Submission, threshold and approval -----------------------------------------------------------------
def test_submit_below_threshold_goes_straight_to_submitted(vendor, scope, actor):
    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SUBMITTED and invoice.submitted_by == actor.user and invoice.approval_request is None
    assert po.lines.get().invoiced_quantity == 10
    assert AuditEvent.objects.filter(action="invoice.submit", object_id=str(invoice.pk)).exists()


def above_threshold(vendor, scope, actor):
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("500.00"))
    vendor.refresh_from_db()
    po = shipped_po(vendor, quantity=100)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=vendor_scope(actor.user), invoice_id=invoice.pk, actor=actor)
    invoice.refresh_from_db()
    return invoice


def vendor_scope(user):
    return scope_for_user(user)


def test_invoice_above_threshold_waits_for_a_second_person(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    assert invoice.state == InvoiceState.PENDING_APPROVAL
    approval = invoice.approval_request
    assert approval.kind == "invoice_submission" and approval.requested_by == actor.user
    assert approval.payload["invoice_url"] == f"/invoices/{invoice.pk}/"
    assert invoice.lines.get().purchase_order_line.invoiced_quantity == 0


def test_requester_can_never_approve_their_own_invoice(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    with pytest.raises(SelfApprovalError):
        approval_decide(approval=invoice.approval_request, approve=True, actor=actor, scope=scope)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PENDING_APPROVAL


def test_second_person_approval_submits_the_invoice(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    approval_decide(approval=invoice.approval_request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.SUBMITTED and invoice.submitted_by == actor.user
    assert invoice.lines.get().purchase_order_line.invoiced_quantity == 100


def test_rejected_approval_lets_the_invoice_return_to_draft(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    with pytest.raises(InvalidTransitionError):
        invoice_return_to_draft(scope=scope, invoice_id=invoice.pk, actor=actor)
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    approval_decide(approval=invoice.approval_request, approve=False, actor=Actor(user=checker), scope=scope_for_user(checker), note="wrong PO")
    invoice_return_to_draft(scope=scope, invoice_id=invoice.pk, actor=actor)
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.DRAFT


def test_pending_invoice_cannot_be_edited(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    with pytest.raises(InvalidTransitionError):
        invoice_update(scope=scope, invoice_id=invoice.pk, data=invoice_input({"number": "X"}), actor=actor)


def test_approval_rechecks_and_refuses_units_taken_meanwhile(vendor, scope, actor):
    invoice = above_threshold(vendor, scope, actor)
    po_line = invoice.lines.get().purchase_order_line
    with audit_exempt():
        type(vendor).objects.filter(pk=vendor.pk).update(invoice_approval_threshold=Decimal("100000"))
    rival = invoice_create(scope=scope, data=invoice_input({**payload(po_line.purchase_order, number="RIVAL", quantity=50)}), actor=actor)
    invoice_submit(scope=scope, invoice_id=rival.pk, actor=actor)
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    with pytest.raises(DomainValidationError):
        approval_decide(approval=invoice.approval_request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PENDING_APPROVAL
    assert ApprovalRequest.objects.get(pk=invoice.approval_request_id).status == "pending"


@pytest.fixture
def hard_checks(monkeypatch):
    """The invoices the submission's hard checks ran on, once per run."""
    from invoicing.services import submission

    checked, real = [], submission.invoice_check
    monkeypatch.setattr(submission, "invoice_check", lambda document, **kwargs: checked.append(document.invoice.pk) or real(document, **kwargs))
    return checked


def test_a_submission_runs_the_hard_checks_once(vendor, scope, actor, hard_checks):
    invoice = invoice_create(scope=scope, data=invoice_input(payload(shipped_po(vendor))), actor=actor)

    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)

    assert hard_checks == [invoice.pk]
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED


def test_above_the_threshold_the_request_and_the_approval_each_check_once(vendor, scope, actor, hard_checks):
    invoice = above_threshold(vendor, scope, actor)
    assert hard_checks == [invoice.pk]
    checker = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")

    approval_decide(approval=invoice.approval_request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))

    assert hard_checks == [invoice.pk, invoice.pk]  # the approval re-checks under its own lock: units may have gone meanwhile
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.SUBMITTED


# Retailer decisions ---------------------------------------------------------------------------------
def test_retailer_rejects_and_po_units_are_free_again(vendor, scope, actor):
    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    ap = retailer_user(Role.ACCOUNTS_PAYABLE)
    with pytest.raises(DomainValidationError):
        invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state="rejected", actor=Actor(user=ap))
    invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state="rejected", reason="Wrong cost", actor=Actor(user=ap))
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.REJECTED and invoice.rejection_reason == "Wrong cost"
    assert po.lines.get().invoiced_quantity == 0


def test_vendor_cannot_accept_its_own_invoice(vendor, scope, actor):
    from vendor_portal.errors import ForbiddenError

    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    with pytest.raises(ForbiddenError):
        invoice_decide(scope=scope, invoice_id=invoice.pk, state="accepted", actor=actor)


def test_retailer_moves_an_accepted_invoice_to_paid(vendor, scope, actor):
    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    ap = retailer_user(Role.ACCOUNTS_PAYABLE)
    for state in ("accepted", "approved_for_payment", "paid"):
        invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state=state, actor=Actor(user=ap))
    with pytest.raises(InvalidTransitionError):
        invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state="accepted", actor=Actor(user=ap))
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.PAID


# Credit notes ---------------------------------------------------------------------------------------
def submitted_invoice(vendor, scope, actor, quantity=10):
    po = shipped_po(vendor, quantity=quantity)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    return Invoice.objects.get(pk=invoice.pk)


def test_credit_note_against_a_submitted_invoice(vendor, scope, actor):
    original = submitted_invoice(vendor, scope, actor)
    line = original.lines.get()
    credit = credit_note_create(
        scope=scope, reference_invoice_id=original.pk, actor=actor, reason="return", lines=credit_lines([{"credited_line": line.pk, "quantity": 4}])
    )
    assert credit.invoice_type == InvoiceType.CREDIT_NOTE and credit.reference_invoice == original
    assert credit.grand_total == Decimal("40.00")
    invoice_submit(scope=scope, invoice_id=credit.pk, actor=actor)
    assert Invoice.objects.get(pk=credit.pk).state == InvoiceState.SUBMITTED


def test_credit_cannot_exceed_the_original_quantity_across_credit_notes(vendor, scope, actor):
    original = submitted_invoice(vendor, scope, actor)
    line = original.lines.get()
    first = credit_note_create(
        scope=scope, reference_invoice_id=original.pk, actor=actor, lines=credit_lines([{"credited_line": line.pk, "quantity": 6}])
    )
    invoice_submit(scope=scope, invoice_id=first.pk, actor=actor)
    second = credit_note_create(
        scope=scope, reference_invoice_id=original.pk, actor=actor, lines=credit_lines([{"credited_line": line.pk, "quantity": 5}])
    )
    errors = submit_refused(scope, actor, second)
    assert ("lines[0].quantity", "over_credited") in errors and ("grand_total", "over_credited") in errors


def test_credit_cannot_exceed_the_original_cost(vendor, scope, actor):
    original = submitted_invoice(vendor, scope, actor)
    line = original.lines.get()
    credit = credit_note_create(
        scope=scope,
        reference_invoice_id=original.pk,
        actor=actor,
        lines=credit_lines([{"credited_line": line.pk, "quantity": 1, "unit_cost": "12.00"}]),
    )
    assert ("lines[0].unit_cost", "over_credited") in submit_refused(scope, actor, credit)


def test_credit_note_needs_a_sent_invoice(vendor, scope, actor):
    po = shipped_po(vendor, quantity=10)
    draft = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    with pytest.raises(InvalidTransitionError):
        credit_note_create(scope=scope, reference_invoice_id=draft.pk, actor=actor)


# Editing drafts -------------------------------------------------------------------------------------
def test_edit_draft_replaces_lines_and_recomputes_totals(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    invoice_update(
        scope=scope,
        invoice_id=invoice.pk,
        actor=actor,
        data=invoice_input(
            {
                "lines": [{"purchase_order_number": po.number, "po_line_sequence": 1, "quantity": 40}],
                "charges": [{"kind": "charge", "charge_type": "Freight", "amount": "15.00"}],
            }
        ),
    )
    invoice.refresh_from_db()
    assert invoice.lines.get().quantity == 40 and invoice.grand_total == Decimal("415.00")
    event = AuditEvent.objects.for_object(invoice).filter(action="invoice.update").get()
    assert event.before["lines"][0]["quantity"] == 100 and event.after["lines"][0]["quantity"] == 40


def test_bad_edit_saves_nothing(vendor, scope, actor):
    po = shipped_po(vendor, quantity=100)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    with pytest.raises(DomainValidationError) as excinfo:
        invoice_update(
            scope=scope, invoice_id=invoice.pk, actor=actor, data=invoice_input({"lines": [{"purchase_order_number": po.number, "quantity": "x"}]})
        )
    assert ("lines[0].quantity", "invalid") in errors_of(excinfo)
    assert InvoiceLine.objects.get(invoice=invoice).quantity == 100


def test_other_vendor_cannot_touch_the_invoice(vendor, other_vendor, scope, actor):
    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    intruder = vendor_user(other_vendor, Role.VENDOR_FINANCE, username="globex-finance")
    for call in (
        lambda: invoice_submit(scope=scope_for_user(intruder), invoice_id=invoice.pk, actor=Actor(user=intruder)),
        lambda: invoice_update(scope=scope_for_user(intruder), invoice_id=invoice.pk, data=invoice_input({}), actor=Actor(user=intruder)),
    ):
        with pytest.raises(NotFoundError):
            call()


def test_state_changes_notify_vendor_finance_and_accounts_payable(vendor, scope, actor, django_capture_on_commit_callbacks):
    from vendor_portal.models import Notification

    po = shipped_po(vendor, quantity=10)
    ap = retailer_user(Role.ACCOUNTS_PAYABLE)
    invoice = invoice_from_purchase_order(scope=scope, po_number=po.number, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_submit(scope=scope, invoice_id=invoice.pk, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_decide(scope=scope_for_user(ap), invoice_id=invoice.pk, state="rejected", reason="Cost not registered", actor=Actor(user=ap))
    mine = Notification.objects.filter(user=actor.user).order_by("pk")
    assert [n.kind for n in mine] == ["invoice_submitted", "invoice_rejected"]
    assert mine.last().body == "Cost not registered" and mine.last().url == f"/invoices/{invoice.pk}/"
    assert Notification.objects.filter(user=ap, kind="invoice_submitted").count() == 1


def test_taxes_are_offered_per_marketplace():
    from invoicing.taxes import tax_type_choices, taxes_for

    assert [value for value, _ in tax_type_choices("US")] == ["ST"]
    assert [value for value, _ in tax_type_choices("CA")] == ["GST", "PST"]
    assert {str(rate.rate) for rate in taxes_for("CA").rates} >= {"5", "13", "15"}  # GST and the provinces' HST
    assert [value for value, _ in tax_type_choices("UK")] == ["VAT"]
    assert {str(rate.rate) for rate in taxes_for("DE").rates} == {"19", "7", "0"}
    assert {str(rate.rate) for rate in taxes_for("FR").rates} >= {"20", "5.5"}
    # A row already taxed otherwise keeps its type on offer; an unknown marketplace offers every type.
    assert [value for value, _ in tax_type_choices("US", keep="VAT")] == ["ST", "VAT"]
    assert len(tax_type_choices("JP")) == len(Invoice._meta.get_field("lines").related_model._meta.get_field("tax_type").choices)
