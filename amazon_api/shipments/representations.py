"""Shipments in Amazon's shapes: a Shipment for GetShipmentDetails, and for GetShipmentLabels a
TransportLabel carrying the portal's carton and pallet labels (one PDF, base64), whoever built the shipment."""

from __future__ import annotations

import base64
import datetime
from collections import defaultdict

from shipments import measurements
from shipments.measurements import Measurements
from shipments.models import Shipment, ShipmentState, TransportMode
from shipments.selectors import shipment_measurements
from shipments.services.labels import shipment_labels_document
from vendor_portal.models import VendorAccount

from ..representations import amazon_datetime, amazon_window, item_quantity
from .listing import SHIPPED_STATES
from .submissions import SHIP_MODES, TRANSPORT_METHODS

AMAZON_SHIP_MODES = {value: key for key, value in SHIP_MODES.items()}
AMAZON_TRANSPORT_METHODS = {value: key for key, value in TRANSPORT_METHODS.items()}
LABELS_PAGE_MAX_BYTES = 20 * 1024 * 1024  # a labels page stops early rather than grow past this


def _compact(data: dict) -> dict:
    return {key: value for key, value in data.items() if value is not None and value != "" and value != []}


def _party(code: str, place) -> dict:
    party = {"partyId": code}
    if place is not None and place.line1 and place.country_code:
        party["address"] = _compact(
            {
                "name": place.name or code,
                "addressLine1": place.line1,
                "addressLine2": place.line2,
                "city": place.city,
                "stateOrRegion": place.state_or_region,
                "postalCode": place.postal_code,
                "countryCode": place.country_code,
            }
        )
    return party


def selling_party_codes(shipments) -> dict:
    vendor_ids = {shipment.vendor_id for shipment in shipments}
    accounts = VendorAccount.objects.filter(vendor_id__in=vendor_ids).values_list("vendor_id", "marketplace_id", "vendor_code") if vendor_ids else []
    return {(vendor_id, marketplace_id): code for vendor_id, marketplace_id, code in accounts}


def _selling_party(shipment: Shipment, codes: dict) -> dict:
    return {"partyId": codes.get((shipment.vendor_id, shipment.marketplace_id)) or shipment.vendor.code}


AMAZON_WEIGHT_UNITS = {measurements.KG: "Kg", measurements.LB: "Lb"}


def amazon_weight(weight, unit: str) -> dict | None:
    """A weight as Amazon's `Weight`: kg and lb as they are."""
    if weight is None:
        return None
    return {"unitOfMeasure": AMAZON_WEIGHT_UNITS[unit], "value": measurements.plain(weight)}


def amazon_dimensions(values: Measurements) -> dict | None:
    """Dimensions as Amazon's `Dimensions`, which know inches but not centimetres: cm go as metres (exactly)."""
    if not values.has_dimensions:
        return None
    if values.dimension_unit == measurements.IN:
        unit, scale = "In", 1
    else:
        unit, scale = "Meter", 100
    length, width, height = (measurements.plain(value / scale) for value in (values.length, values.width, values.height))
    return {"length": length, "width": width, "height": height, "unitOfMeasure": unit}


def _shipment_measurements(shipment: Shipment, cartons: list, pallets: list, measures) -> dict:
    out = {"totalCartonCount": len(cartons), "totalPalletNonStackable": len(pallets)}
    weight = amazon_weight(measures.gross_weight, measures.weight_unit)
    if weight is not None:
        out["shipmentWeight"] = weight
    if measures.volume_m3 is not None:
        out["shipmentVolume"] = {"unitOfMeasure": "CuM", "value": measurements.plain(measures.volume_m3)}
    return out


def _status(shipment: Shipment) -> str:
    return "Shipped" if shipment.state in SHIPPED_STATES else "Created"


def shipment_representation(shipment: Shipment, *, codes: dict) -> dict:
    """A `Shipment`; lines, cartons (with items) and pallets should be prefetched."""
    statuses = [{"shipmentStatus": "Created", "shipmentStatusDate": amazon_datetime(shipment.created_at)}]
    if shipment.submitted_at:
        statuses.append({"shipmentStatus": "Shipped", "shipmentStatusDate": amazon_datetime(shipment.submitted_at)})
    orders: dict[str, dict] = {}
    for line in shipment.lines.all():
        po_line = line.purchase_order_line
        po = po_line.purchase_order
        order = orders.setdefault(
            po.number,
            {
                "purchaseOrderNumber": po.number,
                "purchaseOrderDate": amazon_datetime(po.order_date),
                "shipWindow": amazon_window(po.ship_window_start, po.ship_window_end),
                "items": [],
            },
        )
        order["items"].append(
            _compact(
                {
                    "itemSequenceNumber": str(po_line.sequence),
                    "buyerProductIdentifier": po_line.asin,
                    "vendorProductIdentifier": po_line.vendor_sku,
                    "shippedQuantity": item_quantity(line.quantity, po_line),
                }
            )
        )
    cartons = list(shipment.cartons.all())
    pallets = list(shipment.pallets.all())
    # What the ASN carried: stored values only (a draft's estimates are stored when it is submitted).
    measures = shipment_measurements(shipment=shipment, cartons=cartons, pallets=pallets, estimate=False)
    on_pallet = defaultdict(list)
    containers = []
    for carton in cartons:
        if carton.pallet_id:
            on_pallet[carton.pallet_id].append(str(carton.index))
        containers.append(
            _compact(
                {
                    "containerType": "carton",
                    "containerSequenceNumber": str(carton.index),
                    "containerIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": carton.sscc}],
                    "trackingNumber": carton.tracking_number,
                    "dimensions": amazon_dimensions(measures.cartons[carton.pk]),
                    "weight": amazon_weight(measures.cartons[carton.pk].weight, measures.cartons[carton.pk].weight_unit),
                    "packedItems": [
                        {
                            "itemSequenceNumber": str(item.shipment_line.purchase_order_line.sequence),
                            "buyerProductIdentifier": item.shipment_line.purchase_order_line.asin,
                            "vendorProductIdentifier": item.shipment_line.purchase_order_line.vendor_sku,
                            "packedQuantity": item_quantity(item.quantity, item.shipment_line.purchase_order_line),
                            "itemDetails": {"purchaseOrderNumber": item.shipment_line.purchase_order_line.purchase_order.number},
                        }
                        for item in carton.items.all()
                    ],
                }
            )
        )
    for pallet in pallets:
        inner = on_pallet.get(pallet.pk, [])
        containers.append(
            _compact(
                {
                    "containerType": "pallet",
                    "containerSequenceNumber": f"P{pallet.index}",
                    "containerIdentifiers": [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": pallet.sscc}],
                    "dimensions": amazon_dimensions(measures.pallets[pallet.pk]),
                    "weight": amazon_weight(measures.pallets[pallet.pk].weight, measures.pallets[pallet.pk].weight_unit),
                    "innerContainersDetails": {
                        "containerCount": len(inner),
                        "containerSequenceNumbers": [{"containerSequenceNumber": n} for n in inner],
                    },
                }
            )
        )
    transport = _compact(
        {
            "shipMode": AMAZON_SHIP_MODES.get(shipment.transport_mode),
            "transportationMode": AMAZON_TRANSPORT_METHODS.get(shipment.transport_method),
            "shippedDate": amazon_datetime(_midnight(shipment.ship_date)),
            "estimatedDeliveryDate": amazon_datetime(_midnight(shipment.estimated_arrival)),
            "shipmentDeliveryDate": amazon_datetime(shipment.received_at),
            "carrierDetails": _compact({"name": shipment.carrier_name, "code": shipment.carrier_scac, "shipmentReferenceNumber": shipment.pro_number})
            or None,
            "billOfLadingNumber": shipment.bol_number,
        }
    )
    return _compact(
        {
            "vendorShipmentIdentifier": shipment.shipment_identifier,
            "transactionType": "Cancel" if shipment.state == ShipmentState.CANCELLED else "New",
            "transactionDate": amazon_datetime(shipment.cancelled_at or shipment.submitted_at or shipment.created_at),
            "currentShipmentStatus": _status(shipment),
            "currentshipmentStatusDate": statuses[-1]["shipmentStatusDate"],
            "shipmentStatusDetails": statuses,
            "shipmentCreateDate": amazon_datetime(shipment.created_at),
            "shipmentConfirmDate": amazon_datetime(shipment.submitted_at),
            "packageLabelCreateDate": amazon_datetime(shipment.submitted_at) if cartons else None,
            "sellingParty": _selling_party(shipment, codes),
            "shipFromParty": _party(shipment.ship_from.code, shipment.ship_from) if shipment.ship_from else {"partyId": shipment.vendor.code},
            "shipToParty": _party(shipment.ship_to.code, shipment.ship_to),
            "shipmentMeasurements": _shipment_measurements(shipment, cartons, pallets, measures),
            "purchaseOrders": list(orders.values()),
            "containers": containers,
            "transportationDetails": transport or None,
        }
    )


def _midnight(day: datetime.date | None) -> datetime.datetime | None:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC) if day else None


def transport_labels(shipments, *, scope, actor, codes: dict) -> tuple[list[dict], int]:
    """A TransportLabel per shipment, its carton and pallet labels in one base64 PDF; stops before the
    page's PDFs pass LABELS_PAGE_MAX_BYTES (always at least one). Returns (labels, shipments used)."""
    out, total = [], 0
    for shipment in shipments:
        document = shipment_labels_document(scope=scope, shipment_id=shipment.pk, actor=actor)
        if out and total + document.size > LABELS_PAGE_MAX_BYTES:
            break
        with document.file.open("rb") as handle:
            encoded = base64.b64encode(handle.read()).decode("ascii")
        total += document.size
        count = shipment.cartons.count() + shipment.pallets.count()
        out.append(
            {
                "labelCreateDateTime": amazon_datetime(shipment.submitted_at),
                "shipmentInformation": _compact(
                    {
                        "vendorDetails": {"sellingParty": _selling_party(shipment, codes), "vendorShipmentIdentifier": shipment.shipment_identifier},
                        "shipToParty": _party(shipment.ship_to.code, shipment.ship_to),
                        "shipFromParty": _party(shipment.ship_from.code, shipment.ship_from) if shipment.ship_from else None,
                        "warehouseId": shipment.ship_from.code if shipment.ship_from else None,
                        "masterTrackingId": shipment.pro_number or shipment.bol_number,
                        "totalLabelCount": count,
                        "shipMode": "SmallParcel" if shipment.transport_mode == TransportMode.SMALL_PARCEL else "LTL",
                    }
                ),
                "labelData": [
                    _compact(
                        {
                            "labelSequenceNumber": 1,
                            "labelFormat": "PDF",
                            "carrierCode": shipment.carrier_scac,
                            "trackingId": shipment.pro_number or shipment.bol_number,
                            "label": encoded,
                        }
                    )
                ],
            }
        )
    return out, len(out)
