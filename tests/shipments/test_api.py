import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipments.models import Shipment
from tests.factories import api_token, retailer_user, vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from
from vendor_portal.models import Document, Job
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(api_client, vendor):
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    ship_from(vendor)
    return api_client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _plan_body(*pos, identifier="API-1", **extra):
    lines = [{"purchase_order_line": line.pk, "quantity": line.open_to_ship} for po in pos for line in po.lines.order_by("sequence")]
    body = {
        "ship_to": pos[0].ship_to.code,
        "shipment_identifier": identifier,
        "ship_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "transport_mode": "ltl",
        "carrier_scac": "ABFS",
        "bol_number": "BOL-7",
        "cartons_per_pallet": 8,
        "lines": lines,
    }
    return {**body, **extra}


def test_create_list_cartons_pallets_and_submit_through_the_api(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=30)
    response = ops_client.post("/api/v1/shipments", _plan_body(po), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft" and body["ship_to"] == po.ship_to.code and len(body["lines"]) == 2
    assert body["warnings"] == []
    shipment_id = body["id"]

    cartons = ops_client.get(f"/api/v1/shipments/{shipment_id}/cartons").json()
    assert len(cartons) == 10 and cartons[0]["items"][0]["quantity"] == 6 and cartons[0]["pallet"] == 1
    pallets = ops_client.get(f"/api/v1/shipments/{shipment_id}/pallets/").json()
    assert [p["carton_count"] for p in pallets] == [8, 2]

    submitted = ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["asn_type"] == "Original"
    again = ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json")
    assert again.status_code == 409
    assert list(po.lines.values_list("shipped_quantity", flat=True)) == [30, 30]


def test_over_shipping_is_a_400_naming_the_line(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=30, number="PO-API-OVER")
    body = _plan_body(po)
    body["lines"][0]["quantity"] = 31
    response = ops_client.post("/api/v1/shipments/", body, format="json")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["code"] == "over_shipped" and "PO-API-OVER line 1" in error["message"] and error["field"] == "lines[0].quantity"


def test_shipment_list_queries_do_not_grow_with_shipments(ops_client, vendor):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert ops_client.get("/api/v1/shipments").status_code == 200
        return len(queries)

    ops_client.post("/api/v1/shipments", _plan_body(confirmed_purchase_order(vendor, lines=1), identifier="L1"), format="json")
    few = count_queries()
    for number in range(2, 6):
        ops_client.post("/api/v1/shipments", _plan_body(confirmed_purchase_order(vendor, lines=2), identifier=f"L{number}"), format="json")
    assert count_queries() == few
    assert len(ops_client.get("/api/v1/shipments").json()["results"]) == 5


def test_replace_checks_the_scac_outdates_labels_and_keeps_the_lines_left_out(ops_client, vendor):
    """The API's Replace ASN is the same service as the Amazon door's and EDI's (SCAC checked, labels
    printed before out of date); a line the request leaves out keeps its quantity, as documented."""
    from vendor_portal.models import AuditEvent

    po = confirmed_purchase_order(vendor, lines=2, quantity=30)
    first, second = po.lines.order_by("sequence")
    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(po), format="json").json()["id"]
    assert ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json").status_code == 200
    assert ops_client.post(f"/api/v1/shipments/{shipment_id}/labels", format="json").status_code == 202

    refused = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/replace",
        {"lines": [{"purchase_order_line": first.pk, "quantity": 24}], "carrier_scac": "12AB"},
        format="json",
    )

    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"code": "invalid", "message": "A SCAC is 2-4 letters.", "field": "carrier_scac"}]
    raised = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/replace", {"lines": [{"purchase_order_line": second.pk, "quantity": 31}]}, format="json"
    )
    assert raised.status_code == 400 and [(e["code"], e["field"]) for e in raised.json()["errors"]] == [("quantity_raised", "lines[0].quantity")]

    replaced = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/replace",
        {"lines": [{"purchase_order_line": first.pk, "quantity": 24}], "carrier_scac": "saia"},
        format="json",
    )

    assert replaced.status_code == 200, replaced.json()
    body = replaced.json()
    assert (body["asn_type"], body["asn_revision"], body["carrier_scac"]) == ("Replace", 2, "SAIA")
    assert [line["quantity"] for line in body["lines"]] == [24, 30]
    assert list(po.lines.order_by("sequence").values_list("shipped_quantity", flat=True)) == [24, 30]
    assert AuditEvent.objects.filter(action="shipment.labels_outdate", object_id=str(shipment_id)).exists()


def test_labels_job_document_and_download(ops_client, vendor, django_capture_on_commit_callbacks):
    po = confirmed_purchase_order(vendor, lines=1, quantity=24)
    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(po), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post(f"/api/v1/shipments/{shipment_id}/labels", format="json")
    assert response.status_code == 202
    job = ops_client.get(f"/api/v1/jobs/{response.json()['id']}").json()
    assert job["status"] == "succeeded" and job["percent"] == 100 and job["progress_total"] == 5
    download_url = job["result"]["download_url"]
    assert download_url == f"/api/v1/documents/{job['result']['id']}/download"
    documents = ops_client.get(f"/api/v1/shipments/{shipment_id}/labels").json()
    assert [d["kind"] for d in documents] == ["shipment_labels"]

    download = ops_client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="API-1-labels-0.pdf"'
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_packing_list_render_and_upload(ops_client, vendor):
    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(confirmed_purchase_order(vendor, lines=1)), format="json").json()["id"]
    rendered = ops_client.post(f"/api/v1/shipments/{shipment_id}/packing-list", format="json")
    assert rendered.status_code == 201 and rendered.json()["kind"] == "packing_list"
    from django.core.files.uploadedfile import SimpleUploadedFile

    refused = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/packing-list/upload", {"file": SimpleUploadedFile("a.pdf", b"hello")}, format="multipart"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "not_pdf"
    accepted = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/packing-list/upload", {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")}, format="multipart"
    )
    assert accepted.status_code == 201


def test_retailer_receiving_books_a_receipt_by_scan(ops_client, api_client, vendor, client):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(po), format="json").json()["id"]
    ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json")
    ssccs = [c["sscc"] for c in ops_client.get(f"/api/v1/shipments/{shipment_id}/cartons").json()]

    from rest_framework.test import APIClient

    dock = APIClient()
    dock.force_authenticate(retailer_user(Role.RECEIVING))
    response = dock.post("/api/v1/receipts", {"shipment": shipment_id, "scanned_ssccs": ssccs, "complete": True}, format="json")
    assert response.status_code == 201, response.json()
    assert sum(line["quantity"] for line in response.json()["lines"]) == 12
    assert Shipment.objects.get(pk=shipment_id).state == "received"
    assert po.lines.get().received_quantity == 12
    # the vendor may read receipts of its shipments but not book them
    assert len(ops_client.get("/api/v1/receipts").json()["results"]) == 1
    assert ops_client.post("/api/v1/receipts", {"shipment": shipment_id, "complete": True}, format="json").status_code == 403


def test_other_vendor_gets_404_for_shipment_job_and_document(vendor, other_vendor, ops_client, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(confirmed_purchase_order(vendor, lines=1)), format="json").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        job_id = ops_client.post(f"/api/v1/shipments/{shipment_id}/labels", format="json").json()["id"]
    document_id = Job.objects.get(pk=job_id).result_id
    assert Document.objects.filter(pk=document_id).exists()
    _, raw = api_token(other_vendor)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for url in (
        f"/api/v1/shipments/{shipment_id}",
        f"/api/v1/shipments/{shipment_id}/cartons",
        f"/api/v1/jobs/{job_id}",
        f"/api/v1/documents/{document_id}/download",
    ):
        assert api_client.get(url).status_code == 404, url
    assert api_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json").status_code == 404
    assert api_client.get("/api/v1/shipments").json()["results"] == []


def test_token_without_shipment_write_scope_cannot_submit(api_client, vendor):
    _, raw = api_token(vendor, scopes=["shipments:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get("/api/v1/shipments").status_code == 200
    assert api_client.post("/api/v1/shipments", {}, format="json").status_code == 403


def test_small_parcel_needs_tracking_numbers_set_through_the_api(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment_id = ops_client.post(
        "/api/v1/shipments", _plan_body(po, transport_mode="small_parcel", bol_number="", cartons_per_pallet=0), format="json"
    ).json()["id"]
    refused = ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == "tracking_required"
    cartons = ops_client.post(
        f"/api/v1/shipments/{shipment_id}/cartons/tracking",
        {"cartons": [{"index": 1, "tracking_number": "1Z0001"}, {"index": 2, "tracking_number": "1Z0002"}]},
        format="json",
    ).json()
    assert [c["tracking_number"] for c in cartons] == ["1Z0001", "1Z0002"]
    assert ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json").status_code == 200


def test_moving_units_through_the_api_makes_a_mixed_carton(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=2, quantity=6)
    body = ops_client.post("/api/v1/shipments", _plan_body(po), format="json").json()
    second_line = body["lines"][1]["id"]
    cartons = ops_client.post(
        f"/api/v1/shipments/{body['id']}/cartons/move", {"from_carton": 2, "to_carton": 1, "shipment_line": second_line, "quantity": 6}, format="json"
    ).json()
    assert len(cartons) == 1 and sorted(item["quantity"] for item in cartons[0]["items"]) == [6, 6]
    too_many = ops_client.post(
        f"/api/v1/shipments/{body['id']}/cartons/move", {"from_carton": 1, "shipment_line": second_line, "quantity": 7}, format="json"
    )
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["field"] == "quantity"


@pytest.mark.parametrize("path", ["/api/v1/shipments/{id}/cartons/move/", "/api/v1/shipments/{id}/cartons/tracking/"])
def test_carton_writes_are_documented_as_the_plain_list_they_answer(api_client, path):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    answer = schema["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["type"] == "array"


def test_cartons_and_pallets_are_weighed_and_measured_through_the_api(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    body = ops_client.post("/api/v1/shipments", _plan_body(po, cartons_per_pallet=2, weight_unit="kg", dimension_unit="cm"), format="json").json()
    assert (body["weight_unit"], body["dimension_unit"], body["gross_weight"]) == ("kg", "cm", None)
    url = f"/api/v1/shipments/{body['id']}/measurements"

    answer = ops_client.post(
        url,
        {
            "cartons": [{"index": 1, "weight": "7.2", "length": "40", "width": "30", "height": "25"}],
            "pallets": [{"index": 1, "weight": "30", "weight_unit": "lb"}],
        },
        format="json",
    )

    assert answer.status_code == 200
    first = answer.json()["cartons"][0]
    assert (first["weight"], first["weight_unit"], first["length"], first["dimension_unit"]) == ("7.200", "kg", "40.00", "cm")
    assert answer.json()["pallets"][0]["weight"] == "30.000" and answer.json()["pallets"][0]["weight_unit"] == "lb"
    # a part left out stays, a part sent as null goes back to the estimate
    again = ops_client.post(url, {"cartons": [{"index": 1, "weight": None}]}, format="json").json()["cartons"][0]
    assert (again["weight"], again["length"]) == (None, "40.00")
    refused = ops_client.post(url, {"cartons": [{"index": 1, "length": "10"}], "pallets": [{"index": 9, "weight": "1"}]}, format="json")
    assert refused.status_code == 400
    assert {error["field"] for error in refused.json()["errors"]} == {"cartons[1].length", "pallets[9].index"}
    assert Shipment.objects.get().cartons.get(index=1).length == 40


def test_a_submitted_asns_cartons_are_not_measured_again(ops_client, vendor):
    po = confirmed_purchase_order(vendor, lines=1, quantity=12)
    shipment_id = ops_client.post("/api/v1/shipments", _plan_body(po), format="json").json()["id"]
    assert ops_client.post(f"/api/v1/shipments/{shipment_id}/submit", format="json").status_code == 200
    answer = ops_client.post(f"/api/v1/shipments/{shipment_id}/measurements", {"cartons": [{"index": 1, "weight": "5"}]}, format="json")
    assert answer.status_code == 409
