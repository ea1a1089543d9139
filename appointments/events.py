"""News of dock appointments, published by appointments.services beside their audit rows (see
vendor_portal/events.py for how events are published and subscribed). Plain values only: times are ISO 8601
strings in UTC, with the DC's time zone named so a receiver can show the DC's local time."""

from __future__ import annotations

import dataclasses

from vendor_portal.events import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentEvent(Event):
    appointment_id: int
    reference: str  # APT-000123
    state: str
    previous_state: str  # empty for an appointment the DC booked confirmed (a routing request)
    warehouse: str  # the DC's code
    time_zone: str  # the DC's
    slot_start: str
    slot_end: str
    door: int
    shipment_id: int | None = None
    shipment_identifier: str = ""
    routing_request_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentConfirmed(AppointmentEvent):
    """The DC confirmed a requested appointment (perhaps at another slot), or booked one for a routing request."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentMoved(AppointmentEvent):
    """The DC moved a confirmed appointment to another slot or door; it stays confirmed."""

    previous_slot_start: str
    previous_slot_end: str
    previous_door: int
    reason: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentRefused(AppointmentEvent):
    """The DC refused a requested appointment, or the portal did because its slot came unanswered."""

    reason: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AppointmentMissed(AppointmentEvent):
    """No truck came to a confirmed appointment by its slot's end and the DC's grace."""

    compliance_event_id: int | None = None
