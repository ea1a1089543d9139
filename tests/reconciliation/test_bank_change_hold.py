"""Payments to new bank details wait: a run leaves out (holds) the remittances of a vendor whose bank details
changed within PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS, says so to accounts payable and to the vendor, and pays
them in the first run after the hold."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from reconciliation.engine import match_invoices
from reconciliation.models import PaymentRun
from reconciliation.selectors import payment_run_preview
from reconciliation.services.payment_runs import payment_run_create, payment_run_decide, payment_run_pay
from tests.audit_check import audit_exempt
from tests.factories import vendor_user
from tests.reconciliation.factories import accepted_invoice, ap_user, finance_user
from vendor_portal.errors import ConflictError, DomainValidationError
from vendor_portal.models import BankDetails
from vendor_portal.roles import Role
from vendor_portal.services.approvals import approval_decide
from vendor_portal.services.audit import Actor
from vendor_portal.services.vendors import bank_details_change_request
from vendor_portal.tenancy import scope_for_user

pytestmark = pytest.mark.django_db

NEW_DETAILS = {
    "account_holder": "Acme Home Goods",
    "bank_name": "Bank of Shenzhen",
    "account_number": "6222021234567890",
    "routing_code": "BKSHCNBJ",
    "currency": "USD",
}


def change_bank_details(vendor):
    maker = vendor_user(vendor, Role.VENDOR_ADMIN, username=f"{vendor.code.lower()}-admin")
    checker = finance_user(vendor)
    request = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=maker))
    approval_decide(approval=request, approve=True, actor=Actor(user=checker), scope=scope_for_user(checker))
    return BankDetails.objects.get(vendor=vendor)


def age_bank_details(vendor, days):
    with audit_exempt():
        BankDetails.objects.filter(vendor=vendor).update(changed_at=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def payable(vendor):
    invoice, _po = accepted_invoice(vendor, received=100, invoiced_cost="10.00", payment_terms="2/10net30")
    match_invoices(invoice_ids=[invoice.pk])
    return invoice


def test_a_run_holds_the_vendor_whose_bank_details_just_changed_and_pays_after_the_hold(vendor, payable, settings):
    settings.PORTAL_BANK_CHANGE_PAYMENT_HOLD_DAYS = 5
    details = change_bank_details(vendor)
    ap = ap_user()
    pay_date = timezone.localdate() + datetime.timedelta(days=2)
    preview = payment_run_preview(scope=scope_for_user(ap), pay_date=pay_date)
    assert preview["remittances"] == []
    [held] = preview["held"]
    assert (held["vendor"], held["reason"], held["held_until"]) == (vendor, "new_bank_details", details.payments_held_until)
    with pytest.raises(DomainValidationError) as refused:
        payment_run_create(scope=scope_for_user(ap), pay_date=pay_date, actor=Actor(user=ap))
    assert refused.value.errors[0].code == "payments_held" and "ACME US held: new bank details, until" in refused.value.message
    assert not PaymentRun.objects.exists()
    age_bank_details(vendor, days=6)
    run = payment_run_create(scope=scope_for_user(ap), pay_date=pay_date, actor=Actor(user=ap))
    assert {line.invoice_id for line in run.remittances.get().lines.all()} == {payable.pk}


def test_bank_details_changed_after_the_run_was_put_together_stop_its_payment(vendor, payable):
    maker, checker = ap_user("ap-maker"), ap_user("ap-checker")
    run = payment_run_create(scope=scope_for_user(maker), pay_date=timezone.localdate() + datetime.timedelta(days=2), actor=Actor(user=maker))
    payment_run_decide(scope=scope_for_user(checker), run_id=run.pk, approve=True, actor=Actor(user=checker))
    change_bank_details(vendor)
    with pytest.raises(ConflictError, match="Bank details of ACME changed after this run was put together"):
        payment_run_pay(scope=scope_for_user(maker), run_id=run.pk, actor=Actor(user=maker))
    run.refresh_from_db()
    assert run.status == "approved"


def test_accounts_payable_and_the_vendor_see_held_new_bank_details(vendor, payable):
    change_bank_details(vendor)
    ap = Client()
    ap.force_login(ap_user())
    page = ap.post("/payments/runs/", {"pay_date": timezone.localdate().isoformat(), "preview": "1"}).content.decode()
    assert 'data-testid="held-row"' in page and "Held: new bank details, until" in page
    api = ap.get("/api/v1/payment-runs/preview", {"pay_date": timezone.localdate().isoformat()}).json()
    assert [(row["vendor"], row["reason"]) for row in api["held"]] == [("ACME", "new_bank_details")]
    finance = Client()
    finance.force_login(finance_user(vendor))
    remittances = finance.get("/payments/remittances/").content.decode()
    assert 'data-testid="payment-hold"' in remittances and "Held: new bank details" in remittances
    age_bank_details(vendor, days=30)
    assert 'data-testid="payment-hold"' not in finance.get("/payments/remittances/").content.decode()
