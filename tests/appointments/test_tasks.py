"""The beat job marks confirmed appointments nobody came to as missed, and a late truck is flagged: both are
compliance events (which reconciliation may charge back), except for freight the retailer arranged."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import AppointmentState
from appointments.services import booking, routing
from appointments.tasks import mark_missed_appointments
from reconciliation.engine import chargebacks_raise
from reconciliation.models import ChargebackRate, Deduction, DeductionKind, DeductionReason
from shipments.models import ComplianceEvent, ComplianceEventKind
from tests.appointments.factories import DOCK, dock, dock_actor, submitted_asn, vendor_scope
from tests.audit_check import audit_exempt
from tests.factories import marketplace
from vendor_portal.models import AuditEvent, Notification
from vendor_portal.services.audit import Actor

pytestmark = pytest.mark.django_db
S = AppointmentState


def confirmed_in_the_past(vendor, *, hours_ago=3, identifier="SHIP-1", grace=30):
    """An appointment booked and confirmed a day before its slot, which began `hours_ago` hours ago."""
    dock(grace=grace, opens=datetime.time(0), closes=datetime.time(23, 59), slot_minutes=30)
    slot = (timezone.now() - datetime.timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    then = slot - datetime.timedelta(days=1)
    shipment = submitted_asn(vendor, identifier)
    appointment = booking.appointment_request(
        scope=vendor_scope(vendor),
        shipment_id=shipment.pk,
        window_start=slot,
        window_end=slot + datetime.timedelta(hours=1),
        actor=Actor.system(),
        now=then,
    )
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor(), now=then)
    appointment.refresh_from_db()
    assert (appointment.state, appointment.slot_start) == (S.CONFIRMED, slot)
    return appointment


def test_a_confirmed_appointment_nobody_came_to_is_missed_once(vendor, django_capture_on_commit_callbacks):
    from tests.factories import vendor_user

    ops = vendor_user(vendor)
    appointment = confirmed_in_the_past(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_missed_appointments.delay().get() == 1
    appointment.refresh_from_db()
    assert appointment.state == S.MISSED and appointment.missed_at is not None
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.vendor, event.shipment_id) == (ComplianceEventKind.APPOINTMENT_MISSED, vendor, appointment.shipment_id)
    assert event.details["appointment"] == appointment.reference and event.details["warehouse"] == "ABE2"
    assert AuditEvent.objects.for_object(appointment).latest("pk").channel == "system"
    assert AuditEvent.objects.for_object(event).get().action == "compliance_event.record"
    assert booking.appointments_mark_missed() == 0  # a second run finds nothing to do
    assert ComplianceEvent.objects.count() == 1
    assert Notification.objects.get(user=ops, kind="appointment_missed").title == f"No truck came to {appointment.reference} at ABE2"


def test_the_dcs_grace_after_the_slot_ends_is_waited_for(vendor):
    appointment = confirmed_in_the_past(vendor, grace=30)
    assert booking.appointments_mark_missed(now=appointment.slot_end + datetime.timedelta(minutes=29)) == 0
    appointment.refresh_from_db()
    assert appointment.state == S.CONFIRMED
    assert booking.appointments_mark_missed(now=appointment.slot_end + datetime.timedelta(minutes=30)) == 1


def test_a_truck_checked_in_first_is_never_marked_missed(vendor):
    appointment = confirmed_in_the_past(vendor)
    booking.appointment_mark_arrived(scope=DOCK, appointment_id=appointment.pk, arrived_at=appointment.slot_start, actor=dock_actor())
    assert booking.appointments_mark_missed() == 0
    appointment.refresh_from_db()
    assert (appointment.state, appointment.arrived_late) == (S.ARRIVED, False)
    assert not ComplianceEvent.objects.exists()


def test_a_truck_later_than_the_grace_is_late_a_compliance_event(vendor):
    appointment = confirmed_in_the_past(vendor, grace=30)
    booking.appointment_mark_arrived(
        scope=DOCK, appointment_id=appointment.pk, arrived_at=appointment.slot_start + datetime.timedelta(minutes=45), actor=dock_actor()
    )
    appointment.refresh_from_db()
    assert (appointment.state, appointment.arrived_late) == (S.ARRIVED, True)
    event = ComplianceEvent.objects.get()
    assert (event.kind, event.details["minutes_late"]) == (ComplianceEventKind.APPOINTMENT_LATE, 45)


def test_a_truck_within_the_grace_is_on_time(vendor):
    appointment = confirmed_in_the_past(vendor, grace=30)
    booking.appointment_mark_arrived(
        scope=DOCK, appointment_id=appointment.pk, arrived_at=appointment.slot_start + datetime.timedelta(minutes=30), actor=dock_actor()
    )
    appointment.refresh_from_db()
    assert appointment.arrived_late is False and not ComplianceEvent.objects.exists()


def test_an_arrival_cannot_be_in_the_future(vendor):
    appointment = confirmed_in_the_past(vendor)
    with pytest.raises(Exception, match="cannot be in the future"):
        booking.appointment_mark_arrived(
            scope=DOCK, appointment_id=appointment.pk, arrived_at=timezone.now() + datetime.timedelta(hours=1), actor=dock_actor()
        )


def test_a_request_the_dc_never_answered_is_refused_when_its_slot_begins(vendor):
    dock(opens=datetime.time(0), closes=datetime.time(23, 59), slot_minutes=30)
    slot = (timezone.now() - datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    shipment = submitted_asn(vendor)
    appointment = booking.appointment_request(
        scope=vendor_scope(vendor),
        shipment_id=shipment.pk,
        window_start=slot,
        window_end=slot + datetime.timedelta(hours=1),
        actor=Actor.system(),
        now=slot - datetime.timedelta(days=1),
    )
    assert booking.appointments_mark_missed() == 0
    appointment.refresh_from_db()
    assert (appointment.state, appointment.reason) == (S.REFUSED, "The DC did not confirm it before its slot began.")
    assert not ComplianceEvent.objects.exists()  # not the vendor's fault


def test_freight_the_retailer_arranged_is_no_fault_of_the_vendors(vendor):
    capacity = dock(opens=datetime.time(0), closes=datetime.time(23, 59), slot_minutes=30)
    slot = (timezone.now() - datetime.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    then = slot - datetime.timedelta(days=1)
    shipment = submitted_asn(vendor)
    request = routing.routing_request_create(
        scope=vendor_scope(vendor),
        data=routing.RoutingRequestInput(
            warehouse="ABE2",
            shipment_id=shipment.pk,
            ready_date=then.astimezone(capacity.zone).date(),
            pallets=2,
            weight=Decimal("500"),
            volume=Decimal("3"),
        ),
        actor=Actor.system(),
        now=then,
    )
    appointment = routing.routing_request_schedule(
        scope=DOCK, routing_request_id=request.pk, slot_start=slot, carrier_name="Northwind Freight", actor=dock_actor(), now=then
    )
    assert booking.appointments_mark_missed() == 1
    appointment.refresh_from_db()
    assert appointment.state == S.MISSED
    assert not ComplianceEvent.objects.exists()


def test_reconciliation_charges_a_missed_appointment_back_as_a_no_show(vendor):
    with audit_exempt():
        ChargebackRate.objects.create(marketplace=marketplace("US"), category=DeductionReason.NO_SHOW, amount=Decimal("150.00"), currency="USD")
        ChargebackRate.objects.create(marketplace=marketplace("US"), category=DeductionReason.LATE_DELIVERY, amount=Decimal("75.00"), currency="USD")
    missed = confirmed_in_the_past(vendor, identifier="SHIP-MISSED")
    late = confirmed_in_the_past(vendor, identifier="SHIP-LATE")
    booking.appointment_mark_arrived(scope=DOCK, appointment_id=late.pk, arrived_at=late.slot_start + datetime.timedelta(hours=1), actor=dock_actor())
    booking.appointments_mark_missed()
    chargebacks_raise()
    charged = {d.reason: d for d in Deduction.objects.filter(kind=DeductionKind.CHARGEBACK)}
    assert sorted(charged) == [DeductionReason.LATE_DELIVERY, DeductionReason.NO_SHOW]
    assert (charged[DeductionReason.NO_SHOW].amount, charged[DeductionReason.NO_SHOW].shipment_id) == (Decimal("150.00"), missed.shipment_id)
    assert charged[DeductionReason.LATE_DELIVERY].shipment_id == late.shipment_id
