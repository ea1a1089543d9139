"""A vendor admin changes a marketplace account's VAT id after the confirmation step, in a real browser; the
pages pass axe and fit a 390 px handheld."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import VendorAccountFactory, marketplace, vendor_user
from vendor_portal.models import VendorAccount
from vendor_portal.roles import Role

pytestmark = pytest.mark.browser
HANDHELD = {"width": 390, "height": 844}


def _problems(page) -> list[str]:  # noqa: F811
    found = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
        if v["impact"] in {"critical", "serious"}
    ]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > HANDHELD["width"] + 1:
        found.append(f"{width} px wide at 390 px")
    return found


def test_admin_changes_a_vat_id_on_a_handheld(live_server, transactional_db, page, vendor):  # noqa: F811
    german = VendorAccountFactory(vendor=vendor, marketplace=marketplace("DE"), vendor_code="ACMEDE", tax_registration_number="DE123456789")
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("UK"), vendor_code="ACMEUK", tax_registration_number="")
    vendor_user(vendor, Role.VENDOR_ADMIN, username="admin")
    page.set_viewport_size(HANDHELD)
    login(page, live_server, "admin", "demo-password")
    page.goto(f"{live_server.url}/settings/tax-registrations/")
    page.get_by_test_id("tax-registration-list").wait_for()
    assert page.get_by_text("None: no e-invoices here").is_visible()
    assert _problems(page) == []

    page.get_by_role("link", name="Change the tax registration in Germany").click()
    page.get_by_label("Tax registration (VAT id)").fill("de 987.654.321")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("confirm-step").wait_for()
    assert page.get_by_text("DE987654321").first.is_visible()
    assert _problems(page) == []
    german.refresh_from_db()
    assert german.tax_registration_number == "DE123456789"  # asked, nothing done

    page.get_by_role("button", name="Yes, change it").click()
    page.wait_for_selector("text=new invoices state DE987654321")
    assert VendorAccount.objects.get(pk=german.pk).tax_registration_number == "DE987654321"
    assert _problems(page) == []

    page.goto(f"{live_server.url}/settings/tax-registrations/{german.pk}/")
    page.get_by_label("Tax registration (VAT id)").fill("DE12345")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("is not a VAT id of Germany").wait_for()
    assert _problems(page) == []
