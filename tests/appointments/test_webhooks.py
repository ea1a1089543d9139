"""The webhook payloads of appointments (webhooks/payloads.py, version 2), through the real services: the keys and
values a receiver sees in `data`, valid against the JSON Schema served for each event."""

import datetime

import pytest

from appointments.services import booking
from tests.appointments.factories import DOCK, at, day_ahead, dock, dock_actor, requested, submitted_asn
from tests.appointments.test_tasks import confirmed_in_the_past
from tests.webhooks.test_payloads import received  # noqa: F401  (the fixture: the `data` of each delivery of an event)
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def utc(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def common(appointment, state, previous_state, channel="web") -> dict:
    return {
        "object_type": "appointments.appointment",
        "object_id": str(appointment.pk),
        "reference": appointment.reference,
        "state": state,
        "previous_state": previous_state,
        "channel": channel,
        "warehouse": "ABE2",
        "time_zone": "America/New_York",
        "shipment_id": appointment.shipment_id,
        "shipment_identifier": appointment.shipment.shipment_identifier,
        "routing_request_id": None,
    }


def test_appointment_confirmed_then_moved(vendor, received):  # noqa: F811
    dock(doors=2)
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    assert not WebhookDelivery.objects.filter(event__startswith="appointment.").exists()  # a request is no news to the vendor's own systems
    booking.appointment_confirm(scope=DOCK, appointment_id=appointment.pk, actor=dock_actor())
    booking.appointment_move(scope=DOCK, appointment_id=appointment.pk, slot_start=at(day, 13), door=2, reason="Door 1 repairs", actor=dock_actor())
    slot = {"slot_start": utc(at(day, 9)), "slot_end": utc(at(day, 10)), "door": 1}
    assert received("appointment.confirmed") == [{**common(appointment, "confirmed", "requested"), **slot}]
    assert received("appointment.moved") == [
        {
            **common(appointment, "confirmed", "confirmed"),
            "slot_start": utc(at(day, 13)),
            "slot_end": utc(at(day, 14)),
            "door": 2,
            "previous_slot_start": slot["slot_start"],
            "previous_slot_end": slot["slot_end"],
            "previous_door": 1,
            "reason": "Door 1 repairs",
        }
    ]


def test_appointment_refused(vendor, received):  # noqa: F811
    dock()
    day = day_ahead()
    appointment = requested(vendor, submitted_asn(vendor), day)
    booking.appointment_refuse(scope=DOCK, appointment_id=appointment.pk, reason="Peak week", actor=dock_actor())
    assert received("appointment.refused") == [
        {
            **common(appointment, "refused", "requested"),
            "slot_start": utc(at(day, 9)),
            "slot_end": utc(at(day, 10)),
            "door": 1,
            "reason": "Peak week",
        }
    ]


def test_appointment_missed(vendor, received):  # noqa: F811
    from shipments.models import ComplianceEvent

    appointment = confirmed_in_the_past(vendor)
    booking.appointments_mark_missed()
    [data] = received("appointment.missed")
    assert data == {
        **common(appointment, "missed", "confirmed", channel="system"),
        "slot_start": utc(appointment.slot_start),
        "slot_end": utc(appointment.slot_end),
        "door": 1,
        "compliance_event_id": ComplianceEvent.objects.get().pk,
    }
