"""The fines forecast names the POs that would avoid a fee, on the page and in /api/v1/compliance/forecast/;
vendors are told once per rule and week; another vendor's POs never show."""

from decimal import Decimal

import pytest
from django.utils.formats import date_format

from compliance.models import ForecastAlert
from compliance.services.forecast import AT_RISK, compliance_forecast, forecast_alerts_send, vendor_forecast
from reconciliation.models import marketplace_today
from tests.compliance.factories import DAY, WEEK, on_time_rule, published_card, purchase_order, shipped, this_week
from tests.factories import api_token, marketplace, vendor_user
from vendor_portal.models import Notification
from vendor_portal.roles import Role
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


def test_the_forecast_names_the_pos_that_keep_the_on_time_waiver(vendor):
    monday = this_week()
    on_time_rule(published_card(effective_from=monday - 4 * WEEK))
    # Last week: 10 of 20 units late.
    shipped(purchase_order(vendor, "PO-H1", 10, promised=monday - WEEK), monday - WEEK + 2 * DAY)
    shipped(purchase_order(vendor, "PO-H2", 10, promised=monday - WEEK + 4 * DAY), monday - WEEK + 2 * DAY)
    # This week, not shipped yet: 100 units due Thursday, 60 and 5 due Friday.
    purchase_order(vendor, "PO-X", 100, promised=monday + 3 * DAY)
    purchase_order(vendor, "PO-Y", 60, promised=monday + 4 * DAY)
    purchase_order(vendor, "PO-Z", 5, promised=monday + 4 * DAY)

    this, following = vendor_forecast(vendor=vendor, marketplaces=[marketplace("US")], today=monday)
    assert this.status == AT_RISK and following.status == "on_track"
    # Worst case every open unit ships late: 3% of 165 units x 10.00.
    assert this.expected_fee == Decimal("49.50")
    # Trailing 4 weeks: 10 on time of 185. PO-X on time makes 110/185 (59%), PO-Y too 170/185 (91.9%): above 90.
    assert [(a.purchase_order_number, a.due, a.units) for a in this.actions] == [("PO-X", monday + 3 * DAY, 100), ("PO-Y", monday + 4 * DAY, 60)]
    assert this.keeps_waiver
    assert this.summary == f"2 POs must ship by {date_format(monday + 4 * DAY, 'l j F')} to keep the waiver."
    assert this.actions[0].fee == Decimal("30.00")  # 3% of 100 x 10.00


def _at_risk_today(vendor, number="PO-SOON"):
    """A rule without a waiver and a PO due today, not shipped: at risk, avoidable by shipping it today."""
    today = marketplace_today(marketplace("US"))
    on_time_rule(published_card(effective_from=this_week() - 4 * WEEK), waiver_above=None)
    return purchase_order(vendor, number, 20, promised=today)


def test_the_vendor_page_and_the_api_show_the_pos_to_ship(client, api_client, vendor):
    po = _at_risk_today(vendor)
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/compliance/").content.decode()
    assert f'href="/purchase-orders/{po.number}/"' in page
    assert "1 PO must ship by" in page  # the summary line, and the fee it avoids: 3% of 20 x 10.00
    assert "$6.00" in page or "6.00" in page

    _, raw = api_token(vendor, scopes=["orders:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api_client.get("/api/v1/compliance/forecast/").json()
    at_risk = [item for item in body if item["status"] == "at_risk"]
    assert len(at_risk) == 1
    assert at_risk[0]["expected_fee"] == "6.00"
    assert [(a["action"], a["purchase_order"], a["units"]) for a in at_risk[0]["actions"]] == [("ship", "PO-SOON", 20)]


def test_another_vendors_pos_never_show(client, api_client, vendor, other_vendor):
    _at_risk_today(vendor, number="ACME-SECRET-1")
    client.force_login(vendor_user(other_vendor, Role.VENDOR_ADMIN))
    assert "ACME-SECRET" not in client.get("/compliance/").content.decode()
    _, raw = api_token(other_vendor, scopes=["orders:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = api_client.get("/api/v1/compliance/forecast/").json()
    assert all(item["status"] == "on_track" and not item["actions"] for item in body)
    assert compliance_forecast(scope=Scope(is_retailer=True, roles=frozenset({Role.RETAILER_ADMIN}))) == []


def test_vendors_are_told_once_per_rule_and_week_before_the_fee(vendor, django_capture_on_commit_callbacks):
    _at_risk_today(vendor)
    ops = vendor_user(vendor, Role.VENDOR_OPS)
    with django_capture_on_commit_callbacks(execute=True):
        assert forecast_alerts_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert forecast_alerts_send() == 0
    note = Notification.objects.get(user=ops, kind="compliance_at_risk")
    assert "6.00" in note.title and note.url == "/compliance/"
    assert ForecastAlert.objects.filter(vendor=vendor).count() == 1
