"""Issue 16 end to end in a real browser: the vendor's finance opens the scorecard, drills from OTIF to the PO that
shipped late, opens the chargeback the weekly compliance evaluation raised on it, builds the dispute packet and
files the dispute with it. The packet downloaded from the page is valid PDF/A."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe

from compliance.services.evaluation import compliance_evaluate_week
from reconciliation.models import Deduction, DeductionReason, DeductionStatus
from scorecards.services.weeks import scorecard_store_week
from tests.audit_check import audit_exempt
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.compliance.factories import on_time_rule, published_card
from tests.factories import WarehouseFactory
from tests.reconciliation.factories import ap_user, finance_user
from tests.scorecards.factories import MONDAY, acme_week
from vendor_portal.pdfa import pdfa_validate

PERIOD = f"week={MONDAY.isoformat()}&period=1"


def late_week(vendor):
    """The scorecard's week of 2 November 2026 (four POs of 60 units at 10.00; SC-2 promised Wed, shipped Fri),
    stored, and judged by a rate card charging 3% of the cost of units shipped late, with no waiver."""
    abe2 = WarehouseFactory(code="ABE2")
    acme_week(vendor, abe2)
    with audit_exempt():
        vendor.purchase_orders.get(number="SC-2").lines.update(net_cost=Decimal("10.00"))
    scorecard_store_week(week=MONDAY)
    on_time_rule(published_card(effective_from=MONDAY - datetime.timedelta(weeks=4)), waiver_above=None)
    compliance_evaluate_week(week=MONDAY)


@pytest.mark.browser
def test_vendor_drills_from_the_scorecard_to_the_late_po_and_disputes_its_chargeback(live_server, transactional_db, page, vendor, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ap_user()
    late_week(vendor)
    charge = Deduction.objects.get(vendor=vendor, purchase_order__isnull=False)  # acme_week also has a label chargeback on SC-4's shipment
    # 60 units shipped late x 10.00 x 3% = 18.00, raised on the PO that shipped late
    assert (charge.purchase_order.number, charge.reason, charge.amount) == ("SC-2", DeductionReason.LATE_SHIPMENT, Decimal("18.00"))
    finance_user(vendor)
    login(page, live_server, "acme-finance", "demo-password")

    page.goto(f"{live_server.url}/scorecards/?{PERIOD}")
    otif = page.get_by_test_id("figure-otif")
    assert "1 of 4" in otif.inner_text()  # only SC-1 arrived on time in full
    otif.click()
    page.wait_for_url("**/scorecards/rows/?measure=otif*")
    page.get_by_test_id("missed-only").click()
    page.wait_for_url("**missed=1")
    rows = page.get_by_test_id("drilldown")
    assert "SC-1 / 1" not in rows.inner_text() and "SC-2 / 1" in rows.inner_text()
    rows.get_by_role("link", name="SC-2 / 1").click()
    page.wait_for_url("**/purchase-orders/SC-2/")

    charges = page.get_by_test_id("po-deductions")
    assert "Late shipment" in charges.inner_text() and "18.00" in charges.inner_text()
    # The PO page with its chargebacks: axe-clean, and it fits a handheld.
    serious = [
        v["id"] for v in Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"] if v["impact"] in ("critical", "serious")
    ]
    assert serious == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.set_viewport_size({"width": 1440, "height": 900})
    charges.get_by_role("link", name=charge.reference).click()
    page.wait_for_url(f"**/payments/deductions/{charge.pk}/")
    assert "SC-2" in page.get_by_test_id("deduction-po").inner_text()

    page.get_by_test_id("build-packet").click()
    download_link = page.get_by_test_id("packet-download")
    download_link.wait_for()
    packet = page.request.get(live_server.url + download_link.get_attribute("href"))
    assert packet.ok and packet.headers["content-type"] == "application/pdf"
    path = tmp_path / "packet.pdf"
    path.write_bytes(packet.body())
    assert pdfa_validate(path) == []

    form = page.get_by_test_id("dispute-file-form")
    form.get_by_label("Why is this deduction wrong?").fill("The buyer moved the ship date to Friday: see the packet.")
    form.get_by_role("button", name="File dispute with this packet").click()
    page.get_by_role("button", name="Yes, file the dispute").click()
    page.wait_for_url(f"**/payments/deductions/{charge.pk}/")

    assert page.get_by_test_id("deduction-status").inner_text() == "Disputed"
    assert f"Dispute packet {charge.reference}" in page.get_by_test_id("dispute-history").inner_text()
    page.screenshot(path=SCREENSHOTS / "compliance_flow_disputed.png", full_page=True)
    charge.refresh_from_db()
    assert charge.status == DeductionStatus.DISPUTED
    assert charge.disputes.get().evidence.filter(kind="dispute_packet").exists()
