"""The evidence locker of a deduction, its dispute packet (PDF/A) and the dispute filed with it."""

import datetime
import io
from decimal import Decimal

import pikepdf
import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from reconciliation.engine import chargebacks_raise, match_invoices
from reconciliation.evidence import EvidenceKind, deduction_evidence
from reconciliation.models import ChargebackRate, Deduction, DeductionKind, DeductionStatus, DisputeStatus, DisputeWindow, marketplace_today
from reconciliation.services.dispute_packets import deduction_attachments_add, dispute_file, dispute_packet_for, dispute_packet_request
from reconciliation.services.disputes import dispute_answer
from shipments.models import Shipment
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from shipments.services.receiving import receipt_create
from tests.appointments.factories import dock, dock_actor, requested
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.errors import DomainValidationError, NotFoundError
from vendor_portal.models import JobStatus
from vendor_portal.pdfa import pdfa_validate
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope, scope_for_user

pytestmark = pytest.mark.django_db

DOCK = Scope(is_retailer=True, roles=frozenset({Role.RECEIVING}))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def finance(vendor):
    user = finance_user(vendor)
    return scope_for_user(user), Actor(user=user)


def late_asn_chargeback(vendor, *, identifier="SHIP-1"):
    """An ASN sent two days after its ship date (BOL-1, ABF Freight), an appointment asked for, its 4 cartons
    scanned at the DC, and the late-ASN chargeback (75.00) the nightly run raises for it."""
    ship_from(vendor)
    ops = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    po = confirmed_purchase_order(vendor, lines=1, quantity=24)
    shipped_on = timezone.localdate() - datetime.timedelta(days=2)
    shipment = shipment_create(scope=ops, data=plan(po, identifier=identifier, ship_date=shipped_on), actor=Actor.system())
    shipment_submit(scope=ops, shipment_id=shipment.pk, actor=Actor.system())
    dock(po.ship_to)
    appointment = requested(vendor, shipment)
    ssccs = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    receipt_create(scope=DOCK, shipment_id=shipment.pk, actor=dock_actor(), scanned_ssccs=ssccs, complete=True)
    us = marketplace("US")
    with audit_exempt():
        ChargebackRate.objects.get_or_create(marketplace=us, category="asn_late", defaults={"amount": Decimal("75.00"), "currency": "USD"})
    chargebacks_raise()
    charge = Deduction.objects.get(vendor=vendor, shipment=shipment, reason="asn_late")
    return charge, Shipment.objects.get(pk=shipment.pk), appointment, ssccs


def png_bytes(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), colour + (255,)).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text="Signed proof of delivery") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.drawString(72, 720, "Page two")
    canvas.save()
    return out.getvalue()


def pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()


# The locker ----------------------------------------------------------------------------------------
def test_a_late_asn_chargeback_gathers_its_asn_bol_appointment_and_carton_scans(vendor):
    charge, shipment, appointment, ssccs = late_asn_chargeback(vendor)

    items = deduction_evidence(deduction=charge)

    by_kind = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    assert sorted(by_kind) == sorted(
        [
            EvidenceKind.COMPLIANCE_EVENT,
            EvidenceKind.ASN_TRANSMISSION,
            EvidenceKind.BILL_OF_LADING,
            EvidenceKind.APPOINTMENT,
            EvidenceKind.CARTON_SCAN,
        ]
    )
    [event] = by_kind[EvidenceKind.COMPLIANCE_EVENT]
    assert event.title == "ASN late recorded for SHIP-1"
    assert "the ship date was" in event.detail
    [asn] = by_kind[EvidenceKind.ASN_TRANSMISSION]
    assert (asn.title, asn.url) == ("Original ASN SHIP-1 sent", f"/shipments/{shipment.pk}/")
    assert abs(asn.occurred_at - shipment.submitted_at) < datetime.timedelta(seconds=1)  # the audit row of the submission
    [bol] = by_kind[EvidenceKind.BILL_OF_LADING]
    assert bol.title == "BOL BOL-1 for SHIP-1"
    assert bol.detail.startswith("Carrier ABF Freight, shipped ")
    [apt] = by_kind[EvidenceKind.APPOINTMENT]
    assert apt.title == f"Appointment {appointment.reference} at {shipment.ship_to.code} for SHIP-1: Requested"
    [scan] = by_kind[EvidenceKind.CARTON_SCAN]
    assert scan.title == f"{len(ssccs)} cartons scanned at {shipment.ship_to.code} for SHIP-1 (24 units)"
    # Oldest first; the appointment's slot lies ahead, so it comes last.
    assert items[-1].kind == EvidenceKind.APPOINTMENT
    assert [i.occurred_at for i in items] == sorted(i.occurred_at for i in items)


def test_a_shortage_claim_gathers_its_invoice_match_numbers_and_the_vendors_attachments(vendor):
    invoice, _po = accepted_invoice(vendor)  # PO of 100 at 10.00, 96 received, invoiced 100 at 10.50
    match_invoices(invoice_ids=[invoice.pk])
    claim = Deduction.objects.get(vendor=vendor, kind=DeductionKind.SHORTAGE_CLAIM)
    scope, actor = finance(vendor)
    deduction_attachments_add(scope=scope, deduction_id=claim.pk, files=[SimpleUploadedFile("pod.png", png_bytes())], actor=actor)

    items = deduction_evidence(deduction=claim)

    assert [(i.kind, i.title) for i in items] == [
        (EvidenceKind.INVOICE, f"Invoice {invoice.number}"),
        (EvidenceKind.MATCH, "3-way match of invoice line 1"),
        (EvidenceKind.ATTACHMENT, "pod.png"),
    ]
    assert items[1].detail == "Ordered 100, shipped 100, received 96, invoiced 100: 4 units short."
    assert items[2].document.content_type == "image/png"


def test_the_locker_costs_the_same_queries_for_one_receipt_or_three(vendor, other_vendor):
    one, *_ = late_asn_chargeback(vendor)
    ship_from(other_vendor)
    three, shipment, _apt, ssccs = late_asn_chargeback(other_vendor, identifier="SHIP-9")
    with CaptureQueriesContext(connection) as first:
        deduction_evidence(deduction=one)
    with CaptureQueriesContext(connection) as second:
        deduction_evidence(deduction=three)
    assert len(first) == len(second) <= 10


def test_attachments_are_sniffed_like_a_disputes_files(vendor):
    charge = deduction(vendor)
    scope, actor = finance(vendor)
    with pytest.raises(DomainValidationError) as refused:
        deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("pod.pdf", png_bytes())], actor=actor)
    assert {e["code"] for e in refused.value.as_error_list()} == {"file_type_mismatch"}


# The packet ----------------------------------------------------------------------------------------
def test_the_packet_is_valid_pdfa_with_its_cover_index_and_attachments(vendor, django_capture_on_commit_callbacks):
    charge, shipment, _appointment, _ssccs = late_asn_chargeback(vendor)
    scope, actor = finance(vendor)
    deduction_attachments_add(
        scope=scope,
        deduction_id=charge.pk,
        files=[SimpleUploadedFile("dock-photo.png", png_bytes()), SimpleUploadedFile("carrier-letter.pdf", pdf_bytes())],
        actor=actor,
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = dispute_packet_request(scope=scope, deduction_id=charge.pk, actor=actor)

    job.refresh_from_db()
    assert (job.status, job.percent) == (JobStatus.SUCCEEDED, 100), job.message
    packet = dispute_packet_for(deduction=charge)
    assert job.result_id == packet.pk and packet.key == f"deductions/{charge.pk}/dispute-packet-1.pdf"
    path = packet.file.path
    assert pdfa_validate(path) == []
    with pikepdf.open(path) as pdf:
        assert pdf.open_metadata().pdfa_status == "3B"
        assert list(pdf.attachments) == ["02-carrier-letter.pdf"]
        assert len(pdf.pages) == 1 + 1 + 2  # the cover and index, the photo, the letter's two pages
    text = pdf_text(path)
    for words in (
        f"Dispute packet {charge.reference}",
        "75.00",
        "Evidence index",
        "Original ASN SHIP-1 sent",
        "BOL BOL-1 for SHIP-1",
        "cartons scanned at",
        "Appendix 2: carrier-letter.pdf",
        "dock-photo.png",
    ):
        assert words in text, words


def test_filing_needs_the_packet_and_attaches_it_with_the_vendors_files(vendor, django_capture_on_commit_callbacks):
    ap_user()
    charge = deduction(vendor)
    scope, actor = finance(vendor)
    with pytest.raises(DomainValidationError) as refused:
        dispute_file(scope=scope, deduction_id=charge.pk, reason="The ASN left on time.", actor=actor)
    assert {e["code"] for e in refused.value.as_error_list()} == {"packet_missing"}

    [letter] = deduction_attachments_add(scope=scope, deduction_id=charge.pk, files=[SimpleUploadedFile("letter.pdf", pdf_bytes())], actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        dispute_packet_request(scope=scope, deduction_id=charge.pk, actor=actor)
    dispute = dispute_file(scope=scope, deduction_id=charge.pk, reason="The ASN left on time.", actor=actor)

    packet = dispute_packet_for(deduction=charge, number=1)
    assert (dispute.number, dispute.status) == (1, DisputeStatus.OPEN)
    assert set(dispute.evidence.all()) == {packet, letter}
    charge.refresh_from_db()
    assert charge.status == DeductionStatus.DISPUTED


def test_no_packet_nor_dispute_after_the_window_or_the_most_disputes(vendor, django_capture_on_commit_callbacks):
    scope, actor = finance(vendor)
    closed = deduction(vendor, days_ago=31, window_days=30)
    with pytest.raises(DomainValidationError) as refused:
        dispute_packet_request(scope=scope, deduction_id=closed.pk, actor=actor)
    assert {e["code"] for e in refused.value.as_error_list()} == {"window_closed"}
    assert "closed on" in refused.value.message and "-" not in refused.value.message.split("closed on")[1]  # the date in words

    with audit_exempt():
        DisputeWindow.objects.create(kind=DeductionKind.CHARGEBACK, days=30, max_disputes=1)
    charge = deduction(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        dispute_packet_request(scope=scope, deduction_id=charge.pk, actor=actor)
    first = dispute_file(scope=scope, deduction_id=charge.pk, reason="On time.", actor=actor)
    ap = ap_user()
    dispute_answer(scope=scope_for_user(ap), dispute_id=first.pk, outcome=DisputeStatus.UPHELD, note="Late.", actor=Actor(user=ap))
    with pytest.raises(DomainValidationError) as refused:
        dispute_packet_request(scope=scope, deduction_id=charge.pk, actor=actor)
    assert {e["code"] for e in refused.value.as_error_list()} == {"dispute_limit"}


def test_another_vendors_deduction_packet_and_job_are_not_found(vendor, other_vendor, django_capture_on_commit_callbacks):
    charge = deduction(vendor)
    scope, actor = finance(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        job = dispute_packet_request(scope=scope, deduction_id=charge.pk, actor=actor)
    packet = dispute_packet_for(deduction=charge)
    stranger_scope, stranger = finance(other_vendor)
    with pytest.raises(NotFoundError):
        dispute_packet_request(scope=stranger_scope, deduction_id=charge.pk, actor=stranger)
    with pytest.raises(NotFoundError):
        deduction_attachments_add(scope=stranger_scope, deduction_id=charge.pk, files=[SimpleUploadedFile("x.png", png_bytes())], actor=stranger)

    client = signed_in(finance_user(other_vendor))
    assert client.get(reverse("document-download", kwargs={"pk": packet.pk})).status_code == 404
    assert client.get(f"/payments/deductions/{charge.pk}/packet/jobs/{job.pk}/").status_code == 404
    assert client.post(f"/payments/deductions/{charge.pk}/packet/").status_code == 404
    assert client.post(f"/payments/deductions/{charge.pk}/file/", {"reason": "x", "confirmed": "yes"}).status_code == 404
    own = signed_in(finance_user(vendor))
    assert own.get(reverse("document-download", kwargs={"pk": packet.pk})).status_code == 200


# The screens ---------------------------------------------------------------------------------------
def test_the_deduction_page_shows_the_evidence_and_builds_and_files_the_packet(vendor, django_capture_on_commit_callbacks):
    ap_user()
    charge, shipment, _appointment, _ssccs = late_asn_chargeback(vendor)
    client = signed_in(finance_user(vendor))

    page = client.get(f"/payments/deductions/{charge.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="evidence-locker"' in html and "Original ASN SHIP-1 sent" in html and f'href="/shipments/{shipment.pk}/"' in html
    assert "Build dispute packet" in html

    with django_capture_on_commit_callbacks(execute=True):
        built = client.post(f"/payments/deductions/{charge.pk}/packet/")
    assert built.status_code == 302
    page = client.get(f"/payments/deductions/{charge.pk}/")
    assert 'data-testid="packet-download"' in page.content.decode()

    asked = client.post(f"/payments/deductions/{charge.pk}/file/", {"reason": "The ASN left before the truck."})
    assert asked.status_code == 200 and "Yes, file the dispute" in asked.content.decode()
    filed = client.post(f"/payments/deductions/{charge.pk}/file/", {"reason": "The ASN left before the truck.", "confirmed": "yes"})
    assert filed.status_code == 302
    charge.refresh_from_db()
    dispute = charge.disputes.get()
    assert dispute.evidence.get().kind == "dispute_packet"


def test_the_list_warns_at_seven_and_two_days_and_the_home_page_counts_them(vendor):
    today = marketplace_today(marketplace("US"))  # the deductions' calendar, whatever the hour in UTC

    def due_in(days, **fields):
        raised = deduction(vendor, **fields)
        Deduction.objects.filter(pk=raised.pk).update(dispute_deadline=today + datetime.timedelta(days=days))
        return raised

    ten, seven, two, today_last, closed = due_in(10), due_in(7), due_in(2), due_in(0), due_in(-1)
    client = signed_in(finance_user(vendor))
    html = client.get("/payments/deductions/").content.decode()

    def badge(d):
        row = html.split(f">{d.reference}</a>")[1].split("</tr>")[0]
        return row.split('data-testid="dispute-window-badge"')[1].split(">")[1].split("<")[0] if "dispute-window-badge" in row else None

    assert badge(ten) is None
    assert badge(seven) == "7 days left to dispute"
    assert badge(two) == "2 days left to dispute"
    assert badge(today_last) == "Last day to dispute"
    assert badge(closed) == "Window closed"
    assert 'data-urgency="urgent"' in html.split(f">{two.reference}</a>")[1].split("</tr>")[0]

    cards = {str(card["label"]): (card["count"], card["url"]) for card in client.get("/").context["cards"]}
    assert cards["Dispute windows closing within 7 days"] == (3, "/payments/deductions/?closing=on")
    assert {d.pk for d in client.get("/payments/deductions/?closing=on").context["page"]} == {seven.pk, two.pk, today_last.pk}
