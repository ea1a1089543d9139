"""A vendor admin adds a ship-from address, then retires it after the confirmation step, in a real browser; the
pages pass axe and fit a 390 px handheld."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from vendor_portal.models import ShipFromAddress
from vendor_portal.roles import Role

pytestmark = pytest.mark.browser
HANDHELD = {"width": 390, "height": 844}


def _problems(page) -> list[str]:  # noqa: F811
    found = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
        if v["impact"] in {"critical", "serious"}
    ]
    page.set_viewport_size(HANDHELD)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > HANDHELD["width"] + 1:
        found.append(f"{width} px wide at 390 px")
    return found


def test_admin_adds_and_retires_a_ship_from_address(live_server, transactional_db, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_ADMIN, username="admin")
    login(page, live_server, "admin", "demo-password")
    page.goto(f"{live_server.url}/settings/ship-from/")
    page.get_by_label("Code", exact=True).fill("RENO1")
    page.get_by_label("Name", exact=True).fill("Reno warehouse")
    page.get_by_label("Address line 1", exact=True).fill("1 Industrial Way")
    page.get_by_label("City", exact=True).fill("Reno")
    page.get_by_label("Postal code", exact=True).fill("89502")
    page.get_by_label("Country code", exact=True).fill("US")
    page.get_by_label("GLN", exact=True).fill("0614141000005")
    page.get_by_role("button", name="Add address").click()
    page.wait_for_selector("text=Ship-from address RENO1 added")
    assert ShipFromAddress.objects.get(vendor=vendor).code == "RENO1"
    assert _problems(page) == []

    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("link", name="RENO1").click()
    page.get_by_role("button", name="Retire this address").click()
    page.get_by_test_id("confirm-step").wait_for()
    assert not ShipFromAddress.objects.get(vendor=vendor).is_retired  # asked, nothing done
    page.get_by_role("button", name="Yes, retire it").click()
    page.wait_for_selector("text=new shipments can no longer name it")
    assert ShipFromAddress.objects.get(vendor=vendor).is_retired
    assert _problems(page) == []
