"""Demo dock capacities and appointments for `manage.py seed_demo`, made through the services.

Every demo DC publishes its dock capacity (weekdays, 06:00 to 22:00 local, hour-long slots). Each vendor's
submitted ASN (ASN-<VENDOR>-0002) gets a delivery appointment on the DC's next open day: ACME's confirmed by
the DC's receiving team, GLOBEX's still waiting for it.

Idempotent: a DC that has a capacity keeps it, and an ASN that ever had an appointment gets no new one.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from shipments.models import Shipment, ShipmentState
from vendor_portal.models import Membership, Warehouse
from vendor_portal.models.audit import Channel
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from .models import Appointment, DockCapacity
from .services.booking import appointment_confirm, appointment_request
from .services.docks import dock_capacity_set

DOORS = {"ABE2": 4, "ONT8": 6, "YYZ4": 3, "FRA3": 4}
CONFIRMED_FOR = {"ACME"}


def _actor(role=None, vendor=None) -> Actor:
    membership = Membership.objects.filter(role=role, vendor=vendor).select_related("user").order_by("pk").first()
    return Actor(user=membership.user if membership else None, channel=Channel.WEB if membership else Channel.SYSTEM)


def seed(world) -> str:
    dock = Scope(is_retailer=True, roles=frozenset({Role.RECEIVING}))
    receiving = _actor(Role.RECEIVING)
    published = booked = 0
    for warehouse in Warehouse.objects.exclude(pk__in=DockCapacity.objects.values("warehouse_id")).order_by("code"):
        dock_capacity_set(
            scope=dock,
            warehouse_code=warehouse.code,
            doors=DOORS.get(warehouse.code, 2),
            slot_minutes=60,
            opens_at=datetime.time(6),
            closes_at=datetime.time(22),
            open_weekdays="01234",
            grace_minutes=30,
            actor=receiving,
        )
        published += 1
    for vendor in world["vendors"].values():
        shipment = (
            Shipment.objects.for_vendor(vendor)
            .filter(shipment_identifier=f"ASN-{vendor.code}-0002", state=ShipmentState.SUBMITTED)
            .select_related("ship_to__dock_capacity")
            .first()
        )
        if shipment is None or Appointment.objects.filter(shipment=shipment).exists():
            continue
        capacity = shipment.ship_to.dock_capacity
        day = timezone.localdate(timezone.now(), timezone=capacity.zone) + datetime.timedelta(days=1)
        while not capacity.is_open_on(day):
            day += datetime.timedelta(days=1)
        zone = capacity.zone
        appointment = appointment_request(
            scope=Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS})),
            shipment_id=shipment.pk,
            window_start=datetime.datetime.combine(day, datetime.time(8)).replace(tzinfo=zone),
            window_end=datetime.datetime.combine(day, datetime.time(16)).replace(tzinfo=zone),
            note="Tail-lift truck",
            actor=_actor(Role.VENDOR_OPS, vendor),
        )
        if vendor.code in CONFIRMED_FOR:
            appointment_confirm(scope=dock, appointment_id=appointment.pk, actor=receiving)
        booked += 1
    if not published and not booked:
        return ""
    return f"{published} dock capacities published, {booked} appointments booked"
