"""/api/v1/ for the evidence locker, the dispute packet and filing a dispute with it: the screen's services and rules
through the API (tests/reconciliation/test_evidence.py holds the rules themselves)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reconciliation.evidence import deduction_evidence
from reconciliation.models import Deduction, DeductionKind, DeductionReason, DeductionStatus, Dispute, DisputeStatus, DisputeWindow
from reconciliation.services.dispute_packets import deduction_attachments_add, dispute_packet_for
from reconciliation.services.disputes import dispute_answer
from tests.audit_check import audit_exempt
from tests.factories import api_token, marketplace, vendor_user
from tests.reconciliation.factories import ap_user, deduction, finance_user
from tests.reconciliation.test_evidence import finance, late_asn_chargeback, pdf_bytes, png_bytes
from vendor_portal.models import IdempotencyRecord, Job, JobStatus
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def as_token(vendor, scopes=None) -> APIClient:
    _token, raw = api_token(vendor, scopes=scopes, name=f"ERP {' '.join(scopes or ['all'])}")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def urls(charge) -> dict:
    base = f"/api/v1/deductions/{charge.pk}"
    return {"evidence": f"{base}/evidence/", "packet": f"{base}/dispute-packet/", "disputes": f"{base}/disputes/"}


def codes(response) -> set:
    return {error["code"] for error in response.json()["errors"]}


# The evidence locker --------------------------------------------------------------------------------
def test_the_evidence_is_the_screens_in_its_order_with_sources_iso_times_and_downloads(vendor):
    charge, shipment, appointment, _ssccs = late_asn_chargeback(vendor)
    scope, actor = finance(vendor)
    deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("dock-photo.png", png_bytes())], actor=actor)
    client = as_token(vendor, ["payments:read"])

    response = client.get(urls(charge)["evidence"])

    assert response.status_code == 200, response.json()
    items = response.json()
    screen = deduction_evidence(deduction=charge)
    assert [(i["kind"], i["title"], i["detail"]) for i in items] == [(i.kind, i.title, i.detail) for i in screen]
    for item in items:
        assert datetime.datetime.fromisoformat(item["occurred_at"]).tzinfo is not None  # ISO 8601 with its offset
    by_kind = {item["kind"]: item for item in items}
    assert by_kind["bill_of_lading"]["source"] == {"type": "shipments.shipment", "id": shipment.pk, "url": f"/api/v1/shipments/{shipment.pk}"}
    assert by_kind["appointment"]["source"] == {
        "type": "appointments.appointment",
        "id": appointment.pk,
        "url": f"/api/v1/appointments/{appointment.pk}/",
    }
    assert by_kind["compliance_event"]["source"]["type"] == "shipments.complianceevent" and by_kind["compliance_event"]["source"]["url"] is None
    assert by_kind["asn_transmission"]["source"]["type"] == "vendor_portal.auditevent"
    assert by_kind["carton_scan"]["source"]["url"] == f"/api/v1/receipts/{by_kind['carton_scan']['source']['id']}"
    assert by_kind["asn_transmission"]["download_url"] is None and by_kind["asn_transmission"]["document"] is None
    photo = by_kind["attachment"]
    assert photo["source"] == {"type": "reconciliation.deduction", "id": charge.pk, "url": f"/api/v1/deductions/{charge.pk}/"}
    assert photo["document"]["content_type"] == "image/png" and photo["download_url"] == photo["document"]["download_url"]
    downloaded = client.get(photo["download_url"])
    assert downloaded.status_code == 200 and b"".join(downloaded.streaming_content).startswith(b"\x89PNG")


def test_the_evidence_costs_the_same_queries_for_one_file_or_six(vendor, django_assert_max_num_queries):
    charge, *_ = late_asn_chargeback(vendor)
    scope, actor = finance(vendor)
    client = as_user(finance_user(vendor))
    deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("a.png", png_bytes())], actor=actor)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(urls(charge)["evidence"]).json()) == 6
    more = [SimpleUploadedFile(f"{n}.pdf", pdf_bytes()) for n in range(5)]
    deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=more, actor=actor)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(urls(charge)["evidence"]).json()) == 11


def test_accounts_payable_reads_the_evidence_but_builds_and_files_nothing(vendor):
    charge = deduction(vendor)
    client = as_user(ap_user())
    assert client.get(urls(charge)["evidence"]).status_code == 200
    assert client.post(urls(charge)["packet"]).status_code == 403
    assert client.post(urls(charge)["disputes"], {"reason": "x"}, format="json").status_code == 403


def test_a_person_limited_to_another_marketplace_gets_404s(vendor):
    charge = deduction(vendor)  # in US
    limited = as_user(vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance-de", marketplaces=[marketplace("DE")]))
    assert limited.get(urls(charge)["evidence"]).status_code == 404
    assert limited.get(urls(charge)["packet"]).status_code == 404
    assert limited.post(urls(charge)["packet"]).status_code == 404
    assert limited.post(urls(charge)["disputes"], {"reason": "x"}, format="json").status_code == 404


def test_another_vendors_token_or_person_gets_404_on_every_endpoint(vendor, other_vendor, django_capture_on_commit_callbacks):
    charge = deduction(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(finance_user(vendor)).post(urls(charge)["packet"])
    for stranger in (as_token(other_vendor), as_user(finance_user(other_vendor))):
        for url in (urls(charge)["evidence"], urls(charge)["packet"], urls(charge)["disputes"]):
            refused = stranger.get(url)
            assert refused.status_code == 404 and codes(refused) == {"not_found"}, url
        assert stranger.post(urls(charge)["packet"]).status_code == 404
        assert stranger.post(urls(charge)["disputes"], {"reason": "x"}, format="json").status_code == 404
    assert Job.objects.filter(kind="dispute_packet").count() == 1 and not Dispute.objects.exists()


def test_reading_takes_payments_read_and_building_or_filing_payments_write(vendor):
    charge = deduction(vendor)
    reader = as_token(vendor, ["payments:read"])
    assert reader.get(urls(charge)["evidence"]).status_code == 200
    assert reader.get(urls(charge)["packet"]).status_code == 404  # allowed, but none was built
    for refused in (reader.post(urls(charge)["packet"]), reader.post(urls(charge)["disputes"], {"reason": "x"}, format="json")):
        assert refused.status_code == 403 and codes(refused) == {"permission_denied"}
    writer_only = as_token(vendor, ["payments:write"])
    assert writer_only.get(urls(charge)["evidence"]).status_code == 403
    assert writer_only.post(urls(charge)["packet"]).status_code == 202
    orders = as_token(vendor, ["orders:read", "shipments:read", "invoices:read"])
    assert orders.get(urls(charge)["evidence"]).status_code == 403


# The dispute packet ----------------------------------------------------------------------------------
def test_building_the_packet_answers_202_with_the_job_and_the_pdfa_is_ready_to_download(vendor, django_capture_on_commit_callbacks):
    charge, *_ = late_asn_chargeback(vendor)
    scope, actor = finance(vendor)
    deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("carrier-letter.pdf", pdf_bytes())], actor=actor)
    client = as_token(vendor, ["payments:read", "payments:write"])
    assert client.get(urls(charge)["packet"]).json()["errors"][0]["code"] == "packet_missing"

    with django_capture_on_commit_callbacks(execute=True):  # the worker runs eagerly once the request commits
        response = client.post(urls(charge)["packet"])

    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["kind"], job["target_type"], job["target_id"]) == ("dispute_packet", "reconciliation.deduction", str(charge.pk))
    assert response["Location"] == f"/api/v1/jobs/{job['id']}/"
    polled = client.get(response["Location"])
    assert polled.status_code == 200 and polled.json()["status"] == JobStatus.SUCCEEDED
    packet = client.get(urls(charge)["packet"]).json()
    stored = dispute_packet_for(deduction=charge)
    assert (packet["dispute_number"], packet["status"], packet["dispute_id"]) == (1, "succeeded", None)
    assert packet["document"]["id"] == stored.pk and packet["download_url"] == f"/api/v1/documents/{stored.pk}/download"
    assert packet["job"]["id"] == job["id"] and packet["job"]["result"]["id"] == stored.pk
    downloaded = client.get(packet["download_url"])
    assert downloaded.status_code == 200 and downloaded["Content-Type"] == "application/pdf"
    assert pdfa_validate(stored.file.path) == []


def test_asking_again_while_it_runs_answers_the_running_job(vendor):
    charge = deduction(vendor)
    client = as_user(finance_user(vendor))
    first = client.post(urls(charge)["packet"])  # its worker is queued on commit, which never comes in this test
    second = client.post(urls(charge)["packet"])
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"] and second["Location"] == first["Location"]
    state = client.get(urls(charge)["packet"]).json()
    assert (state["status"], state["document"], state["download_url"]) == ("queued", None, None)
    assert Job.objects.filter(kind="dispute_packet").count() == 1


def test_an_idempotency_key_replays_the_first_answer_with_its_location(vendor):
    charge = deduction(vendor)
    client = as_token(vendor)
    first = client.post(urls(charge)["packet"], HTTP_IDEMPOTENCY_KEY="packet-1")
    Job.objects.update(status=JobStatus.FAILED)  # had it run, a new request would start another job; the replay does not
    replay = client.post(urls(charge)["packet"], HTTP_IDEMPOTENCY_KEY="packet-1")
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and replay["Location"] == first["Location"]
    assert Job.objects.filter(kind="dispute_packet").count() == 1
    assert IdempotencyRecord.objects.filter(key="packet-1").count() == 1


def test_no_packet_after_the_window_or_the_most_disputes_or_while_one_is_open(vendor, django_capture_on_commit_callbacks):
    client = as_user(finance_user(vendor))
    closed = deduction(vendor, days_ago=31, window_days=30)
    refused = client.post(urls(closed)["packet"])
    assert refused.status_code == 400 and codes(refused) == {"window_closed"}

    with audit_exempt():
        DisputeWindow.objects.create(kind=DeductionKind.CHARGEBACK, days=30, max_disputes=1)
    charge = deduction(vendor)
    client.post(urls(charge)["disputes"], {"reason": "On time."}, format="json")
    refused = client.post(urls(charge)["packet"])
    assert refused.status_code == 409 and codes(refused) == {"already_disputed"}
    ap = ap_user()
    dispute_answer(scope=scope_for_user(ap), dispute_id=charge.disputes.get().pk, outcome=DisputeStatus.UPHELD, note="Late.", actor=Actor(user=ap))
    refused = client.post(urls(charge)["packet"])
    assert refused.status_code == 400 and codes(refused) == {"dispute_limit"}
    assert not Job.objects.filter(kind="dispute_packet").exists()


# Filing ---------------------------------------------------------------------------------------------
def test_filing_with_the_packet_attaches_it_and_the_deductions_files(vendor, django_capture_on_commit_callbacks):
    ap_user()
    charge = deduction(vendor)
    scope, actor = finance(vendor)
    [letter] = deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("letter.pdf", pdf_bytes())], actor=actor)
    client = as_token(vendor, ["payments:read", "payments:write"])
    missing = client.post(urls(charge)["disputes"], {"reason": "On time.", "packet": letter.pk}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"] == [
        {"code": "packet_missing", "message": "Build the dispute packet first: it carries the evidence to the retailer.", "field": "packet"}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(urls(charge)["packet"])
    packet = client.get(urls(charge)["packet"]).json()["document"]
    wrong = client.post(urls(charge)["disputes"], {"reason": "On time.", "packet": letter.pk}, format="json")
    assert wrong.status_code == 400 and codes(wrong) == {"packet_mismatch"} and wrong.json()["errors"][0]["field"] == "packet"

    photo = SimpleUploadedFile("dock.png", png_bytes(), content_type="image/png")
    filed = client.post(
        urls(charge)["disputes"], {"reason": "The ASN left on time.", "packet": str(packet["id"]), "evidence": [photo]}, format="multipart"
    )

    assert filed.status_code == 201, filed.json()
    dispute = filed.json()
    assert (dispute["number"], dispute["status"], dispute["deduction_id"]) == (1, "open", charge.pk)
    titles = {d["title"] for d in dispute["evidence"]}
    assert titles == {packet["title"], "letter.pdf", "dock.png"}
    assert client.get(urls(charge)["packet"]).json()["dispute_id"] == dispute["id"]
    charge.refresh_from_db()
    assert charge.status == DeductionStatus.DISPUTED
    again = client.post(urls(charge)["disputes"], {"reason": "Again.", "packet": packet["id"]}, format="json")
    assert again.status_code == 409 and codes(again) == {"already_disputed"}


def test_filing_refusals_carry_their_codes(vendor):
    client = as_user(finance_user(vendor))
    closed = deduction(vendor, days_ago=31, window_days=30)
    refused = client.post(urls(closed)["disputes"], {"reason": "late"}, format="json")
    assert refused.status_code == 400 and codes(refused) == {"window_closed"}
    with audit_exempt():
        DisputeWindow.objects.create(kind=DeductionKind.CHARGEBACK, days=30, max_disputes=1)
    charge = deduction(vendor)
    assert client.post(urls(charge)["disputes"], {"reason": "On time."}, format="json").status_code == 201
    ap = ap_user()
    dispute_answer(scope=scope_for_user(ap), dispute_id=charge.disputes.get().pk, outcome=DisputeStatus.UPHELD, note="Late.", actor=Actor(user=ap))
    refused = client.post(urls(charge)["disputes"], {"reason": "Still on time."}, format="json")
    assert refused.status_code == 400 and codes(refused) == {"dispute_limit"}
    blank = client.post(urls(deduction(vendor))["disputes"], {"reason": "  "}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "reason"
    with audit_exempt():
        reversal = Deduction.objects.create(
            vendor=vendor,
            marketplace=charge.marketplace,
            kind=DeductionKind.REVERSAL,
            reason=DeductionReason.DISPUTE_REVERSED,
            amount="5.00",
            currency="USD",
        )
    refused = client.post(urls(reversal)["disputes"], {"reason": "x"}, format="json")
    assert refused.status_code == 400 and codes(refused) == {"not_disputable"}


def test_a_filing_retried_with_its_idempotency_key_opens_one_dispute(vendor):
    charge = deduction(vendor)
    client = as_token(vendor)
    first = client.post(urls(charge)["disputes"], {"reason": "On time."}, format="json", HTTP_IDEMPOTENCY_KEY="file-1")
    replay = client.post(urls(charge)["disputes"], {"reason": "On time."}, format="json", HTTP_IDEMPOTENCY_KEY="file-1")
    assert first.status_code == replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json() and Dispute.objects.filter(deduction=charge).count() == 1
