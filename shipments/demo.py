"""Demo ship plans and ASNs for `manage.py seed_demo`, built from the acknowledged demo POs.

Per vendor, four shipments in the states a DC and a vendor meet every day:
ASN-<VENDOR>-0001 a draft ship plan (cartonized and palletized, not submitted),
ASN-<VENDOR>-0002 a submitted ASN shipping a large PO in full (labels are left for the user to generate),
ASN-<VENDOR>-0003 received in full (two POs to the same DC on one truck),
ASN-<VENDOR>-0004 received short: two units of one line never arrived (a shortage claim to come).
Everything goes through the services, so the audit trail and the PO quantities are real.

Idempotent: identifiers are fixed and an identifier that exists is left alone.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from purchase_orders.models import PurchaseOrder, PurchaseOrderState, UnitOfMeasure
from vendor_portal.models import Membership
from vendor_portal.models.audit import Channel
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from .models import Shipment, ShipmentLine
from .services._common import _zone
from .services.asn import shipment_submit
from .services.plans import CUTOFF_BEFORE_WINDOW_END, ShipPlanInput, ShipPlanLine, shipment_create
from .services.receiving import ReceivedLine, receipt_create

DRAFT, SUBMITTED, RECEIVED, RECEIVED_SHORT = 1, 2, 3, 4
SHORT_UNITS = 2
# The received ASNs stay well under the vendors' invoice approval threshold, so their invoices are
# submitted straight away; the submitted ASN ships a large PO in full and its invoice waits for approval.
VALUE_PER_SHIPMENT = Decimal("2500")
MAX_CARTONS_PER_LINE = 4
CARRIERS = [("ODFL", "Old Dominion Freight Line"), ("XPOL", "XPO Logistics"), ("SAIA", "Saia LTL Freight"), ("RLCA", "R+L Carriers")]


def shipment_identifier(vendor, number: int) -> str:
    return f"ASN-{vendor.code}-{number:04d}"


def seed(world) -> str:
    created = skipped = 0
    receiving = retailer_actor(Role.RECEIVING)
    for vendor in world["vendors"].values():
        wanted = {number: shipment_identifier(vendor, number) for number in (DRAFT, SUBMITTED, RECEIVED, RECEIVED_SHORT)}
        existing = set(
            Shipment.objects.for_vendor(vendor).filter(shipment_identifier__in=wanted.values()).values_list("shipment_identifier", flat=True)
        )
        missing = [number for number, identifier in wanted.items() if identifier not in existing]
        skipped += len(wanted) - len(missing)
        if not missing:
            continue
        with transaction.atomic():
            created += _seed_vendor(vendor, missing, receiving)
    return f"{created} shipments created, {skipped} already there"


def _seed_vendor(vendor, missing: list[int], receiving: tuple[Actor, Scope]) -> int:
    scope, system = Scope(vendor=vendor), Actor.system()
    receiver, receiving_scope = receiving
    candidates = _fresh_purchase_orders(vendor)
    plans = _assign(candidates, missing)
    created = 0
    for number in missing:
        orders = plans.get(number)
        if not orders:
            continue  # not enough untouched acknowledged POs left (an old database): nothing to build from
        shipment = shipment_create(scope=scope, data=_plan_input(vendor, number, orders), actor=system)
        created += 1
        if number == DRAFT:
            continue
        shipment = shipment_submit(scope=scope, shipment_id=shipment.pk, actor=system)
        if number == RECEIVED:
            ssccs = list(shipment.cartons.order_by("index").values_list("sscc", flat=True))
            receipt_create(scope=receiving_scope, shipment_id=shipment.pk, actor=receiver, scanned_ssccs=ssccs, complete=True)
        elif number == RECEIVED_SHORT:
            receipt_create(
                scope=receiving_scope,
                shipment_id=shipment.pk,
                actor=receiver,
                lines=_counted_short(shipment),
                complete=True,
                note="Two units missing on one line; carton seals intact.",
            )
    return created


def retailer_actor(role: str) -> tuple[Actor, Scope]:
    """The demo retailer person holding `role`, acting through the seed (channel "system")."""
    membership = Membership.objects.filter(vendor=None, role=role).select_related("user").order_by("pk").first()
    return Actor(user=membership.user if membership else None, channel=Channel.SYSTEM), Scope(is_retailer=True, roles=frozenset({role}))


def _fresh_purchase_orders(vendor) -> list[PurchaseOrder]:
    """Acknowledged POs nothing was planned, shipped or invoiced against, still inside their ship window."""
    latest_end = timezone.now() + CUTOFF_BEFORE_WINDOW_END + datetime.timedelta(hours=1)
    planned = ShipmentLine.objects.filter(shipment__vendor=vendor).values("purchase_order_line__purchase_order_id")
    orders = (
        PurchaseOrder.objects.for_vendor(vendor)
        .filter(state=PurchaseOrderState.ACKNOWLEDGED, has_unconfirmed_changes=False, ship_window_end__gt=latest_end)
        .exclude(pk__in=planned)
        .exclude(lines__shipped_quantity__gt=0)
        .exclude(lines__invoiced_quantity__gt=0)
        .select_related("ship_to")
        .prefetch_related("lines__product")
        .order_by("number")
        .distinct()
    )
    return [po for po in orders if any(line.accepted_quantity > 0 for line in po.lines.all())]


def _assign(candidates: list[PurchaseOrder], missing: list[int]) -> dict[int, list[PurchaseOrder]]:
    """Which POs each missing shipment ships. The submitted ASN ships the largest PO in full (its invoice
    needs approval); the received-in-full one two small POs of the same DC (one is invoiced from its PO,
    the other from the ASN); the short one a small PO with a line in eaches to come up short."""
    pool = sorted(candidates, key=lambda po: (-_accepted_value(po), po.number))
    plans: dict[int, list[PurchaseOrder]] = {}
    if SUBMITTED in missing and pool:
        plans[SUBMITTED] = [pool.pop(0)]
    small = [po for po in reversed(pool) if _first_cartons_value(po) <= VALUE_PER_SHIPMENT / 2]
    if RECEIVED in missing:
        pair = next(
            ([first, partner] for first in small for partner in small if partner is not first and partner.ship_to_id == first.ship_to_id), None
        )
        if pair is not None:
            plans[RECEIVED] = sorted(pair, key=lambda po: po.number)
            pool = [po for po in pool if po not in pair]
    if RECEIVED_SHORT in missing:
        short = next((po for po in small if po in pool and any(_can_come_up_short(line) for line in po.lines.all())), None)
        if short is not None:
            plans[RECEIVED_SHORT] = [short]
            pool.remove(short)
    if DRAFT in missing and pool:
        plans[DRAFT] = [pool.pop(0)]
    return plans


def _units_per_carton(line) -> int:
    if line.unit_of_measure == UnitOfMeasure.CASES or line.product is None:
        return 1
    return max(1, line.product.case_pack)


def _accepted_value(po: PurchaseOrder) -> Decimal:
    return sum((line.accepted_quantity * line.net_cost for line in po.lines.all()), Decimal("0"))


def _first_cartons_value(po: PurchaseOrder) -> Decimal:
    """What one carton of every accepted line is worth: the least a shipment of the whole PO carries."""
    return sum(
        (min(_units_per_carton(line), line.accepted_quantity) * line.net_cost for line in po.lines.all() if line.accepted_quantity), Decimal("0")
    )


def _can_come_up_short(line) -> bool:
    """A line in eaches whose first carton holds more than SHORT_UNITS."""
    per_carton = _units_per_carton(line)
    return line.unit_of_measure == UnitOfMeasure.EACHES and per_carton > SHORT_UNITS and line.accepted_quantity >= per_carton


def _line_quantities(orders: list[PurchaseOrder], *, in_full: bool) -> list[ShipPlanLine]:
    """Every accepted line: in full, or one carton and then whole cartons while under VALUE_PER_SHIPMENT
    (so each line the shipment touches counts received units, and its invoice stays small)."""
    lines, value = [], Decimal("0")
    for po in orders:
        for line in sorted(po.lines.all(), key=lambda line: line.sequence):
            if not line.accepted_quantity:
                continue
            if in_full:
                lines.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=line.accepted_quantity))
                continue
            per_carton = min(_units_per_carton(line), line.accepted_quantity)
            quantity = per_carton
            value += per_carton * line.net_cost
            while (
                quantity + per_carton <= min(line.accepted_quantity, MAX_CARTONS_PER_LINE * per_carton)
                and value + per_carton * line.net_cost <= VALUE_PER_SHIPMENT
            ):
                quantity += per_carton
                value += per_carton * line.net_cost
            lines.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=quantity))
    return lines


def _plan_input(vendor, number: int, orders: list[PurchaseOrder]) -> ShipPlanInput:
    dc = orders[0].ship_to
    carrier_scac, carrier_name = CARRIERS[(number + len(vendor.code)) % len(CARRIERS)]
    if number == SUBMITTED:
        # The ASN goes out before the truck leaves, on the first day of the ship window.
        ship_date = timezone.localdate(orders[0].ship_window_start, timezone=_zone(dc.time_zone))
    else:
        ship_date = timezone.localdate(timezone.now(), timezone=_zone(dc.time_zone))
    return ShipPlanInput(
        ship_to=dc.code,
        shipment_identifier=shipment_identifier(vendor, number),
        ship_date=ship_date,
        estimated_arrival=ship_date + datetime.timedelta(days=0 if number in (RECEIVED, RECEIVED_SHORT) else 4),
        lines=_line_quantities(orders, in_full=number == SUBMITTED),
        transport_mode="ltl",
        transport_method="road",
        carrier_scac=carrier_scac,
        carrier_name=carrier_name,
        bol_number=f"BOL{vendor.code[:3]}{number:06d}",
        pro_number=f"PRO{vendor.code[:3]}{number:07d}",
        cartons_per_pallet=6,
    )


def _counted_short(shipment: Shipment) -> list[ReceivedLine]:
    """Every line counted in full but one (in eaches when there is one), which is SHORT_UNITS short."""
    lines = list(shipment.lines.select_related("purchase_order_line").order_by("pk"))
    big_enough = [line for line in lines if line.quantity > SHORT_UNITS]
    short = next((line for line in big_enough if line.purchase_order_line.unit_of_measure == UnitOfMeasure.EACHES), None)
    short = short or (big_enough[0] if big_enough else None)
    return [ReceivedLine(shipment_line_id=line.pk, quantity=line.quantity - (SHORT_UNITS if line is short else 0)) for line in lines]
