"""In a real browser: the vendor proposes a cost change from today, the buyer accepts it (confirming), and the
next PO the buyer issues, with its net cost left blank, carries the new cost."""

import pytest

from catalogue.models import CostChangeRequest, CostChangeState
from purchase_orders.models import PurchaseOrder
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.catalogue.factories import buyer
from tests.factories import ProductCostFactory, ProductFactory, WarehouseFactory, marketplace, vendor_user
from vendor_portal.models import marketplace_today
from vendor_portal.roles import Role

SCREENSHOT = SCREENSHOTS / "catalogue_cost_change_accepted.png"


@pytest.mark.browser
def test_vendor_proposes_a_cost_change_the_buyer_accepts_and_the_next_po_has_the_new_cost(transactional_db, live_server, page, vendor):  # noqa: F811
    us = marketplace("US")
    dc = WarehouseFactory(code="ABE2", marketplace=us)
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    buyer()
    kettle = ProductFactory(vendor=vendor, vendor_sku="KTL-1700-SS", title="Acme stainless steel kettle 1.7 L")
    ProductCostFactory(product=kettle, cost="10.00")
    today = marketplace_today(us)

    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/catalogue/cost-changes/")
    page.get_by_test_id("cost-new").click()
    page.get_by_label("Item").select_option(str(kettle.pk))
    page.get_by_label("Marketplace").select_option("US")
    page.get_by_label("New cost per each").fill("11.25")
    page.get_by_label("Effective from").fill(today.isoformat())
    page.get_by_label("Reason").fill("Steel prices rose 9% this quarter")
    page.get_by_test_id("cost-propose").click()
    page.get_by_text("Your cost change for KTL-1700-SS is proposed").wait_for()
    assert page.get_by_test_id("cost-state").inner_text() == "Proposed"
    page.context.clear_cookies()

    login(page, live_server, "buyer", "demo-password")
    page.goto(f"{live_server.url}/catalogue/cost-changes/?state=proposed")
    page.get_by_role("link", name="KTL-1700-SS").click()
    page.get_by_test_id("cost-accept").click()
    page.get_by_test_id("confirm-step").wait_for()  # an accepted cost cannot be undone: asked first
    page.get_by_test_id("confirm-yes").click()
    page.get_by_text("Accepted: the new cost applies").wait_for()
    assert page.get_by_test_id("cost-state").inner_text() == "Accepted"
    assert "11.25" in page.get_by_test_id("cost-history").inner_text()
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert CostChangeRequest.objects.get().state == CostChangeState.ACCEPTED

    page.goto(f"{live_server.url}/purchase-orders/new/")
    page.fill("input[name=number]", "PO-NEXT-1")
    page.select_option("select[name=vendor]", str(vendor.pk))
    page.select_option("select[name=marketplace]", str(us.pk))
    page.select_option("select[name=ship_to]", str(dc.pk))
    page.fill("input[name=ship_window_start]", today.isoformat())
    page.fill("input[name=ship_window_end]", today.isoformat())
    page.fill("input[name=lines-0-vendor_sku]", "KTL-1700-SS")
    page.fill("input[name=lines-0-ordered_quantity]", "24")
    page.locator("form:has(input[name=number]) button[type=submit]").last.click()
    page.wait_for_url("**/purchase-orders/PO-NEXT-1/")
    assert "11.25" in page.locator("table").filter(has_text="KTL-1700-SS").first.inner_text()
    assert PurchaseOrder.objects.get(number="PO-NEXT-1").lines.get().net_cost == 11.25
