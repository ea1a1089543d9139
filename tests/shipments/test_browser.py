"""The ship plan builder, label printing with its polled progress bar, and scanner-style receiving, in Chromium."""

import pytest

from shipments.models import Shipment, ShipmentState
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import retailer_user, vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from
from vendor_portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_vendor_builds_a_plan_prints_labels_and_downloads_them(page, live_server, vendor):  # noqa: F811
    po = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-BROWSER-1")
    ship_from(vendor)
    vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    login(page, live_server, "ops", "demo-password")

    page.get_by_role("link", name="Shipments").click()
    page.get_by_role("link", name="New ship plan").click()
    page.get_by_test_id("dc-select").select_option(po.ship_to.code)
    page.wait_for_selector("text=PO-BROWSER-1")
    line1, line2 = po.lines.order_by("sequence")
    assert page.input_value(f"input[name=qty_{line1.pk}]") == "0"  # nothing is chosen until you choose it
    page.get_by_test_id("select-po-PO-BROWSER-1").click()
    assert page.input_value(f"input[name=qty_{line1.pk}]") == "12"
    page.fill(f"input[name=qty_{line2.pk}]", "6")
    page.fill("input[name=shipment_identifier]", "BROWSER-1")
    page.fill("input[name=bol_number]", "BOL-1")
    page.fill("input[name=cartons_per_pallet]", "2")
    page.get_by_role("button", name="Create ship plan").click()
    page.wait_for_selector("text=Ship plan BROWSER-1 created")
    shipment = Shipment.objects.get(shipment_identifier="BROWSER-1")
    assert page.locator("td.sscc").count() == 3

    page.get_by_test_id("print-labels").click()
    link = page.get_by_test_id("labels-download")
    link.wait_for()  # htmx polled the job until it finished, then stopped
    assert page.get_by_test_id("job-status").get_attribute("data-status") == "succeeded"
    assert page.get_by_test_id("job-status").get_attribute("hx-trigger") is None
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "BROWSER-1-labels-0.pdf"

    page.get_by_test_id("submit-asn").click()
    page.get_by_test_id("confirm-submit-asn").click()
    page.wait_for_selector("text=ASN submitted.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SUBMITTED


def test_receiving_takes_keyboard_wedge_scans(page, live_server, vendor):  # noqa: F811
    from shipments.services.asn import shipment_submit
    from shipments.services.plans import shipment_create
    from tests.shipments.factories import plan
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import Scope

    ship_from(vendor)
    scope = Scope(vendor=vendor)
    shipment = shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1, quantity=12)), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    retailer_user(Role.RECEIVING, username="dock")
    login(page, live_server, "dock", "demo-password")
    page.goto(f"{live_server.url}/shipments/receiving/{shipment.pk}/")
    for sscc in shipment.cartons.order_by("index").values_list("sscc", flat=True):
        # a wedge scanner types into whatever has focus and presses Enter
        page.keyboard.type("00" + sscc)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"text=Carton {sscc} received.")
    page.get_by_role("button", name="Finish receiving").click()
    page.get_by_test_id("finish-dialog").get_by_role("button", name="Finish anyway").click()  # finishing is asked first
    page.wait_for_selector("text=Receiving finished.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED
