"""POST /api/v1/purchase-orders/upload: the screen's CSV/XLSX upload (dry run, then all-or-nothing) as an API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from purchase_orders.models import PurchaseOrder
from tests.factories import ProductFactory, WarehouseFactory, retailer_user
from tests.purchase_orders.test_imports import csv_bytes, row
from tests.vendor_portal.test_api_retries_and_throttling import row_counts
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchase-orders/upload"


@pytest.fixture
def products(vendor):
    WarehouseFactory(code="ABE2")
    return [ProductFactory(vendor=vendor, vendor_sku=sku) for sku in ("SKU-A", "SKU-B")]


@pytest.fixture
def buyer():
    client = APIClient()
    client.force_login(retailer_user(Role.BUYER))
    return client


def upload(rows, name="orders.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def test_a_dry_run_checks_the_file_and_saves_nothing(buyer, products):
    rows = [row(po_number="PO-1"), row(po_number="PO-1", sequence="2", vendor_sku="SKU-B", ordered_quantity="12"), row(po_number="PO-2")]
    response = buyer.post(URL, {"file": upload(rows)}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["dry_run"], body["row_count"], body["po_count"], body["line_count"], body["created"]) == (True, 3, 2, 3, [])
    assert body["purchase_orders"][0] == {
        "number": "PO-1",
        "vendor": "ACME",
        "marketplace": "US",
        "ship_to": "ABE2",
        "line_count": 2,
        "units": 72,
        "total": "720.00",
        "currency": "USD",
    }
    assert not PurchaseOrder.objects.exists()


def test_committing_creates_every_po_through_the_service(buyer, products):
    response = buyer.post(URL, {"file": upload([row(po_number="PO-1"), row(po_number="PO-2")]), "dry_run": "false"}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == ["PO-1", "PO-2"]
    assert set(PurchaseOrder.objects.values_list("number", flat=True)) == {"PO-1", "PO-2"}
    assert AuditEvent.objects.filter(action="purchase_order.create", channel="api").count() == 2


def test_row_errors_name_row_and_column_and_nothing_is_created(buyer, products):
    rows = [row(po_number="PO-1"), row(po_number="PO-2", net_cost="twelve", vendor_sku="SKU-NONE")]
    response = buyer.post(URL, {"file": upload(rows), "dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    fields = [(e["code"], e["field"]) for e in response.json()["errors"]]
    assert ("invalid_row", "rows[3].net_cost") in fields
    assert all(message.startswith("Row 3, ") for message in (e["message"] for e in response.json()["errors"]))
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("orders.csv", b"", "file is empty."),
        ("orders.xlsx", b"not a zip", "is not a valid XLSX workbook"),
        ("orders.csv", b"po_number,vendor_code\nPO-1,ACME\n", "Missing columns"),
    ],
)
def test_an_unreadable_file_is_a_400_on_the_file_field(buyer, products, name, content, message):
    response = buyer.post(URL, {"file": SimpleUploadedFile(name, content)}, format="multipart")
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "file" and message in error["message"]


def test_a_missing_file_or_json_body_is_refused(buyer, products):
    assert buyer.post(URL, {}, format="multipart").json()["errors"][0]["field"] == "file"
    assert buyer.post(URL, {"file": "x"}, format="json").status_code == 415


def test_only_people_who_issue_pos_may_upload(vendor, products, vendor_token):
    vendor_client = APIClient()
    vendor_client.credentials(HTTP_AUTHORIZATION=f"Bearer {vendor_token[1]}")
    assert vendor_client.post(URL, {"file": upload([row()])}, format="multipart").status_code == 403
    receiving = APIClient()
    receiving.force_login(retailer_user(Role.RECEIVING))
    assert receiving.post(URL, {"file": upload([row()])}, format="multipart").status_code == 403


def test_a_committed_upload_retried_with_its_idempotency_key_creates_nothing_more(buyer, products):
    content = csv_bytes([row(po_number="PO-1")])
    first = buyer.post(
        URL, {"file": SimpleUploadedFile("orders.csv", content), "dry_run": "false"}, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert first.status_code == 201
    before = row_counts()
    again = buyer.post(
        URL, {"file": SimpleUploadedFile("orders.csv", content), "dry_run": "false"}, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert row_counts() == before
