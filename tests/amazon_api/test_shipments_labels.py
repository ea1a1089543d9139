"""GetShipmentLabels: each submitted shipment's carton and pallet labels as one base64 PDF whose
barcodes, read at the printer's 203 dpi, are the shipment's SSCCs: the vendor's own when its system
built the shipment."""

import base64
import io

import pypdfium2
import pytest
import zxingcpp

from shipments.labels import PRINTER_DPI
from shipments.models import Shipment
from tests.amazon_api.shipping import CONFIRMATIONS, LABELS, MODEL, confirmation, given_ssccs
from tests.amazon_api.test_shipments_details import build
from tests.shipments.factories import confirmed_purchase_order, ship_from
from tests.sp_api_schema import assert_valid_response
from vendor_portal.models import AuditEvent, Channel, Document

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def get(client, **query):
    response = client.get(LABELS, query)
    assert_valid_response(MODEL, "GetShipmentLabels", response.status_code, response.json())
    return response


def scanned_ssccs(label: str) -> list[str]:
    pdf = pypdfium2.PdfDocument(io.BytesIO(base64.b64decode(label)))
    found = []
    for page in pdf:
        image = page.render(scale=PRINTER_DPI / 72, grayscale=True).to_pil()
        found += [
            b.text[2:] for b in zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain) if len(b.text) == 20 and b.text.startswith("00")
        ]
    pdf.close()
    return found


def test_labels_of_a_confirmed_shipment_scan_as_the_vendors_ssccs(amazon, vendor, vendor_token, account, django_capture_on_commit_callbacks):
    ship_from(vendor)
    po = confirmed_purchase_order(vendor, lines=2, quantity=60)
    body = confirmation(po, cartons_per_line=2)
    with django_capture_on_commit_callbacks(execute=True):
        amazon.post(CONFIRMATIONS, {"shipmentConfirmations": [body]}, format="json")

    response = get(amazon)

    assert response.status_code == 200
    [label] = response.json()["payload"]["transportLabels"]
    assert label["shipmentInformation"]["vendorDetails"] == {
        "sellingParty": {"partyId": "ACMEUS"},
        "vendorShipmentIdentifier": body["shipmentIdentifier"],
    }
    assert label["shipmentInformation"]["totalLabelCount"] == 5
    [data] = label["labelData"]
    assert data["labelFormat"] == "PDF"
    assert base64.b64decode(data["label"]).startswith(b"%PDF-")
    assert scanned_ssccs(data["label"]) == given_ssccs(body)
    render = AuditEvent.objects.get(action="shipment.labels_render")
    assert render.channel == Channel.API and render.actor_token_id == vendor_token[0].pk


def test_labels_of_a_portal_built_shipment_are_its_allocated_ssccs_and_are_stored_once(amazon, vendor):
    [shipment] = build(vendor, 1)
    first = get(amazon).json()["payload"]["transportLabels"][0]["labelData"][0]["label"]
    again = get(amazon).json()["payload"]["transportLabels"][0]["labelData"][0]["label"]
    expected = list(shipment.cartons.order_by("index").values_list("sscc", flat=True)) + list(
        shipment.pallets.order_by("index").values_list("sscc", flat=True)
    )
    assert scanned_ssccs(first) == expected
    assert first == again and Document.objects.filter(vendor=vendor).count() == 1


def test_pages_follow_next_token_and_limit_is_enforced(amazon, vendor):
    made = build(vendor, 3)
    seen, token = [], None
    while True:
        payload = get(amazon, limit=2, sortOrder="ASC", **({"nextToken": token} if token else {})).json()["payload"]
        seen += [label["shipmentInformation"]["vendorDetails"]["vendorShipmentIdentifier"] for label in payload["transportLabels"]]
        token = payload.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert seen == [s.shipment_identifier for s in made]
    for limit in (0, 51):
        assert get(amazon, limit=limit).status_code == 400


def test_drafts_and_other_vendors_have_no_labels_here(amazon, globex, vendor):
    build(vendor, 1, submit=False)
    assert get(amazon).json()["payload"]["transportLabels"] == []
    build(vendor, 1, prefix="SUBMITTED")
    response = get(globex, vendorShipmentIdentifier="SUBMITTED-0")
    assert response.status_code == 200 and response.json()["payload"]["transportLabels"] == []
    assert Shipment.objects.count() == 2 and not Document.objects.exists()
