"""Builders of Amazon vendorShipments request bodies for the portal's test POs, with vendor-given SSCCs."""

import datetime

from django.utils import timezone

from vendor_portal.gs1 import sscc_build

CONFIRMATIONS = "/vendor/shipping/v1/shipmentConfirmations"
SHIPMENTS = "/vendor/shipping/v1/shipments"
LABELS = "/vendor/shipping/v1/transportLabels"
MODEL = "vendorShipments.json"


def when(days: float = 0) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def sscc(vendor, serial: int, extension: int = 5) -> str:
    return sscc_build(extension_digit=extension, company_prefix=vendor.gs1_company_prefix, serial=serial)


def eaches(amount: int) -> dict:
    return {"amount": amount, "unitOfMeasure": "Eaches", "unitSize": 1}


def ident(number: str) -> list[dict]:
    return [{"containerIdentificationType": "SSCC", "containerIdentificationNumber": number}]


def confirmation(po, *, identifier="ASN-ACMESECRET-1", cartons_per_line=2, first_serial=100, party="ACMEUS", pallet=True, **overrides) -> dict:
    """Every line of `po` shipped in full by LTL, in `cartons_per_line` cartons per line, all on one pallet."""
    vendor = po.vendor
    items, cartons = [], []
    serial = first_serial
    for position, line in enumerate(po.lines.order_by("sequence"), start=1):
        quantity = line.open_to_ship
        items.append(
            {
                "itemSequenceNumber": str(position),
                "amazonProductIdentifier": line.asin,
                "vendorProductIdentifier": line.vendor_sku,
                "shippedQuantity": eaches(quantity),
                "itemDetails": {"purchaseOrderNumber": po.number},
            }
        )
        share = quantity // cartons_per_line
        for n in range(cartons_per_line):
            packed = share if n < cartons_per_line - 1 else quantity - share * (cartons_per_line - 1)
            cartons.append(
                {
                    "cartonIdentifiers": ident(sscc(vendor, serial)),
                    "cartonSequenceNumber": str(len(cartons) + 1),
                    "trackingNumber": f"1Z{serial:08d}",
                    "items": [{"itemReference": str(position), "shippedQuantity": eaches(packed)}],
                }
            )
            serial += 1
    body = {
        "shipmentIdentifier": identifier,
        "shipmentConfirmationType": "Original",
        "shipmentType": "LessThanTruckLoad",
        "transportationDetails": {
            "carrierScac": "ABFS",
            "carrierShipmentReferenceNumber": "PRO-1",
            "transportationMode": "Road",
            "billOfLadingNumber": "BOL-1",
        },
        "shipmentConfirmationDate": when(),
        "shippedDate": when(-0.1),
        "estimatedDeliveryDate": when(3),
        "sellingParty": {"partyId": party},
        "shipFromParty": {"partyId": "MAIN"},
        "shipToParty": {"partyId": po.ship_to.code},
        "shippedItems": items,
        "cartons": cartons,
    }
    if pallet:
        body["pallets"] = [
            {
                "palletIdentifiers": ident(sscc(vendor, serial)),
                "cartonReferenceDetails": {"cartonCount": len(cartons), "cartonReferenceNumbers": [c["cartonSequenceNumber"] for c in cartons]},
            }
        ]
    body.update(overrides)
    return body


def given_ssccs(body: dict) -> list[str]:
    """The SSCCs of a confirmation in label order: cartons, then pallets."""
    numbers = [c["cartonIdentifiers"][0]["containerIdentificationNumber"] for c in body.get("cartons", [])]
    return numbers + [p["palletIdentifiers"][0]["containerIdentificationNumber"] for p in body.get("pallets", [])]


def shipment(po, *, identifier="SHP-ACMESECRET-1", first_serial=300, party="ACMEUS") -> dict:
    """A SubmitShipments Shipment: small parcel, one carton per line with a tracking number."""
    vendor = po.vendor
    lines = list(po.lines.order_by("sequence"))
    return {
        "vendorShipmentIdentifier": identifier,
        "transactionType": "New",
        "transactionDate": when(-0.1),
        "sellingParty": {"partyId": party},
        "shipFromParty": {"partyId": "MAIN"},
        "shipToParty": {"partyId": po.ship_to.code},
        "purchaseOrders": [
            {
                "purchaseOrderNumber": po.number,
                "items": [
                    {"itemSequenceNumber": str(line.sequence), "buyerProductIdentifier": line.asin, "shippedQuantity": eaches(line.open_to_ship)}
                    for line in lines
                ],
            }
        ],
        "containers": [
            {
                "containerType": "carton",
                "containerSequenceNumber": str(n),
                "containerIdentifiers": ident(sscc(vendor, first_serial + n)),
                "trackingNumber": f"1ZTRACK{n}",
                "packedItems": [{"itemSequenceNumber": str(line.sequence), "packedQuantity": eaches(line.open_to_ship)}],
            }
            for n, line in enumerate(lines, start=1)
        ],
        "transportationDetails": {
            "shipMode": "SmallParcel",
            "transportationMode": "Road",
            "shippedDate": when(-0.1),
            "carrierDetails": {"name": "UPS", "code": "UPSN"},
        },
    }
