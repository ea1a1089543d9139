"""On a handheld whose clock is in Shanghai, a vendor takes the device's time zone for the portal and reads
the PO deadline in Shanghai time; the page passes axe."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser_support import TIMEOUT_MS, browser, login  # noqa: F401
from tests.factories import vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.roles import Role

pytestmark = pytest.mark.browser


@pytest.fixture
def shanghai_phone(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_a_vendor_takes_the_devices_time_zone_and_reads_deadlines_in_it(live_server, transactional_db, shanghai_phone, vendor):
    page = shanghai_phone
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    po = purchase_order_with_lines(vendor, number="TZPHONE1", confirmation_due_at=datetime.datetime(2030, 3, 4, 6, 30, tzinfo=datetime.UTC))
    login(page, live_server, "acme-ops", "demo-password")

    page.goto(f"{live_server.url}/accounts/time-zone/")
    problems = [
        v["id"] for v in Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"] if v["impact"] in {"critical", "serious"}
    ]
    assert problems == []
    page.get_by_role("button", name="Use this device's time zone").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Shanghai")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("time-zone-link")).to_have_text("Times in Asia/Shanghai")

    page.goto(f"{live_server.url}/purchase-orders/{po.number}/")
    assert "2030-03-04 14:30 CST" in page.locator("main").inner_text()
