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


def test_the_refresh_button_queues_the_weeks_job_and_reloads_the_figures_when_done(ops_client, vendor, django_capture_on_commit_callbacks):
    from scorecards.metrics import week_start
    from scorecards.models import ScorecardWeek
    from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory
    from vendor_portal.models import AuditEvent, Job

    page = ops_client.get("/scorecards/").content.decode()
    assert 'data-testid="scorecard-refresh-button"' in page and "Refresh this week" in page
    # Something due this week: a PO to confirm by the end of tomorrow.
    PurchaseOrderLineFactory(purchase_order=PurchaseOrderFactory(vendor=vendor), ordered_quantity=12)
    this_week = week_start(datetime.datetime.now(datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        response = ops_client.post("/scorecards/refresh/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = Job.objects.get(kind="scorecard_refresh")
    assert job.vendor == vendor and 'data-testid="scorecard-refresh"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == "succeeded" and job.percent == 100
    assert ScorecardWeek.objects.filter(vendor=vendor, week=this_week).exists()
    assert AuditEvent.objects.filter(action="scorecard.refresh").exists()
    poll = ops_client.get(f"/scorecards/refresh/{job.pk}/", HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true" and "Refreshed" in poll.content.decode()


def test_the_refresh_is_for_those_who_may_run_it(client, vendor, other_vendor):
    from vendor_portal.models import Job

    client.force_login(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert 'data-testid="scorecard-refresh-button"' not in client.get("/scorecards/").content.decode()
    assert client.post("/scorecards/refresh/").status_code == 403
    assert not Job.objects.exists()


def test_the_api_answers_202_with_the_job_and_another_vendor_cannot_read_it(vendor, other_vendor):
    from rest_framework.test import APIClient

    from tests.factories import api_token

    client = APIClient()
    _, raw = api_token(vendor, scopes=["orders:read"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.post("/api/v1/scorecards/refresh/", {}, format="json").status_code == 403
    _, raw = api_token(vendor, scopes=["orders:read", "orders:write"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post("/api/v1/scorecards/refresh/", {}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "scorecard_refresh" and body["status"] == "queued"  # the test's transaction never commits: no worker
    again = client.post("/api/v1/scorecards/refresh/", {}, format="json").json()
    assert client.get(f"/api/v1/jobs/{body['id']}/").status_code == 200
    assert again["id"] == body["id"]  # one refresh at a time per vendor
    _, raw = api_token(other_vendor, scopes=["orders:read", "orders:write"])
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"/api/v1/jobs/{body['id']}/").status_code == 404
