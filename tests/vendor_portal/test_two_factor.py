"""Two-factor sign-in: who must enrol, the code step after the password, recovery codes used once, removal with a
code, lockout after wrong codes, and a fresh code before approving a bank change or a payment run."""

import base64
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import api_token, retailer_user, vendor_user
from tests.vendor_portal.two_factor_support import code_at, enrolled, password_sign_in
from vendor_portal.models import ApprovalRequest, AuditEvent, BankDetails
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.two_factor import VERIFIED_AT_SESSION_KEY, two_factor_required
from vendor_portal.services.vendors import bank_details_change_request

REQUIRED = ["vendor_admin", "vendor_finance", "buyer", "receiving", "accounts_payable", "retailer_admin"]
NEW_DETAILS = {
    "account_holder": "Acme",
    "bank_name": "Bank of Shenzhen",
    "account_number": "6222021234567890",
    "routing_code": "X",
    "currency": "USD",
}


@pytest.fixture
def enforced(settings):
    settings.OTP_REQUIRED_ROLES = REQUIRED


@pytest.fixture
def finance(vendor):
    return vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")


def _secret_on(page: str) -> str:
    return base64.b32decode(re.search(r'data-testid="two-factor-secret"[^>]*>([A-Z2-7]+)<', page).group(1)).hex()


# Who must enrol -------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_admins_finance_and_every_retailer_role_need_a_second_factor_ops_and_integrators_may(vendor, enforced):
    required = {
        role for role in Role if two_factor_required(vendor_user(vendor, role) if role.value.startswith(("vendor", "integ")) else retailer_user(role))
    }
    assert required == {Role.VENDOR_ADMIN, Role.VENDOR_FINANCE, Role.BUYER, Role.RECEIVING, Role.ACCOUNTS_PAYABLE, Role.RETAILER_ADMIN}


@pytest.mark.django_db
def test_a_required_role_without_a_device_is_sent_to_enrolment_before_anything_else(client, finance, enforced):
    assert password_sign_in(client, "acme-finance")["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/two-factor/enrol/?next=%2F")
    assert client.get("/invoices/")["Location"].startswith("/accounts/two-factor/enrol/")
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.json()["errors"][0]["code"] == "second_factor_required"
    page = client.get("/accounts/two-factor/enrol/")
    assert page.status_code == 200 and "<svg" in page.content.decode() and 'name="username"' not in page.content.decode()
    assert "Purchase orders" not in page.content.decode()  # the sign-in layout: no way round the enrolment


@pytest.mark.django_db
def test_without_enforcement_or_for_ops_the_password_alone_signs_in(client, vendor, enforced):
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    password_sign_in(client, "acme-ops")
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_api_tokens_are_never_asked_for_a_code(client, vendor, finance, enforced):
    _token, raw = api_token(vendor)
    response = Client().get("/api/v1/purchase-orders/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


# Enrolment ------------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_enrolment_confirms_a_code_and_shows_ten_recovery_codes_once(client, finance, enforced):
    password_sign_in(client, "acme-finance")
    page = client.get("/accounts/two-factor/enrol/?next=/invoices/").content.decode()
    key = _secret_on(page)
    assert _secret_on(client.get("/accounts/two-factor/enrol/").content.decode()) == key  # a reload keeps the secret being set up

    wrong = client.post("/accounts/two-factor/enrol/", {"code": "000000" if code_at(key) != "000000" else "111111", "next": "/invoices/"})
    assert "That code is not right" in wrong.content.decode() and not TOTPDevice.objects.exists()

    done = client.post("/accounts/two-factor/enrol/", {"code": code_at(key), "next": "/invoices/"})
    codes = re.findall(r"<li><code>(\w{4}) (\w{4})</code></li>", done.content.decode())
    assert len(codes) == 10 and 'href="/invoices/"' in done.content.decode()
    assert TOTPDevice.objects.get(user=finance).confirmed
    assert StaticToken.objects.filter(device__user=finance).count() == 10
    assert AuditEvent.objects.filter(action="user.two_factor_enrol", object_id=str(finance.pk)).exists()
    assert client.get("/invoices/").status_code == 200
    assert client.get("/accounts/two-factor/enrol/")["Location"] == "/accounts/two-factor/"  # one app per person


# The code step --------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_person_with_a_device_enters_a_code_after_the_password(client, vendor, enforced):
    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")  # not required, enrolled by choice
    device = enrolled(ops)
    password_sign_in(client, "acme-ops")
    step = client.get("/purchase-orders/")
    assert step["Location"] == "/accounts/two-factor/code/?next=%2Fpurchase-orders%2F"

    wrong = client.post("/accounts/two-factor/code/", {"code": "12345", "next": "/purchase-orders/"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # no wait between tries in a test
    device.save()

    right = client.post("/accounts/two-factor/code/", {"code": code_at(device.key), "next": "/purchase-orders/"})
    assert right["Location"] == "/purchase-orders/"
    assert client.get("/purchase-orders/").status_code == 200

    # The same code again, in another sign-in, is refused: each time step counts once.
    other = Client()
    password_sign_in(other, "acme-ops")
    again = other.post("/accounts/two-factor/code/", {"code": code_at(device.key), "next": "/"})
    assert "That code is not right" in again.content.decode()


@pytest.mark.django_db
def test_a_foreign_next_is_not_followed(client, finance, enforced):
    device = enrolled(finance)
    password_sign_in(client, "acme-finance")
    response = client.post("/accounts/two-factor/code/", {"code": code_at(device.key), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_recovery_codes_sign_in_once_each_and_their_use_is_audited(client, finance, enforced):
    enrolled(finance, recovery_codes=("abcd2345",))
    password_sign_in(client, "acme-finance")
    used = client.post("/accounts/two-factor/code/", {"code": "ABCD 2345", "next": "/"}, follow=True)
    assert used.redirect_chain[-1][0] == "/" and "0 left" in used.content.decode()
    assert AuditEvent.objects.filter(action="user.recovery_code_use", object_id=str(finance.pk)).count() == 1

    other = Client()
    password_sign_in(other, "acme-finance")
    again = other.post("/accounts/two-factor/code/", {"code": "abcd2345", "next": "/"})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert other.get("/")["Location"].startswith("/accounts/two-factor/code/")


@pytest.mark.django_db
def test_wrong_codes_lock_the_sign_in_like_wrong_passwords(client, finance, enforced, settings):
    enrolled(finance)
    password_sign_in(client, "acme-finance")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/two-factor/code/", {"code": "000000", "next": "/"})
    assert client.get("/accounts/two-factor/code/").status_code == 429
    locked = Client().post("/accounts/login/", {"username": "acme-finance", "password": "demo-password"})
    assert locked.status_code == 429


# Settings: new recovery codes, removal --------------------------------------------------------------------
@pytest.mark.django_db
def test_new_recovery_codes_need_a_code_and_retire_the_old_ones(client, finance):
    device = enrolled(finance, recovery_codes=("oldc0de1",))
    client.force_login(finance)
    client.post("/accounts/two-factor/code/", {"code": code_at(device.key, -1), "next": "/"})
    refused = client.post("/accounts/two-factor/recovery-codes/", {"code": ""}, follow=True)
    assert "Enter a code" in refused.content.decode() and StaticToken.objects.filter(token="oldc0de1").exists()

    fresh = client.post("/accounts/two-factor/recovery-codes/", {"code": code_at(device.key, 0)})
    assert len(re.findall(r"<li><code>", fresh.content.decode())) == 10
    assert not StaticToken.objects.filter(token="oldc0de1").exists()
    assert AuditEvent.objects.filter(action="user.recovery_codes_regenerate").exists()


@pytest.mark.django_db
def test_removing_two_factor_needs_a_code_and_a_required_role_enrols_again(client, finance, enforced):
    device = enrolled(finance)
    password_sign_in(client, "acme-finance")
    client.post("/accounts/two-factor/code/", {"code": code_at(device.key, -1), "next": "/"})
    assert "On: an authenticator app" in client.get("/accounts/two-factor/").content.decode()

    client.post("/accounts/two-factor/remove/", {"code": "99999999"})
    assert TOTPDevice.objects.filter(user=finance).exists()

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    client.post("/accounts/two-factor/remove/", {"code": code_at(device.key, 0)})
    assert not TOTPDevice.objects.filter(user=finance).exists() and not StaticToken.objects.filter(device__user=finance).exists()
    assert AuditEvent.objects.filter(action="user.two_factor_remove", object_id=str(finance.pk)).exists()
    assert client.get("/")["Location"].startswith("/accounts/two-factor/enrol/")


# A fresh code before money moves --------------------------------------------------------------------------
def _stale(client):
    session = client.session
    session[VERIFIED_AT_SESSION_KEY] = timezone.now().timestamp() - 3600
    session.save()


@pytest.mark.django_db
def test_approving_a_bank_change_asks_for_a_fresh_code(client, vendor, finance, enforced):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=admin))
    device = enrolled(finance)
    password_sign_in(client, "acme-finance")
    client.post("/accounts/two-factor/code/", {"code": code_at(device.key, -1), "next": "/"})
    _stale(client)

    asked = client.post(f"/approvals/{approval.pk}/", {"decision": "approve", "note": "Called the bank", "confirmed": "yes"})
    assert asked["Location"] == f"/accounts/two-factor/code/?next=%2Fapprovals%2F{approval.pk}%2F"
    assert not BankDetails.objects.filter(vendor=vendor).exists()
    api = client.post(f"/api/v1/approvals/{approval.pk}/decision", {"decision": "approve"}, content_type="application/json")
    assert api.status_code == 403 and api.json()["errors"][0]["code"] == "second_factor_required"

    back = client.post("/accounts/two-factor/code/", {"code": code_at(device.key, 0), "next": f"/approvals/{approval.pk}/"})
    assert back["Location"] == f"/approvals/{approval.pk}/"
    client.post(f"/approvals/{approval.pk}/", {"decision": "approve", "note": "Called the bank", "confirmed": "yes"})
    approval.refresh_from_db()
    assert approval.status == "approved"


@pytest.mark.django_db
def test_turning_a_bank_change_down_needs_no_fresh_code(client, vendor, finance, enforced):
    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=admin))
    device = enrolled(finance)
    password_sign_in(client, "acme-finance")
    client.post("/accounts/two-factor/code/", {"code": code_at(device.key), "next": "/"})
    _stale(client)
    client.post(f"/approvals/{approval.pk}/", {"decision": "reject", "note": "Not ours", "confirmed": "yes"})
    assert ApprovalRequest.objects.get(pk=approval.pk).status == "rejected"


@pytest.mark.django_db
def test_approving_a_payment_run_asks_for_a_fresh_code(vendor, enforced):
    import datetime

    from reconciliation.models import PaymentRun, PaymentRunStatus
    from reconciliation.services.payment_runs import payment_run_create
    from tests.reconciliation.factories import accepted_invoice, ap_user
    from vendor_portal.tenancy import scope_for_user

    accepted_invoice(vendor, payment_terms="net30", invoice_date=timezone.localdate() - datetime.timedelta(days=40))
    maker = ap_user("ap-maker")
    from reconciliation.engine import match_invoices

    match_invoices(actor=Actor(user=maker))
    run = payment_run_create(scope=scope_for_user(maker), pay_date=timezone.localdate(), actor=Actor(user=maker))
    checker_user = ap_user("ap-checker")
    device = enrolled(checker_user)
    checker = Client()
    password_sign_in(checker, "ap-checker")
    checker.post("/accounts/two-factor/code/", {"code": code_at(device.key, -1), "next": "/"})
    _stale(checker)

    asked = checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve", "confirmed": "yes"})
    assert asked["Location"] == f"/accounts/two-factor/code/?next=%2Fpayments%2Fruns%2F{run.pk}%2F"
    api = checker.post(f"/api/v1/payment-runs/{run.pk}/approve", {"decision": "approve"}, content_type="application/json")
    assert api.status_code == 403 and api.json()["errors"][0]["code"] == "second_factor_required"
    assert PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.PENDING_APPROVAL

    checker.post("/accounts/two-factor/code/", {"code": code_at(device.key, 0), "next": f"/payments/runs/{run.pk}/"})
    checker.post(f"/payments/runs/{run.pk}/decide/", {"decision": "approve", "confirmed": "yes"})
    assert PaymentRun.objects.get(pk=run.pk).status == PaymentRunStatus.APPROVED


@pytest.mark.django_db
def test_seeded_demo_users_sign_in_with_the_published_demo_secret_and_a_second_seed_starts_over(client, vendor, enforced):
    from vendor_portal.demo import DEMO_TOTP_SECRET, seed_demo_totp
    from vendor_portal.services.two_factor import hex_from_base32

    vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    assert seed_demo_totp() == 1
    key = hex_from_base32(DEMO_TOTP_SECRET)
    password_sign_in(client, "acme-finance")
    assert client.post("/accounts/two-factor/code/", {"code": code_at(key), "next": "/"})["Location"] == "/"
    assert seed_demo_totp() == 1 and TOTPDevice.objects.get().last_t == -1  # the production check may run again at once
    assert AuditEvent.objects.filter(action="user.two_factor_enrol").count() == 1


@pytest.mark.django_db
def test_a_header_does_not_talk_a_half_signed_in_session_past_the_code_step(client, finance, enforced):
    enrolled(finance)
    password_sign_in(client, "acme-finance")
    assert client.get("/invoices/", HTTP_AUTHORIZATION="Bearer nonsense")["Location"].startswith("/accounts/two-factor/code/")
    api = client.get("/api/v1/me", HTTP_AUTHORIZATION="Basic bm9ib2R5Om5vdGhpbmc=")
    assert api.status_code == 403 and api.json()["errors"][0]["code"] == "second_factor_required"


@pytest.mark.django_db
def test_a_role_needing_a_second_factor_granted_while_signed_in_sends_the_session_to_enrol(client, vendor, enforced):
    from vendor_portal.middleware import RECHECKED_AT_SESSION_KEY
    from vendor_portal.models import Membership

    ops = vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    password_sign_in(client, "acme-ops")
    assert client.get("/").status_code == 200

    from tests.audit_check import audit_exempt

    with audit_exempt():
        Membership.objects.create(user=ops, vendor=vendor, role=Role.VENDOR_FINANCE)  # an admin makes them finance
    assert client.get("/").status_code == 200  # checked less than a minute ago
    session = client.session
    session[RECHECKED_AT_SESSION_KEY] = 0  # a minute on
    session.save()

    home = client.get("/invoices/")
    assert home.status_code == 302 and home["Location"].startswith("/accounts/two-factor/enrol/")
    assert client.get("/api/v1/me").json()["errors"][0]["code"] == "second_factor_required"
