"""Shipment objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import receipt_create
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.models import Document, Job
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope


def build(world, vendor):
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    actor = Actor(user=world.get("admin") or vendor_user(vendor, Role.VENDOR_ADMIN))
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="ACMESECRET-S")
    submitted = shipment_create(scope=scope, data=plan(po, identifier="ACMESECRET-ASN", quantities={po.lines.get().pk: 6}), actor=actor)
    shipment_submit(scope=scope, shipment_id=submitted.pk, actor=actor)
    world["shipment"] = shipment_create(scope=scope, data=plan(po, identifier="ACMESECRET-PLAN"), actor=actor)
    world["submitted_shipment"] = submitted
    world["receipt"] = receipt_create(
        scope=Scope(is_retailer=True, roles=frozenset({Role.RECEIVING})),
        shipment_id=submitted.pk,
        scanned_ssccs=[submitted.cartons.get().sscc],
        actor=Actor.system(),
    )
    with audit_exempt():
        world["document"] = Document.objects.create(
            vendor=vendor,
            kind="shipment_labels",
            key=f"shipments/{submitted.pk}/labels-1.pdf",
            title="ACME-SECRET labels",
            file="documents/acme-secret.pdf",
            target_type="shipments.shipment",
            target_id=str(submitted.pk),
        )
        world["job"] = Job.objects.create(
            vendor=vendor,
            kind="shipment_labels",
            target_type="shipments.shipment",
            target_id=str(submitted.pk),
            message="ACME-SECRET",
            result=world["document"],
        )


def _shipment(world):
    return {"pk": world["shipment"].pk}


# URL name -> kwargs for vendor A's object. Add every shipment route that takes arguments.
URL_KWARGS: dict = {
    "shipment-detail": _shipment,
    "shipment-cartons": _shipment,
    "shipment-cartons-move": _shipment,
    "shipment-cartons-tracking": _shipment,
    "shipment-measurements": _shipment,
    "shipment-pallets": _shipment,
    "shipment-submit": _shipment,
    "shipment-replace": lambda w: {"pk": w["submitted_shipment"].pk},
    "shipment-cancel": _shipment,
    "shipment-labels": _shipment,
    "shipment-packing-list": _shipment,
    "shipment-packing-list-upload": _shipment,
    "receipt-detail": lambda w: {"pk": w["receipt"].pk},
    "job-detail": lambda w: {"pk": w["job"].pk},
    "document-download": lambda w: {"pk": w["document"].pk},
    "shipment_detail": _shipment,
    "shipment_submit": _shipment,
    "shipment_cancel": _shipment,
    "shipment_labels": _shipment,
    "shipment_packing_list": _shipment,
    "shipment_packing_list_upload": _shipment,
    "shipment_carton_move": _shipment,
    "shipment_edit": _shipment,
    "shipment_edit_save": _shipment,
    "shipment_replace": lambda w: {"pk": w["submitted_shipment"].pk},
    "shipment_job_status": lambda w: {"pk": w["job"].pk},
    "receiving_detail": lambda w: {"pk": w["submitted_shipment"].pk},
    "receiving_scan": lambda w: {"pk": w["submitted_shipment"].pk},
    "receiving_carton_exception": lambda w: {"pk": w["submitted_shipment"].pk},
}
