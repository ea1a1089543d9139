"""A DC's dock capacity and closed dates, published by its receiving team. Appointments already booked keep
their slots when the capacity changes or a day closes: the DC moves or cancels them itself."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, NotFoundError, field_error
from vendor_portal.models import Warehouse
from vendor_portal.services.audit import Actor, audit_record, snapshot

from ..models import WEEKDAYS, DockCapacity, DockClosure, zone_of
from ._common import require_scheduler

CAPACITY_AUDITED = ["warehouse_id", "doors", "slot_minutes", "opens_at", "closes_at", "open_weekdays", "grace_minutes"]


def _warehouse(code) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=(code or "").strip().upper()).first()
    if warehouse is None:
        raise NotFoundError(_("No such DC."), field="warehouse")
    return warehouse


def dock_capacity_set(
    *,
    scope,
    warehouse_code: str,
    doors: int | None,
    slot_minutes: int | None,
    opens_at: datetime.time | None,
    closes_at: datetime.time | None,
    open_weekdays: str,
    grace_minutes: int | None,
    actor: Actor,
) -> DockCapacity:
    """Publish (or change) what the DC can receive: doors, slot length, hours and open weekdays (Monday 0)."""
    require_scheduler(scope)
    errors = []
    if doors is None or not 1 <= doors <= 200:
        errors.append(field_error(None, "doors", _("From 1 to 200 doors."), "invalid"))
    if slot_minutes is None or not 15 <= slot_minutes <= 480:
        errors.append(field_error(None, "slot_minutes", _("A slot lasts 15 to 480 minutes."), "invalid"))
    if opens_at is None or closes_at is None:
        errors.append(field_error(None, "opens_at" if opens_at is None else "closes_at", _("Give the opening hours."), "required"))
    elif closes_at <= opens_at:
        errors.append(field_error(None, "closes_at", _("The DC must close after it opens (on the same day).")))
    elif slot_minutes and (datetime.datetime.combine(datetime.date.min, closes_at) - datetime.datetime.combine(datetime.date.min, opens_at)) < (
        datetime.timedelta(minutes=slot_minutes)
    ):
        errors.append(field_error(None, "closes_at", _("The opening hours hold no whole slot.")))
    weekdays = "".join(sorted(set(open_weekdays or "")))
    if not weekdays or any(day not in WEEKDAYS for day in weekdays):
        errors.append(field_error(None, "open_weekdays", _("Choose the days the DC receives."), "invalid"))
    if grace_minutes is None or not 0 <= grace_minutes <= 240:
        errors.append(field_error(None, "grace_minutes", _("From 0 to 240 minutes."), "invalid"))
    if errors:
        raise DomainValidationError(_("The dock capacity has errors; nothing was changed."), errors=errors)
    values = {
        "doors": doors,
        "slot_minutes": slot_minutes,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "open_weekdays": weekdays,
        "grace_minutes": grace_minutes,
    }
    with transaction.atomic():
        warehouse = _warehouse(warehouse_code)
        capacity = DockCapacity.objects.select_for_update().filter(warehouse=warehouse).first()
        before = snapshot(capacity, CAPACITY_AUDITED) if capacity is not None else None
        if capacity is None:
            capacity = DockCapacity(warehouse=warehouse)
        for name, value in values.items():
            setattr(capacity, name, value)
        after = snapshot(capacity, CAPACITY_AUDITED)
        if after != before:
            capacity.save()
            audit_record(actor=actor, action="dock_capacity.set", obj=capacity, before=before, after=after)
    return capacity


def dock_closure_add(*, scope, warehouse_code: str, date: datetime.date | None, actor: Actor, reason: str = "") -> DockClosure:
    """Close the DC for a day (its local calendar): no new appointment is booked on it."""
    require_scheduler(scope)
    if date is None:
        raise DomainValidationError(_("Give the date."), errors=[field_error(None, "date", _("Give the date."), "required")])
    with transaction.atomic():
        warehouse = _warehouse(warehouse_code)
        if date < timezone.localdate(timezone.now(), timezone=zone_of(warehouse)):
            raise DomainValidationError(
                _("A closed day is today or later."), errors=[field_error(None, "date", _("A closed day is today or later."))]
            )
        closure, created = DockClosure.objects.get_or_create(warehouse=warehouse, date=date, defaults={"reason": (reason or "").strip()[:200]})
        if created:
            audit_record(actor=actor, action="dock_closure.add", obj=closure, after=snapshot(closure, ["warehouse_id", "date", "reason"]))
    return closure


def dock_closure_remove(*, scope, warehouse_code: str, date: datetime.date, actor: Actor) -> None:
    require_scheduler(scope)
    with transaction.atomic():
        warehouse = _warehouse(warehouse_code)
        closure = DockClosure.objects.select_for_update().filter(warehouse=warehouse, date=date).first()
        if closure is None:
            raise NotFoundError(_("The DC is not closed on that day."), field="date")
        audit_record(actor=actor, action="dock_closure.remove", obj=closure, before=snapshot(closure, ["warehouse_id", "date", "reason"]))
        closure.delete()
