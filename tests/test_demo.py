"""`manage.py seed_demo`: a living portal from the services, and nothing new on a second run."""
import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from invoicing.models import Invoice, InvoiceState
from invoicing.services import invoice_preflight
from purchase_orders.models import PurchaseOrder
from shipments.models import ComplianceEventKind, Receipt, Shipment, ShipmentState
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.tenancy import Scope

SHIPMENT_STATES = {
    "0001": ShipmentState.DRAFT,
    "0002": ShipmentState.SUBMITTED,
    "0003": ShipmentState.RECEIVED,
    "0004": ShipmentState.RECEIVED,
}
INVOICE_STATES = {
    "0001": InvoiceState.DRAFT,
    "0002": InvoiceState.SUBMITTED,
    "0003": InvoiceState.SUBMITTED,
    "0004": InvoiceState.PENDING_APPROVAL,
    "0005": InvoiceState.APPROVED_FOR_PAYMENT,
}


def _counts() -> dict:
    return {
        "purchase_orders": PurchaseOrder.objects.count(),
        "shipments": Shipment.objects.count(),
        "receipts": Receipt.objects.count(),
        "invoices": Invoice.objects.count(),
        "audit_events": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
    }


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_shipments_and_invoices_in_every_state_and_a_second_run_adds_nothing(db):
    first = _seed()
    assert "8 shipments created" in first and "10 invoices created" in first
    after_first = _counts()

    second = _seed()

    assert _counts() == after_first
    assert "0 shipments created, 8 already there" in second and "0 invoices created, 10 already there" in second
    for code in ("ACME", "GLOBEX"):
        shipments = dict(Shipment.objects.filter(vendor__code=code).values_list("shipment_identifier", "state"))
        assert shipments == {f"ASN-{code}-{n}": state for n, state in SHIPMENT_STATES.items()}
        invoices = dict(Invoice.objects.filter(vendor__code=code).values_list("number", "state"))
        assert invoices == {f"INV-{code}-{n}": state for n, state in INVOICE_STATES.items()}


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
