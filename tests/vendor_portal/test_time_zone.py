"""A person chooses the time zone their pages show times in (a vendor in Shanghai reads deadlines in Shanghai
time); the API keeps answering in UTC."""

import datetime

import pytest
from rest_framework.test import APIClient

from tests.factories import retailer_user, vendor_user
from tests.purchase_orders.factories import purchase_order_with_lines
from vendor_portal.models import AuditEvent
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db

DUE = datetime.datetime(2030, 3, 4, 6, 30, tzinfo=datetime.UTC)  # 14:30 in Shanghai


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS, username="acme-ops")


def test_a_vendor_chooses_shanghai_and_the_po_deadline_is_shown_in_shanghai_time(client, vendor, ops):
    po = purchase_order_with_lines(vendor, number="TZ000001", confirmation_due_at=DUE)
    client.force_login(ops)
    page = client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert "2030-03-04 06:30 UTC" in page and "Times in UTC" in page

    response = client.post("/accounts/time-zone/", {"time_zone": "Asia/Shanghai"}, follow=True)
    assert "Times are now shown in Asia/Shanghai." in response.content.decode()
    ops.refresh_from_db()
    assert ops.time_zone == "Asia/Shanghai"
    event = AuditEvent.objects.get(action="user.time_zone")
    assert (event.actor, event.before, event.after) == (ops, {"time_zone": ""}, {"time_zone": "Asia/Shanghai"})

    page = client.get(f"/purchase-orders/{po.number}/").content.decode()
    assert "2030-03-04 14:30 CST" in page and "Times in Asia/Shanghai" in page


def test_the_api_answers_in_utc_whatever_the_person_chose(vendor, ops):
    po = purchase_order_with_lines(vendor, number="TZ000002", confirmation_due_at=DUE)
    ops.time_zone = "Asia/Shanghai"
    ops.save(update_fields=["time_zone"])
    api = APIClient()
    api.force_login(ops)
    body = api.get(f"/api/v1/purchase-orders/{po.number}/").json()
    assert body["confirmation_due_at"].startswith("2030-03-04T06:30:00") and body["confirmation_due_at"].endswith(("Z", "+00:00"))


def test_a_zone_that_does_not_exist_is_refused_on_its_field_and_nothing_changes(client, vendor, ops):
    client.force_login(ops)
    response = client.post("/accounts/time-zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    ops.refresh_from_db()
    assert ops.time_zone == "" and not AuditEvent.objects.filter(action="user.time_zone").exists()


def test_retailer_staff_choose_theirs_too_and_utc_puts_it_back(client):
    person = retailer_user(Role.RECEIVING, username="dc-staff")
    client.force_login(person)
    client.post("/accounts/time-zone/", {"time_zone": "America/Los_Angeles"})
    person.refresh_from_db()
    assert person.time_zone == "America/Los_Angeles"
    page = client.get("/accounts/time-zone/").content.decode()
    assert '<option value="America/Los_Angeles" selected>America/Los Angeles</option>' in page
    client.post("/accounts/time-zone/", {"time_zone": "UTC"})
    person.refresh_from_db()
    assert person.time_zone == ""
