import datetime

from django.utils import timezone

from purchase_orders.models import PurchaseOrderState
from shipments.services.plans import ShipPlanInput, ShipPlanLine
from tests.audit_check import audit_exempt
from tests.factories import WarehouseFactory
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory
from vendor_portal.models import ShipFromAddress


def confirmed_purchase_order(vendor, *, lines=2, quantity=60, number=None, warehouse=None, **fields):
    """An acknowledged PO whose lines accepted everything ordered (case pack 6)."""
    extra = {"number": number} if number else {}
    if warehouse is not None:
        extra["ship_to"] = warehouse
        extra["marketplace"] = warehouse.marketplace
    po = PurchaseOrderFactory(vendor=vendor, state=PurchaseOrderState.ACKNOWLEDGED, acknowledged_at=timezone.now(), **extra, **fields)
    for sequence in range(1, lines + 1):
        PurchaseOrderLineFactory(purchase_order=po, sequence=sequence, ordered_quantity=quantity, accepted_quantity=quantity)
    return po


def ship_from(vendor, code="MAIN"):
    with audit_exempt():
        address, _ = ShipFromAddress.objects.get_or_create(
            vendor=vendor,
            code=code,
            defaults={
                "name": f"{vendor.name} warehouse",
                "line1": "1 Industrial Way",
                "city": "Reno",
                "state_or_region": "NV",
                "postal_code": "89502",
                "country_code": "US",
            },
        )
    return address


def plan(*purchase_orders, identifier="SHIP-1", quantities=None, ship_date=None, **fields) -> ShipPlanInput:
    """A ship plan for every line of the POs (their open quantity, or `quantities` by line)."""
    lines = []
    for po in purchase_orders:
        for line in po.lines.order_by("sequence"):
            quantity = (quantities or {}).get(line.pk, line.open_to_ship)
            lines.append(ShipPlanLine(purchase_order_line_id=line.pk, quantity=quantity))
    defaults = {"transport_mode": "ltl", "bol_number": "BOL-1", "carrier_scac": "ABFS", "carrier_name": "ABF Freight"}
    return ShipPlanInput(
        ship_to=purchase_orders[0].ship_to.code,
        shipment_identifier=identifier,
        ship_date=ship_date or timezone.localdate() + datetime.timedelta(days=3),
        lines=lines,
        **{**defaults, **fields},
    )


def warehouse(code="ABE2"):
    return WarehouseFactory(code=code)
