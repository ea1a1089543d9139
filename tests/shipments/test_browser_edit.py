"""Vendor ops edit a draft ship plan in place (htmx), submit the ASN, then send a Replace ASN, in Chromium."""

import datetime

import pytest
from django.utils import timezone

from shipments.models import Shipment, ShipmentState
from shipments.services.plans import shipment_create
from tests.browser_support import browser, login, page  # noqa: F401
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_vendor_edits_a_plan_submits_the_asn_and_replaces_it(page, live_server, vendor):  # noqa: F811
    first_po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-EDIT-1")
    second_po = confirmed_purchase_order(vendor, lines=1, quantity=12, number="PO-EDIT-2", warehouse=first_po.ship_to)
    ship_from(vendor)
    shipment = shipment_create(scope=Scope(vendor=vendor), data=plan(first_po, identifier="EDIT-ASN-1"), actor=Actor.system())
    added = second_po.lines.get()
    vendor_user(vendor, Role.VENDOR_OPS, username="ops")
    login(page, live_server, "ops", "demo-password")

    page.goto(f"{live_server.url}/shipments/{shipment.pk}/")
    page.get_by_test_id("edit-plan").click()
    page.wait_for_selector("text=PO-EDIT-2")
    # add a line of a second PO to the same DC; the editor is swapped in place
    page.fill(f"input[name=add_{added.pk}]", "6")
    page.get_by_test_id("save-plan").click()
    page.wait_for_selector("text=1 line(s) added")
    assert page.get_by_test_id("plan-line-PO-EDIT-2-1").is_visible()
    assert page.locator("[data-testid=plan-cartons] td.sscc").count() == 3

    # a ship date after the window is refused next to the field, nothing saved
    late = timezone.localdate(first_po.ship_window_end) + datetime.timedelta(days=5)
    page.fill("input[name=ship_date]", late.isoformat())
    page.get_by_test_id("save-plan").click()
    page.wait_for_selector("text=after the ship window of PO PO-EDIT-1 closes")
    assert page.locator("input[name=ship_date]").get_attribute("aria-invalid") == "true"

    page.fill("input[name=ship_date]", (timezone.localdate() + datetime.timedelta(days=2)).isoformat())
    page.fill("input[name=carrier_scac]", "odfl")
    page.fill("input[name=carrier_name]", "Old Dominion")
    page.fill("input[name=pro_number]", "PRO-55")
    page.get_by_test_id("save-plan").click()
    page.wait_for_selector("text=Ship plan saved.")
    assert page.locator("input[name=carrier_scac]").input_value() == "ODFL"

    page.get_by_test_id("submit-asn").click()
    page.get_by_test_id("confirm-submit-asn").click()
    page.wait_for_selector("text=ASN submitted.")
    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SUBMITTED and shipment.pro_number == "PRO-55"

    page.get_by_test_id("replace-asn").click()
    page.wait_for_selector("[data-testid=replace-form]")
    replaced_line = shipment.lines.get(purchase_order_line=added)
    page.fill(f"input[name=qty_{replaced_line.pk}]", "3")
    page.fill("input[name=pro_number]", "PRO-56")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-replace").click()
    page.wait_for_selector("text=Replace ASN sent: revision 2.")
    revision = page.get_by_test_id("asn-revision-2")
    assert "Replace" in revision.inner_text() and "PRO-56" in revision.inner_text()
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert (shipment.asn_type, shipment.asn_revision, shipment.pro_number) == ("Replace", 2, "PRO-56")
    assert shipment.lines.get(purchase_order_line=added).quantity == 3
    added.refresh_from_db()
    assert added.shipped_quantity == 3
