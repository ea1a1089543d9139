"""The storage contract against a real S3-protocol server: moto's, in this process on a free port (no network).

Documents stored, replaced in place and uploaded land in the bucket; downloads redirect the owner to a signed,
short-lived URL that plain HTTP fetches with the right headers; another vendor gets a 404 and no URL.
"""

import datetime
import hashlib
import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from moto.server import ThreadedMotoServer
from rest_framework.test import APIClient

from invoicing.services.flips import invoice_from_purchase_order
from reconciliation.engine import match_invoices
from reconciliation.models import Deduction, DeductionKind
from shipments.services.labels import shipment_labels_document
from shipments.services.plans import shipment_create
from tests.factories import vendor_user
from tests.invoicing.factories import shipped_po
from tests.purchase_orders.factories import PurchaseOrderFactory
from tests.reconciliation.factories import accepted_invoice, finance_user
from tests.shipments.factories import confirmed_purchase_order, plan
from vendor_portal.models import Document
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.documents import document_store
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

BUCKET = "vendor-portal-contract"
CREDENTIALS = {"aws_access_key_id": "contract-key", "aws_secret_access_key": "contract-secret", "region_name": "us-east-1"}
KEY = "reports/7/report-7.pdf"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3_client(endpoint).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def s3_client(endpoint):
    return boto3.client("s3", endpoint_url=endpoint, config=Config(signature_version="s3v4", s3={"addressing_style": "path"}), **CREDENTIALS)


@pytest.fixture
def bucket(s3_endpoint):
    return s3_client(s3_endpoint)


@pytest.fixture(autouse=True)
def object_storage(settings, s3_endpoint):
    """STORAGES["default"] as the settings build it from S3_*; Django's storages are reset on the change and back."""
    settings.S3_URL_EXPIRY = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "vendor_portal.object_storage.ObjectStorage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": CREDENTIALS["region_name"],
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": True,
                "signature_version": "s3v4",
                "addressing_style": "path",
            },
        },
    }


def object_bytes(bucket, name) -> bytes:
    return bucket.get_object(Bucket=BUCKET, Key=name)["Body"].read()


def fetch(url):
    """Plain HTTP, as a browser follows the redirect: (status, headers, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def signed_url(response, s3_endpoint) -> str:
    assert response.status_code == 302, response.status_code
    assert response["Cache-Control"] == "private, no-store"
    url = response["Location"]
    assert url.startswith(f"{s3_endpoint}/{BUCKET}/") and "X-Amz-Signature=" in url
    return url


def test_stored_document_reads_back_from_the_bucket(vendor, bucket):
    document = document_store(vendor=vendor, kind="report", key=KEY, title="Report 7", target=vendor, content=b"%PDF-first")
    document.refresh_from_db()
    assert document.file.name == f"documents/{vendor.pk}/report/{KEY}"
    with document.file.open("rb") as handle:
        assert handle.read() == b"%PDF-first"
    assert object_bytes(bucket, document.file.name) == b"%PDF-first"
    assert bucket.head_object(Bucket=BUCKET, Key=document.file.name)["ContentType"] == "application/pdf"


def test_replacing_a_key_keeps_one_document_and_the_new_content(vendor, bucket, tmp_path):
    first = document_store(vendor=vendor, kind="report", key=KEY, title="Report 7", target=vendor, content=b"old contents")
    source = tmp_path / "new.csv"
    source.write_bytes(b"new contents, longer")
    second = document_store(vendor=vendor, kind="report", key=KEY, title="Report 7", target=vendor, source_path=str(source), content_type="text/csv")
    assert second.pk == first.pk and Document.objects.filter(vendor=vendor, kind="report", key=KEY).count() == 1
    assert second.file.name == first.file.name  # replaced over the same key, not saved beside it under another name
    listed = bucket.list_objects_v2(Bucket=BUCKET, Prefix=f"documents/{vendor.pk}/report/")["Contents"]
    assert [entry["Key"] for entry in listed] == [first.file.name]
    assert object_bytes(bucket, second.file.name) == b"new contents, longer"
    assert second.sha256 == hashlib.sha256(b"new contents, longer").hexdigest()
    assert bucket.head_object(Bucket=BUCKET, Key=second.file.name)["ContentType"] == "text/csv"


def test_objects_are_private_without_a_signature(vendor, s3_endpoint):
    document = document_store(vendor=vendor, kind="report", key=KEY, title="Report 7", target=vendor, content=b"%PDF-secret")
    status, _, body = fetch(f"{s3_endpoint}/{BUCKET}/{document.file.name}")
    assert status == 403 and b"%PDF-secret" not in body


def test_invoice_pdf_page_redirects_the_owner_to_a_signed_url_and_another_vendor_gets_404(vendor, other_vendor, s3_endpoint):
    finance = finance_user(vendor)
    po = shipped_po(vendor, quantity=10)
    invoice = invoice_from_purchase_order(
        scope=Scope(vendor=vendor, roles=frozenset({"vendor_admin"})), po_number=po.number, number="S3-INV-1", actor=Actor(user=finance)
    )
    owner = Client()
    owner.force_login(finance)
    url = signed_url(owner.get(f"/invoices/{invoice.pk}/pdf/"), s3_endpoint)

    status, headers, body = fetch(url)
    assert status == 200 and body.startswith(b"%PDF-")
    assert headers["Content-Disposition"] == 'attachment; filename="S3-INV-1.pdf"'
    assert headers["Content-Type"] == "application/pdf"

    stranger = Client()
    stranger.force_login(vendor_user(other_vendor, Role.VENDOR_FINANCE))
    refused = stranger.get(f"/invoices/{invoice.pk}/pdf/")
    assert refused.status_code == 404 and "Location" not in refused
    assert BUCKET not in refused.content.decode()


def test_api_labels_download_redirects_the_owner_to_a_signed_url_and_another_vendor_gets_404(vendor, other_vendor, s3_endpoint, bucket):
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    shipment = shipment_create(scope=Scope(vendor=vendor), data=plan(confirmed_purchase_order(vendor, lines=1, quantity=12)), actor=Actor.system())
    document = shipment_labels_document(scope=Scope(vendor=vendor), shipment_id=shipment.pk, actor=Actor(user=ops))  # stored from a file on disk
    assert object_bytes(bucket, document.file.name).startswith(b"%PDF-")
    owner = APIClient()
    owner.force_authenticate(ops)
    url = signed_url(owner.get(f"/api/v1/documents/{document.pk}/download"), s3_endpoint)

    status, headers, body = fetch(url)
    assert status == 200 and hashlib.sha256(body).hexdigest() == document.sha256
    assert (
        headers["Content-Disposition"] == f'attachment; filename="{shipment.shipment_identifier}-{document.key.rsplit("/", 1)[-1]}"'
    )  # named after the shipment
    assert headers["Content-Type"] == "application/pdf"

    stranger = APIClient()
    stranger.force_authenticate(vendor_user(other_vendor, Role.VENDOR_OPS))
    refused = stranger.get(f"/api/v1/documents/{document.pk}/download")
    assert refused.status_code == 404 and "Location" not in refused and BUCKET not in refused.content.decode()


def test_a_document_whose_object_is_gone_from_the_bucket_is_a_404_not_a_redirect_to_nothing(vendor, bucket):
    document = document_store(
        vendor=vendor, kind="report", key=KEY, title="Report 7", target=PurchaseOrderFactory(vendor=vendor), content=b"%PDF-lost"
    )
    bucket.delete_object(Bucket=BUCKET, Key=document.file.name)
    owner = APIClient()
    owner.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    response = owner.get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 404 and "Location" not in response
    assert response.json()["errors"][0]["code"] == "file_missing"


def test_signed_url_lasts_s3_url_expiry_seconds(vendor, settings, s3_endpoint):
    """moto's server checks neither the expiry nor the signature of a presigned URL (it serves one after its
    X-Amz-Expires, as it showed when this test was written): the URL's own expiry is asserted instead, which
    AWS S3 and MinIO enforce."""
    settings.S3_URL_EXPIRY = 1
    document = document_store(
        vendor=vendor, kind="report", key=KEY, title="Report 7", target=PurchaseOrderFactory(vendor=vendor), content=b"%PDF-short-lived"
    )
    owner = APIClient()
    owner.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    url = signed_url(owner.get(f"/api/v1/documents/{document.pk}/download"), s3_endpoint)
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["X-Amz-Expires"] == "1"
    signed_at = datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    assert abs((timezone.now() - signed_at).total_seconds()) < 30
    time.sleep(2)
    assert timezone.now() > signed_at + datetime.timedelta(seconds=int(query["X-Amz-Expires"]))  # past its life: AWS and MinIO answer 403


def test_dispute_evidence_uploaded_through_the_api_lands_in_the_bucket(vendor, bucket, s3_endpoint):
    invoice, _ = accepted_invoice(vendor, payment_terms="net30")
    match_invoices(invoice_ids=[invoice.pk])
    shortage = Deduction.objects.get(invoice=invoice, kind=DeductionKind.SHORTAGE_CLAIM)
    client = APIClient()
    client.force_authenticate(finance_user(vendor))
    pod = SimpleUploadedFile("pod.pdf", b"%PDF-1.4\nsigned in the bucket\n", content_type="application/pdf")
    response = client.post(f"/api/v1/deductions/{shortage.pk}/disputes/", {"reason": "All 100 delivered", "evidence": [pod]}, format="multipart")
    assert response.status_code == 201, response.json()
    [evidence] = response.json()["evidence"]
    document = Document.objects.get(pk=evidence["id"])
    assert object_bytes(bucket, document.file.name) == b"%PDF-1.4\nsigned in the bucket\n"

    status, headers, body = fetch(signed_url(client.get(evidence["download_url"]), s3_endpoint))
    assert status == 200 and body == b"%PDF-1.4\nsigned in the bucket\n"
    assert headers["Content-Disposition"] == 'attachment; filename="1-pod.pdf"'


def test_urls_are_signed_for_the_address_browsers_reach_the_server_at(vendor, settings, s3_endpoint):
    """docker-compose: the portal reaches MinIO as http://minio:9000, a browser as http://localhost:9000."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    default = settings.STORAGES["default"]
    settings.STORAGES = {**settings.STORAGES, "default": {**default, "OPTIONS": {**default["OPTIONS"], "public_endpoint_url": public}}}
    document = document_store(
        vendor=vendor, kind="report", key=KEY, title="Report 7", target=PurchaseOrderFactory(vendor=vendor), content=b"%PDF-public"
    )
    owner = APIClient()
    owner.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))
    url = signed_url(owner.get(f"/api/v1/documents/{document.pk}/download"), public)
    status, _, body = fetch(url)
    assert status == 200 and body == b"%PDF-public"


APPS = ("vendor_portal", "purchase_orders", "shipments", "invoicing", "reconciliation", "planning", "amazon_api", "webhooks", "edi")
# A stored file has no path in object storage, and a view that streams one itself skips the signed redirect.
LOCAL_FILE_ONLY = re.compile(r"\.file\.path\b|storage\.path\(|FileResponse\(")
ALLOWED = {"vendor_portal/downloads.py", "vendor_portal/services/documents.py"}


@pytest.mark.parametrize("app", APPS)
def test_only_the_store_and_the_download_helper_touch_files_on_disk(app):
    root = Path(__file__).resolve().parents[2]
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted((root / app).rglob("*.py"))
        if str(path.relative_to(root)) not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if LOCAL_FILE_ONLY.search(line)
    ]
    assert found == [], "serve documents with vendor_portal.downloads.document_response"
