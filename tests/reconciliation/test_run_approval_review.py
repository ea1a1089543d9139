"""The checker of a payment run sees its totals on the approval request, and approves with a button."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from reconciliation.models import PaymentRun, PaymentRunStatus
from tests.reconciliation.factories import accepted_invoice, ap_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_approval_request_shows_the_run_totals_and_approves_with_the_button(vendor):
    accepted_invoice(vendor, payment_terms="net30", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    maker, checker = signed_in(ap_user("ap-maker")), signed_in(ap_user("ap-checker"))
    maker.post("/payments/match/")
    maker.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat(), "marketplace": ""})
    run = PaymentRun.objects.get()
    page = checker.get(f"/approvals/{run.approval_request_id}/").content.decode()
    review = page.split('data-testid="payment-run-review"')[1].split("</section>")[0]
    net = run.remittances.get().net_amount
    assert "Net to pay in USD" in review and f"{net:,.2f} USD" in review and vendor.code in review
    assert "{'" not in page and "run_id" not in page
    assert 'value="approve"' in page and 'value="reject"' in page
    checker.post(f"/approvals/{run.approval_request_id}/", {"decision": "approve", "confirmed": "yes"})
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.APPROVED
