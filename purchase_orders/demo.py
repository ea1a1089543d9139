"""Demo purchase orders for `manage.py seed_demo`: about 30 per vendor over the four DCs, in the states
the services can reach today (new, due soon, changed by the buyer, acknowledged with backorders and
rejections, revised, cancelled). Every PO goes through the services, so its audit trail is real.

Idempotent: numbers are fixed (ACM0000100 ...), and a number that exists is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from vendor_portal.models import Product, Warehouse
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from .models import PurchaseOrder, PurchaseOrderType, RejectionReason, UnitOfMeasure
from .services.confirmations import LineConfirmation, purchase_order_acknowledge
from .services.orders import LineChange, LineInput, PurchaseOrderInput, purchase_order_cancel, purchase_order_change, purchase_order_create

PER_VENDOR = 30
FIRST_NUMBER = 100
PREFIXES = {"ACME": "ACM", "GLOBEX": "GLB"}
DCS = ["ABE2", "ONT8", "YYZ4", "FRA3"]
# What happens to the n-th PO of a vendor after it is issued.
PLAN = (
    ["due_soon"] * 4
    + ["changed"] * 2
    + ["new"] * 8
    + ["accepted"] * 4
    + ["backordered"] * 4
    + ["rejected_part"] * 3
    + ["revised", "dates_changed"]
    + ["cancelled"] * 2
    + ["all_rejected"]
)
ORDER_TYPES = [PurchaseOrderType.REGULAR] * 6 + [PurchaseOrderType.RUSH, PurchaseOrderType.NEW_PRODUCT]
TERMS = ["net60", "net60", "net30", "net90", "2/10net30"]


def demo_number(vendor, index: int) -> str:
    return f"{PREFIXES.get(vendor.code, vendor.code[:3])}{FIRST_NUMBER + index:07d}"


def seed(world) -> str:
    warehouses = {w.code: w for w in Warehouse.objects.filter(code__in=DCS).select_related("marketplace")}
    created = skipped = 0
    with transaction.atomic():
        for vendor in world["vendors"].values():
            numbers = [demo_number(vendor, index) for index in range(PER_VENDOR)]
            existing = set(PurchaseOrder.objects.filter(number__in=numbers).values_list("number", flat=True))
            products = list(Product.objects.filter(vendor=vendor, is_active=True).prefetch_related("costs").order_by("vendor_sku"))
            for index, number in enumerate(numbers):
                if number in existing:
                    skipped += 1
                    continue
                _seed_po(vendor, number, index, products, warehouses)
                created += 1
    return f"{created} purchase orders created, {skipped} already there"


def _seed_po(vendor, number: str, index: int, products: list, warehouses: dict) -> None:
    rng = random.Random(number)  # the same PO every run, whatever else exists
    story = PLAN[index % len(PLAN)]
    dc = warehouses[DCS[index % len(DCS)]]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    if story == "due_soon":
        order_date = now - datetime.timedelta(hours=rng.randint(37, 44))  # confirmation due within ~10 hours
    elif story in ("new", "cancelled"):
        order_date = now - datetime.timedelta(hours=rng.randint(1, 30))
    else:
        order_date = now - datetime.timedelta(days=rng.randint(3, 20), hours=rng.randint(0, 23))
    ship_start = max(order_date + datetime.timedelta(days=rng.randint(3, 10)), now + datetime.timedelta(days=1))
    ship_end = ship_start + datetime.timedelta(days=7)
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=dc.marketplace,
        number=number,
        ship_to=dc,
        ship_window_start=ship_start,
        ship_window_end=ship_end,
        delivery_window_start=ship_start + datetime.timedelta(days=3),
        delivery_window_end=ship_end + datetime.timedelta(days=7),
        order_date=order_date,
        order_type=rng.choice(ORDER_TYPES),
        payment_terms=rng.choice(TERMS),
        lines=_lines(rng, products, dc.marketplace),
    )
    system = Actor.system()
    po = purchase_order_create(data=data, actor=system)
    if story in ("new", "due_soon"):
        return
    vendor_scope, retailer = Scope(vendor=vendor), Scope(is_retailer=True)
    ship_date = timezone.localdate(ship_start) + datetime.timedelta(days=1)
    lines = list(po.lines.select_related("product").order_by("sequence"))

    def acknowledge(confirmations, ship_day=ship_date):
        purchase_order_acknowledge(
            scope=vendor_scope,
            number=number,
            lines=confirmations,
            actor=system,
            scheduled_ship_date=ship_day,
            scheduled_delivery_date=ship_day + datetime.timedelta(days=4),
        )

    if story == "cancelled":
        purchase_order_cancel(scope=retailer, number=number, actor=system, reason="Demand forecast lowered")
    elif story == "all_rejected":
        acknowledge(
            [
                LineConfirmation(sequence=line.sequence, rejected=line.ordered_quantity, rejection_reason=RejectionReason.OBSOLETE_PRODUCT)
                for line in lines
            ]
        )
    elif story == "backordered":
        acknowledge([_backordered(line, rng, ship_date) for line in lines])
    elif story == "rejected_part":
        acknowledge([_partly_rejected(line, rng) if position == 0 else _accepted(line) for position, line in enumerate(lines)])
    elif story == "revised":
        acknowledge([_accepted(line) for line in lines])
        acknowledge(
            [_backordered(line, rng, ship_date) if position == 0 else _accepted(line) for position, line in enumerate(lines)],
            ship_date + datetime.timedelta(days=2),
        )
    else:
        acknowledge([_accepted(line) for line in lines])
        if story == "changed":
            first = lines[0]
            step = _step(first)
            new_quantity = first.ordered_quantity - step if first.ordered_quantity > step else first.ordered_quantity + step
            purchase_order_change(
                scope=retailer, number=number, actor=system, lines=[LineChange(sequence=first.sequence, ordered_quantity=new_quantity)]
            )
        elif story == "dates_changed":
            purchase_order_change(scope=retailer, number=number, actor=system, ship_window_end=ship_end + datetime.timedelta(days=3))


def _lines(rng: random.Random, products: list, marketplace) -> list[LineInput]:
    chosen = rng.sample(products, k=min(len(products), rng.randint(2, 5)))
    lines = []
    for sequence, product in enumerate(chosen, start=1):
        cost = next((c for c in product.costs.all() if c.marketplace_id == marketplace.pk), None)
        net_cost = cost.cost if cost else Decimal("10.00")
        list_price = cost.list_price if cost else None
        in_cases = product.case_pack > 1 and rng.random() < 0.25
        if in_cases:
            lines.append(
                LineInput(
                    sequence=sequence,
                    vendor_sku=product.vendor_sku,
                    ordered_quantity=rng.randint(2, 20),
                    unit_of_measure=UnitOfMeasure.CASES,
                    unit_size=product.case_pack,
                    net_cost=net_cost * product.case_pack,
                    list_price=list_price * product.case_pack if list_price else None,
                    backorder_allowed=rng.random() < 0.6,
                )
            )
        else:
            lines.append(
                LineInput(
                    sequence=sequence,
                    vendor_sku=product.vendor_sku,
                    ordered_quantity=product.case_pack * rng.randint(2, 20),
                    net_cost=net_cost,
                    list_price=list_price,
                    backorder_allowed=rng.random() < 0.6,
                )
            )
    return lines


def _step(line) -> int:
    """The smallest quantity that keeps whole cases: one case in eaches, or one unit when ordered in cases."""
    if line.unit_of_measure == UnitOfMeasure.EACHES and line.product is not None:
        return max(line.product.case_pack, 1)
    return 1


def _accepted(line) -> LineConfirmation:
    return LineConfirmation(sequence=line.sequence, accepted=line.ordered_quantity)


def _backordered(line, rng: random.Random, ship_date) -> LineConfirmation:
    step = _step(line)
    if not line.backorder_allowed or line.ordered_quantity < 2 * step:
        return _accepted(line)
    backordered = step * rng.randint(1, line.ordered_quantity // step - 1)
    return LineConfirmation(
        sequence=line.sequence,
        accepted=line.ordered_quantity - backordered,
        backordered=backordered,
        backorder_date=ship_date + datetime.timedelta(days=rng.randint(10, 30)),
    )


def _partly_rejected(line, rng: random.Random) -> LineConfirmation:
    step = _step(line)
    if line.ordered_quantity < 2 * step:
        return LineConfirmation(sequence=line.sequence, rejected=line.ordered_quantity, rejection_reason=RejectionReason.TEMPORARILY_UNAVAILABLE)
    rejected = step * rng.randint(1, line.ordered_quantity // step - 1)
    return LineConfirmation(
        sequence=line.sequence,
        accepted=line.ordered_quantity - rejected,
        rejected=rejected,
        rejection_reason=rng.choice([RejectionReason.TEMPORARILY_UNAVAILABLE, RejectionReason.OBSOLETE_PRODUCT]),
    )
