"""Delivery appointments for ASNs: requested by the vendor (the earliest free slot in its window is held at
once), confirmed, moved or refused by the DC, cancelled by either side, and the truck's arrival. A confirmed
appointment nobody came to is marked missed by the beat job; a missed or late one is a compliance event
(reconciliation may charge it back) unless the retailer arranged the freight itself (a routing request)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shipments.models import ComplianceEvent, ComplianceEventKind, Shipment, ShipmentState
from vendor_portal.errors import ConflictError, DomainValidationError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from ..events import AppointmentConfirmed, AppointmentMissed, AppointmentMoved, AppointmentRefused
from ..models import OPEN_STATES, Appointment, AppointmentState, DockCapacity
from ._common import (
    BOOKING_HORIZON,
    MAX_WINDOW,
    REQUESTERS,
    SCHEDULERS,
    DockFullError,
    appointment_for_update,
    appointment_snapshot,
    appointment_warehouse,
    capacity_for_update,
    first_free_slot,
    free_door,
    held_slots,
    invalid_state,
    local_text,
    publish,
    refuse_unless,
    require_requester,
    require_scheduler,
    save_holding,
    slot_at,
    utc_iso,
)

ARRIVAL_CLOCK_SKEW = datetime.timedelta(minutes=5)  # an arrival time a little ahead of the server's clock is accepted
EARLIEST_ARRIVAL = datetime.timedelta(days=7)  # a truck may come early, but a check-in a week before its slot is a typo
MISSED_BATCH = 500  # appointments the beat job looks at per run; the next run takes the rest


def window_errors(window_start, window_end, *, now) -> list:
    errors = []
    for name, value in (("window_start", window_start), ("window_end", window_end)):
        if value is None:
            errors.append(field_error(None, name, _("Give the window's start and end."), "required"))
        elif timezone.is_naive(value):
            errors.append(field_error(None, name, _("Give the time with its time zone offset.")))
    if errors:
        return errors
    if window_end <= window_start:
        errors.append(field_error(None, "window_end", _("The window must end after it starts.")))
    elif window_end <= now:
        errors.append(field_error(None, "window_end", _("This window has already passed.")))
    elif window_end - window_start > MAX_WINDOW:
        errors.append(field_error(None, "window_end", _("A window is at most %(days)s days long.") % {"days": MAX_WINDOW.days}))
    if window_start > now + BOOKING_HORIZON:
        errors.append(field_error(None, "window_start", _("Appointments may be booked up to %(days)s days ahead.") % {"days": BOOKING_HORIZON.days}))
    return errors


def appointment_request(
    *, scope, shipment_id, window_start, window_end, actor: Actor, note: str = "", carrier_name: str = "", now=None
) -> Appointment:
    """Ask for a delivery appointment for a submitted ASN at its DC: the earliest free slot (and door) lying in
    the window is held for it at once, so the DC confirms a slot no one else has. DockFullError when every door
    of every slot in the window is taken."""
    require_requester(scope)
    now = now or timezone.now()
    note, carrier_name = (note or "").strip()[:500], (carrier_name or "").strip()[:100]
    with transaction.atomic():
        try:
            shipment = Shipment.objects.visible_to(scope).select_related("ship_to", "marketplace").filter(pk=int(shipment_id)).first()
        except (TypeError, ValueError):
            shipment = None
        if shipment is None:
            raise NotFoundError(_("Shipment not found."), field="shipment")
        if shipment.state != ShipmentState.SUBMITTED:
            raise InvalidTransitionError(
                _("Appointments are for submitted ASNs: shipment %(id)s is %(state)s.")
                % {"id": shipment.shipment_identifier, "state": shipment.get_state_display().lower()},
                field="shipment",
            )
        errors = window_errors(window_start, window_end, now=now)
        if errors:
            raise DomainValidationError(_("The appointment request has errors; nothing was booked."), errors=errors)
        capacity = capacity_for_update(shipment.ship_to)
        if Appointment.objects.filter(shipment=shipment, state__in=OPEN_STATES).exists():
            raise ConflictError(
                _("ASN %(id)s already has an appointment: cancel it to ask for another.") % {"id": shipment.shipment_identifier}, field="shipment"
            )
        slot_start, slot_end, door = first_free_slot(capacity, window_start, window_end, now=now)
        appointment = Appointment(
            vendor=shipment.vendor,
            warehouse=shipment.ship_to,
            shipment=shipment,
            window_start=window_start,
            window_end=window_end,
            slot_start=slot_start,
            slot_end=slot_end,
            door=door,
            carrier_name=carrier_name or shipment.carrier_name,
            note=note,
            created_by=actor.user,
        )
        save_holding(appointment)
        audit_record(actor=actor, action="appointment.request", obj=appointment, after=appointment_snapshot(appointment))
        notify_retailer_roles(
            roles=SCHEDULERS,
            kind="appointment_requested",
            vendor=shipment.vendor,
            title=_("%(vendor)s asks for %(dc)s at %(slot)s (%(ref)s)")
            % {"vendor": shipment.vendor.code, "dc": capacity.warehouse.code, "slot": local_text(slot_start, capacity), "ref": appointment.reference},
            url=f"/appointments/{appointment.pk}/",
        )
    return appointment


def _reslot(appointment: Appointment, capacity: DockCapacity, slot_start, door, *, now, reason: str) -> bool:
    """Give the appointment the DC's slot starting at `slot_start` (and `door`, else the lowest free one),
    keeping the slot it had in `previous_slots`. False when that is the slot it already has."""
    start, end = slot_at(capacity, slot_start, now=now)
    if door is not None and not 1 <= door <= capacity.doors:
        raise DomainValidationError(_("%(dc)s has doors 1 to %(doors)s.") % {"dc": capacity.warehouse.code, "doors": capacity.doors}, field="door")
    if start == appointment.slot_start and door in (None, appointment.door):
        return False
    chosen = free_door(capacity, held_slots(capacity.warehouse, start, end, exclude=appointment), start, end, door)
    if chosen is None:
        if door is not None:
            raise DockFullError(_("Door %(door)s is already booked at that time.") % {"door": door}, field="door")
        raise DockFullError(_("Every door is booked at that time: choose another slot."), field="slot_start")
    appointment.previous_slots = [
        *appointment.previous_slots,
        {
            "slot_start": utc_iso(appointment.slot_start),
            "slot_end": utc_iso(appointment.slot_end),
            "door": appointment.door,
            "moved_at": utc_iso(now),
            "reason": reason,
        },
    ]
    appointment.slot_start, appointment.slot_end, appointment.door = start, end, chosen
    return True


def _notify_vendor(appointment: Appointment, kind: str, title: str, body: str = "") -> None:
    notify_vendor_roles(
        vendor=appointment.vendor,
        roles=REQUESTERS,
        marketplace=appointment.warehouse.marketplace,
        kind=kind,
        title=title,
        body=body,
        url=f"/appointments/{appointment.pk}/",
    )


SLOT_FIELDS = ["slot_start", "slot_end", "door", "previous_slots"]


def appointment_confirm(*, scope, appointment_id, actor: Actor, slot_start=None, door: int | None = None, reason: str = "", now=None) -> Appointment:
    """The DC confirms a requested appointment, at the slot it holds or at another (`slot_start`, `door`)."""
    require_scheduler(scope)
    now = now or timezone.now()
    with transaction.atomic():
        capacity = capacity_for_update(appointment_warehouse(scope, appointment_id))
        appointment = appointment_for_update(scope, appointment_id)
        appointment.warehouse = capacity.warehouse
        if appointment.state != AppointmentState.REQUESTED:  # a confirmed one is moved, not confirmed again
            raise invalid_state(appointment, _("confirmed"))
        before = appointment_snapshot(appointment)
        if slot_start is not None or door is not None:
            _reslot(appointment, capacity, slot_start or appointment.slot_start, door, now=now, reason=(reason or "").strip()[:500])
        elif appointment.slot_start <= now:
            raise DomainValidationError(
                _("The slot it holds has already begun: confirm it at another time."),
                errors=[field_error(None, "slot_start", _("The slot it holds has already begun: confirm it at another time."), "slot_passed")],
            )
        appointment.state = AppointmentState.CONFIRMED
        appointment.confirmed_at = now
        save_holding(appointment, update_fields=["state", "confirmed_at", *SLOT_FIELDS, "updated_at"])
        audit_record(actor=actor, action="appointment.confirm", obj=appointment, before=before, after=appointment_snapshot(appointment))
        publish(AppointmentConfirmed, appointment, actor, previous_state=before["state"])
        _notify_vendor(
            appointment,
            "appointment_confirmed",
            _("%(dc)s confirmed %(ref)s: %(slot)s, door %(door)s")
            % {
                "dc": capacity.warehouse.code,
                "ref": appointment.reference,
                "slot": local_text(appointment.slot_start, capacity),
                "door": appointment.door,
            },
        )
    return appointment


def appointment_move(*, scope, appointment_id, slot_start, actor: Actor, door: int | None = None, reason: str = "", now=None) -> Appointment:
    """The DC moves a confirmed appointment to another slot or door; it stays confirmed, the old slot is kept."""
    require_scheduler(scope)
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        capacity = capacity_for_update(appointment_warehouse(scope, appointment_id))
        appointment = appointment_for_update(scope, appointment_id)
        appointment.warehouse = capacity.warehouse
        if appointment.state != AppointmentState.CONFIRMED:
            raise InvalidTransitionError(
                _("Only a confirmed appointment is moved; %(ref)s is %(state)s (confirm a request at another time instead).")
                % {"ref": appointment.reference, "state": appointment.get_state_display().lower()}
            )
        before = appointment_snapshot(appointment)
        previous = (appointment.slot_start, appointment.slot_end, appointment.door)
        if not _reslot(appointment, capacity, slot_start, door, now=now, reason=reason):
            raise DomainValidationError(_("The appointment already has this slot and door."), field="slot_start")
        appointment.reason = reason
        save_holding(appointment, update_fields=[*SLOT_FIELDS, "reason", "updated_at"])
        audit_record(actor=actor, action="appointment.move", obj=appointment, before=before, after=appointment_snapshot(appointment))
        publish(
            AppointmentMoved,
            appointment,
            actor,
            previous_state=before["state"],
            previous_slot_start=utc_iso(previous[0]),
            previous_slot_end=utc_iso(previous[1]),
            previous_door=previous[2],
            reason=reason,
        )
        _notify_vendor(
            appointment,
            "appointment_moved",
            _("%(dc)s moved %(ref)s to %(slot)s, door %(door)s")
            % {
                "dc": capacity.warehouse.code,
                "ref": appointment.reference,
                "slot": local_text(appointment.slot_start, capacity),
                "door": appointment.door,
            },
            body=reason,
        )
    return appointment


def appointment_refuse(*, scope, appointment_id, reason: str, actor: Actor, now=None) -> Appointment:
    """The DC refuses a requested appointment; its slot is free again."""
    require_scheduler(scope)
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DomainValidationError(_("Say why the appointment is refused."), errors=[field_error(None, "reason", _("Say why."), "required")])
    with transaction.atomic():
        appointment = appointment_for_update(scope, appointment_id)
        refuse_unless(appointment, AppointmentState.REFUSED, _("refused"))
        return _refuse(appointment, reason=reason, actor=actor, now=now)


def _refuse(appointment: Appointment, *, reason: str, actor: Actor, now) -> Appointment:
    before = appointment_snapshot(appointment)
    appointment.state = AppointmentState.REFUSED
    appointment.refused_at = now
    appointment.reason = reason
    appointment.save(update_fields=["state", "refused_at", "reason", "updated_at"])
    audit_record(actor=actor, action="appointment.refuse", obj=appointment, before=before, after=appointment_snapshot(appointment))
    publish(AppointmentRefused, appointment, actor, previous_state=before["state"], reason=reason)
    _notify_vendor(
        appointment,
        "appointment_refused",
        _("%(dc)s refused %(ref)s") % {"dc": appointment.warehouse.code, "ref": appointment.reference},
        body=reason,
    )
    return appointment


def appointment_cancel(*, scope, appointment_id, actor: Actor, reason: str = "", now=None) -> Appointment:
    """Either side gives up an appointment before its slot begins; the slot is free again."""
    if scope is not None and scope.is_retailer:
        require_scheduler(scope)
    else:
        require_requester(scope)
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        appointment = appointment_for_update(scope, appointment_id)
        refuse_unless(appointment, AppointmentState.CANCELLED, _("cancelled"))
        if appointment.state == AppointmentState.CONFIRMED and appointment.slot_start <= now:
            raise InvalidTransitionError(
                _("%(ref)s cannot be cancelled: its slot has begun. The DC marks the truck arrived, or the appointment is missed.")
                % {"ref": appointment.reference}
            )
        before = appointment_snapshot(appointment)
        appointment.state = AppointmentState.CANCELLED
        appointment.cancelled_at = now
        appointment.reason = reason
        appointment.save(update_fields=["state", "cancelled_at", "reason", "updated_at"])
        audit_record(actor=actor, action="appointment.cancel", obj=appointment, before=before, after=appointment_snapshot(appointment))
        title = _("%(ref)s at %(dc)s was cancelled") % {"ref": appointment.reference, "dc": appointment.warehouse.code}
        if scope.is_retailer:
            _notify_vendor(appointment, "appointment_cancelled", title, body=reason)
        else:
            notify_retailer_roles(roles=SCHEDULERS, kind="appointment_cancelled", vendor=appointment.vendor, title=title, body=reason)
    return appointment


def appointment_mark_arrived(*, scope, appointment_id, actor: Actor, arrived_at=None, now=None) -> Appointment:
    """Receiving checks the truck in. Later than the slot's start and the DC's grace is late: a compliance event."""
    require_scheduler(scope)
    now = now or timezone.now()
    arrived_at = arrived_at or now
    if timezone.is_naive(arrived_at) or arrived_at > now + ARRIVAL_CLOCK_SKEW:
        raise DomainValidationError(_("The arrival time cannot be in the future."), field="arrived_at")
    with transaction.atomic():
        appointment = appointment_for_update(scope, appointment_id)
        refuse_unless(appointment, AppointmentState.ARRIVED, _("marked arrived"))
        if arrived_at < appointment.slot_start - EARLIEST_ARRIVAL:
            raise DomainValidationError(_("That is more than a week before the slot: check the arrival time."), field="arrived_at")
        capacity = DockCapacity.objects.filter(warehouse_id=appointment.warehouse_id).first()
        grace = capacity.grace if capacity is not None else datetime.timedelta(0)
        before = appointment_snapshot(appointment)
        appointment.state = AppointmentState.ARRIVED
        appointment.arrived_at = arrived_at
        appointment.arrived_late = arrived_at > appointment.slot_start + grace
        appointment.save(update_fields=["state", "arrived_at", "arrived_late", "updated_at"])
        audit_record(actor=actor, action="appointment.arrive", obj=appointment, before=before, after=appointment_snapshot(appointment))
        if appointment.arrived_late:
            minutes = int((arrived_at - appointment.slot_start).total_seconds() // 60)
            event = _record_compliance(
                appointment, ComplianceEventKind.APPOINTMENT_LATE, actor, now, arrived_at=utc_iso(arrived_at), minutes_late=minutes
            )
            if event is not None:
                _notify_vendor(
                    appointment,
                    "appointment_late",
                    _("Your truck for %(ref)s arrived %(minutes)s minutes after its slot at %(dc)s")
                    % {"ref": appointment.reference, "minutes": minutes, "dc": appointment.warehouse.code},
                    body=_("A late delivery may be charged back."),
                )
    return appointment


def _record_compliance(appointment: Appointment, kind: str, actor: Actor, now, **details) -> ComplianceEvent | None:
    """The vendor's fault on the record; not when the retailer arranged the freight (a routing request): then the
    carrier was the retailer's."""
    if appointment.routing_request_id is not None:
        return None
    event = ComplianceEvent.objects.create(
        vendor_id=appointment.vendor_id,
        shipment_id=appointment.shipment_id,
        kind=kind,
        occurred_at=now,
        details={
            "appointment": appointment.reference,
            "warehouse": appointment.warehouse.code,
            "slot_start": utc_iso(appointment.slot_start),
            "slot_end": utc_iso(appointment.slot_end),
            "door": appointment.door,
            **details,
        },
    )
    audit_record(actor=actor, action="compliance_event.record", obj=event, after=snapshot(event, ["kind", "shipment_id", "details"]))
    return event


def appointments_mark_missed(*, now=None, actor: Actor | None = None) -> int:
    """Beat job: confirmed appointments whose slot ended (plus the DC's grace) without the truck become missed,
    each a compliance event; requests the DC never answered before their slot began are refused, freeing the slot.
    Each appointment is locked (skipping any another worker holds) and its state checked again, so a rerun or a
    concurrent arrival never acts twice. Returns how many were marked missed."""
    actor = actor or Actor.system()
    now = now or timezone.now()
    missed = 0
    due = Appointment.objects.filter(state=AppointmentState.CONFIRMED, slot_end__lte=now).order_by("pk").values_list("pk", flat=True)
    for pk in list(due[:MISSED_BATCH]):
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update(skip_locked=True).filter(pk=pk, state=AppointmentState.CONFIRMED).first()
            if appointment is None:
                continue
            capacity = DockCapacity.objects.filter(warehouse_id=appointment.warehouse_id).first()
            if appointment.slot_end + (capacity.grace if capacity is not None else datetime.timedelta(0)) > now:
                continue
            before = appointment_snapshot(appointment)
            appointment.state = AppointmentState.MISSED
            appointment.missed_at = now
            appointment.save(update_fields=["state", "missed_at", "updated_at"])
            audit_record(actor=actor, action="appointment.miss", obj=appointment, before=before, after=appointment_snapshot(appointment))
            event = _record_compliance(appointment, ComplianceEventKind.APPOINTMENT_MISSED, actor, now)
            publish(AppointmentMissed, appointment, actor, previous_state=before["state"], compliance_event_id=event.pk if event else None)
            _notify_vendor(
                appointment,
                "appointment_missed",
                _("No truck came to %(ref)s at %(dc)s") % {"ref": appointment.reference, "dc": appointment.warehouse.code},
                body=_("A missed appointment may be charged back.") if event else "",
            )
            missed += 1
    unanswered = Appointment.objects.filter(state=AppointmentState.REQUESTED, slot_start__lte=now).order_by("pk").values_list("pk", flat=True)
    for pk in list(unanswered[:MISSED_BATCH]):
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update(skip_locked=True).filter(pk=pk, state=AppointmentState.REQUESTED).first()
            if appointment is not None:
                _refuse(appointment, reason=_("The DC did not confirm it before its slot began."), actor=actor, now=now)
    return missed
