"""The appointment screens: the vendor's request form (its problems shown beside their fields), the lists, the
DC's calendar and answers, the dock capacity settings, today's trucks on the receiving page."""

import datetime

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentState, DockCapacity, RoutingRequest
from appointments.services import booking
from tests.appointments.factories import DOCK, at, closed, day_ahead, dock, dock_actor, requested, submitted_asn, vendor_scope
from tests.factories import retailer_user, vendor_user
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    return client


@pytest.fixture
def dock_client(client):
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    return client


def form_data(shipment, day, earliest="09:00", latest="12:00", **more) -> dict:
    return {"shipment": shipment.pk, "day": day.isoformat(), "earliest": earliest, "latest": latest, **more}


def test_the_shipment_page_links_to_the_request_form_which_names_the_dcs_time_zone(ops_client, vendor):
    dock()
    shipment = submitted_asn(vendor)
    page = ops_client.get(f"/shipments/{shipment.pk}/").content.decode()
    assert f'href="/appointments/new/?shipment={shipment.pk}"' in page
    form = ops_client.get(f"/appointments/new/?shipment={shipment.pk}")
    assert form.status_code == 200
    text = form.content.decode()
    assert "ABE2's local time (America/New_York)" in text and "Free doors at ABE2 this week" in text
    assert 'for="id_day"' in text and 'for="id_earliest"' in text and 'for="id_latest"' in text  # every control labelled


def test_a_request_from_the_form_holds_a_slot(ops_client, vendor):
    dock()
    day = day_ahead()
    shipment = submitted_asn(vendor)
    response = ops_client.post("/appointments/new/", form_data(shipment, day, note="Tail lift"))
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appointments/{appointment.pk}/"
    assert (appointment.slot_start, appointment.note) == (at(day, 9), "Tail lift")
    page = ops_client.get(response["Location"]).content.decode()
    assert f"Appointment {appointment.reference} requested" in page
    assert f"{day:%Y-%m-%d} 09:00–10:00 EST" in page or f"{day:%Y-%m-%d} 09:00–10:00 EDT" in page  # the DC's local time
    assert 'data-testid="cancel-appointment"' in page and 'data-testid="confirm-appointment"' not in page


def test_the_forms_problems_are_shown_beside_their_fields(ops_client, vendor):
    capacity = dock(opens=datetime.time(6), closes=datetime.time(14))
    day = day_ahead()
    shipment = submitted_asn(vendor)
    outside = ops_client.post("/appointments/new/", form_data(shipment, day, earliest="15:00", latest="18:00"))
    assert outside.status_code == 400
    text = outside.content.decode()
    assert "No slot lies within this window." in text and 'aria-invalid="true"' in text
    backwards = ops_client.post("/appointments/new/", form_data(shipment, day, earliest="12:00", latest="09:00"))
    assert "The window must end after it starts." in backwards.content.decode()
    empty = ops_client.post("/appointments/new/", {"shipment": shipment.pk})
    assert empty.status_code == 400 and "This field is required." in empty.content.decode()
    closed(capacity.warehouse, day, "Stocktake")
    shut = ops_client.post("/appointments/new/", form_data(shipment, day))
    assert "(Stocktake)" in shut.content.decode()
    assert not Appointment.objects.exists()


def test_a_full_window_says_so(ops_client, vendor, other_vendor):
    capacity = dock(doors=1)
    day = day_ahead()
    requested(other_vendor, submitted_asn(other_vendor, "THEIRS", warehouse=capacity.warehouse), day, start=9, end=10)
    response = ops_client.post("/appointments/new/", form_data(submitted_asn(vendor), day, earliest="09:00", latest="10:00"))
    assert response.status_code == 400
    assert "Every door of ABE2 is booked in this window: ask for another time." in response.content.decode()


def test_the_vendor_sees_its_own_appointments_and_not_the_others(ops_client, vendor, other_vendor):
    capacity = dock()
    day = day_ahead()
    ours = requested(vendor, submitted_asn(vendor, "OURS"), day)
    theirs = requested(other_vendor, submitted_asn(other_vendor, "THEIRS", warehouse=capacity.warehouse), day, start=12, end=13)
    listing = ops_client.get("/appointments/").content.decode()
    assert ours.reference in listing and theirs.reference not in listing
    calendar = ops_client.get(f"/appointments/calendar/?dc=ABE2&week={day.isoformat()}").content.decode()
    assert ours.reference in calendar and theirs.reference not in calendar and "GLOBEX" not in calendar
    assert "1 of 2 doors booked" in calendar  # the other vendor's truck counts, unnamed
    assert ops_client.get(f"/appointments/{theirs.pk}/").status_code == 404
    assert ops_client.post(f"/appointments/{theirs.pk}/cancel/").status_code == 404
    assert ops_client.post(f"/appointments/{ours.pk}/confirm/").status_code == 403


def test_the_dc_confirms_from_its_calendar_and_moves_on_the_appointment(dock_client, vendor):
    dock(doors=2)
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    calendar = dock_client.get(f"/appointments/calendar/?dc=ABE2&week={day.isoformat()}").content.decode()
    assert f'action="/appointments/{appointment.pk}/confirm/"' in calendar and "ACME" in calendar
    assert dock_client.post(f"/appointments/{appointment.pk}/confirm/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CONFIRMED
    bad = dock_client.post(f"/appointments/{appointment.pk}/move/", {"day": day.isoformat(), "time": "12:30"})
    assert bad.status_code == 400 and "is not the start of a slot" in bad.content.decode()
    moved = dock_client.post(f"/appointments/{appointment.pk}/move/", {"day": day.isoformat(), "time": "14:00", "door": "2", "reason": "Repairs"})
    assert moved.status_code == 302
    page = dock_client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Earlier slots" in page and "Repairs" in page and 'data-confirm="Check the truck in?' in page
    appointment.refresh_from_db()
    assert (appointment.slot_start, appointment.door) == (at(day, 14), 2)


def test_a_refusal_needs_a_reason_on_the_page(dock_client, vendor):
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    page = dock_client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert 'data-confirm="Refuse this appointment?' in page  # irreversible: asks first
    missing = dock_client.post(f"/appointments/{appointment.pk}/refuse/", {"reason": ""})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    assert dock_client.post(f"/appointments/{appointment.pk}/refuse/", {"reason": "Peak week"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.REFUSED


def test_receiving_sees_todays_trucks(dock_client, vendor):
    dock(opens=datetime.time(0), closes=datetime.time(23, 59), slot_minutes=30)
    capacity = DockCapacity.objects.get()
    shipment = submitted_asn(vendor)
    local_today = timezone.localdate(timezone.now(), timezone=capacity.zone)
    midnight = at(local_today, 0)
    appointment = booking.appointment_request(
        scope=vendor_scope(vendor),
        shipment_id=shipment.pk,
        window_start=midnight,
        window_end=midnight + datetime.timedelta(hours=23),
        actor=Actor.system(),
        now=midnight - datetime.timedelta(days=1),
    )
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor(), now=midnight - datetime.timedelta(days=1))
    tomorrow = requested(vendor, submitted_asn(vendor, "SHIP-TOMORROW"), local_today + datetime.timedelta(days=1))
    page = dock_client.get("/shipments/receiving/").content.decode()
    assert "Today's appointments" in page
    assert f'href="/appointments/{appointment.pk}/"' in page and f'href="/appointments/{tomorrow.pk}/"' not in page


def test_the_dc_checks_a_truck_in_from_the_appointment(dock_client, vendor):
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())
    assert dock_client.post(f"/appointments/{appointment.pk}/arrived/", {"time": ""}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.ARRIVED and not appointment.arrived_late


def test_routing_request_from_the_form_and_scheduled_by_the_dc(client, vendor):
    dock()
    shipment = submitted_asn(vendor)
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    assert client.get(f"/appointments/routing/new/?shipment={shipment.pk}").status_code == 200
    bad = client.post("/appointments/routing/new/", {"warehouse": "ABE2", "ready_date": day_ahead(1).isoformat(), "pallets": "0"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    data = {
        "warehouse": "ABE2",
        "shipment": shipment.pk,
        "ready_date": day_ahead(1).isoformat(),
        "pallets": "6",
        "weight": "1840",
        "weight_unit": "kg",
        "volume": "9.6",
        "volume_unit": "m3",
    }
    created = client.post("/appointments/routing/new/", data)
    routing_request = RoutingRequest.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/appointments/routing/{routing_request.pk}/"
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    day = day_ahead(3)
    no_carrier = client.post(f"/appointments/routing/{routing_request.pk}/schedule/", {"day": day.isoformat(), "time": "07:00"})
    assert no_carrier.status_code == 400 and "This field is required." in no_carrier.content.decode()
    done = client.post(
        f"/appointments/routing/{routing_request.pk}/schedule/", {"day": day.isoformat(), "time": "07:00", "carrier_name": "Northwind"}
    )
    assert done.status_code == 302
    appointment = Appointment.objects.get(routing_request=routing_request)
    assert (appointment.state, appointment.slot_start) == (AppointmentState.CONFIRMED, at(day, 7))


def test_the_dc_publishes_its_capacity_on_the_settings_page(dock_client, vendor):
    from django.test import Client

    from tests.factories import WarehouseFactory

    WarehouseFactory(code="ABE2")
    page = dock_client.get("/appointments/docks/?dc=ABE2")
    assert page.status_code == 200 and "This DC takes no appointments until its capacity is saved." in page.content.decode()
    data = {"doors": "3", "slot_minutes": "30", "opens_at": "07:00", "closes_at": "15:00", "open_weekdays": ["0", "1", "2"], "grace_minutes": "20"}
    assert dock_client.post("/appointments/docks/?dc=ABE2", data).status_code == 302
    capacity = DockCapacity.objects.get()
    assert (capacity.doors, capacity.slot_minutes, capacity.open_weekdays, capacity.slots_per_day) == (3, 30, "012", 16)
    bad = dock_client.post("/appointments/docks/?dc=ABE2", {**data, "closes_at": "06:00"})
    assert bad.status_code == 400 and "The DC must close after it opens" in bad.content.decode()
    day = day_ahead(4)
    assert dock_client.post("/appointments/docks/?dc=ABE2", {"add_closure": "1", "date": day.isoformat(), "reason": "Holiday"}).status_code == 302
    assert capacity.warehouse.dock_closures.get().reason == "Holiday"
    assert dock_client.post("/appointments/docks/?dc=ABE2", {"remove_closure": day.isoformat()}).status_code == 302
    assert not capacity.warehouse.dock_closures.exists()
    vendor_client = Client()
    vendor_client.force_login(vendor_user(vendor, Role.VENDOR_ADMIN))
    assert vendor_client.get("/appointments/docks/").status_code == 403


def test_navigation_offers_appointments_to_both_sides(client, vendor):
    client.force_login(vendor_user(vendor, Role.VENDOR_OPS))
    page = client.get("/").content.decode()
    assert 'href="/appointments/"' in page and 'href="/appointments/calendar/"' not in page
    client.force_login(retailer_user(Role.RECEIVING, username="dock"))
    page = client.get("/").content.decode()
    assert 'href="/appointments/calendar/"' in page and "Appointment requests to answer" in page


def test_a_calendar_week_far_off_shows_this_week(dock_client):
    dock()
    for far in ("0001-01-01", "9999-12-31", "not-a-date"):
        assert dock_client.get(f"/appointments/calendar/?dc=ABE2&week={far}").status_code == 200


def test_the_calendar_costs_the_same_queries_for_one_appointment_or_many(dock_client, vendor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dock(doors=5)
    day = day_ahead()
    url = f"/appointments/calendar/?dc=ABE2&week={day.isoformat()}"
    requested(vendor, submitted_asn(vendor, "SHIP-0"), day)
    with CaptureQueriesContext(connection) as one:
        dock_client.get(url)
    for n in range(1, 5):
        requested(vendor, submitted_asn(vendor, f"SHIP-{n}"), day, start=9 + n, end=10 + n)
    with CaptureQueriesContext(connection) as many:
        assert dock_client.get(url).content.decode().count('class="status requested"') == 5
    assert len(many) == len(one)
