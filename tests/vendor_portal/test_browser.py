"""The shell in a real headless Chromium: sign in, see what needs me, create a token once, switch to Chinese."""

import pytest

from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from vendor_portal.models import ApiToken
from vendor_portal.roles import Role


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_vendor_admin_signs_in_creates_a_token_and_reads_chinese(live_server, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_ADMIN, username="acme-admin")
    login(page, live_server, "acme-admin", "demo-password")
    assert page.locator("h1").inner_text() == "What needs me"
    assert page.get_by_test_id("current-vendor").inner_text().startswith("ACME")

    page.get_by_role("link", name="API tokens", exact=True).click()
    page.fill("input[name=name]", "SAP production")
    page.get_by_role("button", name="Create token").click()
    assert "Tick at least one scope" in page.content()  # a new token starts with none: it can do only what it is given
    page.get_by_label("Read purchase orders").check()
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_test_id("new-token").inner_text().strip()
    token = ApiToken.objects.get(name="SAP production")
    assert shown.startswith(token.key_prefix)
    page.reload()
    assert page.get_by_test_id("new-token").count() == 0  # shown once

    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    page.goto(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "需要我处理的事项"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_repeated_wrong_passwords_lock_the_account(live_server, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    for _ in range(5):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "acme-ops")
        page.fill("input[name=password]", "wrong")
        page.locator("form button[type=submit]").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "acme-ops")
    page.fill("input[name=password]", "demo-password")
    page.locator("form button[type=submit]").click()
    assert "Sign-in temporarily locked" in page.content()
