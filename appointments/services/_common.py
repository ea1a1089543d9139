"""What the appointment service modules share: who may act, the locks (the DC's capacity row first, then the
appointment), slot arithmetic in the DC's time zone, the audit snapshot and the events."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vendor_portal import events
from vendor_portal.errors import ConflictError, DomainValidationError, ForbiddenError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.roles import Action, Role
from vendor_portal.services.audit import Actor, snapshot

from ..events import AppointmentEvent
from ..models import HOLDING_STATES, Appointment, DockCapacity, DockClosure

REQUESTERS = [Role.VENDOR_ADMIN, Role.VENDOR_OPS]
SCHEDULERS = [Role.RECEIVING, Role.RETAILER_ADMIN]
APPOINTMENT_AUDITED = [
    "state",
    "warehouse_id",
    "shipment_id",
    "routing_request_id",
    "window_start",
    "window_end",
    "slot_start",
    "slot_end",
    "door",
    "carrier_name",
    "note",
    "reason",
    "arrived_at",
    "arrived_late",
    "confirmed_at",
    "refused_at",
    "cancelled_at",
    "missed_at",
]
BOOKING_HORIZON = datetime.timedelta(days=90)  # how far ahead a slot may be booked
MAX_WINDOW = datetime.timedelta(days=14)  # the longest window a vendor may ask for


class DockFullError(ConflictError):
    """Every door is taken in the window (or the door asked for is): the booking that came first won."""

    code = "dock_full"
    default_message = gettext_lazy("Every door is booked at that time: choose another time.")


# Who may act ---------------------------------------------------------------------------------------
def require_requester(scope) -> None:
    if scope is None or scope.is_retailer or scope.vendor is None or not scope.can(Action.REQUEST_APPOINTMENTS):
        raise ForbiddenError(_("Only the vendor's people (or its tokens with shipments:write) ask for appointments and routing."))


def require_scheduler(scope) -> None:
    if scope is None or not scope.is_retailer or not scope.can(Action.SCHEDULE_APPOINTMENTS):
        raise ForbiddenError(_("Only the DC's receiving team confirms, moves and refuses appointments."))


# Locks ----------------------------------------------------------------------------------------------
def capacity_for_update(warehouse) -> DockCapacity:
    """Lock the DC's capacity row: every booking at this DC waits here for the one before it to commit."""
    capacity = DockCapacity.objects.select_for_update().filter(warehouse=warehouse).first()
    if capacity is None:
        raise DomainValidationError(
            _("%(dc)s takes no appointments: it has not published its dock capacity.") % {"dc": warehouse.code}, field="warehouse"
        )
    capacity.warehouse = warehouse
    return capacity


def appointment_for_update(scope, appointment_id) -> Appointment:
    """Lock the appointment (after its DC's capacity row, when the write takes a slot); another vendor's is 'not found'."""
    try:
        appointment = Appointment.objects.visible_to(scope).select_for_update(of=("self",)).filter(pk=int(appointment_id)).first()
    except (TypeError, ValueError):
        appointment = None
    if appointment is None:
        raise NotFoundError(_("Appointment not found."))
    return appointment


def appointment_warehouse(scope, appointment_id):
    """The DC of an appointment, read before any lock so the capacity row can be locked first."""
    try:
        appointment = Appointment.objects.visible_to(scope).select_related("warehouse").filter(pk=int(appointment_id)).first()
    except (TypeError, ValueError):
        appointment = None
    if appointment is None:
        raise NotFoundError(_("Appointment not found."))
    return appointment.warehouse


def invalid_state(appointment: Appointment, verb: str) -> InvalidTransitionError:
    return InvalidTransitionError(
        _("Appointment %(ref)s cannot be %(verb)s: it is %(state)s.")
        % {"ref": appointment.reference, "verb": verb, "state": appointment.get_state_display().lower()}
    )


def refuse_unless(appointment: Appointment, state: str, verb: str) -> None:
    if not appointment.can_transition_to(state):
        raise invalid_state(appointment, verb)


# Slots ----------------------------------------------------------------------------------------------
def closed_dates(warehouse, first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    return dict(DockClosure.objects.filter(warehouse=warehouse, date__range=(first, last)).values_list("date", "reason"))


def local_days(capacity: DockCapacity, start: datetime.datetime, end: datetime.datetime) -> list[datetime.date]:
    zone = capacity.zone
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def hours_text(capacity: DockCapacity) -> str:
    return _("%(dc)s receives %(days)s, %(opens)s–%(closes)s (%(zone)s), in slots of %(minutes)s minutes.") % {
        "dc": capacity.warehouse.code,
        "days": ", ".join(capacity.open_weekday_names()),
        "opens": capacity.opens_at.strftime("%H:%M"),
        "closes": capacity.closes_at.strftime("%H:%M"),
        "zone": capacity.warehouse.time_zone,
        "minutes": capacity.slot_minutes,
    }


def held_slots(warehouse, start, end, *, exclude=None) -> list[tuple[datetime.datetime, datetime.datetime, int]]:
    """(start, end, door) of every slot taken at the DC overlapping [start, end)."""
    held = Appointment.objects.filter(warehouse=warehouse, state__in=HOLDING_STATES).overlapping(start, end)
    if exclude is not None:
        held = held.exclude(pk=exclude.pk)
    return list(held.values_list("slot_start", "slot_end", "door"))


def free_door(capacity: DockCapacity, held, slot_start, slot_end, door: int | None = None) -> int | None:
    """The door asked for if it is free in the slot, else the lowest free one; None when none is."""
    taken = {held_door for start, end, held_door in held if start < slot_end and end > slot_start}
    if door is not None:
        return door if 1 <= door <= capacity.doors and door not in taken else None
    return next((candidate for candidate in range(1, capacity.doors + 1) if candidate not in taken), None)


def first_free_slot(capacity: DockCapacity, window_start, window_end, *, now) -> tuple[datetime.datetime, datetime.datetime, int]:
    """The earliest slot (and its lowest free door) lying within the window, on an open day, not yet begun."""
    start = max(window_start, now)
    days = local_days(capacity, start, window_end)
    closed = closed_dates(capacity.warehouse, days[0], days[-1])
    candidates = [
        (slot_start, slot_end)
        for day in days
        if capacity.is_open_on(day, closed)
        for slot_start, slot_end in capacity.day_slots(day)
        if slot_start >= start and slot_end <= window_end
    ]
    if not candidates:
        if all(not capacity.is_open_on(day, closed) for day in days):
            reasons = [f"{day:%Y-%m-%d}" + (f" ({closed[day]})" if closed.get(day) else "") for day in days if day in closed]
            message = _("%(dc)s is closed then.") % {"dc": capacity.warehouse.code}
            if reasons:
                message += " " + _("Closed on %(dates)s.") % {"dates": ", ".join(reasons)}
        else:
            message = _("No slot lies within this window.")
        raise DomainValidationError(message, errors=[field_error(None, "window_start", f"{message} {hours_text(capacity)}", "no_slot_in_window")])
    held = held_slots(capacity.warehouse, candidates[0][0], candidates[-1][1])
    for slot_start, slot_end in candidates:
        door = free_door(capacity, held, slot_start, slot_end)
        if door is not None:
            return slot_start, slot_end, door
    raise DockFullError(
        _("Every door of %(dc)s is booked in this window: ask for another time.") % {"dc": capacity.warehouse.code}, field="window_start"
    )


def slot_at(capacity: DockCapacity, slot_start, *, now, field: str = "slot_start") -> tuple[datetime.datetime, datetime.datetime]:
    """The DC's slot starting at `slot_start`: on its grid, on an open day, not begun, within the horizon."""
    if slot_start is None:
        raise DomainValidationError(_("Give the slot's start."), errors=[field_error(None, field, _("Give the slot's start."), "required")])
    problem = None
    if slot_start <= now:
        problem = _("That slot has already begun.")
    elif slot_start > now + BOOKING_HORIZON:
        problem = _("Slots may be booked up to %(days)s days ahead.") % {"days": BOOKING_HORIZON.days}
    else:
        local = slot_start.astimezone(capacity.zone)
        day = local.date()
        closed = closed_dates(capacity.warehouse, day, day)
        if not capacity.is_open_on(day, closed):
            problem = _("%(dc)s is closed on %(date)s.") % {"dc": capacity.warehouse.code, "date": f"{day:%Y-%m-%d}"}
            if closed.get(day):
                problem += f" ({closed[day]})"
        else:
            for start, end in capacity.day_slots(day):
                if start == slot_start:
                    return start, end
            problem = _("%(time)s is not the start of a slot.") % {"time": local.strftime("%Y-%m-%d %H:%M")} + " " + hours_text(capacity)
    raise DomainValidationError(problem, errors=[field_error(None, field, problem, "invalid_slot")])


def save_holding(appointment: Appointment, *, update_fields=None) -> None:
    """Write an appointment that takes a slot; the unique constraint's refusal (a booking that slipped past the
    lock) is the same conflict the lock gives."""
    try:
        with transaction.atomic():
            if update_fields is None:
                appointment.save()
            else:
                appointment.save(update_fields=update_fields)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", "") or ""
        if constraint == "uniq_held_dock_door_slot":
            raise DockFullError(_("Door %(door)s is already booked at that time.") % {"door": appointment.door}, field="slot_start") from None
        if constraint == "uniq_open_appointment_per_asn":
            raise ConflictError(_("This ASN already has an appointment: cancel it first."), field="shipment") from None
        raise


# Audit and events -----------------------------------------------------------------------------------
def appointment_snapshot(appointment: Appointment) -> dict:
    return snapshot(appointment, APPOINTMENT_AUDITED)


def utc_iso(value) -> str:
    return value.astimezone(datetime.UTC).isoformat() if value else ""


def publish(event_type: type[AppointmentEvent], appointment: Appointment, actor: Actor, *, previous_state: str, **more) -> None:
    events.publish(
        event_type(
            vendor_id=appointment.vendor_id,
            channel=actor.channel,
            appointment_id=appointment.pk,
            reference=appointment.reference,
            state=appointment.state,
            previous_state=previous_state or "",
            warehouse=appointment.warehouse.code,
            time_zone=appointment.warehouse.time_zone,
            slot_start=utc_iso(appointment.slot_start),
            slot_end=utc_iso(appointment.slot_end),
            door=appointment.door,
            shipment_id=appointment.shipment_id,
            shipment_identifier=appointment.shipment.shipment_identifier if appointment.shipment_id else "",
            routing_request_id=appointment.routing_request_id,
            **more,
        )
    )


def local_text(value, appointment_or_capacity) -> str:
    """A time as the DC's people read it: '2026-12-07 09:00 EST'."""
    return value.astimezone(appointment_or_capacity.zone).strftime("%Y-%m-%d %H:%M %Z")
