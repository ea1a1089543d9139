"""Dock appointments at the retailer's DCs (Amazon's Carrier Central, Walmart's Scheduler).

Each DC publishes its dock capacity: doors, the length of a slot, opening hours and days, closed dates, all
in the DC's own time zone. A slot takes one truck per door. The vendor (or its carrier) asks for a delivery
appointment for a submitted ASN within a window; the earliest free slot and door in it are held at once, so
two vendors never hold the same door, and the DC confirms, moves or refuses. When the retailer arranges the
freight, the vendor sends a routing request (pallets, weight, volume, ready date) and the DC schedules it,
which books the appointment itself. Times are stored in UTC and shown in the DC's local time.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.tenancy import VendorScopedQuerySet

WEEKDAYS = "0123456"  # Monday is 0, as date.weekday() counts
weekdays_validator = RegexValidator(r"^[0-6]{1,7}$", _("List the open weekdays as digits, Monday 0 to Sunday 6 (e.g. 01234)."))


def zone_of(warehouse) -> datetime.tzinfo:
    """The DC's time zone (UTC if its name is not a known zone)."""
    try:
        return zoneinfo.ZoneInfo(warehouse.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


class DockCapacity(models.Model):
    """What one DC can receive: `doors` trucks at once, in slots of `slot_minutes` from `opens_at` to
    `closes_at` (the DC's local time) on its open weekdays, except its closed dates (DockClosure)."""

    warehouse = models.OneToOneField("vendor_portal.Warehouse", on_delete=models.CASCADE, related_name="dock_capacity")
    doors = models.PositiveSmallIntegerField(_("doors"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    open_weekdays = models.CharField(_("open weekdays"), max_length=7, default="01234", validators=[weekdays_validator])
    # A truck later than this after its slot started is late; one not there this long after its slot ended missed it.
    grace_minutes = models.PositiveSmallIntegerField(_("grace (minutes)"), default=30, validators=[MaxValueValidator(240)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(doors__gte=1), name="dock_capacity_has_doors"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15, slot_minutes__lte=480), name="dock_capacity_slot_length"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="dock_capacity_closes_after_opening"),
            models.CheckConstraint(condition=Q(grace_minutes__lte=240), name="dock_capacity_grace_bounded"),
        ]
        verbose_name = _("dock capacity")
        verbose_name_plural = _("dock capacities")

    def __str__(self) -> str:
        return f"{self.warehouse_id}: {self.doors} × {self.slot_minutes} min"

    @property
    def zone(self) -> datetime.tzinfo:
        return zone_of(self.warehouse)

    @property
    def grace(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.grace_minutes)

    def is_open_on(self, day: datetime.date, closed_dates=frozenset()) -> bool:
        return str(day.weekday()) in self.open_weekdays and day not in closed_dates

    def day_slots(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The day's slots as (start, end) in the DC's time zone, whether or not the DC is open that day."""
        zone, step = self.zone, datetime.timedelta(minutes=self.slot_minutes)
        start, close = datetime.datetime.combine(day, self.opens_at), datetime.datetime.combine(day, self.closes_at)
        slots = []
        while start + step <= close:  # wall-clock steps: a slot starts at the same local time whatever the offset
            slots.append((start.replace(tzinfo=zone), (start + step).replace(tzinfo=zone)))
            start += step
        return slots

    @property
    def slots_per_day(self) -> int:
        return len(self.day_slots(datetime.date(2001, 1, 1)))

    def open_weekday_names(self) -> list[str]:
        names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        return [str(names[int(day)]) for day in sorted(set(self.open_weekdays))]


class DockClosure(models.Model):
    """A date the DC receives nothing (a holiday, a stocktake), in its local calendar."""

    warehouse = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.CASCADE, related_name="dock_closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["warehouse_id", "date"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "date"], name="uniq_dock_closure_per_day")]
        verbose_name = _("dock closure")
        verbose_name_plural = _("dock closures")

    def __str__(self) -> str:
        return f"{self.warehouse_id} closed {self.date:%Y-%m-%d}"


class AppointmentState(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # the vendor asked; the earliest free slot in its window is held until the DC answers
    CONFIRMED = "confirmed", _("Confirmed")  # the DC confirmed the slot, or moved it (the slots it had are kept)
    REFUSED = "refused", _("Refused")  # the DC refused the request (or it was never answered before its slot); the slot is free again
    CANCELLED = "cancelled", _("Cancelled")  # given up before the truck came, by the vendor or the DC; the slot is free again
    ARRIVED = "arrived", _("Arrived")  # the truck checked in; `arrived_late` when after the slot's start and the DC's grace
    MISSED = "missed", _("Missed")  # nobody came by the slot's end and the DC's grace


# States whose slot and door are taken: no other truck may have them.
HOLDING_STATES = (AppointmentState.REQUESTED, AppointmentState.CONFIRMED, AppointmentState.ARRIVED)
# At most one of these per ASN: a new appointment is asked for only after a refusal, a cancellation or a miss.
OPEN_STATES = HOLDING_STATES


class AppointmentQuerySet(VendorScopedQuerySet):
    def holding(self):
        return self.filter(state__in=HOLDING_STATES)

    def overlapping(self, start, end):
        return self.filter(slot_start__lt=end, slot_end__gt=start)


class Appointment(models.Model):
    """A delivery slot at a DC for one truck: for a submitted ASN, or booked by the DC for a routing request."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("DC"))
    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ASN"))
    routing_request = models.ForeignKey(
        "RoutingRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="appointments", verbose_name=_("routing request")
    )
    state = models.CharField(_("state"), max_length=10, choices=AppointmentState.choices, default=AppointmentState.REQUESTED)
    window_start = models.DateTimeField(_("requested from"))
    window_end = models.DateTimeField(_("requested until"))
    # The slot held: proposed when requested, firm once confirmed; kept for the record after a refusal.
    slot_start = models.DateTimeField(_("slot start"))
    slot_end = models.DateTimeField(_("slot end"))
    door = models.PositiveSmallIntegerField(_("door"))
    # The slots it had before each move, oldest first: [{slot_start, slot_end, door, moved_at, reason}].
    previous_slots = models.JSONField(_("previous slots"), default=list, blank=True)
    carrier_name = models.CharField(_("carrier"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # the last refusal, move or cancellation's
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    arrived_late = models.BooleanField(_("late"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    missed_at = models.DateTimeField(_("missed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()
    tenancy_marketplace_field = "warehouse__marketplace"

    TRANSITIONS = {
        AppointmentState.REQUESTED: {AppointmentState.CONFIRMED, AppointmentState.REFUSED, AppointmentState.CANCELLED},
        # confirmed -> confirmed is a move: a new slot, the old one kept in previous_slots
        AppointmentState.CONFIRMED: {AppointmentState.CONFIRMED, AppointmentState.CANCELLED, AppointmentState.ARRIVED, AppointmentState.MISSED},
        AppointmentState.REFUSED: set(),
        AppointmentState.CANCELLED: set(),
        AppointmentState.ARRIVED: set(),
        AppointmentState.MISSED: set(),
    }

    class Meta:
        ordering = ["slot_start", "door", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=AppointmentState.values), name="appointment_state_valid"),
            models.CheckConstraint(condition=Q(shipment__isnull=False) | Q(routing_request__isnull=False), name="appointment_for_asn_or_routing"),
            models.CheckConstraint(condition=Q(slot_end__gt=F("slot_start")), name="appointment_slot_ends_after_start"),
            models.CheckConstraint(condition=Q(window_end__gt=F("window_start")), name="appointment_window_ends_after_start"),
            models.CheckConstraint(condition=Q(door__gte=1), name="appointment_door_positive"),
            # The last line of defence for capacity (services also lock the DC's capacity row): one truck per door and slot.
            models.UniqueConstraint(
                fields=["warehouse", "slot_start", "door"], condition=Q(state__in=HOLDING_STATES), name="uniq_held_dock_door_slot"
            ),
            models.UniqueConstraint(fields=["shipment"], condition=Q(state__in=OPEN_STATES), name="uniq_open_appointment_per_asn"),
        ]
        indexes = [
            models.Index(fields=["warehouse", "slot_start"], name="appointment_dock_calendar"),
            models.Index(fields=["vendor", "-slot_start"], name="appointment_list_by_vendor"),
            # The beat job's two questions: confirmed slots that ended, requests whose slot started unanswered.
            models.Index(fields=["slot_end"], condition=Q(state="confirmed"), name="appointment_due_missed"),
            models.Index(fields=["slot_start"], condition=Q(state="requested"), name="appointment_due_unanswered"),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"APT-{self.pk:06d}" if self.pk else "APT-new"

    def can_transition_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]

    @property
    def zone(self) -> datetime.tzinfo:
        return zone_of(self.warehouse)

    @property
    def is_open(self) -> bool:
        return self.state in (AppointmentState.REQUESTED, AppointmentState.CONFIRMED)


class WeightUnit(models.TextChoices):
    KILOGRAMS = "kg", _("kg")
    POUNDS = "lb", _("lb")


class VolumeUnit(models.TextChoices):
    CUBIC_METRES = "m3", _("m³")
    CUBIC_FEET = "ft3", _("ft³")


class RoutingRequestState(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # the vendor's freight is ready on `ready_date`; the retailer arranges its transport
    SCHEDULED = "scheduled", _("Scheduled")  # the DC booked the delivery appointment (and named the carrier)
    REFUSED = "refused", _("Refused")  # the retailer will not arrange this freight; the vendor ships it itself


class RoutingRequest(models.Model):
    """The vendor's freight, ready for the retailer's carrier to collect and deliver to a DC (collect freight)."""

    vendor = models.ForeignKey("vendor_portal.Vendor", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey("vendor_portal.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("DC"))
    shipment = models.ForeignKey("shipments.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ASN"))
    purchase_orders = models.ManyToManyField("purchase_orders.PurchaseOrder", blank=True, related_name="+", verbose_name=_("purchase orders"))
    state = models.CharField(_("state"), max_length=10, choices=RoutingRequestState.choices, default=RoutingRequestState.REQUESTED)
    ready_date = models.DateField(_("freight ready on"))
    pallets = models.PositiveIntegerField(_("pallets"))
    weight = models.DecimalField(_("weight"), max_digits=10, decimal_places=2)
    weight_unit = models.CharField(_("weight unit"), max_length=3, choices=WeightUnit.choices, default=WeightUnit.KILOGRAMS)
    volume = models.DecimalField(_("volume"), max_digits=10, decimal_places=3)
    volume_unit = models.CharField(_("volume unit"), max_length=3, choices=VolumeUnit.choices, default=VolumeUnit.CUBIC_METRES)
    note = models.CharField(_("note"), max_length=500, blank=True)
    carrier_name = models.CharField(_("carrier"), max_length=100, blank=True)  # the retailer's carrier, once scheduled
    pickup_date = models.DateField(_("pickup date"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)  # a refusal's
    scheduled_at = models.DateTimeField(_("scheduled"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VendorScopedQuerySet.as_manager()
    tenancy_marketplace_field = "warehouse__marketplace"

    TRANSITIONS = {
        RoutingRequestState.REQUESTED: {RoutingRequestState.SCHEDULED, RoutingRequestState.REFUSED},
        RoutingRequestState.SCHEDULED: set(),
        RoutingRequestState.REFUSED: set(),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RoutingRequestState.values), name="routing_request_state_valid"),
            models.CheckConstraint(condition=Q(pallets__gte=1), name="routing_request_has_pallets"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="routing_request_weight_positive"),
            models.CheckConstraint(condition=Q(volume__gt=0), name="routing_request_volume_positive"),
            models.CheckConstraint(condition=Q(weight_unit__in=WeightUnit.values), name="routing_request_weight_unit_valid"),
            models.CheckConstraint(condition=Q(volume_unit__in=VolumeUnit.values), name="routing_request_volume_unit_valid"),
        ]
        indexes = [models.Index(fields=["vendor", "state", "-created_at"], name="routing_request_list")]
        verbose_name = _("routing request")
        verbose_name_plural = _("routing requests")

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"RR-{self.pk:06d}" if self.pk else "RR-new"

    def can_transition_to(self, state: str) -> bool:
        return state in self.TRANSITIONS[self.state]
