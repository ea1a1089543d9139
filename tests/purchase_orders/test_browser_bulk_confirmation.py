"""Bulk confirmation in a real browser on a phone-sized screen (390 px): from the PO list, download the XLSX,
fill it in, check it, confirm every PO."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from purchase_orders.bulk_confirmation import COLUMN_KEYS
from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from tests.browser_support import SCREENSHOTS, browser, login  # noqa: F401
from tests.factories import vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.roles import Role

SCREENSHOT = SCREENSHOTS / "po_bulk_confirmation_390.png"


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", timezone_id="UTC", accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.mark.browser
def test_vendor_ops_confirms_every_po_of_a_filled_in_xlsx_on_a_phone(transactional_db, live_server, phone, vendor):
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    purchase_order_with_lines(vendor, lines=2, quantity=60, number="PHONE001")
    purchase_order_with_lines(vendor, lines=1, quantity=24, number="PHONE002")
    login(phone, live_server, "acme-ops", "demo-password")

    phone.goto(f"{live_server.url}/purchase-orders/")
    phone.get_by_test_id("bulk-confirm-link").click()
    phone.wait_for_url("**/purchase-orders/confirm-in-bulk/**")
    assert "2 purchase orders await your confirmation · 3 lines" in phone.get_by_test_id("bulk-count").inner_text()
    with phone.expect_download() as download:
        phone.get_by_test_id("bulk-download-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = workbook["Confirmations"]
    accepted = COLUMN_KEYS.index("accepted") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row=row, column=accepted).value = sheet.cell(row=row, column=COLUMN_KEYS.index("ordered_quantity") + 1).value
    buffer = io.BytesIO()
    workbook.save(buffer)

    phone.get_by_label("CSV or XLSX file").set_input_files(
        files=[{"name": "confirmations.xlsx", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()}]
    )
    phone.get_by_role("button", name="Check file (dry run)").click()
    preview = phone.get_by_test_id("bulk-preview")
    expect(preview.locator("tbody tr")).to_have_count(2)  # the click only starts the POST; wait for its page
    apply = phone.get_by_test_id("bulk-apply")
    assert apply.inner_text() == "Confirm 2 purchase orders"
    apply.scroll_into_view_if_needed()
    box = apply.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # reachable without scrolling sideways
    phone.screenshot(path=SCREENSHOT, full_page=True)
    apply.click()

    phone.wait_for_url("**/purchase-orders/?needs_confirmation=on")
    assert "2 purchase orders confirmed from confirmations.xlsx" in phone.locator(".messages").inner_text()
    assert set(PurchaseOrder.objects.values_list("state", flat=True)) == {PurchaseOrderState.ACKNOWLEDGED}
