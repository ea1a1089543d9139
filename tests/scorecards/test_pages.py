"""The scorecard page, the rows behind each figure, the downloads, the API and the weekly task; who sees what."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from scorecards.models import ScorecardWeek
from scorecards.services.weeks import scorecard_store_week
from scorecards.tasks import refresh_current_scorecard_week
from tests.factories import VendorFactory, WarehouseFactory, api_token, retailer_user, vendor_user
from vendor_portal.roles import Role

from .factories import MONDAY, acme_week

pytestmark = pytest.mark.django_db

COMPUTED = datetime.datetime(2026, 11, 9, tzinfo=datetime.UTC)
PERIOD = f"week={MONDAY.isoformat()}&period=1"


@pytest.fixture
def abe2():
    return WarehouseFactory(code="ABE2")


@pytest.fixture
def stored(vendor, abe2):
    acme_week(vendor, abe2)
    scorecard_store_week(week=MONDAY)
    return vendor


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    return client


def test_the_weekly_task_is_idempotent(stored):
    first = list(ScorecardWeek.objects.values())
    assert len(first) == 1 and first[0]["lines_due"] == 4
    scorecard_store_week(week=MONDAY)
    again = list(ScorecardWeek.objects.values())
    assert [{k: v for k, v in row.items() if k not in ("id", "computed_at")} for row in again] == [
        {k: v for k, v in row.items() if k not in ("id", "computed_at")} for row in first
    ]


def test_the_current_week_task_runs_for_one_vendor(stored, other_vendor):
    assert refresh_current_scorecard_week(vendor_id=other_vendor.pk) == 0
    assert ScorecardWeek.objects.count() == 1  # the stored week is not touched


def test_the_page_shows_each_figure_with_its_definition_and_trend(ops_client, stored):
    response = ops_client.get(f"/scorecards/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "25.0 %" in html and "1 of 4" in html  # OTIF
    assert "72.9 %" in html or "73.0 %" in html  # on-time shipment 162 / 222
    assert "Units shipped on or before the promised ship date" in html
    assert 'id="scorecard-data"' in html and "ABE2" in html


def test_a_trailing_window_sums_the_weeks(ops_client, stored, vendor, abe2):
    # a second, perfect week three weeks earlier: 2 lines due, both in full
    ScorecardWeek.objects.create(
        vendor=vendor,
        marketplace=abe2.marketplace,
        warehouse=abe2,
        week=MONDAY - datetime.timedelta(weeks=3),
        computed_at=COMPUTED,
        lines_due=2,
        lines_on_time_in_full=2,
    )
    body = APIClient()
    body.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS, username="ops2"))
    summary = body.get(f"/api/v1/scorecards/summary?week={MONDAY.isoformat()}&period=4").json()
    assert summary["figures"]["lines_due"] == "6.00"
    assert summary["rates"]["otif"] == "0.5000"  # (1 + 2) / (4 + 2), not the mean of 25% and 100%
    html = ops_client.get(f"/scorecards/?week={MONDAY.isoformat()}&period=4").content.decode()
    assert "3 of 6" in html


def test_the_page_costs_the_same_at_any_history(ops_client, stored, vendor, abe2):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert ops_client.get(f"/scorecards/?week={MONDAY.isoformat()}&period=52").status_code == 200
        return len(captured)

    before = queries()
    ScorecardWeek.objects.bulk_create(
        ScorecardWeek(
            vendor=vendor, marketplace=abe2.marketplace, warehouse=abe2, week=MONDAY - datetime.timedelta(weeks=n), computed_at=COMPUTED, lines_due=1
        )
        for n in range(1, 52)
    )
    assert queries() == before


def test_the_otif_figure_drills_down_to_the_po_lines_behind_it(ops_client, stored):
    response = ops_client.get(f"/scorecards/rows/?measure=otif&{PERIOD}")
    html = response.content.decode()
    assert response.status_code == 200
    for number in ("SC-1", "SC-2", "SC-3", "SC-4"):
        assert f"/purchase-orders/{number}/" in html
    missed = ops_client.get(f"/scorecards/rows/?measure=otif&{PERIOD}&missed=1").content.decode()
    assert "SC-1 /" not in missed and "SC-2 /" in missed and "SC-3 /" in missed


def test_late_shipments_drill_down(ops_client, stored):
    html = ops_client.get(f"/scorecards/rows/?measure=on_time_shipment&{PERIOD}&missed=1").content.decode()
    assert ">S2<" in html and ">S1<" not in html


def test_csv_and_xlsx_carry_numerators_denominators_and_rates(ops_client, stored):
    response = ops_client.get(f"/scorecards/export.csv?{PERIOD}")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["lines_due"] == "4" and rows[0]["otif"] == "0.2500" and rows[0]["dc"] == "ABE2"
    workbook = load_workbook(io.BytesIO(ops_client.get(f"/scorecards/export.xlsx?{PERIOD}").content))
    header, *data = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(data) == 1 and dict(zip(header, data[0], strict=True))["units_shipped"] == 222


def test_the_api_lists_weeks_with_rates(stored, vendor):
    token, raw = api_token(vendor, scopes=["orders:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = client.get("/api/v1/scorecards/?dc=ABE2").json()
    [row] = body["results"]
    assert row["week"] == MONDAY.isoformat() and row["lines_due"] == 4
    assert row["rates"]["otif"] == "0.2500" and row["rates"]["fill_rate_confirmed"] == "0.9500" and row["rates"]["asn_accuracy"] == "0.7500"


# Tenancy ---------------------------------------------------------------------------------------------
def test_another_vendor_sees_none_of_it(client, stored, other_vendor):
    client.force_login(vendor_user(other_vendor, Role.VENDOR_OPS, username="globex-ops"))
    html = client.get(f"/scorecards/?{PERIOD}").content.decode()
    assert "1 of 4" not in html and "ABE2</a>" not in html
    assert "SC-1" not in client.get(f"/scorecards/rows/?measure=otif&{PERIOD}").content.decode()
    assert client.get(f"/scorecards/?{PERIOD}&vendor=ACME").status_code == 400
    csv_body = b"".join(client.get(f"/scorecards/export.csv?{PERIOD}").streaming_content).decode("utf-8-sig")
    assert csv_body.count("\n") == 1  # the header only
    token, raw = api_token(other_vendor, scopes=["orders:read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/scorecards/").json()["results"] == []
    row_id = ScorecardWeek.objects.get().pk
    assert api.get(f"/api/v1/scorecards/{row_id}/").status_code == 404
    assert api.get(f"/api/v1/scorecards/summary?{PERIOD}").json()["figures"]["lines_due"] == "0.00"


def test_retailer_staff_choose_the_vendor(client, stored, vendor):
    other = VendorFactory(code="INITECH", name="Initech")
    client.force_login(retailer_user(Role.BUYER))
    everyone = client.get(f"/scorecards/?{PERIOD}").content.decode()
    assert "1 of 4" in everyone and "INITECH" in everyone
    assert "1 of 4" not in client.get(f"/scorecards/?{PERIOD}&vendor={other.code}").content.decode()
    assert "SC-1" in client.get(f"/scorecards/rows/?measure=otif&{PERIOD}&vendor=ACME").content.decode()


def test_a_token_without_orders_read_is_refused(stored, vendor):
    token, raw = api_token(vendor, scopes=["invoices:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/scorecards/").status_code == 403


def test_an_unknown_measure_is_not_found(ops_client, stored):
    assert ops_client.get("/scorecards/nonsense/").status_code == 404


def test_bad_filters_are_explained_not_crashed(ops_client, stored):
    response = ops_client.get("/scorecards/?period=7")
    assert response.status_code == 400 and "1, 4, 13 or 52" in response.content.decode()
    assert Decimal("1") == 1
