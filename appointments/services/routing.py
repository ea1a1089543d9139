"""Routing requests (collect freight): the vendor says its freight for a DC is ready (pallets, weight, volume,
ready date); the retailer arranges the transport and the DC schedules the delivery, which books (or, when the
ASN already has one, confirms) its appointment; or the retailer refuses and the vendor ships it itself."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from purchase_orders.models import OPEN_STATES as PO_OPEN_STATES
from purchase_orders.models import PurchaseOrder
from shipments.models import Shipment, ShipmentState
from vendor_portal.errors import DomainValidationError, InvalidTransitionError, NotFoundError, field_error
from vendor_portal.models import Warehouse
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_retailer_roles, notify_vendor_roles

from ..events import AppointmentConfirmed, AppointmentMoved
from ..models import OPEN_STATES, Appointment, AppointmentState, RoutingRequest, RoutingRequestState, VolumeUnit, WeightUnit, zone_of
from ._common import (
    BOOKING_HORIZON,
    REQUESTERS,
    SCHEDULERS,
    DockFullError,
    appointment_snapshot,
    capacity_for_update,
    free_door,
    held_slots,
    local_text,
    publish,
    require_requester,
    require_scheduler,
    save_holding,
    slot_at,
    utc_iso,
)
from .booking import SLOT_FIELDS, _reslot

ROUTING_AUDITED = [
    "state",
    "warehouse_id",
    "shipment_id",
    "ready_date",
    "pallets",
    "weight",
    "weight_unit",
    "volume",
    "volume_unit",
    "note",
    "carrier_name",
    "pickup_date",
    "reason",
    "scheduled_at",
    "refused_at",
]
MAX_PALLETS = 60
MAX_WEIGHT = Decimal("100000")
MAX_VOLUME = Decimal("10000")


@dataclass
class RoutingRequestInput:
    warehouse: str  # the DC's code
    ready_date: datetime.date | None
    pallets: int | None
    weight: Decimal | None
    volume: Decimal | None
    weight_unit: str = WeightUnit.KILOGRAMS
    volume_unit: str = VolumeUnit.CUBIC_METRES
    shipment_id: int | None = None
    purchase_order_numbers: list[str] = field(default_factory=list)
    note: str = ""


def _routing_snapshot(routing_request: RoutingRequest, purchase_order_numbers=None) -> dict:
    data = snapshot(routing_request, ROUTING_AUDITED)
    if purchase_order_numbers is not None:
        data["purchase_orders"] = sorted(purchase_order_numbers)
    return data


def _amount_errors(value, name: str, maximum: Decimal, places: int) -> list:
    if value is None:
        return [field_error(None, name, _("Required."), "required")]
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        return [field_error(None, name, _("Give a number above zero."), "min_value")]
    if value > maximum:
        return [field_error(None, name, _("At most %(max)s.") % {"max": maximum}, "max_value")]
    if value.quantize(Decimal(10) ** -places) != value:  # 1840.0000 is fine, 9.6001 m3 is not
        return [field_error(None, name, _("At most %(places)s decimal places.") % {"places": places}, "max_decimal_places")]
    return []


def routing_request_create(*, scope, data: RoutingRequestInput, actor: Actor, now=None) -> RoutingRequest:
    """The vendor asks the retailer to collect freight for one DC: an ASN's, or for some of its POs."""
    require_requester(scope)
    now = now or timezone.now()
    errors = []
    warehouse = Warehouse.objects.filter(code=(data.warehouse or "").strip().upper()).first()
    if warehouse is None or not scope.sees_marketplace(warehouse.marketplace_id):
        raise DomainValidationError(_("No such DC."), errors=[field_error(None, "warehouse", _("No such DC."), "not_found")])
    shipment = None
    if data.shipment_id is not None:
        shipment = Shipment.objects.visible_to(scope).filter(pk=data.shipment_id).first()
        if shipment is None:
            errors.append(field_error(None, "shipment", _("Shipment not found."), "not_found"))
        elif shipment.ship_to_id != warehouse.pk:
            errors.append(field_error(None, "shipment", _("This shipment goes to %(dc)s.") % {"dc": shipment.ship_to.code}))
        elif shipment.state not in (ShipmentState.DRAFT, ShipmentState.SUBMITTED):
            errors.append(field_error(None, "shipment", _("This shipment is %(state)s.") % {"state": shipment.get_state_display().lower()}))
    numbers = sorted({number.strip() for number in data.purchase_order_numbers if number and number.strip()})
    purchase_orders = list(PurchaseOrder.objects.visible_to(scope).filter(number__in=numbers)) if numbers else []
    found = {po.number: po for po in purchase_orders}
    for number in numbers:
        po = found.get(number)
        if po is None:
            errors.append(field_error(None, "purchase_orders", _("PO %(number)s not found.") % {"number": number}, "not_found"))
        elif po.ship_to_id != warehouse.pk:
            errors.append(field_error(None, "purchase_orders", _("PO %(number)s goes to another DC.") % {"number": number}))
        elif po.state not in PO_OPEN_STATES:
            errors.append(
                field_error(None, "purchase_orders", _("PO %(number)s is %(state)s.") % {"number": number, "state": po.get_state_display().lower()})
            )
    if data.shipment_id is None and not numbers:
        errors.append(field_error(None, "purchase_orders", _("Name the ASN or the POs whose freight this is."), "required"))
    today = timezone.localdate(now, timezone=zone_of(warehouse))
    if data.ready_date is None:
        errors.append(field_error(None, "ready_date", _("Required."), "required"))
    elif data.ready_date < today:
        errors.append(field_error(None, "ready_date", _("The ready date cannot be in the past (today is %(today)s at the DC).") % {"today": today}))
    elif data.ready_date > today + BOOKING_HORIZON:
        errors.append(field_error(None, "ready_date", _("At most %(days)s days ahead.") % {"days": BOOKING_HORIZON.days}))
    if data.pallets is None:
        errors.append(field_error(None, "pallets", _("Required."), "required"))
    elif not 1 <= data.pallets <= MAX_PALLETS:
        errors.append(field_error(None, "pallets", _("From 1 to %(max)s pallets.") % {"max": MAX_PALLETS}))
    errors += _amount_errors(data.weight, "weight", MAX_WEIGHT, 2) + _amount_errors(data.volume, "volume", MAX_VOLUME, 3)
    if data.weight_unit not in WeightUnit.values:
        errors.append(field_error(None, "weight_unit", _("Use kg or lb."), "invalid_choice"))
    if data.volume_unit not in VolumeUnit.values:
        errors.append(field_error(None, "volume_unit", _("Use m3 or ft3."), "invalid_choice"))
    if errors:
        raise DomainValidationError(_("The routing request has errors; nothing was sent."), errors=errors)
    with transaction.atomic():
        routing_request = RoutingRequest.objects.create(
            vendor=scope.vendor,
            warehouse=warehouse,
            shipment=shipment,
            ready_date=data.ready_date,
            pallets=data.pallets,
            weight=data.weight.quantize(Decimal("0.01")),
            weight_unit=data.weight_unit,
            volume=data.volume.quantize(Decimal("0.001")),
            volume_unit=data.volume_unit,
            note=(data.note or "").strip()[:500],
            created_by=actor.user,
        )
        routing_request.purchase_orders.set(purchase_orders)
        audit_record(actor=actor, action="routing_request.create", obj=routing_request, after=_routing_snapshot(routing_request, numbers))
        notify_retailer_roles(
            roles=SCHEDULERS,
            kind="routing_requested",
            vendor=scope.vendor,
            title=_("%(vendor)s asks for routing to %(dc)s: %(pallets)s pallets ready %(date)s (%(ref)s)")
            % {
                "vendor": scope.vendor.code,
                "dc": warehouse.code,
                "pallets": data.pallets,
                "date": data.ready_date.isoformat(),
                "ref": routing_request.reference,
            },
            url=f"/appointments/routing/{routing_request.pk}/",
        )
    return routing_request


def _routing_request_for_update(scope, routing_request_id) -> RoutingRequest:
    try:
        routing_request = RoutingRequest.objects.visible_to(scope).select_for_update(of=("self",)).filter(pk=int(routing_request_id)).first()
    except (TypeError, ValueError):
        routing_request = None
    if routing_request is None:
        raise NotFoundError(_("Routing request not found."))
    return routing_request


def _refuse_unless(routing_request: RoutingRequest, state: str, verb: str) -> None:
    if not routing_request.can_transition_to(state):
        raise InvalidTransitionError(
            _("Routing request %(ref)s cannot be %(verb)s: it is %(state)s.")
            % {"ref": routing_request.reference, "verb": verb, "state": routing_request.get_state_display().lower()}
        )


def routing_request_schedule(
    *, scope, routing_request_id, slot_start, actor: Actor, carrier_name: str, door: int | None = None, pickup_date=None, now=None
) -> Appointment:
    """The DC schedules the freight: the retailer's carrier collects it (on `pickup_date`) and delivers it in the
    slot starting at `slot_start`. The appointment is booked confirmed; an ASN that already has one keeps it,
    confirmed at this slot."""
    require_scheduler(scope)
    now = now or timezone.now()
    carrier_name = (carrier_name or "").strip()[:100]
    with transaction.atomic():
        try:
            peek = RoutingRequest.objects.visible_to(scope).select_related("warehouse").filter(pk=int(routing_request_id)).first()
        except (TypeError, ValueError):
            peek = None
        if peek is None:
            raise NotFoundError(_("Routing request not found."))
        capacity = capacity_for_update(peek.warehouse)
        routing_request = _routing_request_for_update(scope, routing_request_id)
        _refuse_unless(routing_request, RoutingRequestState.SCHEDULED, _("scheduled"))
        errors = []
        if not carrier_name:
            errors.append(field_error(None, "carrier_name", _("Name the carrier that collects the freight."), "required"))
        start, end = slot_at(capacity, slot_start, now=now)
        delivery_day = start.astimezone(capacity.zone).date()
        if delivery_day < routing_request.ready_date:
            errors.append(
                field_error(
                    None, "slot_start", _("The freight is ready on %(date)s: deliver it then or later.") % {"date": routing_request.ready_date}
                )
            )
        if pickup_date is not None and not routing_request.ready_date <= pickup_date <= delivery_day:
            errors.append(field_error(None, "pickup_date", _("Pick up between the ready date and the delivery day.")))
        if door is not None and not 1 <= door <= capacity.doors:
            errors.append(field_error(None, "door", _("%(dc)s has doors 1 to %(doors)s.") % {"dc": capacity.warehouse.code, "doors": capacity.doors}))
        if errors:
            raise DomainValidationError(_("The routing request could not be scheduled."), errors=errors)
        existing = None
        if routing_request.shipment_id is not None:
            existing = (
                Appointment.objects.select_for_update(of=("self",))
                .filter(shipment_id=routing_request.shipment_id, state__in=OPEN_STATES)
                .exclude(state=AppointmentState.ARRIVED)
                .first()
            )
        if existing is not None:
            appointment = _link(existing, routing_request, capacity, start, door, carrier_name, actor=actor, now=now)
        else:
            chosen = free_door(capacity, held_slots(capacity.warehouse, start, end), start, end, door)
            if chosen is None:
                raise DockFullError(_("Every door is booked at that time: choose another slot."), field="slot_start")
            appointment = Appointment(
                vendor_id=routing_request.vendor_id,
                warehouse=capacity.warehouse,
                shipment_id=routing_request.shipment_id,
                routing_request=routing_request,
                state=AppointmentState.CONFIRMED,
                window_start=start,
                window_end=end,
                slot_start=start,
                slot_end=end,
                door=chosen,
                carrier_name=carrier_name,
                confirmed_at=now,
                created_by=actor.user,
            )
            save_holding(appointment)
            audit_record(actor=actor, action="appointment.schedule", obj=appointment, after=appointment_snapshot(appointment))
            publish(AppointmentConfirmed, appointment, actor, previous_state="")
        before = _routing_snapshot(routing_request)
        routing_request.state = RoutingRequestState.SCHEDULED
        routing_request.carrier_name = carrier_name
        routing_request.pickup_date = pickup_date
        routing_request.scheduled_at = now
        routing_request.save(update_fields=["state", "carrier_name", "pickup_date", "scheduled_at", "updated_at"])
        audit_record(actor=actor, action="routing_request.schedule", obj=routing_request, before=before, after=_routing_snapshot(routing_request))
        notify_vendor_roles(
            vendor=routing_request.vendor,
            roles=REQUESTERS,
            marketplace=capacity.warehouse.marketplace,
            kind="routing_scheduled",
            title=_("%(ref)s scheduled: %(carrier)s delivers to %(dc)s at %(slot)s")
            % {
                "ref": routing_request.reference,
                "carrier": carrier_name,
                "dc": capacity.warehouse.code,
                "slot": local_text(appointment.slot_start, capacity),
            },
            url=f"/appointments/routing/{routing_request.pk}/",
        )
    return appointment


def _link(appointment: Appointment, routing_request: RoutingRequest, capacity, start, door, carrier_name: str, *, actor: Actor, now) -> Appointment:
    """The ASN's own appointment becomes the routing request's, confirmed (or moved) to the scheduled slot."""
    appointment.warehouse = capacity.warehouse
    before = appointment_snapshot(appointment)
    previous = (appointment.slot_start, appointment.slot_end, appointment.door)
    moved = _reslot(
        appointment, capacity, start, door, now=now, reason=_("Scheduled for routing request %(ref)s") % {"ref": routing_request.reference}
    )
    appointment.routing_request = routing_request
    appointment.carrier_name = carrier_name
    was = appointment.state
    if was == AppointmentState.REQUESTED:
        appointment.state = AppointmentState.CONFIRMED
        appointment.confirmed_at = now
    save_holding(appointment, update_fields=["state", "confirmed_at", "routing_request", "carrier_name", *SLOT_FIELDS, "updated_at"])
    audit_record(actor=actor, action="appointment.schedule", obj=appointment, before=before, after=appointment_snapshot(appointment))
    if was == AppointmentState.REQUESTED:
        publish(AppointmentConfirmed, appointment, actor, previous_state=was)
    elif moved:
        publish(
            AppointmentMoved,
            appointment,
            actor,
            previous_state=was,
            previous_slot_start=utc_iso(previous[0]),
            previous_slot_end=utc_iso(previous[1]),
            previous_door=previous[2],
            reason=appointment.previous_slots[-1]["reason"],
        )
    return appointment


def routing_request_refuse(*, scope, routing_request_id, reason: str, actor: Actor, now=None) -> RoutingRequest:
    """The retailer will not arrange this freight: the vendor ships it itself (and books its own appointment)."""
    require_scheduler(scope)
    now = now or timezone.now()
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DomainValidationError(_("Say why the routing request is refused."), errors=[field_error(None, "reason", _("Say why."), "required")])
    with transaction.atomic():
        routing_request = _routing_request_for_update(scope, routing_request_id)
        _refuse_unless(routing_request, RoutingRequestState.REFUSED, _("refused"))
        before = _routing_snapshot(routing_request)
        routing_request.state = RoutingRequestState.REFUSED
        routing_request.reason = reason
        routing_request.refused_at = now
        routing_request.save(update_fields=["state", "reason", "refused_at", "updated_at"])
        audit_record(actor=actor, action="routing_request.refuse", obj=routing_request, before=before, after=_routing_snapshot(routing_request))
        notify_vendor_roles(
            vendor=routing_request.vendor,
            roles=REQUESTERS,
            kind="routing_refused",
            title=_("Routing request %(ref)s was refused: ship it yourself") % {"ref": routing_request.reference},
            body=reason,
            url=f"/appointments/routing/{routing_request.pk}/",
        )
    return routing_request
