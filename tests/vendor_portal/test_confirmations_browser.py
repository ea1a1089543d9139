"""An irreversible action needs its confirmation: the first click only asks, in a real browser."""

import pytest

from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from vendor_portal.models import ApiToken
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.services.tokens import api_token_create


@pytest.mark.browser
def test_revoking_a_token_asks_first_and_going_back_keeps_it(live_server, transactional_db, page, vendor):  # noqa: F811
    admin = vendor_user(vendor, Role.VENDOR_ADMIN, username="admin")
    token, _ = api_token_create(vendor=vendor, name="SAP prod", scopes=["orders:read"], actor=Actor(user=admin))
    login(page, live_server, "admin", "demo-password")
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("button", name="Revoke").click()
    step = page.get_by_test_id("confirm-step")
    step.wait_for()
    assert "Revoke the API token “SAP prod”?" in page.locator("h1").inner_text()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # asked, nothing done
    page.get_by_role("link", name="No, go back").click()
    page.wait_for_url("**/settings/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Yes, revoke it").click()
    page.wait_for_selector("text=revoked: it no longer works")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
