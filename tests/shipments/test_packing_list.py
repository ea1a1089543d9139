"""The packing list as a scanner at the DC reads it: the shipment id in Code 128, and every carton's and
pallet's SSCC in GS1-128 as on its label."""

import pytest

from shipments.services.packing_list import shipment_packing_list_render
from shipments.services.plans import shipment_create
from tests.pdf_barcodes import pdf_barcodes
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

GS1_128 = "]C1"  # the symbology identifier of Code 128 with FNC1 first


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_packing_list_barcodes_scan_as_the_shipment_id_and_every_sscc(vendor):
    scope, actor = Scope(vendor=vendor), Actor.system()
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=2, quantity=30)  # 10 cartons of 6
    shipment = shipment_create(scope=scope, data=plan(po, identifier="ASN-2026-0042", cartons_per_pallet=6), actor=actor)
    document = shipment_packing_list_render(scope=scope, shipment_id=shipment.pk, actor=actor)
    assert pdfa_validate(document.file.path) == []

    scanned = [barcode for page in pdf_barcodes(document.file.path) for barcode in page]
    plain = [barcode.text for barcode in scanned if barcode.symbology_identifier != GS1_128]
    gs1 = [barcode.text for barcode in scanned if barcode.symbology_identifier == GS1_128]
    assert plain == ["ASN-2026-0042"]
    cartons = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    pallets = list(shipment.pallets.order_by("index").values_list("sscc", flat=True))
    assert (len(cartons), len(pallets)) == (10, 2)
    assert gs1 == ["00" + sscc for sscc in cartons + pallets]  # Application Identifier (00), then the SSCC
