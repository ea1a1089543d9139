import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reconciliation.models import Deduction, DeductionKind, DeductionStatus, DisputeStatus, DisputeWindow, RemittanceLineKind
from reconciliation.services.disputes import dispute_answer, dispute_create
from reconciliation.services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from tests.reconciliation.factories import accepted_invoice, ap_user, deduction, finance_user
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, NotFoundError
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%proof of delivery\n"


def dispute(vendor, deduction_id, reason="Delivered in full: POD attached", files=()):
    user = finance_user(vendor)
    return dispute_create(scope=scope_for_user(user), deduction_id=deduction_id, reason=reason, files=files, actor=Actor(user=user))


def answer(dispute_obj, outcome, amount=None, note="Checked the POD"):
    ap = ap_user()
    return dispute_answer(scope=scope_for_user(ap), dispute_id=dispute_obj.pk, outcome=outcome, amount=amount, note=note, actor=Actor(user=ap))


def errors_of(excinfo):
    return {e["code"] for e in excinfo.value.as_error_list()}


def test_dispute_with_evidence_is_recorded_and_notifies_accounts_payable(vendor, django_capture_on_commit_callbacks):
    ap_user()
    claim = deduction(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        opened = dispute(vendor, claim.pk, files=[SimpleUploadedFile("pod.pdf", PDF, content_type="application/pdf")])
    assert opened.number == 1 and opened.status == DisputeStatus.OPEN
    assert [d.content_type for d in opened.evidence.all()] == ["application/pdf"]
    claim.refresh_from_db()
    assert claim.status == DeductionStatus.DISPUTED
    assert AuditEvent.objects.filter(action="dispute.create", object_id=str(opened.pk)).exists()
    assert Notification.objects.filter(kind="dispute_opened").exists()


def test_dispute_past_its_window_is_refused(vendor):
    old = deduction(vendor, days_ago=40, window_days=30)
    with pytest.raises(DomainValidationError) as refused:
        dispute(vendor, old.pk)
    assert errors_of(refused) == {"window_closed"}
    assert not old.disputes.exists()


def test_evidence_that_is_not_pdf_jpeg_or_png_or_too_large_is_refused(vendor):
    claim = deduction(vendor)
    with pytest.raises(DomainValidationError) as refused:
        dispute(vendor, claim.pk, files=[SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="application/octet-stream")])
    assert errors_of(refused) == {"file_type"}
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf")
    with pytest.raises(DomainValidationError) as refused:
        dispute(vendor, claim.pk, files=[big])
    assert errors_of(refused) == {"too_large"}


def test_redispute_only_after_denial_or_partial_reversal_and_within_the_limit(vendor):
    with audit_exempt():
        DisputeWindow.objects.create(marketplace=marketplace("US"), kind=DeductionKind.CHARGEBACK, days=30, max_disputes=2)
    claim = deduction(vendor, amount="100.00")
    first = dispute(vendor, claim.pk)
    with pytest.raises(ConflictError):
        dispute(vendor, claim.pk)
    answer(first, DisputeStatus.UPHELD, note="The ASN was sent after the truck left")
    second = dispute(vendor, claim.pk, reason="Carrier delay: letter attached")
    assert second.number == 2
    answer(second, DisputeStatus.PARTLY_REVERSED, amount="30.00", note="Half the delay was the carrier's")
    with pytest.raises(DomainValidationError) as refused:
        dispute(vendor, claim.pk, reason="Once more")
    assert errors_of(refused) == {"dispute_limit"}


def test_partial_reversal_amount_must_be_below_what_is_left(vendor):
    claim = deduction(vendor, amount="25.00")
    opened = dispute(vendor, claim.pk)
    with pytest.raises(DomainValidationError):
        answer(opened, DisputeStatus.PARTLY_REVERSED, amount="25.00")


def test_vendor_cannot_answer_and_other_vendor_cannot_dispute(vendor, other_vendor):
    claim = deduction(vendor)
    opened = dispute(vendor, claim.pk)
    user = finance_user(vendor)
    with pytest.raises(ForbiddenError):
        dispute_answer(scope=scope_for_user(user), dispute_id=opened.pk, outcome="reversed", actor=Actor(user=user))
    with pytest.raises(NotFoundError):
        dispute(other_vendor, claim.pk)


def test_reversed_dispute_is_paid_in_the_next_remittance(vendor):
    invoice, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.50", payment_terms="net30")
    from reconciliation.engine import match_invoices

    match_invoices(invoice_ids=[invoice.pk])
    price = Deduction.objects.get(invoice=invoice, kind=DeductionKind.PRICE_CLAIM)
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    pay_date = timezone.localdate() + datetime.timedelta(days=31)

    def pay():
        run = payment_run_create(scope=scope_for_user(maker), pay_date=pay_date, actor=Actor(user=maker))
        payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
        return payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker)).remittances.get()

    first = pay()
    assert first.net_amount == Decimal("1000.00")
    opened = dispute(vendor, price.pk, reason="The new cost was agreed on 1 November")
    answer(opened, DisputeStatus.REVERSED, note="Cost change confirmed")
    price.refresh_from_db()
    assert price.status == DeductionStatus.REVERSED
    second = pay()
    lines = list(second.lines.all())
    assert [(entry.kind, entry.amount) for entry in lines] == [(RemittanceLineKind.REVERSAL, Decimal("50.00"))]
    assert second.net_amount == Decimal("50.00") == second.reversals_total


def test_answer_is_sent_to_the_vendors_webhook_once(vendor):
    from webhooks.models import WebhookDelivery, WebhookSubscription

    with audit_exempt():
        WebhookSubscription.objects.create(
            vendor=vendor, url="https://erp.example.com/hooks", events=["dispute.answered"], secret="s" * 32, secret_set_at=timezone.now()
        )
    opened = dispute(vendor, deduction(vendor, amount="40.00").pk)
    answer(opened, DisputeStatus.PARTLY_REVERSED, amount="15.00")
    [delivery] = WebhookDelivery.objects.filter(event="dispute.answered")
    assert delivery.payload["data"]["state"] == "partly_reversed"
    assert delivery.payload["data"]["amount_reversed"] == "15.00" and delivery.payload["data"]["outcome"] == "partly_reversed"


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


def test_evidence_is_stored_under_the_extension_of_what_it_holds(vendor):
    claim = deduction(vendor)
    files = [
        SimpleUploadedFile("scan", JPEG, content_type="application/octet-stream"),  # no extension: named for its content
        SimpleUploadedFile("Photo.JPEG", JPEG, content_type="image/jpeg"),
        SimpleUploadedFile("../../pod.pdf", PDF, content_type="application/pdf"),
    ]
    opened = dispute(vendor, claim.pk, files=files)
    stored = {document.key.rsplit("/", 1)[-1]: document.content_type for document in opened.evidence.all()}
    assert stored == {"1-scan.jpg": "image/jpeg", "2-Photo.jpg": "image/jpeg", "3-pod.pdf": "application/pdf"}
    assert all(document.file.name.endswith(document.key.rsplit("/", 1)[-1]) for document in opened.evidence.all())


def test_evidence_whose_name_says_another_type_than_its_content_is_refused(vendor):
    claim = deduction(vendor)
    with pytest.raises(DomainValidationError) as refused:
        dispute(
            vendor,
            claim.pk,
            files=[
                SimpleUploadedFile("pod.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("invoice.html", PDF, content_type="text/html"),
                SimpleUploadedFile("photo.png", JPEG, content_type="image/png"),
            ],
        )
    errors = refused.value.as_error_list()
    assert [(error["field"], error["code"]) for error in errors] == [("evidence[1]", "file_type_mismatch"), ("evidence[2]", "file_type_mismatch")]
    assert "invoice.html holds a PDF file but its name ends in .html: name it .pdf" in errors[0]["message"]
    assert not claim.disputes.exists()
