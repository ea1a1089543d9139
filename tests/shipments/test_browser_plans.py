"""A ship plan at volume, in Chromium: built for one PO out of several, edited with one save (a carrier typed
before the pallets are rebuilt stays, a carton's weight is kept), a warning before leaving with unsaved
changes, and the ASN submitted after its confirmation step. The editor also works at 390 px wide."""

from decimal import Decimal

import pytest

from shipments.models import Shipment, ShipmentState
from tests.audit_check import audit_exempt
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from
from vendor_portal.models import Product
from vendor_portal.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_a_plan_for_one_po_of_several_is_edited_with_one_save_and_submitted_after_confirming(page, live_server, vendor):  # noqa: F811
    first = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-VOL-1")
    chosen = confirmed_purchase_order(vendor, lines=2, quantity=12, number="PO-VOL-2", warehouse=first.ship_to)
    confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-VOL-3", warehouse=first.ship_to)
    with audit_exempt():
        Product.objects.filter(pk__in=chosen.lines.values("product")).update(carton_weight_kg=Decimal("4.536"))  # 10 lb a case
    ship_from(vendor)
    vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    login(page, live_server, "ops", "demo-password")

    # a new plan starts empty: one PO is chosen out of three
    page.goto(f"{live_server.url}/shipments/new/?ship_to={first.ship_to.code}")
    quantities = page.locator("input[name^=qty_]")
    assert quantities.count() == 5 and all(quantities.nth(i).input_value() == "0" for i in range(5))
    page.get_by_test_id("select-po-PO-VOL-2").click()
    assert [page.input_value(f"input[name=qty_{line.pk}]") for line in chosen.lines.order_by("sequence")] == ["12", "12"]
    assert [page.input_value(f"input[name=qty_{line.pk}]") for line in first.lines.all()] == ["0", "0"]
    identifier = page.locator("input[name=shipment_identifier]")
    assert identifier.get_attribute("placeholder").startswith("e.g. ACME-")
    identifier.fill("VOL-1")
    page.fill("input[name=bol_number]", "BOL-VOL-1")
    page.screenshot(path=str(SCREENSHOTS / "ship_plan_new.png"), full_page=True)
    page.get_by_test_id("create-plan").click()
    page.wait_for_selector("text=Ship plan VOL-1 created")
    shipment = Shipment.objects.get(shipment_identifier="VOL-1")
    assert set(shipment.lines.values_list("purchase_order_line__purchase_order__number", flat=True)) == {"PO-VOL-2"}

    # the editor saves everything at once: a carrier typed before the pallets are rebuilt is kept
    page.get_by_test_id("edit-plan").click()
    page.wait_for_selector("[data-testid=plan-form]")
    assert page.locator("input[name=carton_1_weight]").get_attribute("placeholder") == "10"  # the catalogue's case, in lb
    page.fill("input[name=carrier_name]", "Old Dominion")
    page.fill("input[name=cartons_per_pallet]", "2")
    page.fill("input[name=carton_1_weight]", "11.5")
    assert page.locator("[data-unsaved-note]").is_visible()

    # leaving with unsaved changes asks first; staying keeps what was typed
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Labels and documents").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"] and page.input_value("input[name=carrier_name]") == "Old Dominion"

    page.get_by_test_id("save-plan").click()
    page.wait_for_selector("text=Ship plan saved.")
    assert not page.locator("[data-unsaved-note]").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "ship_plan_editor.png"), full_page=True)
    shipment.refresh_from_db()
    assert (shipment.carrier_name, shipment.cartons_per_pallet, shipment.pallets.count()) == ("Old Dominion", 2, 2)
    assert shipment.cartons.get(index=1).weight == Decimal("11.5")
    assert page.locator("[data-testid=plan-pallets] tbody tr").count() == 2
    assert page.locator("input[name=pallet_1_weight]").get_attribute("placeholder") == "21.5"  # its two cartons

    # at 390 px the editor stays inside the screen: wide tables scroll within their panel
    page.set_viewport_size({"width": 390, "height": 844})
    # (the top bar is the base template's own business)
    main = page.evaluate(
        "() => { const m = document.querySelector('main'); return [m.getBoundingClientRect().right, m.scrollWidth - m.clientWidth]; }"
    )
    assert main[0] <= 390 and main[1] <= 1, main
    overflow = page.evaluate("() => [...document.querySelectorAll('#plan-editor .panel')].map(p => p.scrollWidth - p.clientWidth)")
    assert max(overflow) <= 1, overflow
    assert page.get_by_test_id("save-plan").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "ship_plan_editor_390.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    # submitting asks first, showing what the ASN will carry
    page.get_by_test_id("submit-asn").click()
    page.wait_for_selector("[data-testid=confirm-submit]")
    assert "PO-VOL-2" in page.inner_text("[data-testid=confirm-submit]")
    page.screenshot(path=str(SCREENSHOTS / "ship_plan_submit_confirm.png"), full_page=True)
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.DRAFT
    page.get_by_test_id("confirm-submit-asn").click()
    page.wait_for_selector("text=ASN submitted.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SUBMITTED
    assert shipment.gross_weight == Decimal("41.500")  # 11.5 weighed + three cases of 10 lb estimated
