"""Factur-X through the doors: the API (202 + job, the receipt's outcome, the download), the screens (upload
through the Django test client, the receipt page, the invoice page's download), and tenancy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoicing.einvoices.cii import cii_write
from invoicing.models import EInvoiceReceipt, EInvoiceReceiptStatus, Invoice, InvoiceState
from invoicing.services.document import InvoiceDocument
from invoicing.services.facturx import invoice_facturx_content
from tests.factories import api_token
from tests.invoicing.einvoice_support import demo_invoice, german_po, german_vendor_setup
from tests.invoicing.test_einvoices import fresh_state, totals

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/e-invoices/"


@pytest.fixture
def setup(vendor):
    return german_vendor_setup(vendor)


@pytest.fixture
def issued(vendor, setup):
    germany, scope, actor = setup
    return demo_invoice(scope, actor, german_po(vendor, germany))


def token_client(api_client, vendor):
    _token, raw = api_token(vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_api_upload_answers_202_and_the_job_submits_the_invoice(api_client, vendor, issued, django_capture_on_commit_callbacks):
    before = totals(issued)
    pdf = invoice_facturx_content(issued)
    fresh_state(vendor, issued)
    client = token_client(api_client, vendor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic("POST", URL, pdf, content_type="application/pdf")
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"
    job = client.get(response["Location"])
    assert job.status_code == 200 and job.json()["status"] == "succeeded", job.content
    receipt = client.get(f"{URL}{response.json()['receipt_id']}/").json()
    assert receipt["status"] == "accepted" and receipt["syntax"] == "factur-x" and receipt["errors"] == []
    received = Invoice.objects.get(pk=receipt["invoice_id"])
    assert received.state == InvoiceState.SUBMITTED and totals(received) == before


def test_api_broken_xml_is_refused_with_rule_ids(api_client, vendor, issued, django_capture_on_commit_callbacks):
    xml = cii_write(InvoiceDocument.load(issued)).replace(b"<ram:GrandTotalAmount>220.10", b"<ram:GrandTotalAmount>1.00")
    fresh_state(vendor, issued)
    client = token_client(api_client, vendor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": SimpleUploadedFile("broken.xml", xml, content_type="application/xml")}, format="multipart")
    assert response.status_code == 202, response.content
    receipt = client.get(f"{URL}{response.json()['receipt_id']}/").json()
    assert receipt["status"] == "refused" and receipt["invoice_id"] is None
    assert {"BR-CO-15", "BR-CO-16"} <= {error["field"] for error in receipt["errors"]}
    assert not Invoice.objects.filter(vendor=vendor).exists()


def test_refused_files_lose_their_bytes_after_the_retention_accepted_ones_never(
    api_client, vendor, issued, settings, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from invoicing.tasks import purge_refused_einvoice_files
    from tests.audit_check import audit_exempt

    settings.UPLOAD_RETENTION_DAYS = 30
    pdf = invoice_facturx_content(issued)
    broken = cii_write(InvoiceDocument.load(issued)).replace(b"<ram:GrandTotalAmount>220.10", b"<ram:GrandTotalAmount>1.00")
    fresh_state(vendor, issued)
    client = token_client(api_client, vendor)
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.generic("POST", URL, broken, content_type="application/xml").json()["receipt_id"]
        accepted = client.generic("POST", URL, pdf, content_type="application/pdf").json()["receipt_id"]
    with audit_exempt():
        EInvoiceReceipt.objects.update(processed_at=timezone.now() - datetime.timedelta(days=31))

    assert purge_refused_einvoice_files() == 1
    assert bytes(EInvoiceReceipt.objects.get(pk=refused).content) == b""
    assert bytes(EInvoiceReceipt.objects.get(pk=accepted).content) == pdf  # the invoice's original, kept
    kept = client.get(f"{URL}{refused}/").json()
    assert kept["status"] == "refused" and {"BR-CO-15", "BR-CO-16"} <= {error["field"] for error in kept["errors"]}


def test_api_download_issues_factur_x_and_another_vendor_gets_404(api_client, vendor, other_vendor, issued):
    client = token_client(api_client, vendor)
    response = client.get(f"/api/v1/invoices/{issued.pk}/e-invoice/?syntax=factur-x")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    other = token_client(api_client, other_vendor)
    assert other.get(f"/api/v1/invoices/{issued.pk}/e-invoice/").status_code == 404


def test_another_vendor_cannot_read_the_receipt(api_client, vendor, other_vendor, issued, django_capture_on_commit_callbacks):
    client = token_client(api_client, vendor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.generic("POST", URL, b"<not-an-invoice/>", content_type="application/xml")
    receipt_id = response.json()["receipt_id"]
    assert EInvoiceReceipt.objects.get(pk=receipt_id).status == EInvoiceReceiptStatus.REFUSED
    other = token_client(api_client, other_vendor)
    assert other.get(f"{URL}{receipt_id}/").status_code == 404
    assert other.get(response["Location"]).status_code == 404


def test_token_without_the_invoice_write_scope_cannot_upload(api_client, vendor):
    _token, raw = api_token(vendor, scopes=["invoices:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.generic("POST", URL, b"<x/>", content_type="application/xml").status_code == 403


def test_api_upload_refusals_are_structured_and_store_nothing(api_client, vendor, monkeypatch):
    client = token_client(api_client, vendor)

    no_file = client.post(URL, {"other": SimpleUploadedFile("x.xml", b"<x/>")}, format="multipart")
    json_body = client.post(URL, {"invoice": "RE-1"}, format="json")
    too_large_body = client.generic("POST", URL, b"<x>" + b" " * (10 * 1024 * 1024) + b"</x>", content_type="application/xml")
    monkeypatch.setattr("invoicing.api.einvoices.MAX_BYTES", 100)
    too_large_file = client.post(URL, {"file": SimpleUploadedFile("big.xml", b"<x>" + b" " * 200 + b"</x>")}, format="multipart")

    assert (no_file.status_code, no_file.json()["errors"][0]["code"], no_file.json()["errors"][0]["field"]) == (400, "required", "file")
    assert (json_body.status_code, json_body.json()["errors"][0]["code"]) == (415, "unsupported_media_type")
    assert (too_large_body.status_code, too_large_body.json()["errors"][0]["code"]) == (413, "too_large")
    assert "10 MB" in too_large_body.json()["errors"][0]["message"]
    assert (too_large_file.status_code, too_large_file.json()["errors"][0]["field"]) == (413, "file")
    assert not EInvoiceReceipt.objects.exists()


def test_screen_upload_receipt_and_download(client, vendor, other_vendor, issued, setup, django_capture_on_commit_callbacks):
    _germany, _scope, actor = setup
    page = None
    client.force_login(actor.user)
    detail = client.get(f"/invoices/{issued.pk}/")
    assert b"Download Factur-X (PDF)" in detail.content
    download = client.get(f"/invoices/{issued.pk}/factur-x/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    pdf = b"".join(download.streaming_content)
    fresh_state(vendor, issued)
    assert client.get("/invoices/e-invoices/upload/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/invoices/e-invoices/upload/", {"file": SimpleUploadedFile("RE-2026-001.pdf", pdf, content_type="application/pdf")})
    assert response.status_code == 302, response.content
    page = client.get(response["Location"])
    assert page.status_code == 200
    receipt = EInvoiceReceipt.objects.get()
    assert receipt.status == EInvoiceReceiptStatus.ACCEPTED and receipt.invoice.number == "RE-2026-001"
    assert b"Open invoice RE-2026-001" in page.content
    # Another vendor's person sees neither the receipt nor the invoice's Factur-X.
    from tests.invoicing.einvoice_support import german_vendor_setup as other_setup

    _g, _s, other_actor = other_setup(other_vendor, username="globex-finance")
    client.force_login(other_actor.user)
    assert client.get(f"/invoices/e-invoices/{receipt.pk}/").status_code == 404
    assert client.get(f"/invoices/{receipt.invoice.pk}/factur-x/").status_code == 404
