"""A carton label fault reported at the DC becomes one label non-compliance chargeback at the flat rate, with the
carton, its SSCC, the shipment's labels and the carton's scans in its evidence."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from reconciliation.engine import chargebacks_raise
from reconciliation.evidence import EvidenceKind, deduction_evidence
from reconciliation.models import COMPLIANCE_CATEGORY, ChargebackRate, Deduction, DeductionKind, DeductionReason
from shipments.models import ComplianceEvent
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import LABEL_UNREADABLE, receiving_carton_exception, receiving_scan
from tests.appointments.factories import dock_actor
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.reconciliation.factories import finance_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import Document
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

DOCK = Scope(is_retailer=True, roles=frozenset({Role.RECEIVING}))


def label_fault(vendor):
    """An ASN of 12 units in 2 cartons on 1 pallet, its labels printed, the pallet scanned at the DC and the label
    of carton 2 reported unreadable; a flat rate of 40.00 USD for label non-compliance."""
    ship_from(vendor)
    ops = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment = shipment_create(scope=ops, data=plan(po, identifier="SHIP-L", cartons_per_pallet=2), actor=Actor.system())
    shipment_submit(scope=ops, shipment_id=shipment.pk, actor=Actor.system())
    with audit_exempt():
        labels = Document.objects.create(
            vendor=vendor,
            kind="shipment_labels",
            key=f"shipments/{shipment.pk}/labels-1.pdf",
            title="Labels SHIP-L",
            file="documents/labels.pdf",
            target_type="shipments.shipment",
            target_id=str(shipment.pk),
        )
        ChargebackRate.objects.create(marketplace=marketplace("US"), category="label_non_compliance", amount=Decimal("40.00"), currency="USD")
    pallet = shipment.pallets.get()
    receiving_scan(scope=DOCK, shipment_id=shipment.pk, scan_id=uuid.uuid4(), code=pallet.sscc, actor=dock_actor())
    carton = shipment.cartons.order_by("index").last()
    receiving_carton_exception(scope=DOCK, shipment_id=shipment.pk, sscc=carton.sscc, exception=LABEL_UNREADABLE, actor=dock_actor())
    return shipment, pallet, carton, labels


def test_both_label_faults_are_charged_as_label_non_compliance():
    assert COMPLIANCE_CATEGORY["label_missing"] == COMPLIANCE_CATEGORY["label_unreadable"] == DeductionReason.LABEL_NON_COMPLIANCE


def test_a_label_fault_is_charged_back_once_with_the_carton_in_its_evidence(vendor):
    shipment, pallet, carton, labels = label_fault(vendor)
    event = ComplianceEvent.objects.get()
    raised = chargebacks_raise()
    assert len(raised) == 1
    charge = Deduction.objects.get()
    assert (charge.kind, charge.reason, charge.amount, charge.currency) == (
        DeductionKind.CHARGEBACK,
        DeductionReason.LABEL_NON_COMPLIANCE,
        Decimal("40.00"),
        "USD",
    )
    assert (charge.shipment, charge.compliance_event) == (shipment, event)
    assert charge.evidence["sscc"] == carton.sscc and charge.evidence["kind"] == "label_unreadable" and charge.evidence["carton"] == 2
    assert charge.description == "Label non-compliance, shipment SHIP-L"
    assert chargebacks_raise() == []  # the nightly run again: nothing new
    assert Deduction.objects.count() == 1

    items = deduction_evidence(deduction=charge)
    by_kind: dict[str, list] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    (fault,) = by_kind[EvidenceKind.COMPLIANCE_EVENT]
    assert fault.title == "Carton label unreadable recorded for SHIP-L"
    assert fault.detail == (
        f"The label of carton 2 (SSCC {carton.sscc}) would not scan at {shipment.ship_to.code}: the SSCC was keyed in. It came on pallet {pallet.sscc}."
    )
    scans = [item for item in by_kind[EvidenceKind.CARTON_SCAN] if carton.sscc in item.title]
    assert [(s.title, s.detail) for s in scans] == [
        (f"Carton 2 (SSCC {carton.sscc}) received at {shipment.ship_to.code}", f"Received with pallet {pallet.sscc}. 6 units, 0 damaged.")
    ]
    assert [item.document for item in by_kind[EvidenceKind.LABEL_RENDER]] == [labels]
    # The receiving scan history of the shipment: the pallet scan booked both cartons.
    assert any("2 cartons scanned" in item.title for item in by_kind[EvidenceKind.CARTON_SCAN])


def test_the_vendors_deduction_page_shows_the_carton_and_its_sscc(vendor):
    label_fault(vendor)
    chargebacks_raise()
    charge = Deduction.objects.get()
    client = Client()
    client.force_login(finance_user(vendor))
    html = client.get(f"/payments/deductions/{charge.pk}/").content.decode()
    carton = charge.compliance_event.carton
    assert "Label non-compliance" in html and f"The label of carton 2 (SSCC {carton.sscc}) would not scan" in html
    assert f"Carton 2 (SSCC {carton.sscc}) received at" in html and "Labels SHIP-L" in html
