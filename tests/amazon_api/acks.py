"""Builders of Amazon SubmitAcknowledgementRequest bodies for the portal's test POs."""

import datetime

from django.utils import timezone

from vendor_portal.money import per_each

ACKNOWLEDGEMENTS = "/vendor/orders/v1/acknowledgements"


def when(days: float) -> str:
    return (timezone.now() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def quantity(amount: int, unit: str = "Eaches", size: int = 1) -> dict:
    return {"amount": amount, "unitOfMeasure": unit, "unitSize": size}


def accepted(amount: int, **extra) -> dict:
    return {"acknowledgementCode": "Accepted", "acknowledgedQuantity": quantity(amount), **extra}


def backordered(amount: int, **extra) -> dict:
    return {"acknowledgementCode": "Backordered", "acknowledgedQuantity": quantity(amount), "scheduledShipDate": when(5), **extra}


def rejected(amount: int, reason: str | None = "TemporarilyUnavailable") -> dict:
    given = {"acknowledgementCode": "Rejected", "acknowledgedQuantity": quantity(amount)}
    if reason:
        given["rejectionReason"] = reason
    return given


def item(line, *acknowledgements, **overrides) -> dict:
    return {
        "itemSequenceNumber": str(line.sequence),
        "amazonProductIdentifier": line.asin,
        "vendorProductIdentifier": line.vendor_sku,
        "orderedQuantity": quantity(line.ordered_quantity),
        "netCost": {"currencyCode": "USD", "amount": str(per_each(line.net_cost, line.eaches_per_unit))},  # Amazon's: per each
        "itemAcknowledgements": list(acknowledgements) or [accepted(line.ordered_quantity, scheduledShipDate=when(3))],
        **overrides,
    }


def acknowledgement(po, items=None, party: str = "ACMEUS") -> dict:
    lines = list(po.lines.order_by("sequence"))
    return {
        "purchaseOrderNumber": po.number,
        "sellingParty": {"partyId": party},
        "acknowledgementDate": when(0),
        "items": items if items is not None else [item(line) for line in lines],
    }


def body(*acknowledgements) -> dict:
    return {"acknowledgements": list(acknowledgements)}
