"""Vendor finance flips a PO, sees the pre-flight claims appear (htmx) and submits, in a real browser."""
import pytest

from invoicing.models import Invoice, InvoiceState
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.invoicing.factories import shipped_po
from vendor_portal.roles import Role


@pytest.mark.browser
def test_flip_check_and_submit_in_the_browser(live_server, transactional_db, page, vendor):  # noqa: F811
    po = shipped_po(vendor, quantity=100, received=96, cost="10.00")
    vendor_user(vendor, Role.VENDOR_FINANCE, username="finance")
    login(page, live_server, "finance", "demo-password")

    page.goto(f"{live_server.url}/invoices/new/from-po/")
    page.locator(f"form:has(input[value='{po.number}']) button").click()
    page.wait_for_url("**/edit/")
    assert page.locator("#id_lines-0-quantity").input_value() == "96"

    page.fill("#id_lines-0-quantity", "100")
    page.fill("#id_lines-0-unit_cost", "10.50")
    page.get_by_role("button", name="Check (pre-flight)").click()
    panel = page.locator("[data-testid=preflight]")
    panel.get_by_text("92.00", exact=False).first.wait_for()
    text = panel.inner_text()
    assert "50.00" in text and "42.00" in text
    assert Invoice.objects.get().lines.get().quantity == 96  # a check saves nothing

    page.get_by_role("button", name="Save and submit").click()
    page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
    assert page.locator("h1 [data-testid=invoice-state]").inner_text() == "Submitted"
    invoice = Invoice.objects.get()
    assert invoice.state == InvoiceState.SUBMITTED and invoice.grand_total == 1050
