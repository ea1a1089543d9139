"""POST /api/v1/purchase-orders/confirmations/bulk: the screen's bulk confirmation file (dry run, then all or
nothing through the confirmation service) as an API."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from purchase_orders.models import PurchaseOrderState
from tests.factories import api_token, marketplace, retailer_user, vendor_user
from tests.purchase_orders.test_bulk_confirmation import csv_file, db_state, downloaded_csv, fill, good_answers
from tests.purchase_orders.test_bulk_confirmation import two_pos as two_pos  # noqa: F401 (a fixture)
from tests.vendor_portal.test_api_retries_and_throttling import row_counts
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/purchase-orders/confirmations/bulk"


@pytest.fixture
def answered(client, vendor, two_pos):  # noqa: F811
    """The downloaded file's (header, rows) with good answers for both POs."""
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    header, rows = downloaded_csv(client)
    return header, fill(rows, good_answers(*two_pos))


@pytest.fixture
def filled(answered):
    return csv_file(*answered)


def file(content: bytes, name="confirmations.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_dry_run_checks_the_file_and_saves_nothing(token_client, filled):
    before = db_state()
    response = token_client.post(URL, {"file": file(filled)}, format="multipart")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["dry_run"], body["row_count"], body["po_count"], body["line_count"], body["skipped"], body["confirmed"]) == (True, 3, 2, 3, [], [])
    assert body["purchase_orders"] == [
        {"number": "PO-BULK-1", "line_count": 2, "accepted": 30, "backordered": 30, "rejected": 60, "state": "acknowledged"},
        {"number": "PO-BULK-2", "line_count": 1, "accepted": 24, "backordered": 0, "rejected": 0, "state": "acknowledged"},
    ]
    assert db_state() == before


def test_applying_confirms_every_po_through_the_service(token_client, filled, two_pos):  # noqa: F811
    response = token_client.post(URL, {"file": file(filled), "dry_run": "false"}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["confirmed"] == ["PO-BULK-1", "PO-BULK-2"]
    for po in two_pos:
        po.refresh_from_db()
        assert po.state == PurchaseOrderState.ACKNOWLEDGED and po.acknowledgements.get().revision == 1
    assert AuditEvent.objects.filter(action="purchase_order.acknowledge", channel="api").count() == 2


def test_row_errors_name_row_column_and_code_and_nothing_is_applied(token_client, filled):
    content = filled.decode().replace("ObsoleteProduct", "Whatever").encode()
    content = content.replace(b"PO-BULK-2,", b"PO-NOPE,")
    before = db_state()
    response = token_client.post(URL, {"file": file(content), "dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    errors = {e["field"]: e for e in response.json()["errors"]}
    assert set(errors) == {"rows[3].rejection_reason", "rows[4].po_number"}
    assert errors["rows[3].rejection_reason"]["message"].startswith("Row 3, Rejection reason: 'Whatever' is not a rejection reason")
    assert (errors["rows[4].po_number"]["code"], errors["rows[4].po_number"]["message"]) == (
        "not_found",
        "Row 4, PO number: There is no purchase order PO-NOPE for you to confirm.",
    )
    assert db_state() == before


def test_a_service_rule_comes_back_with_its_code_on_the_row(token_client, answered):
    header, rows = answered
    without_line_2 = [row for row in rows if (row["po_number"], row["line"]) != ("PO-BULK-1", "2")]
    response = token_client.post(URL, {"file": file(csv_file(header, without_line_2))}, format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["code"], error["field"]) == ("line_missing", "rows[2].line")
    assert error["message"] == "Row 2, Line: Line 2 has no confirmation: every line must be confirmed."


def test_an_unreadable_file_is_a_400_on_the_file_field(token_client, two_pos):  # noqa: F811
    response = token_client.post(URL, {"file": file(b"po_number,line\nPO-BULK-1,1\n")}, format="multipart")
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("file", "invalid_file") and "Missing columns" in error["message"]
    assert token_client.post(URL, {}, format="multipart").json()["errors"][0]["field"] == "file"


def test_another_vendors_token_finds_none_of_these_pos(filled, other_vendor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(other_vendor, name='GLOBEX ERP')[1]}")
    before = db_state()
    response = client.post(URL, {"file": file(filled), "dry_run": "false"}, format="multipart")
    assert response.status_code == 400
    assert {e["code"] for e in response.json()["errors"]} == {"not_found"}
    assert db_state() == before


def test_only_those_who_confirm_pos_may_use_it(vendor, filled):
    read_only = APIClient()
    read_only.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(vendor, scopes=['orders:read'], name='Reader')[1]}")
    assert read_only.post(URL, {"file": file(filled)}, format="multipart").status_code == 403
    buyer = APIClient()
    buyer.force_login(retailer_user(Role.BUYER))
    assert buyer.post(URL, {"file": file(filled)}, format="multipart").status_code == 403


def test_an_applied_file_retried_with_its_idempotency_key_confirms_nothing_more(token_client, filled):
    first = token_client.post(URL, {"file": file(filled), "dry_run": "false"}, format="multipart", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.status_code == 200
    before = row_counts()
    again = token_client.post(URL, {"file": file(filled), "dry_run": "false"}, format="multipart", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (200, first.json(), "true")
    assert row_counts() == before
    # Without the key, the same file is refused: its POs changed (they were confirmed) since the download.
    third = token_client.post(URL, {"file": file(filled), "dry_run": "false"}, format="multipart")
    assert third.status_code == 400 and {e["code"] for e in third.json()["errors"]} == {"po_changed"}


def test_the_file_downloaded_through_the_api_goes_back_up_through_it(token_client, two_pos):  # noqa: F811
    from openpyxl import load_workbook

    from purchase_orders.bulk_confirmation import COLUMN_KEYS

    workbook = token_client.get(URL)
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(workbook.content))["Confirmations"].max_row == 4
    response = token_client.get(URL, {"file_format": "csv", "marketplace": "US"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    rows = [dict(zip(COLUMN_KEYS, row, strict=True)) for row in rows]
    content = csv_file(header, fill(rows, good_answers(*two_pos)))
    applied = token_client.post(URL, {"file": file(content), "dry_run": "false"}, format="multipart")
    assert applied.status_code == 200 and applied.json()["confirmed"] == ["PO-BULK-1", "PO-BULK-2"]


def test_a_download_with_bad_parameters_is_a_400(token_client, two_pos):  # noqa: F811
    assert token_client.get(URL, {"file_format": "pdf"}).json()["errors"][0]["field"] == "file_format"
    assert token_client.get(URL, {"marketplace": "XX"}).json()["errors"][0]["field"] == "marketplace"
    marketplace("CA")
    assert token_client.get(URL, {"marketplace": "CA", "file_format": "csv"}).content.decode("utf-8-sig").count("\n") == 1  # the header only


def test_another_vendors_token_downloads_only_its_own_pos(two_pos, other_vendor):  # noqa: F811
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(other_vendor, name='GLOBEX ERP')[1]}")
    response = client.get(URL, {"file_format": "csv"})
    assert response.status_code == 200 and b"PO-BULK" not in response.content
