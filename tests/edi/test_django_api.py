"""/api/v1/edi/interchanges/ and the /edi/ screens: upload, read, download, all scoped to the caller."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edi.models import Interchange, InterchangeStatus  # noqa: E402
from purchase_orders.models import PurchaseOrderState  # noqa: E402
from tests.edi.test_django_inbound import accept_all_855, receive, trading_partner  # noqa: E402
from tests.factories import api_token, vendor_user  # noqa: E402
from tests.purchase_orders.factories import purchase_order_with_lines  # noqa: E402
from vendor_portal.models import AuditEvent, Channel  # noqa: E402
from vendor_portal.roles import Role  # noqa: E402

URL = "/api/v1/edi/interchanges/"


@pytest.fixture
def partner(vendor):
    return trading_partner(vendor)


@pytest.fixture
def po(vendor):
    return purchase_order_with_lines(vendor, lines=2)


def post_x12(client, text, content_type="text/plain", **headers):
    return client.generic("POST", URL, text.encode(), content_type=content_type, **headers)


def upload_and_process(client, text, capture, **kwargs):
    """POST the interchange, let the worker run its job (eager Celery on commit), and read the outcome
    where a client would: the job, then the interchange it names."""
    with capture(execute=True):
        response = post_x12(client, text, **kwargs)
    assert response.status_code == 202, response.content
    job = client.get(response["Location"])
    assert job.status_code == 200 and job.json()["status"] == "succeeded", job.content
    return response.json(), client.get(f"{URL}{response.json()['interchange_id']}/").json()


def test_upload_as_text_answers_202_with_the_job_that_applies_the_855(token_client, vendor_token, partner, po, django_capture_on_commit_callbacks):
    accepted, body = upload_and_process(token_client, accept_all_855(po), django_capture_on_commit_callbacks)

    assert accepted["kind"] == "edi_receive" and accepted["status"] == "queued"
    assert body["status"] == "accepted"
    assert [(s["set_id"], s["status"], s["reference"]) for s in body["transactions"]] == [("855", "accepted", po.number)]
    assert "AK5*A" in body["acknowledgement"]["content"]
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED
    event = AuditEvent.objects.filter(action="purchase_order.acknowledge").get()
    assert (event.channel, event.actor_token_id) == (Channel.EDI, vendor_token[0].pk)


def test_the_upload_is_stored_as_received_until_the_worker_has_applied_it(token_client, partner, po):
    response = post_x12(token_client, accept_all_855(po))  # no commit in this test: the job is never run

    assert response.status_code == 202
    interchange = Interchange.objects.get(pk=response.json()["interchange_id"])
    assert interchange.status == InterchangeStatus.RECEIVED
    assert token_client.get(response["Location"]).json()["status"] == "queued"
    assert token_client.get(f"{URL}{interchange.pk}/").json()["transactions"] == []
    po.refresh_from_db()
    assert po.state != PurchaseOrderState.ACKNOWLEDGED


def test_upload_as_multipart_file(client, vendor, partner, po, django_capture_on_commit_callbacks):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    upload = SimpleUploadedFile("ack.edi", accept_all_855(po).encode())

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"file": upload})

    assert response.status_code == 202, response.content
    interchange = Interchange.objects.get(pk=response.json()["interchange_id"])
    assert (interchange.filename, interchange.status) == ("ack.edi", InterchangeStatus.ACCEPTED)


def test_garbage_is_rejected_with_its_problems(token_client, partner, django_capture_on_commit_callbacks):
    _, body = upload_and_process(token_client, "GARBAGE*NOT*X12~", django_capture_on_commit_callbacks)

    assert body["status"] == "rejected"
    assert body["problem_count"] == 1
    assert body["problems"][0]["code"] == "022" and body["problems"][0]["level"] == "interchange"


def test_rejected_set_has_the_set_error_and_the_997(token_client, partner, po, django_capture_on_commit_callbacks):
    text = accept_all_855(po).replace(f"BAK*00*AC*{po.number}", "BAK*00*AC*UNKNOWNPO")

    _, body = upload_and_process(token_client, text, django_capture_on_commit_callbacks)

    assert body["status"] == "rejected"
    assert "AK5*R*5" in body["acknowledgement"]["content"]
    assert body["transactions"][0]["errors"][0]["code"] == "not_found"
    assert body["problems"][0]["segment"] == "BAK"


@pytest.mark.parametrize(
    "content_type, body, status",
    [
        ("text/plain", "", 400),
        ("application/json", "{}", 415),
        ("multipart/form-data; boundary=x", "--x--", 400),
    ],
)
def test_what_is_not_an_interchange_is_refused(token_client, partner, content_type, body, status):
    response = token_client.generic("POST", URL, body.encode(), content_type=content_type)

    assert response.status_code == status
    assert response.json()["errors"]
    assert not Interchange.objects.exists()


def test_token_needs_the_edi_scope(api_client, vendor, partner, po):
    _, raw = api_token(vendor, scopes=["orders:read", "orders:write"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert post_x12(api_client, accept_all_855(po)).status_code == 403
    assert api_client.get(URL).status_code == 403


def test_list_filters_by_direction_and_status_in_few_queries(token_client, vendor, partner, po):
    receive(vendor, accept_all_855(po, control_number=1))
    receive(vendor, accept_all_855(po, control_number=2).replace(f"*{po.number}*", "*NOSUCHPO*"))

    def listing(query):
        with CaptureQueriesContext(connection) as queries:
            response = token_client.get(URL + query)
        assert response.status_code == 200
        return response.json()["results"], len(queries)

    everything, _ = listing("")
    inbound, queries = listing("?direction=inbound")
    accepted, _ = listing("?direction=inbound&status=accepted")
    assert len(everything) == 4  # two 855s and our two 997s
    assert len(inbound) == 2 and len(accepted) == 1
    assert queries <= 6
    assert token_client.get(URL + "?status=bogus").status_code == 400


def test_another_vendors_interchange_is_404(api_client, vendor, other_vendor, partner, po):
    interchange = receive(vendor, accept_all_855(po))
    _, raw = api_token(other_vendor)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert api_client.get(f"{URL}{interchange.pk}/").status_code == 404
    assert api_client.get(f"{URL}{interchange.pk}/raw/").status_code == 404
    assert api_client.get(URL).json()["results"] == []


def test_detail_and_raw_download(token_client, vendor, partner, po):
    interchange = receive(vendor, accept_all_855(po))

    detail = token_client.get(f"{URL}{interchange.pk}/").json()
    raw = token_client.get(f"{URL}{interchange.pk}/raw/")

    assert detail["acknowledgement"]["id"] == interchange.acknowledgement_id
    assert raw.status_code == 200 and raw.content.decode() == interchange.content
    assert raw["Content-Disposition"].startswith("attachment")


def test_screens_list_show_and_upload(client, vendor, other_vendor, partner, po, django_capture_on_commit_callbacks):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    rejected = receive(vendor, accept_all_855(po, control_number=5).replace(f"*{po.number}*", "*NOSUCHPO*"))

    listing = client.get("/edi/")
    detail = client.get(f"/edi/{rejected.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        upload = client.post("/edi/upload/", {"file": SimpleUploadedFile("ack.edi", accept_all_855(po, control_number=6).encode())})

    assert listing.status_code == 200 and b"NOSUCHPO" in listing.content
    assert detail.status_code == 200
    assert b"not found" in detail.content and b"AK5*R*5" in detail.content
    assert upload.status_code == 302
    uploaded = Interchange.objects.get(filename="ack.edi")
    assert uploaded.status == InterchangeStatus.ACCEPTED
    assert client.get(upload.url).status_code == 200
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS))
    assert client.get(f"/edi/{rejected.pk}/").status_code == 404
    assert client.get(f"/edi/{rejected.pk}/raw/").status_code == 404


def test_a_person_who_may_not_confirm_pos_cannot_upload(client, vendor, partner, po):
    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))

    response = client.generic("POST", URL, accept_all_855(po).encode(), content_type="text/plain")

    assert response.status_code == 403
    assert client.get("/edi/upload/").status_code == 403
    assert client.get("/edi/").status_code == 200


def test_vendor_admin_adds_and_deactivates_a_trading_partner(client, vendor, other_vendor, po):
    from edi.models import TradingPartner

    client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))

    added = client.post("/edi/partners/", {"isa_qualifier": "ZZ", "isa_id": "ACMEEDI", "name": "Acme ERP"})
    taken = client.post("/edi/partners/", {"isa_qualifier": "ZZ", "isa_id": "ACMEEDI"})
    bad = client.post("/edi/partners/", {"isa_qualifier": "ZZ", "isa_id": "ACME*EDI"})

    assert added.status_code == 302
    assert taken.status_code == 200 and b"already in use" in taken.content
    assert bad.status_code == 200 and TradingPartner.objects.count() == 1
    partner = TradingPartner.objects.get()
    assert receive(vendor, accept_all_855(po)).status == InterchangeStatus.ACCEPTED
    assert client.post(f"/edi/partners/{partner.pk}/active/", {"is_active": "0"}).status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active
    assert receive(vendor, accept_all_855(po, control_number=2)).status == InterchangeStatus.REJECTED
    assert AuditEvent.objects.filter(action="edi_trading_partner.deactivate").count() == 1
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert client.post(f"/edi/partners/{partner.pk}/active/", {"is_active": "1"}).status_code == 404
    assert b"ACMEEDI" not in client.get("/edi/partners/").content
