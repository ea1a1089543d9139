"""The PO list's exports at any size: the CSV streams from a server-side cursor as the page filters the list,
the XLSX (or a CSV file) is written by a job with progress, and nobody else gets the file."""

import csv
import io
import re

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from purchase_orders.models import PurchaseOrderState
from tests.export_support import export_job, job_file
from tests.factories import WarehouseFactory, marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal import tables
from vendor_portal.models import Job, JobStatus
from vendor_portal.roles import Role
from vendor_portal.services import exports as export_service

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="ops"))
    return client


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_streams_from_a_server_side_cursor_and_never_loads_the_list(ops_client, vendor, monkeypatch):
    for n in range(7):
        purchase_order_with_lines(vendor, lines=1, number=f"PO-STREAM-{n}")
    monkeypatch.setattr(tables, "EXPORT_CHUNK_ROWS", 2)  # rows per fetch from the cursor
    monkeypatch.setattr(tables, "CSV_CHUNK_CHARS", 1)  # a chunk of the body per row
    response = ops_client.get("/purchase-orders/export.csv?sort=number")
    assert isinstance(response, StreamingHttpResponse)

    def no_list(queryset):
        raise AssertionError(f"the export evaluated a whole queryset of {queryset.model.__name__}")

    monkeypatch.setattr(QuerySet, "_fetch_all", no_list)
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        header = next(chunks)
    assert header.startswith("\ufeffPO number,".encode()) and not queries.captured_queries  # sent before the query runs
    first = next(chunks)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors WHERE name LIKE '\\_django\\_curs\\_%%'")
        assert cursor.fetchone()[0] == 1  # the rows come from Django's named (server-side) cursor
    rows = csv_rows(header + first + b"".join(chunks))
    assert [row["PO number"] for row in rows] == [f"PO-STREAM-{n}" for n in range(7)]


def test_the_csv_guards_against_formulas(ops_client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="=HYPERLINK(1)")
    row = csv_rows(ops_client.get("/purchase-orders/export.csv").getvalue())[0]
    assert row["PO number"] == "'=HYPERLINK(1)"


def test_nothing_refuses_a_large_export_every_matching_row_is_written(ops_client, vendor, monkeypatch):
    """The former caps (100,000 CSV rows, 20,000 XLSX rows) are gone: with the chunk sizes small, every row
    of a list bigger than a chunk comes out of both files, and the job reports progress on the way."""
    for n in range(5):
        purchase_order_with_lines(vendor, lines=1, number=f"PO-BIG-{n}")
    purchase_order_with_lines(vendor, lines=1, number="PO-BIG-ACK", state=PurchaseOrderState.ACKNOWLEDGED)
    monkeypatch.setattr(tables, "EXPORT_CHUNK_ROWS", 2)
    monkeypatch.setattr(export_service, "PROGRESS_EVERY", 2)

    streamed = csv_rows(ops_client.get("/purchase-orders/export.csv?state=new&sort=number").getvalue())
    assert [row["PO number"] for row in streamed] == [f"PO-BIG-{n}" for n in range(5)]

    with CaptureQueriesContext(connection) as queries:
        job = export_job(ops_client, "/purchase-orders/export.xlsx?state=new&sort=number")
    progress = [
        int(n) for q in queries if q["sql"].startswith('UPDATE "vendor_portal_job"') for n in re.findall(r'"progress_done" = (\d+)', q["sql"])
    ]
    assert progress == [0, 0, 2, 4, 5]  # claimed, counted, every 2 rows, done
    assert (job.status, job.percent, job.progress_done, job.progress_total) == (JobStatus.SUCCEEDED, 100, 5, 5)
    sheet = load_workbook(io.BytesIO(job_file(ops_client, job))).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [f"PO-BIG-{n}" for n in range(5)]

    csv_job = export_job(ops_client, "/purchase-orders/export.csv?state=new&sort=number")  # a CSV written by the job
    assert csv_job.result.content_type == tables.CSV_CONTENT_TYPE
    assert csv_rows(job_file(ops_client, csv_job)) == streamed


def test_the_xlsx_job_shows_progress_then_the_download_and_belongs_to_who_asked(client, ops_client, vendor, other_vendor):
    purchase_order_with_lines(vendor, lines=2, number="PO-JOB-1")
    purchase_order_with_lines(other_vendor, lines=1, number="PO-JOB-OTHER")

    # The list's button (htmx): the job is queued and its progress appears in place, polling.
    response = ops_client.post("/purchase-orders/export.xlsx?q=PO-JOB", HTTP_HX_REQUEST="true")
    job = Job.objects.get(kind="export")
    assert job.status == JobStatus.QUEUED and job.vendor == vendor
    body = response.content.decode()
    assert 'data-status="queued"' in body and f'hx-get="/exports/{job.pk}/"' in body and 'role="progressbar"' in body
    assert 'aria-label="Export progress"' in body

    export_service.export_run(job_id=job.pk)  # what the worker does with the message
    page = ops_client.get(f"/exports/{job.pk}/")
    assert page.status_code == 200 and "Export: Purchase orders" in page.content.decode()
    fragment = ops_client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    job.refresh_from_db()
    assert 'data-status="succeeded"' in fragment and "hx-trigger" not in fragment
    assert f'href="/api/v1/documents/{job.result_id}/download"' in fragment
    rows = list(load_workbook(io.BytesIO(job_file(ops_client, job))).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["PO-JOB-1"] and job.result.title == "Purchase orders export (XLSX)"
    assert ops_client.get(f"/api/v1/documents/{job.result_id}/download").headers["Content-Disposition"].endswith('.xlsx"')

    # Another vendor gets neither the file nor the job; a colleague does not see someone else's job page.
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN, username="globex"))
    assert client.get(f"/api/v1/documents/{job.result_id}/download").status_code == 404
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="colleague"))
    assert client.get(f"/exports/{job.pk}/").status_code == 404
    # Nor its file: an export holds what its requester's scope let them see.
    assert client.get(f"/api/v1/documents/{job.result_id}/download").status_code == 404


def test_a_kept_link_to_the_xlsx_shows_a_button_that_starts_the_job(ops_client, vendor):
    page = ops_client.get("/purchase-orders/export.xlsx?state=new")
    assert page.status_code == 200 and not Job.objects.exists()
    body = page.content.decode()
    assert 'action="?state=new"' in body and "Prepare the XLSX file" in body
    assert 'formaction="/purchase-orders/export.csv?state=new"' in body


def test_the_job_exports_what_the_asker_sees_in_their_language(client, vendor):
    germany = marketplace("DE")
    purchase_order_with_lines(vendor, lines=1, number="PO-US-1")
    purchase_order_with_lines(vendor, lines=1, number="PO-DE-1", marketplace=germany, ship_to=WarehouseFactory(code="FRA3", marketplace=germany))
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS, username="de-ops", marketplaces=[germany]))
    client.post("/purchase-orders/export.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")
    job = Job.objects.get(kind="export")
    with translation.override("en"), timezone.override("UTC"):  # a worker has no request, so no language of its own
        export_service.export_run(job_id=job.pk)
    job.refresh_from_db()
    rows = list(load_workbook(io.BytesIO(job_file(client, job))).active.iter_rows(values_only=True))
    assert rows[0][0] == "采购订单号"  # "PO number"
    assert [row[0] for row in rows[1:]] == ["PO-DE-1"]  # the worker rebuilt the marketplace-limited scope


def test_a_retailer_export_belongs_to_no_vendor_and_vendors_cannot_download_it(client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="PO-RETAIL-1")
    client.force_login(retailer_user(Role.BUYER, username="buyer"))
    job = export_job(client, "/purchase-orders/export.xlsx")
    assert job.vendor is None and job.result.vendor is None
    assert job_file(client, job)[:2] == b"PK"
    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin"))
    assert client.get(f"/api/v1/documents/{job.result_id}/download").status_code == 404


def test_an_export_that_fails_says_why_on_its_page(ops_client, vendor, monkeypatch):
    from vendor_portal import tasks

    purchase_order_with_lines(vendor, lines=1, number="PO-FAIL-1")
    ops_client.post("/purchase-orders/export.xlsx")
    job = Job.objects.get(kind="export")

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(tables, "xlsx_write", disk_full)
    with pytest.raises(OSError):
        tasks.run_export.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.result_id is None
    fragment = ops_client.get(f"/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-status="failed"' in fragment and "No space left on device" in fragment and "hx-trigger" not in fragment
