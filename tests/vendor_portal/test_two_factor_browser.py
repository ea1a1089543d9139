"""Two-factor sign-in in a real headless Chromium: a finance person enrols an authenticator app from the QR code's
secret, signs in again with a code, and approving a bank change asks for a fresh code."""

import base64
import io
import time

import pytest
import zxingcpp
from django.contrib.sessions.backends.cached_db import SessionStore
from PIL import Image
from playwright.sync_api import expect

from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.vendor_portal.two_factor_support import code_at
from vendor_portal.models import ApprovalRequest, AuditEvent, BankDetails
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.two_factor import VERIFIED_AT_SESSION_KEY
from vendor_portal.services.vendors import bank_details_change_request

NEW_DETAILS = {
    "account_holder": "Acme",
    "bank_name": "Bank of Shenzhen",
    "account_number": "6222021234567890",
    "routing_code": "X",
    "currency": "USD",
}


def _make_last_code_old(tab):
    """As if the code at sign-in was typed an hour ago."""
    session_key = next(cookie["value"] for cookie in tab.context.cookies() if cookie["name"] == "sessionid")
    session = SessionStore(session_key=session_key)
    session[VERIFIED_AT_SESSION_KEY] = time.time() - 3600
    session.save()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_finance_enrols_signs_in_with_a_code_and_approves_a_bank_change_with_a_fresh_one(live_server, page, vendor, settings):  # noqa: F811
    settings.OTP_REQUIRED_ROLES = ["vendor_admin", "vendor_finance"]
    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    approval = bank_details_change_request(vendor=vendor, data=NEW_DETAILS, actor=Actor(user=admin))

    # Password first: the role needs a second factor, so enrolment comes before anything else.
    login(page, live_server, "acme-finance", "demo-password")
    assert "/accounts/two-factor/enrol/" in page.url
    assert page.get_by_test_id("two-factor-qr").locator("svg").is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "two-factor-enrol-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
    page.set_viewport_size({"width": 1440, "height": 900})
    secret = page.get_by_test_id("two-factor-secret").inner_text().strip()
    # The QR code an app scans carries the same secret, for this person, from this portal.
    scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.get_by_test_id("two-factor-qr").screenshot())))
    assert [code.text for code in scanned] == [
        f"otpauth://totp/Northwind%20Retail%3Aacme-finance?secret={secret}&algorithm=SHA1&digits=6&period=30&issuer=Northwind%20Retail"
    ]
    key = base64.b32decode(secret).hex()
    page.get_by_label("Code from the app").fill(code_at(key, -1))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)  # the click only starts the POST; wait for its page
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / "two-factor-recovery-codes-390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("link", name="I have saved them: continue").click()
    assert page.locator("h1").inner_text() == "What needs me"

    # Signing in again: the password, then a code from the app.
    page.get_by_role("button", name="Sign out").click()
    login(page, live_server, "acme-finance", "demo-password")
    assert "/accounts/two-factor/code/" in page.url
    page.get_by_label("Code").fill(code_at(key, 0))
    page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "What needs me"

    # Approving the bank change a while later asks for a fresh code, then goes through.
    _make_last_code_old(page)
    page.goto(f"{live_server.url}/approvals/{approval.pk}/")
    page.get_by_test_id("approve").click()
    assert "/accounts/two-factor/code/" in page.url
    assert "approvals need a code from the last few minutes" in page.content()
    assert not BankDetails.objects.filter(vendor=vendor).exists()
    page.get_by_label("Code").fill(code_at(key, 1))
    page.get_by_role("button", name="Continue").click()
    assert f"/approvals/{approval.pk}/" in page.url
    page.get_by_test_id("approve").click()
    page.wait_for_url(lambda url: url.endswith("/approvals/"))
    assert ApprovalRequest.objects.get(pk=approval.pk).status == "approved"
    assert AuditEvent.objects.filter(action="user.two_factor_enrol", actor__username="acme-finance").exists()
