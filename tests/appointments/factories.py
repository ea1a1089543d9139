"""Arrangements for the appointment tests: a DC's dock capacity, submitted ASNs, the two sides' scopes and a
day and times in the DC's own time zone."""

import datetime
import zoneinfo

from django.utils import timezone

from appointments.models import DockCapacity, DockClosure
from appointments.services.booking import appointment_request
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.audit_check import audit_exempt
from tests.factories import WarehouseFactory, retailer_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DOCK = Scope(is_retailer=True, roles=frozenset({Role.RECEIVING}))


def vendor_scope(vendor) -> Scope:
    return Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))


def dock_actor() -> Actor:
    from vendor_portal.models import User

    return Actor(user=User.objects.filter(username="dock").first() or retailer_user(Role.RECEIVING, username="dock"))


def dock(warehouse=None, *, doors=2, slot_minutes=60, opens=datetime.time(6), closes=datetime.time(22), weekdays="0123456", grace=30):
    """Dock capacity for the DC (ABE2, New York, by default): open every day unless told otherwise."""
    warehouse = warehouse or WarehouseFactory(code="ABE2")
    with audit_exempt():
        capacity, _ = DockCapacity.objects.update_or_create(
            warehouse=warehouse,
            defaults={
                "doors": doors,
                "slot_minutes": slot_minutes,
                "opens_at": opens,
                "closes_at": closes,
                "open_weekdays": weekdays,
                "grace_minutes": grace,
            },
        )
    return capacity


def closed(warehouse, day, reason=""):
    with audit_exempt():
        return DockClosure.objects.create(warehouse=warehouse, date=day, reason=reason)


def submitted_asn(vendor, identifier="SHIP-1", warehouse=None, **po_fields):
    """A submitted ASN (one PO of one line) to the DC."""
    ship_from(vendor)
    scope = vendor_scope(vendor)
    po = confirmed_purchase_order(vendor, lines=1, quantity=12, warehouse=warehouse, **po_fields)
    shipment = shipment_create(scope=scope, data=plan(po, identifier=identifier), actor=Actor.system())
    return shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())


def day_ahead(days=2, zone=NEW_YORK) -> datetime.date:
    return timezone.localdate(timezone.now(), timezone=zone) + datetime.timedelta(days=days)


def at(day: datetime.date, hour: int, minute: int = 0, zone=NEW_YORK) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute)).replace(tzinfo=zone)


def requested(vendor, shipment, day=None, start=9, end=10, **kwargs):
    """An appointment requested for `shipment` in the window start:00-end:00 of `day` (DC time)."""
    day = day or day_ahead()
    return appointment_request(
        scope=vendor_scope(vendor),
        shipment_id=shipment.pk,
        window_start=at(day, start),
        window_end=at(day, end),
        actor=Actor(channel="web"),
        **kwargs,
    )
