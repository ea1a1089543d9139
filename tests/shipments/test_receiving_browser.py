"""Receiving on a handheld (390 x 844) in Chromium: a wedge scanner's bursts of scans by carton and by pallet,
none lost and none counted twice; the pallet's carton exceptions; finishing with cartons not scanned; and the
receiving and PO screens no wider than the screen, with the menu that stands in for the side navigation."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from shipments.models import ComplianceEvent, Receipt, ReceiptLine, ShipmentState
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.browser_support import CHROMIUM_PATH, SCREENSHOTS, TIMEOUT_MS, browser, login  # noqa: F401
from tests.factories import retailer_user, vendor_user
from tests.purchase_orders.test_browser import arrange_purchase_orders
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HANDHELD = {"width": 390, "height": 844}
SCAN_GAP_MS = 50


@pytest.fixture
def handheld(browser):  # noqa: F811
    """A dock handheld's screen; not `is_mobile`, so a page wider than the screen cannot hide by zooming out."""
    context = browser.new_context(viewport=HANDHELD, locale="en-US", timezone_id="UTC", has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def asn(vendor, *, lines=1, quantity=120, per_pallet=0, identifier="SHIP-1"):
    ship_from(vendor)
    scope = Scope(vendor=vendor)
    po = confirmed_purchase_order(vendor, lines=lines, quantity=quantity)
    shipment = shipment_create(scope=scope, data=plan(po, identifier=identifier, cartons_per_pallet=per_pallet), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    return shipment


def open_receiving(page, live_server, shipment):
    retailer_user(Role.RECEIVING, username="dock")
    login(page, live_server, "dock", "demo-password")
    page.goto(f"{live_server.url}/shipments/receiving/{shipment.pk}/")
    assert page.evaluate("document.activeElement.name") == "sscc"  # the scanner types into the page at once


def scan_burst(page, codes):
    """A wedge scanner: the code's keys and Enter into whatever has focus, the next scan 50 ms later."""
    for code in codes:
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        page.wait_for_timeout(SCAN_GAP_MS)


def wait_recorded(page, count):
    page.wait_for_function("n => document.querySelectorAll('[data-testid=scan-log] li[data-state=recorded]').length === n", arg=count)


def assert_fits(page):
    widths = page.evaluate("() => ({page: document.documentElement.scrollWidth, screen: window.innerWidth})")
    assert widths["page"] <= widths["screen"], f"{page.url} is {widths['page']} px wide on a {widths['screen']} px screen"


def test_a_handheld_receives_by_carton_twenty_scans_fifty_ms_apart(handheld, live_server, vendor):
    shipment = asn(vendor, quantity=120)  # 20 cartons of 6
    ssccs = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    open_receiving(handheld, live_server, shipment)
    scan_burst(handheld, ["00" + sscc for sscc in ssccs])
    wait_recorded(handheld, 20)
    assert Receipt.objects.filter(shipment=shipment, scan_id__isnull=False).count() == 20
    assert ReceiptLine.objects.filter(receipt__shipment=shipment).values("carton").distinct().count() == 20
    assert handheld.get_by_test_id("remaining-cartons").locator("li").count() == 0
    assert handheld.get_by_test_id("scanned-cartons").locator("li").count() == 20
    assert handheld.get_by_test_id("carton-progress").inner_text() == "20 of 20 cartons scanned"
    assert handheld.get_by_test_id("queue-status").inner_text() == "Every scan is sent."
    assert handheld.locator("tr[data-line] [data-received]").inner_text() == "120"
    assert handheld.locator(".page-head .status").inner_text() == "Receiving"
    assert_fits(handheld)
    handheld.screenshot(path=SCREENSHOTS / "receiving_handheld_cartons.png", full_page=True)

    handheld.get_by_role("button", name="Finish receiving").click()
    dialog = handheld.get_by_test_id("finish-dialog")  # everything scanned, and still asked: finishing is final
    assert "Every carton is scanned." in dialog.inner_text()
    dialog.get_by_role("button", name="Finish anyway").click()
    handheld.wait_for_selector("text=Receiving finished.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED and not ComplianceEvent.objects.exists()


def test_a_handheld_receives_by_pallet_reports_a_missing_carton_and_finishes_after_the_question(handheld, live_server, vendor):
    shipment = asn(vendor, lines=2, quantity=120, per_pallet=2)  # 40 cartons on 20 pallets
    pallets = list(shipment.pallets.order_by("index").values_list("sscc", flat=True))
    open_receiving(handheld, live_server, shipment)
    scan_burst(handheld, pallets)
    wait_recorded(handheld, 20)
    assert Receipt.objects.filter(shipment=shipment, pallet__isnull=False).count() == 20
    assert handheld.get_by_test_id("scanned-cartons").locator("li").count() == 40
    assert handheld.get_by_test_id("carton-progress").inner_text() == "40 of 40 cartons scanned"
    assert_fits(handheld)

    missing = shipment.cartons.order_by("index").last().sscc
    handheld.get_by_role("button", name=f"Carton {missing} is missing").click()
    remaining = handheld.get_by_test_id("remaining-cartons")
    remaining.locator(f'li[data-sscc="{missing}"].missing').wait_for()
    assert handheld.get_by_test_id("carton-progress").inner_text() == "39 of 40 cartons scanned"
    assert handheld.evaluate("document.activeElement.name") == "sscc"
    handheld.screenshot(path=SCREENSHOTS / "receiving_handheld_pallets.png", full_page=True)

    handheld.get_by_role("button", name="Finish receiving").click()
    dialog = handheld.get_by_test_id("finish-dialog")
    dialog.wait_for()
    assert "1 carton is not scanned." in dialog.inner_text()
    dialog.get_by_role("button", name="Keep scanning").click()
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVING
    handheld.get_by_role("button", name="Finish receiving").click()
    dialog.get_by_role("button", name="Finish anyway").click()
    handheld.wait_for_selector("text=Receiving finished.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.RECEIVED
    assert ComplianceEvent.objects.get().details["received"] == 114
    assert_fits(handheld)


def test_no_scan_is_lost_when_the_network_drops_or_an_answer_never_arrives(handheld, live_server, vendor):
    shipment = asn(vendor, quantity=60)  # 10 cartons
    ssccs = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
    open_receiving(handheld, live_server, shipment)
    lost = []

    def lose_the_first_answer(route):
        if lost:
            return route.continue_()
        lost.append(route.fetch())  # the server books the scan; the page never hears back and sends it again
        route.abort()

    handheld.route("**/scan/", lose_the_first_answer)
    scan_burst(handheld, ssccs[:3])
    wait_recorded(handheld, 3)
    handheld.context.set_offline(True)
    scan_burst(handheld, ssccs[3:6])
    handheld.wait_for_selector("[data-testid=scan-log] li[data-state=retrying]")
    handheld.context.set_offline(False)
    scan_burst(handheld, ssccs[6:])
    wait_recorded(handheld, 10)
    assert Receipt.objects.filter(shipment=shipment).count() == 10
    assert ReceiptLine.objects.filter(receipt__shipment=shipment).count() == 10
    booked = list(Receipt.objects.filter(shipment=shipment).order_by("pk").values_list("lines__carton__sscc", flat=True))
    assert booked == ssccs  # in scan order


def test_the_handheld_tells_a_misread_from_a_foreign_carton_and_confirms_a_damaged_scan(handheld, live_server, vendor):
    shipment = asn(vendor, quantity=12)
    foreign = asn(vendor, quantity=12, identifier="SHIP-2").cartons.first().sscc
    first = shipment.cartons.order_by("index").first().sscc
    open_receiving(handheld, live_server, shipment)
    scan_burst(handheld, ["12345", foreign])
    log = handheld.get_by_test_id("scan-log")
    log.locator("li[data-state=refused]", has_text="12345 is not a valid SSCC").wait_for()
    log.locator("li[data-state=refused]", has_text=f"SSCC {foreign} is not a carton of this ASN.").wait_for()
    handheld.get_by_label("Damaged (this scan only)").check()
    handheld.get_by_test_id("sscc-input").focus()
    scan_burst(handheld, [first])
    log.locator("li[data-state=recorded]", has_text=f"Carton {first} recorded as damaged.").wait_for()
    assert not handheld.get_by_label("Damaged (this scan only)").is_checked()  # one scan's exception, not a mode
    assert handheld.locator(f'[data-testid=scanned-cartons] li[data-sscc="{first}"].damaged').count() == 1
    assert_fits(handheld)


def test_the_handheld_reports_a_cartons_unreadable_label_after_the_question(handheld, live_server, vendor):
    shipment = asn(vendor, quantity=24, per_pallet=2)  # 4 cartons on 2 pallets
    first_pallet = shipment.pallets.order_by("index").first().sscc
    keyed = shipment.cartons.order_by("index").first().sscc
    open_receiving(handheld, live_server, shipment)
    scan_burst(handheld, [first_pallet])
    wait_recorded(handheld, 1)
    button = handheld.get_by_role("button", name=f"The label of carton {keyed} would not scan")
    button.click()
    dialog = handheld.get_by_test_id("label-fault-dialog")
    dialog.wait_for()
    assert f"Record that the label of carton {keyed} would not scan?" in dialog.inner_text()
    assert_fits(handheld)
    dialog.get_by_role("button", name="Cancel").click()
    assert not ComplianceEvent.objects.exists()  # asked, not recorded
    button.click()
    dialog.get_by_role("button", name="Yes, record it").click()
    log = handheld.get_by_test_id("scan-log")
    log.locator("li[data-state=recorded]", has_text=f"The label of carton {keyed} recorded as unreadable.").wait_for()
    handheld.locator(f'[data-testid=scanned-cartons] li[data-sscc="{keyed}"].label-unreadable').wait_for()
    assert not button.is_visible()  # a carton's label is reported once
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.details["sscc"]) == ("label_unreadable", keyed)
    assert handheld.evaluate("document.activeElement.name") == "sscc"
    handheld.screenshot(path=SCREENSHOTS / "receiving_handheld_label_fault.png", full_page=True)
    assert_fits(handheld)
    violations = Axe().run(handheld, options={"resultTypes": ["violations"]}).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("critical", "serious")] == []


def test_receiving_and_po_screens_fit_a_handheld_and_the_menu_opens_the_navigation(browser, handheld, live_server, vendor):  # noqa: F811
    shipment = asn(vendor, quantity=24, per_pallet=2)
    open_receiving(handheld, live_server, shipment)
    scan_burst(handheld, [shipment.pallets.order_by("index").first().sscc])
    wait_recorded(handheld, 1)
    assert_fits(handheld)
    menu = handheld.get_by_role("button", name="Menu")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not handheld.get_by_role("navigation", name="Main navigation").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    handheld.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Receiving").click()
    handheld.wait_for_url("**/shipments/receiving/")
    assert_fits(handheld)
    handheld.get_by_role("searchbox").fill(shipment.bol_number)
    handheld.get_by_role("button", name="Find").click()
    handheld.wait_for_url(f"**/shipments/receiving/{shipment.pk}/")
    asn(vendor, quantity=12, identifier="SHIP-2")
    handheld.goto(f"{live_server.url}/shipments/receiving/")
    assert handheld.locator("table.stack tbody tr").count() == 2
    assert_fits(handheld)
    handheld.screenshot(path=SCREENSHOTS / "receiving_list_handheld.png", full_page=True)

    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    po = arrange_purchase_orders(vendor)
    context = browser.new_context(viewport=HANDHELD, locale="en-US", timezone_id="UTC")
    ops = context.new_page()
    try:
        login(ops, live_server, "acme-ops", "demo-password")
        for path in ["/purchase-orders/", f"/purchase-orders/{po.number}/", f"/purchase-orders/{po.number}/confirm/", "/shipments/"]:
            ops.goto(f"{live_server.url}{path}")
            assert_fits(ops)
            if path == "/purchase-orders/":
                ops.screenshot(path=SCREENSHOTS / "po_list_handheld.png", full_page=True)
        ops.goto(f"{live_server.url}/purchase-orders/{po.number}/")
        ops.screenshot(path=SCREENSHOTS / "po_detail_handheld.png", full_page=True)
        ops.get_by_role("button", name="Menu").click()
        assert ops.get_by_role("button", name="Sign out").is_visible()
        assert_fits(ops)
        ops.context.clear_cookies()
        retailer_user(Role.BUYER, username="buyer")
        login(ops, live_server, "buyer", "demo-password")
        for path in ["/purchase-orders/", "/purchase-orders/new/", "/purchase-orders/upload/", f"/purchase-orders/{po.number}/change/"]:
            ops.goto(f"{live_server.url}{path}")
            assert_fits(ops)
    finally:
        context.close()
