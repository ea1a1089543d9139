"""A vendor uploads a broken CII file at 390 px: the receipt page lists each broken rule, no sideways scroll."""

import pytest

from invoicing.einvoices.cii import cii_write
from invoicing.services.document import InvoiceDocument
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.invoicing.einvoice_support import demo_invoice, german_po, german_vendor_setup
from tests.invoicing.test_browser import PAGE_OVERFLOW, UNLABELLED_CONTROLS
from tests.invoicing.test_einvoices import fresh_state


@pytest.mark.browser
def test_broken_upload_lists_each_rule_at_390_px(live_server, transactional_db, page, vendor, tmp_path):  # noqa: F811
    germany, scope, actor = german_vendor_setup(vendor, username="finance")
    invoice = demo_invoice(scope, actor, german_po(vendor, germany))
    broken = cii_write(InvoiceDocument.load(invoice)).replace(b"<ram:GrandTotalAmount>220.10", b"<ram:GrandTotalAmount>1.00")
    fresh_state(vendor, invoice)
    path = tmp_path / "RE-2026-001.xml"
    path.write_bytes(broken)

    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "finance", "demo-password")
    page.goto(f"{live_server.url}/invoices/e-invoices/upload/")
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    page.get_by_label("E-invoice file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and submit").click()
    page.wait_for_url("**/e-invoices/*/")
    page.locator("[data-testid=einvoice-progress][data-status=refused]").wait_for()
    errors = page.get_by_test_id("einvoice-errors").inner_text()
    assert "BR-CO-15" in errors and "BR-CO-16" in errors
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    page.screenshot(path=str(SCREENSHOTS / "einvoice-refused-390.png"), full_page=True)
