"""Vendor finance in a real browser: from the deductions list to its late-ASN chargeback, the evidence, the dispute
packet built by its job, and the dispute filed with it. The packet downloaded from the page is valid PDF/A."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from reconciliation.models import DeductionStatus
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.reconciliation.factories import ap_user, finance_user
from tests.reconciliation.test_evidence import late_asn_chargeback
from vendor_portal.pdfa import pdfa_validate


@pytest.mark.browser
def test_vendor_finance_builds_the_dispute_packet_and_files_it(live_server, transactional_db, page, vendor, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = str(tmp_path / "media")
    ap_user()
    charge, shipment, _appointment, _ssccs = late_asn_chargeback(vendor)
    finance_user(vendor)
    login(page, live_server, "acme-finance", "demo-password")

    page.goto(f"{live_server.url}/payments/deductions/")
    row = page.get_by_test_id("deduction-row").filter(has_text=charge.reference)
    assert "days left to dispute" not in row.inner_text()  # thirty days to go: no warning yet
    row.get_by_role("link", name=charge.reference).click()
    page.wait_for_url(f"**/payments/deductions/{charge.pk}/")

    locker = page.get_by_test_id("evidence-locker")
    for words in ("Original ASN SHIP-1 sent", "BOL BOL-1 for SHIP-1", "cartons scanned at", "ASN late recorded for SHIP-1"):
        assert words in locker.inner_text(), words
    assert locker.get_by_role("link", name="Original ASN SHIP-1 sent").get_attribute("href") == f"/shipments/{shipment.pk}/"

    page.get_by_test_id("build-packet").click()
    download_link = page.get_by_test_id("packet-download")
    download_link.wait_for()
    packet = page.request.get(live_server.url + download_link.get_attribute("href"))
    assert packet.ok and packet.headers["content-type"] == "application/pdf"
    path = tmp_path / "packet.pdf"
    path.write_bytes(packet.body())
    assert pdfa_validate(path) == []

    # The page with its evidence, the packet ready and two upload/file forms: axe-clean, and it fits a handheld.
    page.reload()
    serious = [
        v["id"] for v in Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"] if v["impact"] in ("critical", "serious")
    ]
    assert serious == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=SCREENSHOTS / "dispute_packet_handheld.png", full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})

    form = page.get_by_test_id("dispute-file-form")
    form.get_by_label("Why is this deduction wrong?").fill("The ASN went out before the truck left: see the packet.")
    form.get_by_role("button", name="File dispute with this packet").click()
    page.get_by_role("button", name="Yes, file the dispute").click()
    page.wait_for_url(f"**/payments/deductions/{charge.pk}/")

    assert page.get_by_test_id("deduction-status").inner_text() == "Disputed"
    history = page.get_by_test_id("dispute-history")
    assert "Dispute 1" in history.inner_text() and f"Dispute packet {charge.reference}" in history.inner_text()
    page.screenshot(path=SCREENSHOTS / "dispute_packet.png", full_page=True)
    charge.refresh_from_db()
    assert charge.status == DeductionStatus.DISPUTED
    assert charge.disputes.get().evidence.filter(kind="dispute_packet").exists()
