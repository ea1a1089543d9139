"""Non-trivial reads of appointments: lists, a DC's week of slots with what is booked, today's trucks."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from .models import HOLDING_STATES, Appointment, AppointmentState, DockCapacity, DockClosure, RoutingRequest

CALENDAR_REACH_DAYS = 366  # how far back or ahead a calendar may be shown
SHOWN_ON_CALENDAR = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED, AppointmentState.MISSED)


def appointment_list(*, scope, state: str = "", warehouse_code: str = "", shipment_id=None, upcoming: bool = False, now=None):
    queryset = Appointment.objects.visible_to(scope).select_related("vendor", "warehouse", "shipment", "routing_request")
    if state:
        queryset = queryset.filter(state=state)
    if warehouse_code:
        queryset = queryset.filter(warehouse__code=warehouse_code.upper())
    if shipment_id:
        queryset = queryset.filter(shipment_id=shipment_id)
    if upcoming:
        queryset = queryset.filter(slot_end__gte=now or timezone.now())
    return queryset


def routing_request_list(*, scope, state: str = ""):
    queryset = RoutingRequest.objects.visible_to(scope).select_related("vendor", "warehouse", "shipment")
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def dock_capacities():
    """Every DC that takes appointments, by code."""
    return DockCapacity.objects.select_related("warehouse__marketplace").order_by("warehouse__code")


def dock_capacity_for(code: str) -> DockCapacity | None:
    return dock_capacities().filter(warehouse__code=(code or "").upper()).first()


def dock_days(*, capacity: DockCapacity, first_day: datetime.date, days: int = 7, scope=None, now=None) -> list[dict]:
    """The DC's slots day by day (its local calendar): capacity, booked and free doors, and the appointments of
    `scope` in each (none when `scope` is None: the capacity alone, which every signed-in person may see).
    Three queries whatever the number of days."""
    now = now or timezone.now()
    zone, warehouse = capacity.zone, capacity.warehouse
    dates = [first_day + datetime.timedelta(days=n) for n in range(days)]
    closures = dict(DockClosure.objects.filter(warehouse=warehouse, date__range=(dates[0], dates[-1])).values_list("date", "reason"))
    range_start = datetime.datetime.combine(dates[0], datetime.time.min, tzinfo=zone)
    range_end = datetime.datetime.combine(dates[-1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    held = list(
        Appointment.objects.filter(warehouse=warehouse, state__in=HOLDING_STATES)
        .overlapping(range_start, range_end)
        .values_list("slot_start", "slot_end")
    )
    shown = []
    if scope is not None:
        shown = list(
            Appointment.objects.visible_to(scope)
            .filter(warehouse=warehouse, state__in=SHOWN_ON_CALENDAR)
            .overlapping(range_start, range_end)
            .select_related("vendor", "shipment")
            .order_by("slot_start", "door")
        )
    result = []
    for day in dates:
        is_open = capacity.is_open_on(day, closures)
        slots = []
        for start, end in capacity.day_slots(day):
            booked = sum(1 for held_start, held_end in held if held_start < end and held_end > start)
            appointments = [a for a in shown if start <= a.slot_start < end]
            if not is_open and not appointments:
                continue
            bookable = is_open and start > now
            slots.append(
                {
                    "start": start,
                    "end": end,
                    "capacity": capacity.doors if is_open else 0,
                    "booked": booked,
                    "free": max(capacity.doors - booked, 0) if bookable else 0,
                    "past": start <= now,
                    "appointments": appointments,
                }
            )
        result.append({"date": day, "open": is_open, "closed_reason": closures.get(day, ""), "slots": slots})
    return result


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def appointments_today(*, scope, now=None) -> list[Appointment]:
    """Trucks due today at each DC, today being the DC's own local day."""
    now = now or timezone.now()
    around = datetime.timedelta(hours=27)  # every time zone's today lies within this of now
    rows = (
        Appointment.objects.visible_to(scope)
        .filter(state__in=SHOWN_ON_CALENDAR, slot_start__gte=now - around, slot_start__lt=now + around)
        .select_related("warehouse", "vendor", "shipment")
        .order_by("slot_start", "warehouse__code", "door")
    )
    return [
        appointment for appointment in rows if appointment.slot_start.astimezone(appointment.zone).date() == now.astimezone(appointment.zone).date()
    ]


def shipments_without_appointment(*, scope):
    """The vendor's submitted ASNs that have no open appointment, for the request form."""
    from shipments.models import Shipment, ShipmentState

    from .models import OPEN_STATES

    taken = Appointment.objects.filter(state__in=OPEN_STATES, shipment__isnull=False).values("shipment_id")
    return (
        Shipment.objects.visible_to(scope)
        .filter(state=ShipmentState.SUBMITTED)
        .exclude(Q(pk__in=taken))
        .select_related("ship_to")
        .order_by("-submitted_at", "-pk")
    )
