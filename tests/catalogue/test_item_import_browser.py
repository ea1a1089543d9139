"""In a real browser at 390 px: the vendor downloads the new-items template, fills two rows, checks the file (the
dry run passes axe and does not scroll sideways), proposes both (a worker's job; the upload's page shows the outcome),
and finds them submitted."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from catalogue.models import ItemProposal, ProposalState
from tests.browser_support import SCREENSHOTS, browser, login, page  # noqa: F401
from tests.catalogue.factories import buyer
from tests.catalogue.test_item_imports import _filled, _row
from tests.factories import marketplace, vendor_user
from vendor_portal.roles import Role

HANDHELD = {"width": 390, "height": 844}
SCREENSHOT = SCREENSHOTS / "catalogue_item_import_dry_run.png"


def _axe_blocking(page) -> list[str]:  # noqa: F811
    violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
    return [f"{v['id']}: {v['nodes'][0]['html'][:120]}" for v in violations if v["impact"] in ("critical", "serious")]


@pytest.mark.browser
def test_vendor_uploads_new_items_on_a_handheld(transactional_db, live_server, page, vendor, tmp_path):  # noqa: F811
    marketplace("US")
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    buyer()
    page.set_viewport_size(HANDHELD)
    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/catalogue/items/")
    page.get_by_test_id("item-upload").click()
    with page.expect_download() as download:
        page.locator("main").get_by_test_id("item-template").click()
    template = download.value.path().read_bytes()
    filled = tmp_path / "new-items.xlsx"
    filled.write_bytes(_filled(template, [_row(1), _row(2)]).getvalue())

    page.get_by_label("New items file (XLSX)").set_input_files(str(filled))
    page.get_by_test_id("upload-check").click()
    page.get_by_test_id("upload-report").wait_for()
    assert page.get_by_test_id("upload-rows").inner_text().count("Would be proposed") == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"] + 1
    assert _axe_blocking(page) == []
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert not ItemProposal.objects.exists()

    page.get_by_test_id("upload-commit").click()  # a worker proposes them (eager here); the upload's page shows the outcome
    page.get_by_test_id("item-upload-done").get_by_text("2 new items submitted").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"] + 1
    assert _axe_blocking(page) == []
    assert set(ItemProposal.objects.values_list("state", flat=True)) == {ProposalState.SUBMITTED}
    page.get_by_role("link", name="See the submitted items").click()
    page.get_by_text("KTL-IMP-2").first.wait_for()


@pytest.mark.browser
def test_the_upload_page_follows_a_queued_job_and_shows_the_workers_refusal(transactional_db, live_server, page, vendor, tmp_path, monkeypatch):  # noqa: F811
    """The job waits for a worker (none runs here) while the page polls; a GTIN taken meanwhile makes the worker
    refuse the whole file, and the page reloads with the problem by row and column."""
    from catalogue.services.items import item_proposal_create
    from catalogue.tasks import propose_uploaded_items
    from tests.catalogue.factories import gtin14, item_input, vendor_scope_actor
    from vendor_portal.models import Job

    marketplace("US")
    vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")
    monkeypatch.setattr(propose_uploaded_items, "delay", lambda job_id: None)  # queued: no worker takes it yet
    page.set_viewport_size(HANDHELD)
    login(page, live_server, "acme-ops", "demo-password")
    page.goto(f"{live_server.url}/catalogue/items/upload/")
    with page.expect_download() as download:
        page.locator("main").get_by_test_id("item-template").click()
    filled = tmp_path / "new-items.xlsx"
    filled.write_bytes(_filled(download.value.path().read_bytes(), [_row(1), _row(2)]).getvalue())
    page.get_by_label("New items file (XLSX)").set_input_files(str(filled))
    page.get_by_test_id("upload-check").click()
    page.get_by_test_id("upload-commit").click()
    page.get_by_text("Waiting for a worker").wait_for()

    scope, actor = vendor_scope_actor(vendor)
    item_proposal_create(scope=scope, data=item_input(sku="KTL-OTHER", gtin=_row(2)["gtin"], case_gtin=gtin14("1061414100999")), actor=actor)
    propose_uploaded_items.apply(args=[str(Job.objects.get(kind="item_proposal_upload").pk)])  # the worker, now
    page.get_by_test_id("item-upload-errors").wait_for()  # the page polled, then reloaded with the table
    assert "Item GTIN (UPC/EAN)" in page.get_by_test_id("item-upload-errors").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= HANDHELD["width"] + 1
    assert _axe_blocking(page) == []
    assert list(ItemProposal.objects.values_list("vendor_sku", flat=True)) == ["KTL-OTHER"]
