"""`manage.py seed_demo`: a living portal from the services, and nothing new on a second run."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from invoicing.models import Invoice, InvoiceState
from invoicing.services.checks import invoice_preflight
from purchase_orders.models import PurchaseOrder
from reconciliation.models import (
    ChargebackRate,
    Deduction,
    DeductionKind,
    Dispute,
    DisputeStatus,
    MatchResult,
    PaymentRun,
    PaymentRunStatus,
    Remittance,
    RemittanceLine,
)
from reconciliation.selectors import payment_summary
from shipments.models import ComplianceEventKind, Receipt, Shipment, ShipmentState
from vendor_portal.models import ApprovalRequest, AuditEvent, Document, Notification, User
from vendor_portal.selectors import approvals_waiting_for
from vendor_portal.tenancy import Scope, scope_for_user

SHIPMENT_STATES = {
    "0001": ShipmentState.DRAFT,
    "0002": ShipmentState.SUBMITTED,
    "0003": ShipmentState.RECEIVED,
    "0004": ShipmentState.RECEIVED,
}
# After the payments demo: accepted and matched, then paid today (early-payment discount open) or waiting
# for the next run, depending on the payment terms of their POs.
PAYABLE = {InvoiceState.APPROVED_FOR_PAYMENT, InvoiceState.PAID}
INVOICE_STATES = {
    "0001": {InvoiceState.DRAFT},
    "0002": PAYABLE,
    "0003": PAYABLE,
    "0004": {InvoiceState.PENDING_APPROVAL},
    "0005": PAYABLE,
}


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    """Remittance advice PDFs and dispute evidence go to a folder of this test, not the shared var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _counts() -> dict:
    return {
        "purchase_orders": PurchaseOrder.objects.count(),
        "shipments": Shipment.objects.count(),
        "receipts": Receipt.objects.count(),
        "invoices": Invoice.objects.count(),
        "match_results": MatchResult.objects.count(),
        "chargeback_rates": ChargebackRate.objects.count(),
        "deductions": Deduction.objects.count(),
        "disputes": Dispute.objects.count(),
        "payment_runs": PaymentRun.objects.count(),
        "remittances": Remittance.objects.count(),
        "remittance_lines": RemittanceLine.objects.count(),
        "approval_requests": ApprovalRequest.objects.count(),
        "documents": Document.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_shipments_and_invoices_in_every_state_and_a_second_run_adds_nothing(db):
    first = _seed()
    assert "8 shipments created" in first and "10 invoices created" in first and "2 payment runs created" in first
    after_first = _counts()

    second = _seed()

    assert _counts() == after_first
    assert "0 shipments created, 8 already there" in second and "0 invoices created, 10 already there" in second
    assert "0 payment runs created, 2 already there" in second
    for code in ("ACME", "GLOBEX"):
        shipments = dict(Shipment.objects.filter(vendor__code=code).values_list("shipment_identifier", "state"))
        assert shipments == {f"ASN-{code}-{n}": state for n, state in SHIPMENT_STATES.items()}
        invoices = dict(Invoice.objects.filter(vendor__code=code).values_list("number", "state"))
        assert set(invoices) == {f"INV-{code}-{n}" for n in INVOICE_STATES}
        assert all(invoices[f"INV-{code}-{n}"] in states for n, states in INVOICE_STATES.items()), invoices


def test_seed_demo_shipments_are_cartonized_and_received_as_the_story_says(db):
    _seed()

    for code in ("ACME", "GLOBEX"):
        shipments = {s.shipment_identifier[-4:]: s for s in Shipment.objects.filter(vendor__code=code).annotate(cartons_count=Count("cartons"))}
        assert all(shipment.cartons_count > 0 for shipment in shipments.values())
        assert shipments["0001"].pallets.exists()
        assert shipments["0002"].asn_revision == 1
        full, short = shipments["0003"], shipments["0004"]
        assert not full.compliance_events.exists()
        assert full.lines.values("purchase_order_line__purchase_order").distinct().count() == 2
        shortfall = short.compliance_events.get(kind=ComplianceEventKind.SHORT_SHIPPED)
        assert shortfall.details["shipped"] - shortfall.details["received"] == 2


def test_seed_demo_invoices_carry_the_claims_their_story_promises(db):
    _seed()
    retailer = Scope(is_retailer=True)

    for code in ("ACME", "GLOBEX"):
        invoices = {invoice.number[-4:]: invoice for invoice in Invoice.objects.filter(vendor__code=code).select_related("vendor")}
        matched = invoice_preflight(scope=retailer, invoice=invoices["0002"])
        assert matched["claims_total"] == 0 and not matched["errors"]
        variance = invoice_preflight(scope=retailer, invoice=invoices["0003"])
        assert variance["price_claim_total"] > 0 and variance["shortage_claim_total"] > 0
        paid = invoice_preflight(scope=retailer, invoice=invoices["0005"])
        assert paid["claims_total"] == 0
        pending = invoices["0004"]
        assert pending.grand_total > pending.vendor.invoice_approval_threshold
        assert pending.approval_request is not None and pending.approval_request.requested_by.username == f"{code.lower()}-finance"
        assert invoices["0001"].source == "po"


def test_seed_demo_rows_of_shipments_and_invoicing_all_have_audit_rows(db):
    _seed()

    audited = set(AuditEvent.objects.values_list("object_type", "object_id"))
    for model in (Shipment, Receipt, Invoice):
        rows = {(model._meta.label_lower, str(pk)) for pk in model.objects.values_list("pk", flat=True)}
        assert rows and rows <= audited
    receivers = set(AuditEvent.objects.filter(action="receipt.create").values_list("actor__username", flat=True))
    assert receivers == {"retail-receiving"}


def test_seed_demo_tells_each_vendor_a_finance_story_from_the_match_to_the_remittance(db):
    _seed()

    paid_run = PaymentRun.objects.get(status=PaymentRunStatus.PAID)
    assert (paid_run.created_by.username, paid_run.approved_by.username, paid_run.paid_by.username) == ("retail-ap", "retail-admin", "retail-ap")
    assert paid_run.pay_date == timezone.localdate()
    waiting = PaymentRun.objects.get(status=PaymentRunStatus.PENDING_APPROVAL)
    assert waiting.created_by.username == "retail-admin" and waiting.pay_date >= paid_run.pay_date
    accounts_payable = User.objects.get(username="retail-ap")
    assert approvals_waiting_for(user=accounts_payable, scope=scope_for_user(accounts_payable)).filter(pk=waiting.approval_request_id).exists()

    for code in ("ACME", "GLOBEX"):
        finance = User.objects.get(username=f"{code.lower()}-finance")
        summary = payment_summary(scope=scope_for_user(finance))
        assert sum(row["net_amount"] for row in summary["paid"]) > 0
        assert sum(row["amount"] for row in summary["deductions_by_kind"] if row["kind"] != DeductionKind.REVERSAL) > 0
        assert sum(row["count"] for row in summary["open_disputes"]) == 1

        claims = Deduction.objects.filter(invoice__number=f"INV-{code}-0003")
        assert set(claims.values_list("kind", flat=True)) == {DeductionKind.PRICE_CLAIM, DeductionKind.SHORTAGE_CLAIM}
        chargeback = Deduction.objects.get(vendor__code=code, kind=DeductionKind.CHARGEBACK, compliance_event__kind=ComplianceEventKind.SHORT_SHIPPED)
        assert chargeback.shipment.shipment_identifier == f"ASN-{code}-0004"

        remittance = Remittance.objects.select_related("document").get(vendor__code=code, run=paid_run)
        lines = list(remittance.lines.all())
        assert sum(line.amount for line in lines) == remittance.net_amount > 0
        assert {line.kind for line in lines} >= {"invoice_paid", "deduction"}
        assert remittance.document is not None
        with remittance.document.file.open("rb") as advice:
            assert advice.read(5) == b"%PDF-"

        open_dispute = Dispute.objects.get(vendor__code=code, status=DisputeStatus.OPEN)
        assert open_dispute.created_by == finance and open_dispute.reason and open_dispute.evidence.count() == 1
        answered = Dispute.objects.select_related("deduction__remittance", "reversal__remittance").get(
            vendor__code=code, status=DisputeStatus.PARTLY_REVERSED
        )
        assert answered.created_by == finance and answered.answered_by == accounts_payable
        assert answered.deduction.remittance.run_id == paid_run.pk  # netted in today's payment, then disputed
        assert 0 < answered.amount_reversed < answered.deduction.amount
        assert answered.reversal.remittance.run_id == waiting.pk  # paid back in the next remittance


def test_the_foundation_is_audited_once_and_a_second_run_writes_nothing(db):
    from vendor_portal.demo import seed_foundation
    from vendor_portal.models import Product, User

    seed_foundation()
    seeded = AuditEvent.objects.filter(channel="system", action__endswith=".seed")
    first = seeded.count()
    assert first >= Product.objects.count() + User.objects.count()
    assert not any("password" in (event.after or {}) for event in seeded.filter(object_type="vendor_portal.user"))

    seed_foundation()

    assert seeded.count() == first
