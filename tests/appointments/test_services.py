"""Booking rules of dock appointments, through the services: the state table, capacity (doors per slot), the
DC's hours, open days and closed dates, and its time zone."""

import datetime
import zoneinfo
from unittest import mock

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentState, RoutingRequestState
from appointments.services import booking, docks, routing
from appointments.services._common import DockFullError
from shipments.models import ComplianceEvent
from tests.appointments.factories import DOCK, at, closed, day_ahead, dock, dock_actor, requested, submitted_asn, vendor_scope
from tests.factories import WarehouseFactory, marketplace
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError
from vendor_portal.models import AuditEvent
from vendor_portal.services.audit import Actor

pytestmark = pytest.mark.django_db
S = AppointmentState


def codes(error) -> list[tuple]:
    return [(problem.field, problem.code) for problem in error.field_errors()]


# The state table ----------------------------------------------------------------------------------------
def test_the_state_table():
    assert Appointment.TRANSITIONS == {
        S.REQUESTED: {S.CONFIRMED, S.REFUSED, S.CANCELLED},
        S.CONFIRMED: {S.CONFIRMED, S.CANCELLED, S.ARRIVED, S.MISSED},
        S.REFUSED: set(),
        S.CANCELLED: set(),
        S.ARRIVED: set(),
        S.MISSED: set(),
    }


def test_a_refused_appointment_cannot_be_confirmed_nor_a_confirmed_one_refused(vendor):
    dock()
    first, second = requested(vendor, submitted_asn(vendor, "SHIP-1")), requested(vendor, submitted_asn(vendor, "SHIP-2"))
    booking.appointment_refuse(scope=DOCK, appointment_id=first.pk, reason="Full", actor=dock_actor())
    with pytest.raises(InvalidTransitionError, match="cannot be confirmed: it is refused"):
        booking.appointment_confirm(scope=DOCK, appointment_id=first.pk, actor=dock_actor())
    booking.appointment_confirm(scope=DOCK, appointment_id=second.pk, actor=dock_actor())
    with pytest.raises(InvalidTransitionError, match="cannot be refused: it is confirmed"):
        booking.appointment_refuse(scope=DOCK, appointment_id=second.pk, reason="No", actor=dock_actor())
    with pytest.raises(InvalidTransitionError, match="cannot be confirmed: it is confirmed"):
        booking.appointment_confirm(scope=DOCK, appointment_id=second.pk, actor=dock_actor())


# Requests: the earliest free slot and door in the window -----------------------------------------------
def test_a_request_holds_the_earliest_free_slot_in_the_window_and_is_audited(vendor):
    dock(doors=2)
    day = day_ahead()
    shipment = submitted_asn(vendor)
    appointment = requested(vendor, shipment, day, start=9, end=13, note="Tail lift")
    appointment.refresh_from_db()
    assert (appointment.state, appointment.slot_start, appointment.slot_end, appointment.door) == (S.REQUESTED, at(day, 9), at(day, 10), 1)
    assert (appointment.window_start, appointment.window_end) == (at(day, 9), at(day, 13))
    assert appointment.carrier_name == "ABF Freight"  # the ASN's, as none was given
    assert AuditEvent.objects.for_object(appointment).get().action == "appointment.request"


def test_doors_fill_a_slot_before_the_next_slot_is_used(vendor):
    dock(doors=2)
    day = day_ahead()
    slots = [requested(vendor, submitted_asn(vendor, f"SHIP-{n}"), day, start=9, end=12) for n in range(1, 6)]
    assert [(a.slot_start.astimezone(at(day, 0).tzinfo).hour, a.door) for a in slots] == [(9, 1), (9, 2), (10, 1), (10, 2), (11, 1)]


def test_a_window_whose_every_door_is_taken_is_a_dock_full_conflict(vendor, other_vendor):
    capacity = dock(doors=1)
    day = day_ahead()
    requested(other_vendor, submitted_asn(other_vendor, "THEIRS", warehouse=capacity.warehouse), day, start=9, end=10)
    with pytest.raises(DockFullError) as caught:
        requested(vendor, submitted_asn(vendor), day, start=9, end=10)
    assert (caught.value.status, caught.value.code) == (409, "dock_full")
    assert "Every door of ABE2 is booked" in caught.value.message
    assert Appointment.objects.filter(vendor=vendor).count() == 0


def test_refused_and_cancelled_appointments_give_their_door_back(vendor):
    dock(doors=1)
    day = day_ahead()
    first = requested(vendor, submitted_asn(vendor, "SHIP-1"), day, start=9, end=10)
    booking.appointment_refuse(scope=DOCK, appointment_id=first.pk, reason="Peak week", actor=dock_actor())
    second = requested(vendor, submitted_asn(vendor, "SHIP-2"), day, start=9, end=10)
    booking.appointment_cancel(scope=vendor_scope(vendor), appointment_id=second.pk, reason="Truck broke down", actor=Actor.system())
    third = requested(vendor, submitted_asn(vendor, "SHIP-3"), day, start=9, end=10)
    assert (third.slot_start, third.door) == (at(day, 9), 1)


def test_the_unique_constraint_backs_the_lock_up(vendor):
    """A booking that slipped past the capacity check (here: a check that sees nothing held) meets the constraint
    on (DC, slot start, door), and gets the same 409 as the lock gives."""
    dock(doors=1)
    day = day_ahead()
    requested(vendor, submitted_asn(vendor, "SHIP-1"), day, start=9, end=10)
    with mock.patch("appointments.services._common.held_slots", return_value=[]):
        with pytest.raises(DockFullError, match="Door 1 is already booked"):
            requested(vendor, submitted_asn(vendor, "SHIP-2"), day, start=9, end=10)
    assert Appointment.objects.count() == 1


# Hours, open days, closed dates ---------------------------------------------------------------------------
def test_a_closed_date_is_refused_with_its_reason(vendor):
    capacity = dock()
    day = day_ahead(3)
    closed(capacity.warehouse, day, "Stocktake")
    with pytest.raises(DomainValidationError) as caught:
        requested(vendor, submitted_asn(vendor), day, start=6, end=22)
    assert codes(caught.value) == [("window_start", "no_slot_in_window")]
    assert f"Closed on {day:%Y-%m-%d} (Stocktake)" in caught.value.message


def test_a_closed_weekday_has_no_slot(vendor):
    day = day_ahead(3)
    dock(weekdays="".join(str(d) for d in range(7) if d != day.weekday()))
    with pytest.raises(DomainValidationError, match="ABE2 is closed then"):
        requested(vendor, submitted_asn(vendor), day, start=6, end=22)


def test_a_window_outside_the_opening_hours_has_no_slot_and_says_the_hours(vendor):
    dock(opens=datetime.time(6), closes=datetime.time(14))
    with pytest.raises(DomainValidationError) as caught:
        requested(vendor, submitted_asn(vendor), start=15, end=20)
    assert codes(caught.value) == [("window_start", "no_slot_in_window")]
    assert "06:00–14:00 (America/New_York), in slots of 60 minutes" in caught.value.field_errors()[0].message


def test_a_slot_must_lie_wholly_within_the_window(vendor):
    dock(slot_minutes=120, opens=datetime.time(6), closes=datetime.time(22))
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day, start=7, end=12)  # 06-08 starts too early: 08-10 fits
    assert (appointment.slot_start, appointment.slot_end) == (at(day, 8), at(day, 10))


def test_window_rules(vendor):
    dock()
    shipment = submitted_asn(vendor)
    now = timezone.now()
    cases = [
        (now + datetime.timedelta(hours=5), now + datetime.timedelta(hours=4), ("window_end", "invalid")),
        (now - datetime.timedelta(hours=5), now - datetime.timedelta(hours=4), ("window_end", "invalid")),
        (now + datetime.timedelta(days=1), now + datetime.timedelta(days=20), ("window_end", "invalid")),
        (now + datetime.timedelta(days=100), now + datetime.timedelta(days=101), ("window_start", "invalid")),
        (datetime.datetime(2030, 1, 1, 9), datetime.datetime(2030, 1, 1, 10), ("window_start", "invalid")),  # no offset
    ]
    for start, end, problem in cases:
        with pytest.raises(DomainValidationError) as caught:
            booking.appointment_request(scope=vendor_scope(vendor), shipment_id=shipment.pk, window_start=start, window_end=end, actor=Actor.system())
        assert problem in codes(caught.value), (start, end)


# Time zones ---------------------------------------------------------------------------------------------
def test_slots_follow_the_dcs_time_zone_whatever_zone_the_window_is_given_in(vendor):
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    fra3 = WarehouseFactory(code="FRA3", marketplace=marketplace("DE"), time_zone="Europe/Berlin")
    dock(fra3, opens=datetime.time(6), closes=datetime.time(18))
    shipment = submitted_asn(vendor, warehouse=fra3)
    day = day_ahead(zone=berlin)
    utc_midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=datetime.UTC)
    appointment = booking.appointment_request(
        scope=vendor_scope(vendor),
        shipment_id=shipment.pk,
        window_start=utc_midnight,
        window_end=utc_midnight + datetime.timedelta(hours=23),
        actor=Actor.system(),
    )
    appointment.refresh_from_db()
    assert appointment.slot_start.astimezone(berlin).time() == datetime.time(6)  # 06:00 in Frankfurt, 04:00 or 05:00 UTC
    assert appointment.slot_start.utcoffset() == datetime.timedelta(0)  # stored in UTC
    assert appointment.slot_start == at(day, 6, zone=berlin)


def test_a_dc_day_is_its_own_local_day(vendor):
    """A New York window late in the evening is the next UTC day: the DC's slots are found by its own calendar."""
    dock(opens=datetime.time(18), closes=datetime.time(23))
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day, start=20, end=23)
    assert appointment.slot_start.astimezone(datetime.UTC).date() == day + datetime.timedelta(days=1)
    assert appointment.slot_start == at(day, 20)


# Who may do what, and on what -----------------------------------------------------------------------------
def test_only_a_submitted_asn_of_the_vendor_gets_an_appointment(vendor, other_vendor):
    dock()
    from shipments.services.plans import shipment_create
    from tests.shipments.factories import confirmed_purchase_order, plan

    draft = shipment_create(scope=vendor_scope(vendor), data=plan(confirmed_purchase_order(vendor), identifier="DRAFT"), actor=Actor.system())
    with pytest.raises(InvalidTransitionError, match="shipment DRAFT is draft"):
        requested(vendor, draft)
    theirs = submitted_asn(other_vendor, "THEIRS")
    with pytest.raises(NotFoundError):
        requested(vendor, theirs)


def test_one_open_appointment_per_asn(vendor):
    dock()
    shipment = submitted_asn(vendor)
    first = requested(vendor, shipment, start=9, end=10)
    with pytest.raises(ConflictError, match="already has an appointment"):
        requested(vendor, shipment, start=11, end=12)
    booking.appointment_cancel(scope=vendor_scope(vendor), appointment_id=first.pk, actor=Actor.system())
    assert requested(vendor, shipment, start=11, end=12).state == S.REQUESTED


def test_a_dc_without_published_capacity_takes_no_appointments(vendor):
    with pytest.raises(DomainValidationError, match="ABE2 takes no appointments"):
        requested(vendor, submitted_asn(vendor))


def test_vendors_ask_and_the_dc_answers(vendor):
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    with pytest.raises(ForbiddenError):
        booking.appointment_confirm(scope=vendor_scope(vendor), appointment_id=appointment.pk, actor=Actor.system())
    with pytest.raises(ForbiddenError):
        booking.appointment_request(
            scope=DOCK,
            shipment_id=appointment.shipment_id,
            window_start=appointment.slot_start,
            window_end=appointment.slot_end,
            actor=Actor.system(),
        )


# The DC's answers ---------------------------------------------------------------------------------------
def test_confirm_then_move_keeps_the_earlier_slot(vendor):
    dock(doors=2)
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())
    booking.appointment_move(scope=DOCK, appointment_id=appointment.pk, slot_start=at(day, 14), door=2, reason="Door 1 repairs", actor=dock_actor())
    appointment.refresh_from_db()
    assert (appointment.state, appointment.slot_start, appointment.slot_end, appointment.door) == (S.CONFIRMED, at(day, 14), at(day, 15), 2)
    assert appointment.reason == "Door 1 repairs"
    [previous] = appointment.previous_slots
    assert (previous["slot_start"], previous["door"], previous["reason"]) == (at(day, 9).astimezone(datetime.UTC).isoformat(), 1, "Door 1 repairs")
    assert [e.action for e in AuditEvent.objects.for_object(appointment).order_by("pk")] == [
        "appointment.request",
        "appointment.confirm",
        "appointment.move",
    ]


def test_a_move_needs_a_slot_of_the_dc_and_a_free_door(vendor, other_vendor):
    capacity = dock(doors=1)
    day = day_ahead()
    ours = requested(vendor, submitted_asn(vendor), day, start=9, end=10)
    requested(other_vendor, submitted_asn(other_vendor, "THEIRS", warehouse=capacity.warehouse), day, start=11, end=12)
    booking.appointment_confirm(scope=DOCK, appointment_id=ours.pk, actor=dock_actor())
    for slot_start, door, field, message in [
        (at(day, 11), None, "slot_start", "Every door is booked"),
        (at(day, 12, 30), None, "slot_start", "is not the start of a slot"),
        (at(day, 23), None, "slot_start", "is not the start of a slot"),
        (at(day, 12), 3, "door", "ABE2 has doors 1 to 1"),
        (timezone.now() - datetime.timedelta(hours=1), None, "slot_start", "already begun"),
    ]:
        with pytest.raises((DomainValidationError, DockFullError)) as caught:
            booking.appointment_move(scope=DOCK, appointment_id=ours.pk, slot_start=slot_start, door=door, actor=dock_actor())
        assert caught.value.field_errors()[0].field == field and message in caught.value.message, (slot_start, caught.value.message)
    with pytest.raises(DomainValidationError, match="already has this slot"):
        booking.appointment_move(scope=DOCK, appointment_id=ours.pk, slot_start=at(day, 9), actor=dock_actor())


def test_the_dc_may_confirm_a_request_at_another_slot(vendor):
    dock()
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, slot_start=at(day, 15), reason="Morning full", actor=dock_actor())
    appointment.refresh_from_db()
    assert (appointment.state, appointment.slot_start, appointment.door, len(appointment.previous_slots)) == (S.CONFIRMED, at(day, 15), 1, 1)


def test_a_refusal_says_why(vendor):
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    with pytest.raises(DomainValidationError) as caught:
        booking.appointment_refuse(scope=DOCK, appointment_id=appointment.pk, reason="  ", actor=dock_actor())
    assert codes(caught.value) == [("reason", "required")]


def test_a_confirmed_appointment_cannot_be_cancelled_once_its_slot_began(vendor):
    dock()
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())
    with pytest.raises(InvalidTransitionError, match="its slot has begun"):
        booking.appointment_cancel(scope=vendor_scope(vendor), appointment_id=appointment.pk, actor=Actor.system(), now=at(day, 9, 5))
    booking.appointment_cancel(scope=DOCK, appointment_id=appointment.pk, reason="Dock flooded", actor=dock_actor())
    appointment.refresh_from_db()
    assert (appointment.state, appointment.reason) == (S.CANCELLED, "Dock flooded")


def test_only_a_confirmed_appointment_is_checked_in(vendor):
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    with pytest.raises(InvalidTransitionError, match="cannot be marked arrived: it is requested"):
        booking.appointment_mark_arrived(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())


# Routing requests ---------------------------------------------------------------------------------------
def routing_input(**changes):
    from decimal import Decimal

    values = {
        "warehouse": "ABE2",
        "ready_date": day_ahead(1),
        "pallets": 6,
        "weight": Decimal("1840"),
        "volume": Decimal("9.6"),
        "weight_unit": "kg",
        "volume_unit": "m3",
    }
    return routing.RoutingRequestInput(**{**values, **changes})


def test_a_routing_request_names_its_freight_and_checks_it(vendor):
    from decimal import Decimal

    dock()
    shipment = submitted_asn(vendor)
    with pytest.raises(DomainValidationError) as caught:
        routing.routing_request_create(
            scope=vendor_scope(vendor),
            data=routing_input(ready_date=day_ahead(-3), pallets=0, weight=Decimal("0"), volume=Decimal("1.2345"), weight_unit="t"),
            actor=Actor.system(),
        )
    assert sorted(codes(caught.value)) == sorted(
        [
            ("purchase_orders", "required"),
            ("ready_date", "invalid"),
            ("pallets", "invalid"),
            ("weight", "min_value"),
            ("volume", "max_decimal_places"),
            ("weight_unit", "invalid_choice"),
        ]
    )
    request = routing.routing_request_create(scope=vendor_scope(vendor), data=routing_input(shipment_id=shipment.pk), actor=Actor.system())
    assert (request.state, request.pallets, request.weight, request.weight_unit) == (RoutingRequestState.REQUESTED, 6, Decimal("1840"), "kg")


def test_a_routing_request_for_pos_of_another_dc_is_refused(vendor):
    from tests.shipments.factories import confirmed_purchase_order

    WarehouseFactory(code="ABE2")
    other_dc = WarehouseFactory(code="ONT8", time_zone="America/Los_Angeles")
    po = confirmed_purchase_order(vendor, number="PO-WEST", warehouse=other_dc)
    with pytest.raises(DomainValidationError, match="routing request has errors") as caught:
        routing.routing_request_create(scope=vendor_scope(vendor), data=routing_input(purchase_order_numbers=[po.number]), actor=Actor.system())
    assert caught.value.field_errors()[0].message == "PO PO-WEST goes to another DC."


def test_scheduling_a_routing_request_books_a_confirmed_appointment(vendor):
    dock(doors=1)
    shipment = submitted_asn(vendor)
    request = routing.routing_request_create(scope=vendor_scope(vendor), data=routing_input(shipment_id=shipment.pk), actor=Actor.system())
    day = day_ahead(3)
    with pytest.raises(DomainValidationError) as caught:
        routing.routing_request_schedule(scope=DOCK, routing_request_id=request.pk, slot_start=at(day, 7), carrier_name="", actor=dock_actor())
    assert codes(caught.value) == [("carrier_name", "required")]
    appointment = routing.routing_request_schedule(
        scope=DOCK,
        routing_request_id=request.pk,
        slot_start=at(day, 7),
        carrier_name="Northwind Freight",
        pickup_date=day_ahead(2),
        actor=dock_actor(),
    )
    request.refresh_from_db()
    assert (request.state, request.carrier_name) == (RoutingRequestState.SCHEDULED, "Northwind Freight")
    assert (appointment.state, appointment.routing_request, appointment.shipment, appointment.slot_start) == (
        S.CONFIRMED,
        request,
        shipment,
        at(day, 7),
    )


def test_scheduling_confirms_the_asns_own_request_instead_of_booking_twice(vendor):
    dock(doors=1)
    shipment = submitted_asn(vendor)
    day = day_ahead(3)
    own = requested(vendor, shipment, day, start=9, end=10)
    request = routing.routing_request_create(scope=vendor_scope(vendor), data=routing_input(shipment_id=shipment.pk), actor=Actor.system())
    appointment = routing.routing_request_schedule(
        scope=DOCK, routing_request_id=request.pk, slot_start=at(day, 13), carrier_name="Northwind Freight", actor=dock_actor()
    )
    assert appointment.pk == own.pk
    own.refresh_from_db()
    assert (own.state, own.routing_request_id, own.slot_start, len(own.previous_slots)) == (S.CONFIRMED, request.pk, at(day, 13), 1)
    assert Appointment.objects.count() == 1


def test_a_refused_routing_request_says_why(vendor):
    shipment = submitted_asn(vendor)
    request = routing.routing_request_create(scope=vendor_scope(vendor), data=routing_input(shipment_id=shipment.pk), actor=Actor.system())
    routing.routing_request_refuse(scope=DOCK, routing_request_id=request.pk, reason="Under 10 pallets", actor=dock_actor())
    request.refresh_from_db()
    assert (request.state, request.reason) == (RoutingRequestState.REFUSED, "Under 10 pallets")
    with pytest.raises(InvalidTransitionError):
        routing.routing_request_refuse(scope=DOCK, routing_request_id=request.pk, reason="Again", actor=dock_actor())


# Dock capacity ------------------------------------------------------------------------------------------
def test_the_dc_publishes_its_capacity(vendor):
    warehouse = WarehouseFactory(code="ABE2")
    with pytest.raises(DomainValidationError) as caught:
        docks.dock_capacity_set(
            scope=DOCK,
            warehouse_code="abe2",
            doors=0,
            slot_minutes=120,
            opens_at=datetime.time(10),
            closes_at=datetime.time(11),
            open_weekdays="",
            grace_minutes=300,
            actor=dock_actor(),
        )
    assert sorted(field for field, _code in codes(caught.value)) == ["closes_at", "doors", "grace_minutes", "open_weekdays"]
    capacity = docks.dock_capacity_set(
        scope=DOCK,
        warehouse_code="abe2",
        doors=6,
        slot_minutes=30,
        opens_at=datetime.time(7),
        closes_at=datetime.time(19),
        open_weekdays="4321045",
        grace_minutes=15,
        actor=dock_actor(),
    )
    assert (capacity.warehouse, capacity.open_weekdays, capacity.slots_per_day) == (warehouse, "012345", 24)
    assert AuditEvent.objects.for_object(capacity).get().action == "dock_capacity.set"
    with pytest.raises(ForbiddenError):
        docks.dock_capacity_set(
            scope=vendor_scope(vendor),
            warehouse_code="ABE2",
            doors=1,
            slot_minutes=60,
            opens_at=datetime.time(6),
            closes_at=datetime.time(7),
            open_weekdays="0",
            grace_minutes=0,
            actor=Actor.system(),
        )
    closure = docks.dock_closure_add(scope=DOCK, warehouse_code="ABE2", date=day_ahead(5), reason="Holiday", actor=dock_actor())
    docks.dock_closure_remove(scope=DOCK, warehouse_code="ABE2", date=closure.date, actor=dock_actor())
    assert not ComplianceEvent.objects.exists()


def test_odd_dates_are_refused_not_failed(vendor):
    """Dates at the ends of the calendar are refused like any bad input, never a crash."""
    dock()
    appointment = requested(vendor, submitted_asn(vendor))
    for slot_start in (datetime.datetime(1, 1, 1, 1, tzinfo=datetime.UTC), datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.UTC)):
        with pytest.raises(DomainValidationError):
            booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, slot_start=slot_start, actor=dock_actor())
    with pytest.raises(DomainValidationError, match="more than a week before the slot"):
        booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())
        booking.appointment_mark_arrived(
            scope=DOCK, appointment_id=appointment.pk, arrived_at=datetime.datetime(1, 1, 2, tzinfo=datetime.UTC), actor=dock_actor()
        )
    with pytest.raises(DomainValidationError, match="today or later"):
        docks.dock_closure_add(scope=DOCK, warehouse_code="ABE2", date=datetime.date(1, 1, 1), actor=dock_actor())
