"""Non-trivial reads of shipments: lists, receiving summaries, label and packing-list data."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Count, F, Prefetch, Q, Sum

from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState
from shipments.labels import LabelData, LabelParty

from .models import Carton, CartonItem, ReceiptLine, Shipment, ShipmentState


def shipment_list(*, scope, state: str | None = None):
    queryset = (
        Shipment.objects.visible_to(scope)
        .select_related("ship_to", "vendor", "marketplace")
        .annotate(carton_count=Count("cartons", distinct=True), pallet_count=Count("pallets", distinct=True))
    )
    if state:
        queryset = queryset.filter(state=state)
    return queryset


def purchase_order_lines_open_to_ship(*, scope, ship_to=None):
    """Confirmed PO lines with units left to ship, for the ship plan builder."""
    queryset = (
        PurchaseOrderLine.objects.visible_to(scope)
        .filter(purchase_order__state__in=[PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED])
        .filter(shipped_quantity__lt=F("accepted_quantity") + F("backordered_quantity"))
        .select_related("purchase_order__ship_to", "product")
        .order_by("purchase_order__ship_window_end", "purchase_order__number", "sequence")
    )
    if ship_to is not None:
        queryset = queryset.filter(purchase_order__ship_to=ship_to)
    return queryset


def shipment_receiving_summary(*, shipment: Shipment) -> list[dict]:
    """Per shipment line: shipped (on the ASN), received, damaged, and over (+) or short (-)."""
    received = {
        row["shipment_line_id"]: row
        for row in ReceiptLine.objects.filter(receipt__shipment=shipment)
        .values("shipment_line_id")
        .annotate(received=Sum("quantity"), damaged=Sum("damaged_quantity"))
    }
    rows = []
    for line in shipment.lines.select_related("purchase_order_line__purchase_order").order_by("pk"):
        po_line = line.purchase_order_line
        got = received.get(line.pk, {})
        rows.append(
            {
                "shipment_line": line.pk,
                "purchase_order": po_line.purchase_order.number,
                "sequence": po_line.sequence,
                "vendor_sku": po_line.vendor_sku,
                "title": po_line.title,
                "shipped": line.quantity,
                "received": got.get("received") or 0,
                "damaged": got.get("damaged") or 0,
                "over_short": (got.get("received") or 0) - line.quantity,
            }
        )
    return rows


def shipment_ready_for_receiving(*, scope):
    return shipment_list(scope=scope).filter(state__in=[ShipmentState.SUBMITTED, ShipmentState.RECEIVING])


def _cartons_with_contents(shipment: Shipment):
    items = CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order", "shipment_line__purchase_order_line__product")
    return shipment.cartons.order_by("index").prefetch_related(Prefetch("items", queryset=items))


def _carton_summary(carton: Carton) -> tuple[list[str], set[str], int]:
    po_numbers, gtins, quantity = set(), set(), 0
    for item in carton.items.all():
        po_line = item.shipment_line.purchase_order_line
        po_numbers.add(po_line.purchase_order.number)
        gtins.add(po_line.product.gtin if po_line.product is not None else "")
        quantity += item.quantity
    return sorted(po_numbers), gtins, quantity


def shipment_label_data(*, shipment: Shipment) -> Iterator[LabelData]:
    """Carton marks (in carton order) then pallet labels, as the label renderer wants them.

    Streams cartons in chunks so a 1,000-carton shipment never sits in memory at once."""
    vendor = shipment.vendor
    if shipment.ship_from is not None:
        ship_from = LabelParty(shipment.ship_from.name or vendor.name, shipment.ship_from.address_lines())
    else:
        ship_from = LabelParty(vendor.name, [])
    warehouse = shipment.ship_to
    ship_to = LabelParty(warehouse.name, warehouse.address_lines())
    common = {
        "company_prefix_length": len(vendor.gs1_company_prefix),
        "ship_from": ship_from,
        "ship_to_code": warehouse.code,
        "ship_to": ship_to,
        "carrier_name": shipment.carrier_name or shipment.carrier_scac or "–",
        "pro_number": shipment.pro_number or None,
        "bol_number": shipment.bol_number or None,
    }
    carton_count = shipment.cartons.count()
    pallet_summaries: dict[int, dict] = defaultdict(lambda: {"po_numbers": set(), "gtins": set(), "quantity": 0, "cartons": 0})
    for carton in _cartons_with_contents(shipment).iterator(chunk_size=200):
        po_numbers, gtins, quantity = _carton_summary(carton)
        if carton.pallet_id is not None:
            summary = pallet_summaries[carton.pallet_id]
            summary["po_numbers"].update(po_numbers)
            summary["gtins"].update(gtins)
            summary["quantity"] += quantity
            summary["cartons"] += 1
        yield LabelData(
            kind="carton", sscc=carton.sscc, po_numbers=po_numbers, gtin=_single_gtin(gtins), quantity=quantity,
            index=carton.index, count=carton_count, **common,
        )
    pallets = list(shipment.pallets.order_by("index"))
    for pallet in pallets:
        summary = pallet_summaries[pallet.pk]
        yield LabelData(
            kind="pallet", sscc=pallet.sscc, po_numbers=sorted(summary["po_numbers"]), gtin=_single_gtin(summary["gtins"]),
            quantity=summary["quantity"], index=pallet.index, count=len(pallets), carton_count=summary["cartons"], **common,
        )


def _single_gtin(gtins: set[str]) -> str | None:
    """The GTIN when the carton or pallet holds one product; None prints "Mixed SKUs"."""
    if len(gtins) == 1:
        gtin = next(iter(gtins))
        return gtin or None
    return None


def shipment_packing_list_context(*, shipment: Shipment) -> dict:
    cartons = []
    for carton in _cartons_with_contents(shipment).select_related("pallet"):
        cartons.append(
            {
                "index": carton.index,
                "sscc": carton.sscc,
                "pallet": carton.pallet.index if carton.pallet_id else None,
                "tracking_number": carton.tracking_number,
                "items": [
                    {
                        "purchase_order": item.shipment_line.purchase_order_line.purchase_order.number,
                        "vendor_sku": item.shipment_line.purchase_order_line.vendor_sku,
                        "asin": item.shipment_line.purchase_order_line.asin,
                        "title": item.shipment_line.purchase_order_line.title,
                        "quantity": item.quantity,
                    }
                    for item in carton.items.all()
                ],
            }
        )
    lines = list(
        shipment.lines.select_related("purchase_order_line__purchase_order").order_by(
            "purchase_order_line__purchase_order__number", "purchase_order_line__sequence"
        )
    )
    return {
        "shipment": shipment,
        "lines": lines,
        "cartons": cartons,
        "pallets": list(shipment.pallets.annotate(carton_count=Count("cartons")).order_by("index")),
        "total_units": sum(line.quantity for line in lines),
    }


def shipment_documents(*, scope, shipment: Shipment):
    from vendor_portal.models import Document

    return Document.objects.visible_to(scope).filter(target_type=shipment._meta.label_lower, target_id=str(shipment.pk)).filter(
        Q(kind__startswith="packing_list") | Q(kind="shipment_labels")
    )
