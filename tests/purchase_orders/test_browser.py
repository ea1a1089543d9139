"""A vendor ops person's day in a real browser: find the POs that need them, confirm one line partly
backordered and another rejected, and see the PO acknowledged; export the list as XLSX (a job with a
progress bar) and as CSV (streamed)."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from purchase_orders.models import PurchaseOrder, PurchaseOrderState
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.factories import ProductFactory, WarehouseFactory, marketplace, vendor_user
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory
from vendor_portal.roles import Role

LIST_SCREENSHOT = SCREENSHOTS / "po_list.png"
CONFIRM_SCREENSHOT = SCREENSHOTS / "po_confirm.png"


def arrange_purchase_orders(vendor):
    """A realistic queue: new, due soon, overdue, changed, confirmed and shipped POs in two marketplaces."""
    now = timezone.now()
    kettle = ProductFactory(vendor=vendor, vendor_sku="KTL-1700-SS", title="Acme stainless steel kettle 1.7 L", case_pack=6, minimum_order_quantity=6)
    toaster = ProductFactory(vendor=vendor, vendor_sku="TST-2S-BLK", title="Acme 2-slice toaster, black", case_pack=6, minimum_order_quantity=6)
    target = PurchaseOrderFactory(vendor=vendor, number="4XK9F3QP", confirmation_due_at=now + datetime.timedelta(hours=30))
    PurchaseOrderLineFactory(purchase_order=target, sequence=1, product=kettle, ordered_quantity=60, net_cost="18.40", backorder_allowed=True)
    PurchaseOrderLineFactory(purchase_order=target, sequence=2, product=toaster, ordered_quantity=60, net_cost="22.15", backorder_allowed=False)
    others = [
        ("7HB2M8RT", PurchaseOrderState.NEW, {"confirmation_due_at": now + datetime.timedelta(hours=5)}),
        ("2PQZ6WLN", PurchaseOrderState.NEW, {"confirmation_due_at": now - datetime.timedelta(hours=2)}),
        ("9ZT4C1VX", PurchaseOrderState.NEW, {"has_unconfirmed_changes": True, "order_type": "RushOrder"}),
        ("5MJ8D2KA", PurchaseOrderState.ACKNOWLEDGED, {}),
        ("3RN7E5GY", PurchaseOrderState.PARTIALLY_SHIPPED, {}),
        ("8WF3H6QS", PurchaseOrderState.RECEIVED, {}),
    ]
    for number, state, fields in others:
        po = PurchaseOrderFactory(vendor=vendor, number=number, state=state, **fields)
        PurchaseOrderLineFactory(purchase_order=po, sequence=1, product=kettle, ordered_quantity=120, net_cost="18.40")
        PurchaseOrderLineFactory(purchase_order=po, sequence=2, product=toaster, ordered_quantity=48, net_cost="22.15")
    germany = marketplace("DE")
    german = PurchaseOrderFactory(
        vendor=vendor, number="6DE4PL2B", marketplace=germany, ship_to=WarehouseFactory(code="FRA3", marketplace=germany, name="FRA3 Logistikzentrum")
    )
    PurchaseOrderLineFactory(purchase_order=german, sequence=1, product=kettle, ordered_quantity=36, net_cost="16.90")
    return target


@pytest.mark.browser
def test_vendor_ops_finds_and_confirms_a_po_with_backorder_and_rejection(transactional_db, live_server, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    po = arrange_purchase_orders(vendor)
    login(page, live_server, "acme-ops", "demo-password")

    page.goto(f"{live_server.url}/purchase-orders/")
    page.get_by_label("Needs my confirmation").check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**needs_confirmation=on**")
    table = page.get_by_test_id("po-table")
    numbers = table.locator("a.po-number").all_inner_texts()
    assert sorted(numbers) == sorted(["4XK9F3QP", "7HB2M8RT", "2PQZ6WLN", "9ZT4C1VX", "6DE4PL2B"])
    assert table.locator("tr.due-overdue").count() == 1
    page.screenshot(path=LIST_SCREENSHOT, full_page=True)

    table.get_by_role("link", name=po.number).click()
    page.get_by_test_id("confirm-link").click()
    page.wait_for_url(f"**/purchase-orders/{po.number}/confirm/")

    ship_date = timezone.localdate(po.ship_window_start) + datetime.timedelta(days=1)
    page.get_by_label("Scheduled ship date").fill(ship_date.isoformat())
    page.get_by_label("Line 1: Accepted").fill("30")
    page.get_by_label("Line 1: Backordered").fill("30")
    page.get_by_label("Line 1: Backorder date").fill((ship_date + datetime.timedelta(days=14)).isoformat())
    # Line 2 allows no backorder: its fields are disabled.
    assert page.get_by_label("Line 2: Backordered").is_disabled()
    page.get_by_label("Line 2: Rejected").fill("60")
    page.get_by_label("Line 2: Rejection reason").select_option(label="Obsolete product")
    hints = page.locator("tr.confirm-row [data-remaining]")
    assert hints.all_inner_texts() == ["✓ complete", "✓ complete"]
    page.screenshot(path=CONFIRM_SCREENSHOT, full_page=True)

    page.get_by_test_id("submit-confirmation").click()
    page.wait_for_url(f"**/purchase-orders/{po.number}/confirmed/")
    assert page.get_by_test_id("po-state").inner_text() == "Acknowledged"
    # Saved: the next PO offered is the one due first, the overdue one.
    assert page.get_by_test_id("confirm-next").inner_text() == "Confirm PO 2PQZ6WLN"
    page.get_by_test_id("view-po").click()
    page.wait_for_url(f"**/purchase-orders/{po.number}/")
    assert page.get_by_test_id("po-state").inner_text() == "Acknowledged"
    assert page.get_by_test_id("accepted-1").inner_text() == "30"
    assert page.get_by_test_id("backordered-1").inner_text().startswith("30")
    assert page.get_by_test_id("rejected-2").inner_text().startswith("60")
    assert "Obsolete product" in page.get_by_test_id("rejected-2").inner_text()

    po.refresh_from_db()
    assert po.state == PurchaseOrderState.ACKNOWLEDGED and po.promised_ship_date == ship_date
    assert PurchaseOrder.objects.get(pk=po.pk).acknowledgements.count() == 1


@pytest.mark.browser
def test_confirmation_errors_show_next_to_the_line_in_the_browser(transactional_db, live_server, page, vendor):  # noqa: F811
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    po = arrange_purchase_orders(vendor)
    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/purchase-orders/{po.number}/confirm/")
    page.get_by_label("Line 1: Accepted").fill("50")
    assert page.locator("#line-row-1 [data-remaining]").inner_text() == "10 to confirm"
    page.get_by_label("Line 2: Accepted").fill("60")
    page.get_by_test_id("submit-confirmation").click()
    errors = page.get_by_test_id("confirm-errors")
    assert "nothing was saved" in errors.inner_text()
    assert "accepted + backordered + rejected is 50" in page.locator("#line-row-1").inner_text()
    assert page.get_by_label("Line 1: Accepted").input_value() == "50"
    assert page.get_by_label("Line 1: Accepted").get_attribute("aria-invalid") == "true"
    page.get_by_role("button", name="Accept all", exact=True).click()
    assert page.get_by_label("Line 1: Accepted").input_value() == "60"
    page.get_by_test_id("submit-confirmation").click()
    page.wait_for_url(f"**/purchase-orders/{po.number}/confirmed/")
    assert page.get_by_test_id("po-state").inner_text() == "Acknowledged"


@pytest.mark.browser
def test_the_po_list_exports_xlsx_with_a_progress_bar_and_streams_csv(transactional_db, live_server, page, vendor, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    arrange_purchase_orders(vendor)
    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/purchase-orders/?state=acknowledged")

    page.get_by_role("button", name="XLSX").click()  # htmx posts it; the job's progress replaces #export-job
    link = page.get_by_test_id("export-download")
    link.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "po_export.png"))
    status = page.get_by_test_id("export-job")
    assert status.get_attribute("data-status") == "succeeded" and status.get_attribute("hx-trigger") is None
    assert "1 row" in status.inner_text()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("purchase-orders-") and download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["5MJ8D2KA"]

    with page.expect_download() as download:
        page.get_by_test_id("export-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert "5MJ8D2KA" in Path(download.value.path()).read_text(encoding="utf-8-sig")
