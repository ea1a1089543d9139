"""The drill-down's details show dates in the reader's format, never ISO strings; the current week's refresh
runs as a job from the page and from the API."""

import datetime

import pytest

from scorecards.services.weeks import scorecard_store_week
from tests.factories import WarehouseFactory, vendor_user
from vendor_portal.roles import Role

from .factories import MONDAY, acme_week

pytestmark = pytest.mark.django_db
PERIOD = f"week={MONDAY.isoformat()}&period=1"


@pytest.fixture
def stored(vendor):
    acme_week(vendor, WarehouseFactory(code="ABE2"))
    scorecard_store_week(week=MONDAY)
    return vendor


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    return client


def test_the_drilldown_details_show_localized_dates(ops_client, stored):
    promised = (MONDAY + datetime.timedelta(days=2)).isoformat()  # the POs' promised ship date, Wed 4 Nov
    html = ops_client.get(f"/scorecards/rows/?measure=on_time_shipment&{PERIOD}").content.decode()
    assert "promised 4 Nov 2026" in html and promised not in html
    html = ops_client.get(f"/scorecards/rows/?measure=confirmation_on_time&{PERIOD}").content.decode()
    assert "confirmed " in html and f"{MONDAY.isoformat()} 09:00" not in html
